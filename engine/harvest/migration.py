"""Migration valued in rupees (docs/harvesting.md, "Migration and consolidation"; issue 14, items 2 and 3).

A fund moves into another when it is `legacy, replace with SECID`, or when its asset says
`consolidate into SECID` (and it is not that fund): its rebuy goes there, and under
`value expense savings over N years` each rupee moved is worth the expense it saves:

    saving per rupee = (ER_old - ER_new) x A,   A = sum over t = 1..N of 1 / (1 + r)^t

`r` is the discount rate of `value future tax at r a year over H years` (time_value.py: the same
rule, annual compounding; 0% by default, then A = N). A year's saving is counted at the end of
the year it accrues in, on the amount moved (its growth is not counted: conservative). Both
expense ratios must be stated and the old one higher; otherwise the saving is 0. Exact: Fractions,
the plan's rupees rounded once to the paisa (evaluation.py); the solver gets floats (formulation.py).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from engine.policy.model import Policy, Security
from engine.tax.complete import portfolio_of, security_of

ZERO = Fraction(0)


def target_of(policy: Policy, security: Security) -> Security | None:
    """Where the money of a sale of `security` goes on a rebuy, when not back into it: a legacy
    fund's replacement, else the fund its asset consolidates into; None: the same fund."""
    portfolio = portfolio_of(policy)
    if security.legacy and security.replacement:
        return portfolio.security(security.replacement)
    into = next((a.consolidate_into for a in portfolio.assets if a.name == security.asset), None)
    if into is None or into in (security.id, security.isin):
        return None
    return portfolio.security(into)


def annuity(rate: Decimal, years: int) -> Fraction:
    """A = sum over t = 1..years of 1 / (1 + rate)^t: a rupee a year for `years` years, today."""
    v = 1 / (1 + Fraction(rate))
    return sum((v ** t for t in range(1, years + 1)), ZERO)


def expense_gap(policy: Policy, ident: str) -> Decimal:
    """ER_old - ER_new for selling `ident` into its target (both stated, the old higher), else 0."""
    security = security_of(policy, ident)
    target = target_of(policy, security)
    if target is None or security.expense_ratio is None or target.expense_ratio is None:
        return Decimal(0)
    return max(Decimal(0), security.expense_ratio - target.expense_ratio)


def saving_per_rupee(policy: Policy, ident: str) -> Fraction:
    """What a rupee moved out of `ident` saves over the policy's horizon, today: 0 unless the
    policy states `value expense savings over N years`."""
    rule = policy.harvest
    if rule is None or rule.savings_years is None:
        return ZERO
    gap = expense_gap(policy, ident)
    return Fraction(gap) * annuity(rule.discount, rule.savings_years) if gap else ZERO


def break_even_months(tax: Decimal, amount: Decimal, gap: Decimal) -> int | None:
    """Whole months (rounded up) until the expense saved on `amount` at `gap` a year, undiscounted,
    pays back `tax`: 0 when no tax; None when nothing is saved."""
    if tax <= 0:
        return 0
    saved_a_month = amount * gap / 12
    if saved_a_month <= 0:
        return None
    return int((tax / saved_a_month).to_integral_value(rounding=ROUND_CEILING))
