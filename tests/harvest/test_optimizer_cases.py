"""Cases a review of the year-end optimizer found wrong, each derived by hand, each judged on
the tax engine's own computation of the year (engine/tax/year.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from engine.harvest.optimizer import allowance_of, plan_year_end
from engine.harvest.program import Program
from engine.ledger.fifo import Ledger, Lot
from engine.plans.sell_choice import TaxPosition
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import value_lots
from engine.transactions import Price

SOLVE = Program.solve

AS_OF = date(2026, 3, 20)  # FY 2025-26: long 12.5%, short 20%, cess 4%, exemption 1,25,000
FY = 2025


def _policy(check, margin="1,000", more="", assets='asset "Equity" 100% class equity\n', funds=""):
    text = f'''use "india"
portfolio "P" {{
    investor asha "Asha"
    {assets}
    fund EQ "Equity fund" holds "Equity"
    {funds}
}}
harvest at year end {{
    realise gains up to the exemption, keep Rs {margin} margin
    {more}
}}
'''
    result = check(text)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


def _plan(policy, lots, price, realised=()):
    built = [Lot((n,), "asha", "F1", "EQ", day, D(units), D(cost), f"t:{n}", "BUY")
             for n, (day, units, cost) in enumerate(lots)]
    holdings, problems = value_lots(Ledger(tuple(built), ()), policy, lambda s, d: Price(d, s, D(price)), {}, AS_OF)
    assert not problems
    plan = plan_year_end(policy, holdings, TaxPosition(policy, FY, {"asha": list(realised)}, {}), AS_OF)
    (ip,) = plan.investors
    return ip


def _part(gain, term, rate, tax_class="equity", exemptable=None):
    return RealisedPart("asha", "X", "S", tax_class, date(2025, 9, 1), "t", "R", date(2024, 1, 1), D(1), D(0), D(0),
                        D(0), D(0), D(gain), term, rate, term == "long-term" if exemptable is None else exemptable, FY)


def test_a_lot_behind_a_run_needs_the_whole_run_sold_first(check):
    # Price 1,000. A: 100 units cost 50,000 (gain 500/unit); B: the same (a run: B gains no
    # more per unit); C: 100 units cost 10,000 (gain 900/unit). FIFO: A and B whole (1,00,000)
    # then 24,000 / 900 = 26.666 units of C (23,999.40): net LTCG 1,23,999.40 <= 1,24,000.
    # (The first version sold B whole and part of C, skipping A: 91,111, Rs 4,276 of value lost.)
    ip = _plan(_policy(check), [(date(2022, 5, 10), 100, 50000), (date(2022, 6, 10), 100, 50000),
                               (date(2023, 1, 10), 100, 10000)], "1000")
    assert ip.units == {("asha", "F1", "EQ"): D("226.666")}
    assert ip.outcome.after.net_ltcg == D("123999.40") and ip.outcome.after.total_tax == 0


def test_short_term_gains_already_realised_leave_the_exemption_room_alone(check):
    # STCG 1,00,000 already booked (taxed 20%): it uses none of the s.112A room. Two long-term
    # lots of gain 60,000 each: both fit in 1,24,000 -> net LTCG 1,20,000, tax unchanged at
    # 1,00,000 x 20% x 1.04 = 20,800. (The first version pruned the second lot.)
    ip = _plan(_policy(check), [(date(2022, 5, 10), 100, 40000), (date(2022, 6, 10), 100, 40000)], "1000",
               [_part(100000, "short-term", D("0.2"))])
    assert ip.units == {("asha", "F1", "EQ"): D(200)}
    assert ip.outcome.after.net_ltcg == D(120000)
    assert ip.outcome.before.total_tax == ip.outcome.after.total_tax == D(20800)


def test_a_short_term_loss_meets_a_slab_gain_before_the_exempt_long_term_gains(check):
    # The year: a debt STCG of 50,000 at slab (the investor states none) and an equity STCL of
    # 30,000. The law's order (year._order): taxed tranches first, a slab gain of unknown rate
    # included, exempt parts last, so the 30,000 loss meets the debt gain, not the LTCG. The
    # plan may then realise net LTCG of 1,25,000 - 10,000 = 1,15,000 and no more: 230 units of
    # gain 500.
    policy = _policy(check, "10,000", assets='asset "Equity" 100% class equity\n    asset "Debt" 0% class specified-fund',
                     funds='fund DEBT "Debt fund" holds "Debt"')
    ip = _plan(policy, [(date(2022, 5, 10), 400, 200000)], "1000",
               [_part(50000, "short-term", "slab", "specified-fund", False), _part(-30000, "short-term", D("0.2"))])
    assert ip.outcome.after.net_ltcg == D(115000) == allowance_of(policy, ip.outcome.before)
    assert ip.units == {("asha", "F1", "EQ"): D(230)}


def test_rounding_a_loss_up_never_makes_an_order_a_loss_the_policy_would_not_harvest(check):
    # A long-term lot of gain 3,000 (100 units, 30 each) in front of a short-term loss lot
    # (100 units, -70 each) under `harvest losses larger than Rs 5,000`, with STCG 10,000
    # taxed this year. An order may net zero or lose more than 5,000 (the whole queue: -4,000,
    # not enough), so the best is 100 + 3,000 / 70 = 142.857 units: net gain +0.01. Rounding
    # the loss part up (142.858) would net -0.06, a loss the policy would not harvest.
    policy = _policy(check, more="harvest losses larger than Rs 5,000\n    never realise short-term gains")
    ip = _plan(policy, [(date(2022, 5, 10), 100, 7000), (date(2025, 6, 1), 100, 17000)], "100",
               [_part(10000, "short-term", D("0.2"))])
    (order,) = ip.outcome.orders
    net = sum((s.gain for s in order.lots), D(0))
    assert order.units == D("142.857") and net == D("0.01")


def test_a_lot_inside_a_run_needs_every_lot_in_front_of_the_run_sold_first(check):
    # Price 1,000. A: 1,000 units cost 9,00,000 (gain 100/unit); B: 10 units cost 5,000 (gain
    # 500/unit: more than A, so B starts a run and needs A whole); C: 1,000 units cost 5,10,000
    # (gain 490/unit, no more than B: in B's run). FIFO: A whole (1,00,000), B whole (5,000),
    # then 19,000 / 490 = 38.775 units of C (18,999.75): net LTCG 1,23,999.75, 1,048.775 units.
    # (Issue 11: the run's later lots were not gated by the run's binary, so the program took
    # 253 units of C alone, the cheapest 1,24,000 of gain in proceeds; read back from the front
    # of the queue they were 252.857 units of A: net LTCG 25,285.70.)
    ip = _plan(_policy(check), [(date(2022, 5, 10), 1000, 900000), (date(2022, 6, 10), 10, 5000),
                               (date(2023, 1, 10), 1000, 510000)], "1000")
    assert ip.units == {("asha", "F1", "EQ"): D("1048.775")}
    assert ip.outcome.after.net_ltcg == D("123999.75") and ip.outcome.after.total_tax == 0
    assert ip.outcome.tax_value == D("16119.97")  # 1,23,999.75 x 13%


def test_a_taxed_debt_gain_covered_by_a_long_term_loss_is_sold_by_whole_counts(check, monkeypatch):
    # Issue 14 (the referee's time instance 114). A 30% slab; STCG 800 (20%) and LTCG 1,21,000
    # realised this FY: 4,000 of the exemption left. An equity fund at 3,50,000 a unit: 0.002 bought
    # 2023-05-10 for 350 (+350 long-term), 0.002 the same day for 840 (-140 long-term), 0.001 bought
    # 2025-12-15 for 560 (-210 short-term). A debt fund at 3,00,000: 0.003 bought 2023-02-01 for 450
    # (+450: long-term after 24 months at 12.5%, not exemptable, 150 a count of 0.001) in front of
    # 0.003 bought 2023-05-10 for 1,440 (-540, s.50AA). No growth: a rebuy of the debt fund has no
    # status price. Without a plan the tax is 800 x 20% x 1.04 = 166.40.
    # Best: all the equity fund and one count of the debt fund. The short-term loss meets the STCG:
    # 590 x 20% = 118; the long-term loss 140 meets the debt gain 150, not the exempt equity gains:
    # 10 x 12.5% = 1.25; tax (118 + 1.25) x 1.04 = 124.02, saved 42.38; step-up (350 - 140 - 210 +
    # 150) x 13% = 19.50: tax value 61.88. Without the debt fund the loss of 140 meets exempt gains:
    # 42 x 1.04 = 43.68, what the program gave when fund counts were continuous: it stopped the debt
    # lot at 140 / 150 = 0.933 counts (beyond that the gain is taxed and worth nothing) and rounding
    # down sold none of it (Rs 18.20 lost).
    policy, holdings, realised = _tv_114(check)
    solves = []
    monkeypatch.setattr(Program, "solve", lambda self, *a, **k: solves.append(sum(self.integer)) or SOLVE(self, *a, **k))
    (ip,) = plan_year_end(policy, holdings, TaxPosition(policy, FY, {"asha": realised}, {}), AS_OF).investors
    assert ip.units == {("asha", "F1", "EQ"): D("0.005"), ("asha", "F1", "DEBT"): D("0.001")}
    # Two solves (rounding.costly_parts): the first, fund counts continuous, stops the debt lot at
    # 0.933 counts, rounded down to none: 0.933 x 150 x 13% = Rs 18.20 of step-up at stake, more than
    # ROUNDING_SHARE (Rs 0.25); the second has that lot whole (an integer, and its FIFO binary).
    assert len(solves) == 2 and solves[1] > solves[0]
    assert ip.outcome.tax_saved == D("42.38") and ip.outcome.step_up == D("19.50")
    assert ip.outcome.tax_value == D("61.88")


def _tv_114(check):
    """The instance of the test above: its policy, holdings and the year's realised parts."""
    policy = check(f'''use "india"
portfolio "P" {{
    investor asha "Asha" slab 30%
    asset "Equity" 100% class equity
    asset "Debt" 0% class specified-fund
    fund EQ "Equity fund" holds "Equity"
    fund DEBT "Debt fund" holds "Debt"
}}
harvest at year end {{
    realise gains up to the exemption
    allow short-term gains up to Rs 500
    expect growth of 0% a year
}}
''').policy
    lots = [Lot((n,), "asha", "F1", security, day, D(units), D(cost), f"t:{n}", "BUY")
            for n, (security, day, units, cost) in enumerate([
                ("EQ", date(2023, 5, 10), "0.002", "350"), ("EQ", date(2023, 5, 10), "0.002", "840"),
                ("EQ", date(2025, 12, 15), "0.001", "560"), ("DEBT", date(2023, 2, 1), "0.003", "450"),
                ("DEBT", date(2023, 5, 10), "0.003", "1440")])]
    prices = {"EQ": D(350000), "DEBT": D(300000)}
    holdings, problems = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, prices[s]), {}, AS_OF)
    assert not problems
    realised = [_part(800, "short-term", D("0.2")), _part(121000, "long-term", D("0.125"))]
    return policy, holdings, realised


