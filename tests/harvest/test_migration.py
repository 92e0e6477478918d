"""Migration valued in rupees and consolidation (issue 14, items 2 and 3; engine/harvest/migration.py,
docs/harvesting.md "Migration and consolidation"), each case derived by hand.

Law on 20 March 2026 (FY 2025-26, rules/india.rules): equity long-term 12.5%, cess 4%: a taxed
long-term gain pays 13%, and its future rate is 13%. OLD (a regular plan, 1.6%) is legacy, replaced
with IDX (a direct index plan, 0.2%): a rupee moved saves 1.4% a year; `value expense savings over
5 years` at face value (no discount rate stated) makes it worth 5 x 1.4% = 7% of the amount moved.
The year already has Rs 1,25,000 of LTCG: the exemption is used, so any gain moved is taxed.
A move of 100 units at Rs 1,000 (Rs 1,00,000) saves Rs 7,000 over 5 years: it pays when its tax,
13% of its gain, is less: break-even gain = 7,000 / 0.13 = Rs 53,846.15 (a cost of Rs 46,153.85).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import pytest
from test_time_value import AS_OF, _book, _part

from engine.harvest.migration import annuity, break_even_months, saving_per_rupee
from engine.harvest.optimizer import plan_year_end
from engine.plans.sell_choice import TaxPosition

REPO = Path(__file__).resolve().parents[2]
FY = 2025


def _policy(check, harvest="value expense savings over 5 years", consolidate="", old_er="1.6%"):
    text = f'''use "india"
portfolio "P" {{
    investor asha "Asha"
    asset "Nifty 50" 100% class equity{consolidate}
    fund OLD "Old Bluechip Regular" holds "Nifty 50" legacy, replace with IDX expense ratio {old_er}
    fund IDX "Nifty 50 Index Direct" holds "Nifty 50" expense ratio 0.2%
    fund ACT "Active Nifty fund" holds "Nifty 50" expense ratio 1%
    fund LOS "Another Nifty fund" holds "Nifty 50"
}}
harvest at year end {{
    realise gains up to the exemption, keep Rs 0 margin
    {harvest}
}}
'''
    result = check(text)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


def _plan(policy, lots, prices, realised=(_part("125000", "long-term", "0.125"),)):
    holdings = _book(policy, lots, prices)
    position = TaxPosition(policy, FY, {"asha": list(realised)}, {})
    (ip,) = plan_year_end(policy, holdings, position, AS_OF).investors
    return ip


def test_saving_rule(check):
    """Per rupee: (1.6% - 0.2%) x 5 = 0.07 at face value; at 7% a year, 1.4% x (1/1.07 + ... + 1/1.07^5)
    = 1.4% x 4.1001974... = 0.0574028 (the annuity factor by hand: 0.934579 + 0.873439 + 0.816298 +
    0.762895 + 0.712986 = 4.100197)."""
    assert saving_per_rupee(_policy(check), "OLD") == Fraction(7, 100)
    assert saving_per_rupee(_policy(check), "IDX") == 0  # no target: it stays
    assert saving_per_rupee(_policy(check, "never pay exit load"), "OLD") == 0  # not stated
    a = annuity(D("0.07"), 5)
    assert abs(float(a) - 4.1001974) < 1e-6
    both = _policy(check, "value expense savings over 5 years\n    value future tax at 7% a year over 10 years")
    assert saving_per_rupee(both, "OLD") == Fraction(14, 1000) * a
    # the break-even: Rs 6,500 of tax on Rs 1,00,000 moved at 1.4% a year (Rs 116.67 a month): 55.7 -> 56 months
    assert break_even_months(D(6500), D(100000), D("0.014")) == 56
    assert break_even_months(D(0), D(100000), D("0.014")) == 0


def test_a_move_that_pays_its_tax(check):
    """Gain 50,000 (cost 50,000): tax 6,500 < the 7,000 saved: all 100 units move; the tax value is
    -6,500 (tax now) + 6,500 (step-up) + 7,000 (saving) - 6,500 (the taxed gain's step-up, not
    credited) = Rs 500, and the year's tax rises by exactly 6,500."""
    ip = _plan(_policy(check), [("OLD", date(2023, 1, 2), "100", "50000")], {"OLD": "1000", "IDX": "10"})
    assert ip.units[("asha", "F1", "OLD")] == 100
    assert ip.outcome.tax_value == D(500) and ip.outcome.migration == D(500)
    assert ip.outcome.after.total_tax - ip.outcome.before.total_tax == D(6500)


