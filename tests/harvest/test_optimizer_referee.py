"""The year-end optimizer against an exact method: exhaustive search over every FIFO-legal
plan, on 500 generated instances, and on 300 richer ones (at the end of this file).

Each instance has one or two investors (each their own taxpayer), one to three queues each
(two folios of a fund and a demat holding of a stock), lots bought short- or long-term, in
gain or at a loss (so loss lots stand in front of gain lots and short-term lots behind
long-term ones), gains and losses already realised this FY, brought-forward losses, and a
random harvest policy (margin, loss threshold, short-term gains, exit loads; in about 40% of
instances future tax valued at a discount rate over a horizon, and in the richer ones an expected
growth that prices the s.50AA status a debt rebuy takes: `_time_statements`). The numbers are
small (an exemption of Rs 40, lots of a few rupees) so that every plan can be listed: the
structure, not the scale, is what is tested.

For every plan the referee computes the year with the tax engine (engine/tax/year.py) and
keeps it if it breaks no constraint; the best tax value (tax saved + step-up - status cost - exit loads,
docs/harvesting.md) among them is the optimum. The optimizer's plan must break no constraint
and reach that optimum within Re 1.
"""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.harvest.optimizer import allowance_of, evaluate, plan_year_end, queues_of
from engine.ledger.fifo import Ledger, Lot
from engine.policy import check_file
from engine.plans.sell_choice import TaxPosition
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import value_lots
from engine.tax.year import Loss
from engine.transactions import Price

pytestmark = pytest.mark.slow  # the exhaustive referee: every FIFO-legal plan of 800 instances

AS_OF = date(2026, 3, 20)  # FY 2025-26; sales after 23 July 2024: short 20%, long 12.5%, cess 4%
FY = 2025

LAW = """
tax "Small" {
    year starts April 1
    lots fifo per account
    cess 4% from FY 2018-19
    class equity {
        long-term after 12 months
        sold from 2024-07-23: short 20%, long 12.5%
        exemption Rs 40 from FY 2018-19
    }
    set-off {
        short-term loss against short-term gain, long-term gain
        long-term loss against long-term gain
        carry forward 8 years
    }
    charges {
        stt 0.001% on sale of equity funds
        stt 0.1% on purchase and sale of stocks
        stamp duty 0.005% on purchase of funds
        stamp duty 0.015% on purchase of stocks
    }
}
"""


def _time_statements(seed: int, growth: bool = False) -> list[str]:
    """The objective's time terms for about 40% of instances (docs/harvesting.md, "The objective"),
    drawn from their own generator so that the other draws, and so the instances, stay as they were."""
    rng = random.Random(f"time:{seed}")
    out = []
    if rng.random() < 0.4:
        out.append(f"value future tax at {rng.choice(['3%', '7%', '12.5%', '40%'])} a year over "
                   f"{rng.choice([1, 5, 10, 30])} years")
    if growth and rng.random() < 0.5:
        out.append(f"expect growth of {rng.choice(['0%', '0.5%', '4%', '15%'])} a year")
    return out


def _policy(tmp_path: Path, rng: random.Random, seed: int = 0):
    harvest = []
    if rng.random() < 0.7:
        harvest.append(f"realise gains up to the exemption, keep Rs {rng.choice([0, 1, 3])} margin")
    if rng.random() < 0.5:
        harvest.append(f"harvest losses larger than Rs {rng.choice([1, 2, 4])}")
    if rng.random() < 0.7:
        harvest.append("never realise short-term gains")
    elif rng.random() < 0.5:
        harvest.append(f"allow short-term gains up to Rs {rng.choice([2, 5])}")
    if rng.random() < 0.5:
        harvest.append("never pay exit load")
    if rng.random() < 0.5:
        harvest.append("sell legacy funds first")
    harvest += _time_statements(seed)
    load = "\n        exit load 1% within 365 days" if rng.random() < 0.5 else ""
    text = f"""{LAW}
portfolio "P" {{
    investor asha "Asha"
    investor ravi "Ravi"
    asset "Equity" 100% class equity
    fund INF000000001 "Index fund" holds "Equity"{load}
    fund INF000000002 "Legacy fund" holds "Equity"
        legacy, replace with INF000000001
    stock STOCKA "A stock" holds "Equity"
}}
harvest at year end {{
    {chr(10).join('    ' + h for h in harvest)}
}}
"""
    path = tmp_path / "policy.rules"
    path.write_text(text, encoding="utf-8")
    result = check_file(path)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