def test_a_later_solve_stopped_short_leaves_the_last_plan_not_proven(check, monkeypatch):
    # The instance above, its second solve stopped by the time limit with no plan: the first plan
    # stands (nothing of the debt lot: 0.005 of the equity fund, the 0.933 debt counts rounded down),
    # but not as the best: its gap is what the rejected rounding may have cost, 0.933 counts x Rs 150
    # x 13% = Rs 18.20 of step-up given up (the program's worth of a count, floats; rounded up to the
    # paisa), against the best plan's Rs 61.88 - 43.68 = 18.20.
    from engine.harvest.program import Solved

    policy, holdings, realised = _tv_114(check)
    calls = []

    def first_only(self, *a, **k):
        calls.append(1)
        return SOLVE(self, *a, **k) if len(calls) == 1 else Solved(None, False, 0.0, "Time limit reached")

    monkeypatch.setattr(Program, "solve", first_only)
    (ip,) = plan_year_end(policy, holdings, TaxPosition(policy, FY, {"asha": realised}, {}), AS_OF).investors
    assert len(calls) == 2
    assert ip.units == {("asha", "F1", "EQ"): D("0.005")}
    assert ip.outcome.tax_value == D("43.68")
    assert ip.gap == D("18.20")


def test_a_short_term_loss_meets_taxed_long_term_gains_before_a_slab_gain(check):
    # Issue 14 (seed 10,255 of the referee's richer instances, at scale). The year: LTCG 1,73,000,
    # a debt STCG of 22,000 at slab (the investor states none) and an equity STCL of 11,000.
    # The tax engine carves the exemption (1,25,000) out of the LTCG first, leaving a taxed
    # tranche of 48,000 at 12.5%, which ranks before the slab gain of unknown rate: the loss
    # meets it. Net LTCG 1,62,000, taxed 37,000: 4,625 + 4% cess = 4,810. The allowance is the
    # year's own, 1,62,000 (above 1,25,000 - 1,000).
    # The program's short-loss chain met every short-term bucket first: the loss went to the slab
    # gain, net LTCG 1,73,000 > 1,62,000 whatever the plan (the loss lot below covers only
    # 6,000), so HiGHS proved it infeasible and the plan sold nothing (tax value 0).
    # The best plan: A whole, a long-term loss of 6,000 (100 units at 1,000, cost 1,06,000),
    # set off against the taxed LTCG: net LTCG 1,56,000, taxed 31,000: 3,875 + 155 = 4,030,
    # saving 780; its step-down at 7% over 10 years is 6,000 x 13% x 1/1.07^10 = 780 x
    # 0.5083492921 = 396.51, so the tax value is 780 - 396.51 = 383.49. B behind it (gain
    # 50,000) would be taxed: each rupee pays 13% now for 6.6% of step-up, and no new tax.
    policy = _policy(check, more="value future tax at 7% a year over 10 years",
                     assets='asset "Equity" 100% class equity\n    asset "Debt" 0% class specified-fund',
                     funds='fund DEBT "Debt fund" holds "Debt"')
    year = [_part(173000, "long-term", D("0.125")), _part(22000, "short-term", "slab", "specified-fund", False),
            _part(-11000, "short-term", D("0.2"))]
    ip = _plan(policy, [(date(2022, 5, 10), 100, 106000), (date(2022, 6, 10), 100, 50000)], "1000", year)
    before, after = ip.outcome.before, ip.outcome.after
    assert (before.net_ltcg, before.total_tax, ip.allowance) == (D(162000), D(4810), D(162000))
    assert ip.units == {("asha", "F1", "EQ"): D(100)}
    assert (after.net_ltcg, after.total_tax) == (D(156000), D(4030))
    assert (ip.outcome.tax_saved, ip.outcome.step_up, ip.outcome.tax_value) == (D(780), D("-396.51"), D("383.49"))


