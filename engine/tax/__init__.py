"""Tax: realised gains per lot, and each investor's financial year, as the law computes it.

    realised.realise(ledger, policy, fmv)       -> the gain on every part of every lot sold
    year.compute(parts, law, investor, fy, ...)  -> set-off, exemption, tax, carry-forward

Every rate, period, date and limit comes from the policy's tax law (rules/india.rules);
nothing here restates the law's numbers.
"""