@pytest.mark.parametrize("gain, moves", [("53800", True), ("53846", True), ("53847", False), ("54000", False)])
def test_each_side_of_the_break_even(check, gain, moves):
    """Gain 53,846: tax 6,999.98 < 7,000 (moves, worth Re 0.02 before charges); 53,847: tax 7,000.11
    > 7,000: stays. The optimizer's tolerance is Re 1 (docs/harvesting.md), so the plan's value is
    checked, not the sale, within a rupee of the break-even."""
    policy = _policy(check)
    ip = _plan(policy, [("OLD", date(2023, 1, 2), "100", str(100000 - int(gain)))], {"OLD": "1000", "IDX": "10"})
    sold = ip.units.get(("asha", "F1", "OLD"), D(0))
    best = max(D(0), D(7000) - D(gain) * D("0.13"))
    assert abs(ip.outcome.tax_value - best) <= 1
    if abs(D(7000) - D(gain) * D("0.13")) > 1:
        assert (sold == 100) == moves


def test_long_term_losses_move_more_out_tax_free(check):
    """OLD: gain 60,000 (tax 7,800 > the 7,000 saved: alone it stays). LOS (no target): a long-term loss
    of 60,000. Harvesting the loss sets it off against the gain: no tax, and the move is worth the full
    Rs 7,000 (the loss's step-down, 7,800, equals the gain's step-up). Without the loss: nothing."""
    policy = _policy(check)
    prices = {"OLD": "1000", "IDX": "10", "LOS": "100"}
    alone = _plan(policy, [("OLD", date(2023, 1, 2), "100", "40000")], prices)
    assert alone.units == {} and alone.outcome.tax_value == 0
    ip = _plan(policy, [("OLD", date(2023, 1, 2), "100", "40000"), ("LOS", date(2023, 1, 2), "600", "120000")],
               prices)
    assert ip.units[("asha", "F1", "OLD")] == 100 and ip.units[("asha", "F1", "LOS")] == 600
    assert ip.outcome.after.total_tax == ip.outcome.before.total_tax
    assert ip.outcome.tax_value == D(7000)


def test_consolidation_of_two_funds(check):
    """ACT (1%) and IDX (0.2%) hold Nifty 50; `consolidate into IDX`. ACT: 100 units at Rs 1,000, gain
    Rs 10,000, with the exemption free (no LTCG yet): moving it is tax-free, worth the step-up 10,000 x
    13% = 1,300 plus the saving 0.8% x 5 x 1,00,000 = 4,000: Rs 5,300; its money is rebought in IDX."""
    policy = _policy(check, consolidate="\n        consolidate into IDX")
    ip = _plan(policy, [("ACT", date(2023, 1, 2), "100", "90000")], {"ACT": "1000", "IDX": "10"}, realised=())
    assert ip.units[("asha", "F1", "ACT")] == 100
    assert ip.outcome.tax_value == D(5300) and ip.outcome.migration == D(4000)
    # beyond the exemption, taxed: ACT gain 40,000 with the exemption used: tax 5,200 > 4,000 saved: stays
    ip = _plan(policy, [("ACT", date(2023, 1, 2), "100", "60000")], {"ACT": "1000", "IDX": "10"})
    assert ip.units == {}


def test_unstated_policy_dumps_as_before(check):
    policy = _policy(check, "never pay exit load")
    data = policy.to_json()
    assert "savings_years" not in data["harvest"]
    assert all("consolidate_into" not in a for a in data["portfolio"]["assets"])


# ----------------------------------------------------------------------------------------
# The exhaustive referee on instances made for migration: a legacy fund (1.6%) replaced by an index
# fund (0.2%), a fund of the same asset consolidated into it (1%), and a plain fund; amounts of
# hundreds of rupees a count (an exemption of Rs 4,000) so that the saving (7% of the amount over
# 5 years at face value) and the tax of a move are of one size and the optimum turns on them.

def _migration_instance(tmp_path: Path, seed: int):
    import random

    import test_optimizer_referee as exact
    from test_time_value import _part as part

    from engine.ledger.fifo import Ledger, Lot
    from engine.policy import check_file
    from engine.tax.unrealised import value_lots
    from engine.transactions import Price

    rng = random.Random(seed)
    harvest = ["realise gains up to the exemption", f"value expense savings over {rng.choice([1, 5, 20])} years"]
    if rng.random() < 0.5:
        harvest.append(f"value future tax at {rng.choice(['0%', '7%'])} a year over 10 years")
    text = f"""{exact.RICH_LAW.replace("exemption Rs 40", "exemption Rs 4,000")}
portfolio "P" {{
    investor asha "Asha" slab 30%
    asset "Equity" 100% class equity consolidate into INF000000002
    fund INF000000001 "Legacy regular plan" holds "Equity" legacy, replace with INF000000002 expense ratio 1.6%
    fund INF000000002 "Index fund" holds "Equity" expense ratio 0.2%
    fund INF000000003 "Active fund" holds "Equity" expense ratio {rng.choice(['1%', '0.1%'])}
}}
harvest at year end {{
{chr(10).join('    ' + h for h in harvest)}
}}
"""
    (tmp_path / "m.rules").write_text(text, encoding="utf-8")
    result = check_file(tmp_path / "m.rules")
    assert result.ok, [d.message for d in result.diagnostics]
    policy = result.policy
    prices = {s: D(rng.choice(["200000", "350000"])) for s in ("INF000000001", "INF000000002", "INF000000003")}
    lots = []
    for security in ("INF000000001", "INF000000002", "INF000000003"):
        budget = 5
        for n in range(rng.randint(1, 3)):
            counts = rng.randint(1, min(3, budget))
            budget -= counts
            units = D(counts) / 1000
            per_unit = prices[security] * D(rng.choice(["0.5", "0.8", "1.0", "1.2", "1.6"]))
            lots.append(Lot((seed, security, n), "asha", "F1", security,
                            rng.choice([date(2023, 5, 10), date(2024, 2, 1), date(2025, 12, 15)]), units,
                            (units * per_unit).quantize(D("0.01")), f"t:{n}", "BUY"))
            if budget <= 0:
                break
    lots.sort(key=lambda lot: (lot.investor, lot.account, lot.security, lot.acquired))
    holdings, problems = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, prices[s]), {}, AS_OF)
    assert not problems
    parts = [part(rng.choice([-500, 0, 2000, 4000, 6000]), "long-term", "0.125")]
    return policy, holdings, TaxPosition(policy, FY, {"asha": parts}, {})