def _instance(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    policy = _policy(tmp_path, rng, seed)
    prices = {"INF000000001": D(rng.choice(["2000", "3500", "4800"])), "INF000000002": D(rng.choice(["1500", "2600"])),
              "STOCKA": D(rng.choice(["40", "75", "120"]))}
    lots = []
    investors = ["asha"] if rng.random() < 0.6 else ["asha", "ravi"]
    for investor in investors:
        queues = rng.sample([("F1", "INF000000001"), ("F2", "INF000000001"), ("F1", "INF000000002"),
                             ("D1", "STOCKA")], rng.randint(1, 3))
        for account, security in queues:
            budget = 8  # at most 8 counts of units per queue, so that every plan can be listed
            for n in range(rng.randint(1, 3)):
                stock = security == "STOCKA"
                counts = rng.randint(1, min(3, budget))
                budget -= counts
                units = D(counts) if stock else D(counts) / 1000
                bought = rng.choice([date(2023, 5, 10), date(2024, 11, 2), date(2025, 6, 1), date(2025, 12, 15)])
                per_unit = prices[security] * D(rng.choice(["0.3", "0.6", "0.9", "1.1", "1.4"]))
                lots.append(Lot((seed, investor, account, security, n), investor, account, security, bought, units,
                                (units * per_unit).quantize(D("0.01")), f"t:{n}", "BUY"))
                if budget <= 0:
                    break
    lots.sort(key=lambda lot: (lot.investor, lot.account, lot.security, lot.acquired))
    holdings, problems = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, prices[s]), {}, AS_OF)
    assert not problems
    realised, losses = {}, {}
    for investor in investors:
        parts = []
        for k in range(rng.randint(0, 2)):
            term = rng.choice(["short-term", "long-term"])
            gain = D(rng.randint(-15, 30))
            parts.append(RealisedPart(investor, "X", "INF000000001", "equity", date(2025, 9, 1), "t", f"R{k}",
                                      date(2024, 1, 1), D(1), D(0), D(0), D(0), D(0), gain, term,
                                      D("0.2") if term == "short-term" else D("0.125"), term == "long-term", FY))
        realised[investor] = parts
        if rng.random() < 0.3:
            losses[investor] = [Loss(2023, rng.choice(["short-term", "long-term"]), D(rng.randint(1, 20)))]
    return policy, holdings, TaxPosition(policy, FY, realised, losses)


def _feasible(policy, outcome, allowance, relaxed=frozenset()) -> bool:
    """The constraints, judged on the tax engine's own computation of the year (`relaxed`: the
    names of those left out, for tests/harvest/test_audit.py)."""
    rule = policy.harvest
    after, before = outcome.after, outcome.before
    # Migration (issue 14): net LTCG may pass the allowance by the long-term gains of a move out of a
    # fund, and the tax rise by their tax (at most 12.5% x 1.04 = 13%; a rupee for the tax's rounding).
    excess = min(max(D(0), after.net_ltcg - allowance), outcome.migrated_gains)
    if after.total_tax > before.total_tax + (excess * D("0.13") + 1 if excess else 0) and "no-new-tax" not in relaxed:
        return False  # a taxed gain: "never above" the exemption
    if after.net_ltcg > allowance + outcome.migrated_gains and "exemption" not in relaxed:
        return False  # net LTCG after set-off above the exemption less the margin
    short_gains = sum((p.gain for p in outcome.parts if p.term == "short-term" and p.gain > 0), D(0))
    limit = rule.short_term_gains_limit if rule else D(0)
    if limit is not None and short_gains > limit and "short-term" not in relaxed:
        return False
    if rule and rule.never_pay_exit_load and outcome.exit_loads > 0 and "exit-load" not in relaxed:
        return False
    if rule and rule.loss_threshold and "loss-threshold" not in relaxed:
        for order in outcome.orders:
            net = sum((s.gain for s in order.lots), D(0))
            if net < 0 and -net <= rule.loss_threshold:  # "larger than"
                return False
    return True


