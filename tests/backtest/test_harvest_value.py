"""The harvests' value (engine/backtest/measures.py `harvest_value`): a harvesting run against its
twin without harvesting on the same prices and money (`no-harvest` for `policy`; a compared
policy's own twin, simulated for it), on the toy history (tests/backtest/toy.py) and one month
more: 1 April 2020 at the prices of 1 March 2020 (250 / 75 / 50), the run to 30 April 2020, in
FY 2020-21, with Rs 20,000 a month (twice the toy's SIP).

By hand. Year 1 moves the prices together, so the buying rule buys at the targets: twice
buy-and-hold's lots (test_simulate.py): LARGE 100 @100, 100 @100, 80 @125 x 3, 62.5 @160 x 3,
50 @200 x 4; SMALL 200 @20 x 2, 160 @25 x 3, 125 @32 x 3, 100 @40 x 4; MID 120 @50 x 2, 96 @62.5
x 3, 75 @80 x 3, 60 @100 x 4. On 1 April 2019 (250 / 100 / 40) Large is over its target and the
buying rule gives the Rs 20,000 to Mid and Small in proportion to their shortfalls, 18,412.50 :
12,275 (of 3,92,375 with the money), 60:40: 120 MID units at 100 and 200 SMALL at 40.

The policy's year-end harvest on 31 March 2020 (FY 2019-20, at 250 / 75 / 50) realises long-term
gains up to the exemption less the Rs 1,000 margin, 99,000: LARGE's front 627.5 units (all but the
lots at 200), 200 x 150 + 240 x 125 + 187.5 x 90 = 76,875, and SMALL's front 805 units, 400 x 30 +
405 x 25 = 22,125: 99,000, no tax; the proceeds are rebought at the same prices.

Selling everything on 30 April 2020 (FY 2020-21; exemption Rs 1,00,000, 10% above it, cess 4%):
the twin realises the long-term gains of every lot to 1 April 2019: LARGE 2 x 43,437.50, MID
2 x 1,237.50, SMALL 2 x 17,375 (= 1,24,100) and the April 2019 lots (MID 120 x (75 - 100) = -3,000,
SMALL 200 x (50 - 40) = 2,000): 1,23,100, taxed 10% on 23,100 = 2,310 + cess 92.40 = 2,402.40.
The policy's long-term gains left are 10,000 (LARGE 200 @200) + 2,475 (MID) + 12,625 (SMALL
75 @25, 375 @32, 400 @40) - 1,000 (April 2019) = 24,100, inside the exemption: no tax. The
short-term lots are the same in both, but for the policy's rebought and both runs' April 2020
units, bought at the prices they are sold at (no gain). So: tax lower in the run D = 0 - 0 = 0;
saved S = (0 + L(twin)) - (0 + L(policy)) = 2,402.40; deferred 0 (D is 0, and the twin owes more at
the end, not the policy: nothing is deferred, it is saved).
"""

from __future__ import annotations

from typing import Any

import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.measures import HarvestValue, measure, with_harvest_values
from engine.backtest.run import Step
from engine.backtest.simulate import simulate
from engine.backtest.strategies import Options, Strategy
from engine.transactions import Price
from engine.vocabulary import Side

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

LAST = date(2020, 4, 30)
PRICES = toy.prices() + [Price(date(2020, 4, 1), s, D(p)) for s, p in (("LARGE", 250), ("MID", 75), ("SMALL", 50))]


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory):
    return toy.policy(tmp_path_factory.mktemp("toy"))