def _integers(monkeypatch) -> list[int]:
    """The integer columns of each program solved (recorded on the way to the solver)."""
    counts: list[int] = []
    monkeypatch.setattr(Program, "solve", lambda self, *a, **k: counts.append(sum(self.integer)) or SOLVE(self, *a, **k))
    return counts


def test_a_later_lot_gaining_more_per_unit_shares_the_run_and_is_sold_in_fifo_order(check, monkeypatch):
    # Issue 14 (runs without monotony). Price 1,000, no exit load. A: 100 units cost 90,000 (gain
    # 100/unit); B: 200 units cost 2,00,000 - 1,80,000 = 20,000 (gain 900/unit: more than A). One
    # bucket (long-term equity), one future rate: the tax value of any units of A and B is their gain
    # x 13%, so they share one run (no FIFO binary between them: the only integer is the queue's
    # order binary). The program may take 137.777 units of B alone (fewer proceeds); read in FIFO
    # order the same gain is A whole (10,000) then 1,14,000 / 900 = 126.666 units of B (1,13,999.40):
    # net LTCG 1,23,999.40 within 1,24,000, 226.666 units, tax value 1,23,999.40 x 13% = 16,119.92.
    integers = _integers(monkeypatch)
    ip = _plan(_policy(check), [(date(2022, 5, 10), 100, 90000), (date(2023, 1, 10), 200, 20000)], "1000")
    assert integers == [1]
    assert ip.units == {("asha", "F1", "EQ"): D("226.666")}
    assert ip.outcome.after.net_ltcg == D("123999.40") and ip.outcome.after.total_tax == 0
    assert ip.outcome.tax_value == D("16119.92")