def _exhaustive(policy, investor, position, queues, as_of=AS_OF, fy=FY, also=lambda policy, outcome: True):
    """The best tax value over every plan: each queue sold to any count of units, in FIFO order
    (`also`: a further constraint a plan must keep)."""
    options = []
    for q in queues:
        total = sum((h.lot.units for h in q.holdings), D(0))
        options.append([q.quantum * n for n in range(int(total / q.quantum) + 1)])
    best = None
    for choice in itertools.product(*options):
        units = {q.key: u for q, u in zip(queues, choice) if u > 0}
        outcome = evaluate(policy, investor, position, queues, units, as_of, fy)
        if _feasible(policy, outcome, allowance_of(policy, outcome.before)) and also(policy, outcome):
            if best is None or outcome.tax_value > best.tax_value:
                best = outcome
    return best


def _check(tmp_path, seed):
    policy, holdings, position = _instance(tmp_path, seed)
    plan = plan_year_end(policy, holdings, position, AS_OF)
    for ip in plan.investors:
        investor = next(i for i in policy.portfolio.investors if i.id == ip.investor)
        queues = queues_of(policy, investor, holdings, AS_OF, FY, set())
        if not queues:
            continue
        best = _exhaustive(policy, investor, position, queues)
        outcome = ip.outcome
        assert _feasible(policy, outcome, ip.allowance), (seed, ip.investor, ip.units)
        assert outcome.tax_value >= best.tax_value - 1, (seed, ip.investor, outcome.tax_value, best.tax_value,
                                                           ip.units, [o.units for o in best.orders])
        assert outcome.tax_value <= best.tax_value + D("0.01")  # nothing beats the exact optimum


@pytest.mark.parametrize("block", range(10))
def test_optimizer_matches_exhaustive_search_on_500_instances(tmp_path, block):
    for seed in range(block * 50, block * 50 + 50):
        _check(tmp_path, seed)


# ----------------------------------------------------------------------------------------
# Richer instances (after a review's fuzzing): a debt fund at slab rates beside equity (s.50AA
# units bought from 1 April 2023 are short-term at slab whatever the holding), FY 2024-25 with
# sales on both sides of 23 July 2024 (10% and 12.5% long-term in one year, one exemption),
# brought-forward losses of both terms (some expired: 8 years, s.74), grandfathered lots with an
# FMV, minimum redemptions, short-term gains allowed up to an amount, stocks, exit loads.

RICH_LAW = LAW.replace('''        sold from 2024-07-23: short 20%, long 12.5%
        exemption Rs 40 from FY 2018-19
    }''', '''        grandfather cost at 2018-01-31
        sold from 2018-04-01 to 2024-07-22: short 15%, long 10%
        sold from 2024-07-23: short 20%, long 12.5%
        exemption Rs 40 from FY 2018-19
    }
    class specified-fund {
        sold from 2018-04-01 to 2024-07-22: long-term after 36 months, short slab, long 20%
        sold from 2024-07-23: long-term after 24 months, short slab, long 12.5%
        bought from 2023-04-01: always short-term at slab
    }''').replace("year starts April 1", "year starts April 1\n    anniversary sale is short-term")