def test_the_harvest_saves_the_tax_the_twin_pays_on_its_gains_above_the_exemption(policy):
    runs = simulate(policy, PRICES, Options(last=LAST, money={"asha": 20000},
                                            strategies=(Strategy.POLICY, Strategy.NO_HARVEST)))
    april = [(o.security, o.units) for o in runs[0].orders if o.day == date(2019, 4, 1) and o.side is Side.BUY]
    assert april == [("MID", D("120.000")), ("SMALL", D("200.000"))]
    harvest = [(o.security, o.units, o.amount) for o in runs[0].orders if o.step is Step.HARVEST and o.side is Side.SELL]
    assert harvest == [("LARGE", D("627.500"), D("156875.00")), ("SMALL", D("805.000"), D("40250.00"))]
    assert [(t.fy, t.tax, t.exemption_used) for t in runs[0].taxes][1] == (2019, D("0.00"), D("99000.00"))
    measured = with_harvest_values([(run, measure(run, policy, PRICES)) for run in runs])
    (run, m), (twin, t) = measured
    assert t.liquidation.tax - m.liquidation.tax == D("2402.40")
    assert m.harvest == HarvestValue("no-harvest", D("0.00"), D("2402.40"), D("0"))
    assert t.harvest is None  # the twin does not harvest


def test_the_toys_harvest_on_its_last_day_has_no_value(policy):
    """The toy run alone (to 31 March 2020): the harvest of that day realises inside FY 2019-20's
    exemption the gains that selling everything the same day realises in the twin: the same tax."""
    runs = simulate(policy, toy.prices(), Options(last=date(2020, 3, 31),
                                                  strategies=(Strategy.POLICY, Strategy.NO_HARVEST)))
    (_, m), _ = with_harvest_values([(run, measure(run, policy, toy.prices())) for run in runs])
    assert m.harvest == HarvestValue("no-harvest", D("0.00"), D("0.00"), D("0.00"))


def test_twins_are_run_for_harvesting_runs_that_have_none_and_left_out_of_the_results(policy):
    """`policy` alone (with `twins`): a `no-harvest` twin is run for it; a compared policy (the toy
    again, `mine`) gets its own twin, `mine (no harvest)`; neither twin is among the results, and
    each harvesting run's value is against its own twin (the same figures as above: both harvest
    alike)."""
    options = Options(last=LAST, money={"asha": 20000}, strategies=(Strategy.POLICY, Strategy.BUY_AND_HOLD),
                      policies=(("mine", policy),), twins=True)
    runs = simulate(policy, PRICES, options)
    assert [(r.label, r.twin_of, r.harvests) for r in runs] == [
        ("policy", "", True), ("buy-and-hold", "", False), ("mine", "", True),
        ("no-harvest", "policy", False), ("mine (no harvest)", "mine", False)]
    assert not [o for o in runs[4].orders if o.step is Step.HARVEST]
    results = with_harvest_values([(run, measure(run, policy, PRICES)) for run in runs])
    assert [(r.label, m.harvest) for r, m in results] == [
        ("policy", HarvestValue("no-harvest", D("0.00"), D("2402.40"), D("0"))), ("buy-and-hold", None),
        ("mine", HarvestValue("mine (no harvest)", D("0.00"), D("2402.40"), D("0")))]


def test_deferred_is_the_tax_taken_off_the_years_that_the_end_gives_back():
    """Twin: tax 1,000 in the run's years, 500 more selling everything at the end; the run: 400 and
    1,000. D = 1,000 - 400 = 600 lower in the years; the run owes 1,000 - 500 = 500 more at the end:
    deferred min(600, 500) = 500, saved S = 1,500 - 1,400 = 100 (= D - deferred). Reversed (the run
    pays more in the years and less at the end): D = -600, nothing deferred, S = -100."""
    from types import SimpleNamespace

    from engine.backtest.measures import harvest_value

    def measures(tax: str, at_end: str) -> Any:
        return SimpleNamespace(tax=D(tax), liquidation=SimpleNamespace(tax=D(at_end)))

    assert harvest_value(measures("400", "1000"), measures("1000", "500"), "twin") == \
        HarvestValue("twin", D(600), D(100), D(500))
    assert harvest_value(measures("1000", "500"), measures("400", "1000"), "twin") == \
        HarvestValue("twin", D(-600), D(-100), D(0))
