"""Harvests between year ends (engine/backtest/drawdown.py): the toy policy (tests/backtest/toy.py)
with `harvest when an asset is 20% below its high of the last 6 months`, on the toy history, whose
second year has Large fall from 250 (April and May 2019) to 200 on 1 June 2019: a 20% crash.

By hand. The month days of 2019: 1 April, 2 May, 3 June (the 1st a Saturday). On 3 June the
window is 3 December 2018 to 3 June 2019; Large's one fund, LARGE, is at 200 (the price of
1 June), its high in the window 250 (first seen 1 April): 1 - 200/250 = 20%, at least 20%, so
the trigger fires (the earlier days: Large at its high; Mid 100 and Small 40 at theirs). The
harvest plan that day (the year-end optimizer, `lotwise plan harvest`): year 1's prices moved
together, so the policy's lots of April to June 2018 are buy-and-hold's (test_simulate.py), and
on 3 June 2019 those three are long-term (2 April, 2 May and 1 June 2018: more than 12 months),
July's (2 July 2018) not yet. At 200 / 120 / 50 (the prices of 1 June 2019):
  LARGE  50 x (200-100) + 50 x (200-100) + 40 x (200-125)  = 13,000 on 140 units;
  MID    60 x (120-50) + 60 x (120-50) + 48 x (120-62.50)  = 11,160 on 168 units;
  SMALL  100 x (50-20) + 100 x (50-20) + 80 x (50-25)       =  8,000 on 280 units.
32,160 of long-term gains, inside the exemption less the margin (99,000): all realised (the
step-up), none of the short-term lots behind them (`never realise short-term gains`), and the
proceeds rebought in the same funds.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.drawdown import prices_between
from engine.backtest.export import transactions_csv
from engine.backtest.history import PriceHistory
from engine.backtest.run import Run, Step
from engine.backtest.simulate import simulate
from engine.backtest.strategies import Options, Strategy
from engine.transactions import TxType
from engine.vocabulary import Side
from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

TRIGGER = "    harvest when an asset is 20% below its high of the last 6 months\n"
POLICY = toy.POLICY.replace("    never realise short-term gains\n", "    never realise short-term gains\n" + TRIGGER)
CRASH = date(2019, 6, 3)


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory):
    assert POLICY != toy.POLICY  # the trigger went in
    return toy.policy(tmp_path_factory.mktemp("toy"), POLICY)


@pytest.fixture(scope="module")
def runs(policy) -> dict[Strategy, Run]:
    options = Options(last=date(2020, 3, 31), strategies=(Strategy.POLICY, Strategy.NO_HARVEST))
    return {run.strategy: run for run in simulate(policy, toy.prices(), options)}


def test_the_window_of_prices_is_from_its_first_day_to_the_month_day_both_included():
    between = prices_between(PriceHistory.of(toy.prices()))
    assert [(p.date, p.price) for p in between("LARGE", date(2019, 3, 1), date(2019, 6, 3))] == [
        (date(2019, 3, 1), D(200)), (date(2019, 4, 1), D(250)), (date(2019, 5, 1), D(250)), (date(2019, 6, 1), D(200))]
    assert between("LARGE", date(2019, 3, 2), date(2019, 3, 31)) == () and between("NONE", date.min, date.max) == ()


def test_the_crash_fires_the_trigger_and_the_harvest_is_made_that_day(runs):
    """The first trigger fires on 3 June 2019 for Large, 20.0% below 250; that day's harvest sells
    the long-term lots above (140 / 168 / 280 units for 28,000 / 20,160 / 14,000) and rebuys."""
    run = runs[Strategy.POLICY]
    day, why = run.fired[0]
    assert day == CRASH and why.startswith("Large is 20.0% below its high of the last 6 months (at least 20.0%)")
    assert "high Rs 250 on 2019-04-01" in why
    first = [o for o in run.orders if o.step is Step.HARVEST and o.day == CRASH]
    assert [(o.side, o.security, o.units, o.amount) for o in first if o.side is Side.SELL] == [
        (Side.SELL, "LARGE", D("140.000"), D("28000.00")), (Side.SELL, "MID", D("168.000"), D("20160.00")),
        (Side.SELL, "SMALL", D("280.000"), D("14000.00"))]
    assert {o.security for o in first if o.side is Side.BUY} == {"LARGE", "MID", "SMALL"}
    assert not [o for o in run.orders if o.step is Step.HARVEST and o.day < CRASH]
    assert all(t.tax == 0 for t in run.taxes)  # every harvest stays inside the exemption


def test_the_strategy_without_harvesting_checks_no_trigger(runs):
    run = runs[Strategy.NO_HARVEST]
    assert run.fired == () and not [o for o in run.orders if o.step is Step.HARVEST]


@pytest.mark.slow
def test_the_harvest_is_the_plan_lotwise_plan_harvest_makes_that_day(tmp_path: Path, runs):
    """The run's rows before its harvest of 3 June 2019, imported into a fresh book with the prices:
    `lotwise plan harvest --as-of 2019-06-03 --json --no-save` says the same trigger fired and
    plans the same sales, unit for unit."""
    run = runs[Strategy.POLICY]
    rows = [t for t in run.transactions if t.date <= CRASH]
    first_sale = next(n for n, t in enumerate(rows) if t.date == CRASH and t.type is TxType.SELL)
    (tmp_path / "toy.rules").write_text(POLICY, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(toy.prices_csv(), encoding="utf-8")
    (tmp_path / "run.csv").write_text(transactions_csv(rows[:first_sale]), encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "toy.rules").returncode == 0
    assert lotwise(tmp_path, "import", "prices.csv", "run.csv").returncode == 0
    done = lotwise(tmp_path, "plan", "harvest", "--as-of", str(CRASH), "--json", "--no-save")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert [f["reason"] for f in plan["due"]] == [run.fired[0][1]]
    planned = [(o["security"], D(o["units"])) for o in plan["orders"] if o["side"] == "SELL"]
    assert planned == [(o.security, o.units) for o in run.orders
                       if o.step is Step.HARVEST and o.day == CRASH and o.side is Side.SELL]