@pytest.mark.slow  # every FIFO-legal plan of 200 instances
def test_the_optimizer_matches_exhaustive_search_with_migration(tmp_path, seeds=range(200)):
    """Seed 21 was short (Rs 0.19 against Rs 8.52) while fund counts were continuous under
    migration: migration_room.whole_counts_moving says why."""
    import test_optimizer_referee as exact

    from engine.harvest.optimizer import queues_of

    moved_with_tax = 0
    for seed in seeds:
        policy, holdings, position = _migration_instance(tmp_path, seed)
        (ip,) = plan_year_end(policy, holdings, position, AS_OF).investors
        queues = queues_of(policy, policy.portfolio.investors[0], holdings, AS_OF, FY, set())
        best = exact._exhaustive(policy, policy.portfolio.investors[0], position, queues, AS_OF, FY)
        assert exact._feasible(policy, ip.outcome, ip.allowance), (seed, ip.units)
        assert best.tax_value - 1 <= ip.outcome.tax_value <= best.tax_value + D("0.01"), (
            seed, ip.outcome.tax_value, best.tax_value, ip.units, [o.units for o in best.orders])
        moved_with_tax += ip.outcome.after.total_tax > ip.outcome.before.total_tax
    assert moved_with_tax > 0  # some optimal plans pay tax to move


def _status_policy(check, first, proceeds, consolidate=""):
    """HOLD: a specified (debt) fund, bought 2022 (long-term at 12.5%, 13% with cess, after 24 months);
    HEQ: an equity fund (13%); both hold "Hybrid". A debt fund bought on the plan's day is s.50AA
    units, short-term at slab for good: 30% x 1.04 = 31.2%."""
    funds = {"HOLD": 'fund HOLD "Old debt fund" holds "Hybrid" class specified-fund',
             "HEQ": 'fund HEQ "Equity fund" holds "Hybrid" class equity'}
    order = [funds[first], *(v for k, v in funds.items() if k != first)]
    text = f'''use "india"
portfolio "P" {{
    investor asha "Asha" slab 30%
    asset "Hybrid" 100%{consolidate}
    {order[0]}
    {order[1]}
}}
harvest at year end {{
    {proceeds}
    value future tax at 7% a year over 10 years
}}
'''
    result = check(text)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


@pytest.mark.parametrize("first, proceeds, consolidate, rate", [
    ("HOLD", "rebuy the same funds", "", "0.31200"),  # rebought in HOLD: s.50AA units
    ("HEQ", "rebuy the same funds", "", "0.31200"),  # the same: the declared order does not matter
    ("HOLD", "reallocate proceeds by the buying rule", "", "0.31200"),  # the buying rule buys HOLD for Hybrid
    ("HEQ", "reallocate proceeds by the buying rule", "", "0.13000"),  # it buys HEQ: equity units
    ("HOLD", "rebuy the same funds", " consolidate into HEQ", "0.13000"),  # the move's target, HEQ
    ("HOLD", "reallocate proceeds by the buying rule", " consolidate into HEQ", "0.13000"),
])
def test_the_status_price_assumes_the_fund_the_money_buys(check, first, proceeds, consolidate, rate):
    """The status price (time_value.Valuation.rebuy_rate) is of the fund the money goes into: a move's
    target; under `reallocate proceeds by the buying rule` the fund that rule buys for the sold fund's
    own asset (the program picks the sales before the rule places the money: the money is assumed to
    stay in its asset); else the fund itself."""
    from engine.harvest.time_value import valuation_of
    from engine.plans.month_plan import preferred_fund

    policy = _status_policy(check, first, proceeds, consolidate)
    valuation = valuation_of(policy, policy.portfolio.investors[0], AS_OF, FY)
    assert valuation.rebuy_rate("HOLD") == D(rate)
    if consolidate:  # new money, and reallocated money, buy the fund the asset consolidates into
        assert preferred_fund(policy, "Hybrid").id == "HEQ"