# About a third of the richer instances also hold two funds whose 0.001-unit count is worth hundreds of
# rupees: a debt fund with a lot bought before 1 April 2023 in gain (long-term at 12.5% after 24
# months, taxed: not exemptable) and an equity fund with long-term losses (and perhaps a gain in front,
# a short-term loss behind). A long-term loss covers part of a count of the debt gain; the rest of
# that count is taxed (issue 14: with continuous fund counts the program stopped there and rounding
# down sold none of the count, Rs 18.20 short; tests/harvest/test_optimizer_cases.py).
COSTLY_FUNDS = ('\n    fund INF000000004 "Costly debt fund" holds "Equity" class specified-fund'
                '\n    fund INF000000005 "Costly index fund" holds "Equity"')


def _costly_lots(rng: random.Random, seed: int, as_of: date, prices: dict[str, D]) -> list[Lot]:
    prices["INF000000004"] = D(rng.choice(["300000", "500000"]))
    prices["INF000000005"] = D(rng.choice(["200000", "350000"]))
    late = date(2025, 12, 15) if as_of.year == 2026 else date(2024, 11, 2)
    kinds = {"INF000000004": [(rng.choice([date(2022, 5, 10), date(2023, 2, 1)]), ["0.3", "0.5", "0.7"])]
                             + [(date(2023, 5, 10), ["0.8", "1.6"])] * rng.randint(0, 1),
             "INF000000005": [(date(2022, 5, 10), ["0.5", "0.9"])] * rng.randint(0, 1)
                             + [(date(2023, 5, 10), ["1.2", "1.4", "1.6"])]
                             + [(late, ["1.3", "1.6"])] * rng.randint(0, 1)}
    lots = []
    for security, specs in kinds.items():
        for n, (bought, ratios) in enumerate(specs):
            units = D(rng.randint(1, 3)) / 1000
            cost = (units * prices[security] * D(rng.choice(ratios))).quantize(D("0.01"))
            lots.append(Lot((seed, "F3", security, n), "asha", "F3", security, bought, units, cost, f"t:{n}", "BUY"))
    return lots