def test_a_run_of_short_term_losses_is_sold_in_fifo_order(check, monkeypatch):
    # Issue 14 (runs of losses). STCG 10,000 realised this FY (20%: tax 10,000 x 20% x 1.04 = 2,080).
    # Price 1,000. S1: 100 units bought 2025-06-01 at 1,050 (loss 50/unit, short-term); S2: 100 units
    # bought 2025-07-01 at 1,200 (loss 200/unit: more than S1). A short-term loss meets the STCG now
    # (20.8%) and steps the basis down by as much (13% later, long-term): worth 7.8% a rupee up to the
    # STCG, -13% beyond it (carried forward for nothing). One run (one bucket, one future rate): the
    # program may take 50 units of S2 alone; in FIFO order the same loss is S1 whole (5,000) then
    # 5,000 / 200 = 25 units of S2: 125 units, tax 0, saved 2,080, step-down 10,000 x 13% = 1,300:
    # tax value 780.00.
    integers = _integers(monkeypatch)
    ip = _plan(_policy(check), [(date(2025, 6, 1), 100, 105000), (date(2025, 7, 1), 100, 120000)], "1000",
               [_part(10000, "short-term", D("0.2"))])
    assert integers == [1]
    assert ip.units == {("asha", "F1", "EQ"): D("125")}
    assert ip.outcome.before.total_tax == D(2080) and ip.outcome.after.total_tax == 0
    assert ip.outcome.tax_value == D("780.00")


def test_a_lot_of_no_gain_is_never_in_a_run(check, monkeypatch):
    # A (100 units, gain 100/unit), Z (100 units bought at today's price: no gain), B (200 units, gain
    # 900/unit). A lot of no gain is in no run (the repacking hands out gain, and would hand Z none):
    # binaries before Z and before B. FIFO: A whole (10,000), Z whole (0), then 1,14,000 / 900 = 126.666
    # units of B: 326.666 units, net LTCG 1,23,999.40.
    integers = _integers(monkeypatch)
    ip = _plan(_policy(check), [(date(2022, 5, 10), 100, 90000), (date(2022, 8, 10), 100, 100000),
                               (date(2023, 1, 10), 200, 20000)], "1000")
    assert integers == [3]
    assert ip.units == {("asha", "F1", "EQ"): D("326.666")}
    assert ip.outcome.after.net_ltcg == D("123999.40")