def _rich_instance(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    harvest = []
    if rng.random() < 0.8:
        harvest.append(f"realise gains up to the exemption, keep Rs {rng.choice([0, 1, 3])} margin")
    if rng.random() < 0.4:
        harvest.append(f"harvest losses larger than Rs {rng.choice([1, 2, 4])}")
    choice = rng.random()
    if choice < 0.4:
        harvest.append("never realise short-term gains")
    elif choice < 0.8:
        harvest.append(f"allow short-term gains up to Rs {rng.choice([2, 5, 20])}")
    if rng.random() < 0.3:
        harvest.append("never pay exit load")
    if rng.random() < 0.3:
        harvest.append("sell legacy funds first")
    harvest += _time_statements(seed, growth=True)
    load = "\n        exit load 1% within 730 days" if rng.random() < 0.4 else ""
    minimum = rng.choice(["", "", "\n        minimum redemption Rs 6", "\n        minimum redemption 0.002 units"])
    slab = rng.choice(["", " slab 30%", " slab 10%"])
    costly = random.Random(f"costly {seed}")  # its own draws: the other instances stay as they were
    costly_funds = COSTLY_FUNDS if costly.random() < 0.35 else ""
    text = f"""{RICH_LAW}
portfolio "P" {{
    investor asha "Asha"{slab}
    asset "Equity" 100% class equity
    fund INF000000001 "Index fund" holds "Equity"{load}{minimum}
    fund INF000000002 "Legacy fund" holds "Equity"
        legacy, replace with INF000000001
    fund INF000000003 "Debt fund" holds "Equity" class specified-fund
    stock STOCKA "A stock" holds "Equity"{costly_funds}
}}
harvest at year end {{
{chr(10).join('    ' + h for h in harvest)}
}}
"""
    path = tmp_path / "rich.rules"
    path.write_text(text, encoding="utf-8")
    result = check_file(path)
    assert result.ok, [d.message for d in result.diagnostics]
    policy = result.policy
    as_of = rng.choice([date(2025, 3, 20), date(2026, 3, 20)])
    fy = policy.tax.fy_of(as_of)
    prices = {"INF000000001": D(rng.choice(["2000", "3500", "4800"])), "INF000000002": D(rng.choice(["1500", "2600"])),
              "INF000000003": D(rng.choice(["1800", "3000"])), "STOCKA": D(rng.choice(["4", "7", "12"]))}
    lots, fmv = [], {}
    for account, security in rng.sample([("F1", "INF000000001"), ("F2", "INF000000001"), ("F1", "INF000000002"),
                                         ("F1", "INF000000003"), ("D1", "STOCKA")], rng.randint(1, 3)):
        budget = 8
        for n in range(rng.randint(1, 4)):
            counts = rng.randint(1, min(3, budget))
            budget -= counts
            units = D(counts) if security == "STOCKA" else D(counts) / 1000
            bought = rng.choice([date(2017, 6, 1), date(2022, 5, 10), date(2023, 2, 1), date(2023, 5, 10),
                                 date(2024, 3, 1), date(2024, 11, 2), date(2025, 6, 1), date(2025, 12, 15)])
            bought = bought if bought <= as_of else date(2024, 1, 5)
            per_unit = prices[security] * D(rng.choice(["0.3", "0.6", "0.9", "1.0", "1.1", "1.4"]))
            lots.append(Lot((seed, account, security, n), "asha", account, security, bought, units,
                            (units * per_unit).quantize(D("0.01")), f"t:{n}", "BUY"))
            if bought.year == 2017 and rng.random() < 0.7:
                fmv[security] = prices[security] * D(rng.choice(["0.5", "0.8", "1.2"]))
            if budget <= 0:
                break
    if costly_funds:
        lots += _costly_lots(costly, seed, as_of, prices)
    lots.sort(key=lambda lot: (lot.investor, lot.account, lot.security, lot.acquired))
    holdings, problems = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, prices[s]), fmv, as_of)
    # Some 2017 lots have no FMV on purpose: valued at cost, with a warning (T104), never an error.
    assert {p.code for p in problems} <= {"T104"} and not any(p.is_error for p in problems)
    parts = []
    for k in range(rng.randint(0, 3)):
        kind = rng.choice(["short", "long", "debt"])
        early = fy == 2024 and rng.random() < 0.5  # sold before 23 July 2024: 15% and 10%
        sold = date(2024, 6, 1) if early else (date(2024, 9, 1) if fy == 2024 else date(2025, 9, 1))
        gain = D(rng.randint(-20, 40))
        if kind == "debt":
            parts.append(RealisedPart("asha", "X", "INF000000003", "specified-fund", sold, "t", f"R{k}",
                                      date(2024, 1, 1), D(1), D(0), D(0), D(0), D(0), gain, "short-term", "slab",
                                      False, fy))
        else:
            term = "short-term" if kind == "short" else "long-term"
            rate = {"short-term": D("0.15") if early else D("0.2"), "long-term": D("0.1") if early else D("0.125")}
            parts.append(RealisedPart("asha", "X", "INF000000001", "equity", sold, "t", f"R{k}", date(2023, 1, 1),
                                      D(1), D(0), D(0), D(0), D(0), gain, term, rate[term], term == "long-term", fy))
    losses = [Loss(rng.choice([fy - 9, fy - 8, fy - 3, fy - 1]), rng.choice(["short-term", "long-term"]),
                   D(rng.randint(1, 25))) for _ in range(rng.randint(0, 2))]
    return policy, holdings, TaxPosition(policy, fy, {"asha": parts}, {"asha": losses}), as_of, fy


def _minimums_kept(policy, outcome) -> bool:
    for order in outcome.orders:
        security = policy.portfolio.security(order.security)
        if security.minimum_redemption is not None and order.amount < security.minimum_redemption:
            return False
        if security.minimum_redemption_units is not None and order.units < security.minimum_redemption_units:
            return False
    return True


@pytest.mark.parametrize("block", range(4))
def test_optimizer_matches_exhaustive_search_on_richer_instances(tmp_path, block):
    for seed in range(10_000 + block * 75, 10_000 + block * 75 + 75):
        policy, holdings, position, as_of, fy = _rich_instance(tmp_path, seed)
        (ip,) = plan_year_end(policy, holdings, position, as_of).investors
        investor = policy.portfolio.investors[0]
        queues = queues_of(policy, investor, holdings, as_of, fy, set())
        best = _exhaustive(policy, investor, position, queues, as_of, fy, _minimums_kept)
        assert _feasible(policy, ip.outcome, ip.allowance) and _minimums_kept(policy, ip.outcome), (seed, ip.units)
        assert ip.outcome.tax_value >= best.tax_value - 1, (seed, ip.outcome.tax_value, best.tax_value, ip.units)


# Issue 14, found over seeds 10,000-11,999 of the richer instances with the costly funds: before the loss
# chain took the tax engine's order (loss_chain.py) the program met the year's slab-rate short-term gains
# with a short-term loss first, while the engine, with no slab rate stated, sets it against a taxed
# long-term gain, so these plans fell short (with every fund count whole too, so not a rounding matter).
# 10,325: the costly debt fund's Rs 300 gain less the index fund's Rs 160 loss, Rs 140 covered by the debt
# fund's Rs 180 short-term loss: 140 x 13% = Rs 18.20 of step-up (the plan was Rs 0.23). 11,148: Rs 630 -
# 280 = 350 covered by Rs 360: Rs 48.15 with a stock's gain (was Rs 2.65). 10,381 (Rs 0.27 for 1.57),
# 10,871 (0.56 for 3.16) and 11,572 (0.75 for 2.05): a brought-forward short-term loss covers what is left
# of a debt gain after a long-term loss; 11,839 (0 for 1.01, no costly funds): it covers a debt fund's
# taxed long-term gains of Rs 7.80; 10,604 (4.35 for 7.07) and 11,956 (1.21 for 5.00): short-term losses
# beside slab and 20% short-term gains realised.
@pytest.mark.parametrize("seed", [10_325, 10_381, 10_604, 10_871, 11_148, 11_572, 11_839, 11_956])
def test_short_loss_chain_instances_with_costly_funds(tmp_path, seed):
    policy, holdings, position, as_of, fy = _rich_instance(tmp_path, seed)
    (ip,) = plan_year_end(policy, holdings, position, as_of).investors
    investor = policy.portfolio.investors[0]
    best = _exhaustive(policy, investor, position, queues_of(policy, investor, holdings, as_of, fy, set()), as_of,
                       fy, _minimums_kept)
    assert ip.outcome.tax_value >= best.tax_value - 1, (seed, ip.outcome.tax_value, best.tax_value)


def test_rounding_that_would_break_the_loss_threshold_or_the_allowance_is_solved_again(tmp_path):
    # Seed 11,391 (harvest losses larger than Rs 4, no gains realised: an allowance of nothing). The
    # legacy fund's queue: 0.001 unit gaining Rs 0.26, 0.001 losing Rs 1.04, 0.001 gaining Rs 1.82. With
    # continuous counts the program sold the first two and 0.4286 counts of the third (0.26 - 1.04 +
    # 0.78 = 0: no net loss, so no threshold); rounded down the order lost Rs 0.78, not larger than Rs 4
    # (the plan broke the threshold, tax value -0.10). Solved again with that lot whole, the program
    # sold 0.25 counts of the loss lot, which the threshold's rounding took down to none: net LTCG
    # Rs 0.26 against the allowance of nothing. With that lot whole too: nothing to sell, as the
    # exhaustive search finds (tax value 0).
    policy, holdings, position, as_of, fy = _rich_instance(tmp_path, 11_391)
    (ip,) = plan_year_end(policy, holdings, position, as_of).investors
    assert _feasible(policy, ip.outcome, ip.allowance)
    assert ip.units == {} and ip.outcome.tax_value == 0
