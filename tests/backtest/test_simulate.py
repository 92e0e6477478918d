"""The simulation on the toy history (tests/backtest/toy.py), each figure derived by hand below,
the conservation of cash and units in every strategy, and the honesty test: the run's rows,
exported as a transactions CSV and imported into a fresh book by a real `lotwise` process, give
`lotwise gains` the run's tax of each FY exactly.

The toy: one investor (asha, SIP Rs 10,000 a month), targets Large 50% / Mid 30% / Small 20%
with 5% bands, funds LARGE, MID, SMALL, all of class equity. FY 2018-19 and 2019-20: short-term
15%, long-term 10% above the exemption of Rs 1,00,000, cess 4%; no stamp duty (from 1 July
2020); STT 0.001% on the redemption of an equity fund's units. The run: 2 April 2018 (the 1st
was a Sunday) to 31 March 2020, on the trading day on or after the 1st of each month.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.export import transactions_csv
from engine.backtest.measures import measure, xirr
from engine.backtest.run import Run, Step
from engine.backtest.simulate import simulate
from engine.backtest.strategies import Options, Strategy
from engine.ledger.fifo import purchase_cost
from engine.tax.realised import paise
from engine.transactions import TxType
from engine.vocabulary import Side
from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

LAST = date(2020, 3, 31)


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory):
    return toy.policy(tmp_path_factory.mktemp("toy"))


@pytest.fixture(scope="module")
def runs(policy) -> dict[Strategy, Run]:
    return {run.strategy: run for run in simulate(policy, toy.prices(), Options(last=LAST))}


def units_bought(run: Run, security: str, step: Step | None = None) -> list[D]:
    return [o.units for o in run.orders if o.side is Side.BUY and o.security == security
            and (step is None or o.step is step)]


def test_buy_and_hold_buys_the_sip_split_at_the_targets_every_month(runs):
    """Rs 10,000 a month split 50/30/20 is Rs 5,000 / 3,000 / 2,000, at that month's price:
    LARGE 5,000/100 = 50 units, /125 = 40, /160 = 31.25, /200 = 25, /250 = 20;
    MID 3,000/50 = 60, /62.5 = 48, /80 = 37.5, /100 = 30, /120 = 25, /75 = 40;
    SMALL 2,000/20 = 100, /25 = 80, /32 = 62.5, /40 = 50, /50 = 40.
    Held at the end: LARGE 413.75 (year 1: 50+50+40x3+31.25x3+25x4) + 260 (year 2: 20x8 + 25x4)
    = 673.75; MID 496.5 + 385 = 881.5; SMALL 827.5 + 540 = 1,367.5. Every division is exact, so
    no cash is left, and nothing is ever sold. Value on 31 March 2020 at 250 / 75 / 50:
    1,68,437.50 + 66,112.50 + 68,375 = 3,02,925."""
    run = runs[Strategy.BUY_AND_HOLD]
    assert units_bought(run, "LARGE") == [D(x) for x in ("50", "50", "40", "40", "40", "31.25", "31.25", "31.25",
                                                         "25", "25", "25", "25", "20", "20", "25", "25", "20",
                                                         "20", "20", "25", "25", "20", "20", "20")]
    assert units_bought(run, "MID")[:12] == [D(x) for x in ("60", "60", "48", "48", "48", "37.5", "37.5", "37.5",
                                                            "30", "30", "30", "30")]
    assert units_bought(run, "SMALL")[12:] == [D(x) for x in ("50", "50", "40", "40", "50", "50", "40", "40",
                                                              "50", "50", "40", "40")]
    held = {s: sum((lot.units for lot in run.ledger.lots if lot.security == s), D(0)) for s in ("LARGE", "MID", "SMALL")}
    assert held == {"LARGE": D("673.75"), "MID": D("881.5"), "SMALL": D("1367.5")}
    assert run.cash == {"asha": D(0)} and run.sold == 0 and run.tax == 0
    assert len(run.months) == 24 and run.invested == D(240000)
    assert run.months[-1].value == D("302925.00")


def test_the_calendar_strategys_first_rebalance_in_april_2019(runs):
    """April 2018 has nothing to rebalance; April 2019 (1 April) does. Before it the portfolio
    is buy-and-hold's first year: LARGE 413.75 x 250 = 1,03,437.50, MID 496.5 x 100 = 49,650,
    SMALL 827.5 x 40 = 33,100; V = 1,86,187.50, and with the month's Rs 10,000, 1,96,187.50.
    Full rebalance (target x 1,96,187.50 - value): LARGE 98,093.75 - 1,03,437.50 = -5,343.75,
    MID 58,856.25 - 49,650 = +9,206.25, SMALL 39,237.50 - 33,100 = +6,137.50. To whole rupees
    summing to 10,000: floors -5,344, 9,206, 6,137 (9,999); the rupee left goes to the largest
    remainder, SMALL's 0.50: sell LARGE Rs 5,344 (21.376 units at 250), buy MID Rs 9,206
    (92.06 units at 100) and SMALL Rs 6,138 (153.45 units at 40).
    The sale takes 21.376 units from the front of LARGE's queue, the lot of 2 April 2018 at
    100: short-term (sold within 12 months), gain 21.376 x 150 = 3,206.40, tax 15% = 480.96
    and cess 4% = 19.24 (19.2384): Rs 500.20 for FY 2019-20, the calendar run's only tax."""
    run = runs[Strategy.CALENDAR]
    first = [o for o in run.orders if o.step is Step.REBALANCE]
    day = date(2019, 4, 1)
    assert [(o.day, o.side, o.security, o.units, o.amount) for o in first] == [
        (day, Side.SELL, "LARGE", D("21.376"), D("5344.00")),
        (day, Side.BUY, "MID", D("92.060"), D("9206.00")),
        (day, Side.BUY, "SMALL", D("153.450"), D("6138.00"))]
    assert [(t.fy, t.tax) for t in run.taxes] == [(2018, D("0.00")), (2019, D("500.20"))]


def test_the_policys_year_end_harvest_realises_long_term_gains_inside_the_exemption(runs):
    """Year 1 moves the three prices together, so the buying rule (shortfalls to target) buys
    at the targets as buy-and-hold does: the lots of April 2018 to March 2019 are the same, and
    on 31 March 2020 they are long-term (more than 12 months), the later ones short-term (never
    realised). FY 2018-19's harvest (29 March 2019) has no long-term lot: no order.
    At 250 / 75 / 50 (the prices of 1 March 2020), queue by queue from the front:
      LARGE: 2 x 50 x (250-100) + 3 x 40 x (250-125) + 3 x 31.25 x (250-160) + 4 x 25 x (250-200)
             = 15,000 + 15,000 + 8,437.50 + 5,000 = 43,437.50, all 413.75 units;
      MID:   2 x 60 x 25 + 3 x 48 x 12.50 = 3,000 + 1,800 = 4,800 (264 units); the next lots,
             bought at 80 and 100, are at a loss: selling them would lower the step-up;
      SMALL: 2 x 100 x 30 + 3 x 80 x 25 + 3 x 62.5 x 18 + 4 x 50 x 10 = 17,375, all 827.5 units.
    Realised: 65,612.50 of long-term gains, inside the exemption less the Rs 1,000 margin
    (99,000): no tax, exemption used 65,612.50. The proceeds less STT, in whole rupees, are
    rebought in the same funds (the policy states no other use)."""
    run = runs[Strategy.POLICY]
    harvest = [o for o in run.orders if o.step is Step.HARVEST]
    assert {o.day for o in harvest} == {LAST}
    sold = {o.security: (o.units, o.amount) for o in harvest if o.side is Side.SELL}
    assert sold == {"LARGE": (D("413.750"), D("103437.50")), "MID": (D("264.000"), D("19800.00")),
                    "SMALL": (D("827.500"), D("41375.00"))}
    assert {o.security for o in harvest if o.side is Side.BUY} == {"LARGE", "MID", "SMALL"}
    assert [(t.fy, t.tax, t.exemption_used) for t in run.taxes] == [(2018, D("0.00"), D(0)),
                                                                     (2019, D("0.00"), D("65612.50"))]
    assert units_bought(run, "LARGE", Step.MONTH)[:12] == units_bought(runs[Strategy.BUY_AND_HOLD], "LARGE")[:12]
    assert not [o for o in runs[Strategy.NO_HARVEST].orders if o.step is not Step.MONTH]


@pytest.mark.parametrize("strategy", list(Strategy))
def test_cash_and_units_are_conserved(runs, strategy):
    """Money in + each sale's proceeds (units x price, to the paisa) less exit load and STT = each
    purchase's cost (units x price + stamp duty, to the paisa) + the cash left; per security, units bought - units sold
    = units held; and each month's money is Rs 10,000."""
    run = runs[strategy]
    stt_on_sales = run.stt  # no purchase pays STT here (funds): all of it is on the sales
    proceeds = sum((paise(r.units * r.price) - r.charges for r in run.transactions if r.type is TxType.SELL), D(0))
    costs = sum((purchase_cost(r) for r in run.transactions if r.type is TxType.BUY), D(0))
    assert run.invested + proceeds - stt_on_sales == costs + sum(run.cash.values(), D(0))
    units: dict[str, D] = defaultdict(D)
    for r in run.transactions:
        units[r.security] += r.units if r.type is TxType.BUY else -r.units
    for security, n in units.items():
        assert n == sum((lot.units for lot in run.ledger.lots if lot.security == security), D(0))
    assert {m for _, m in run.money} == {D(10000)}
    assert all(c >= 0 for c in run.cash.values())


def test_measures_of_buy_and_hold(runs, policy):
    """Buy-and-hold sells nothing: no tax paid; its final value is 3,02,925 (above). Selling it
    all on 31 March 2020, queue by queue: STT 0.001% of 1,68,437.50 = 1.68, of 66,112.50 = 0.66,
    of 68,375 = 0.68 (each half-even to the paisa): 3.02. Long-term (year 1's lots): LARGE
    43,437.50 and SMALL 17,375 (as in the harvest test), MID 3,000 + 1,800 - 3 x 37.5 x 5
    - 4 x 30 x 25 = 1,237.50: 62,050, inside the exemption. Short-term (year 2's lots):
    LARGE 4 x 25 x (250-200) = 5,000; MID 5 x 30 x (75-100) + 3 x 25 x (75-120) = -7,125;
    SMALL 6 x 50 x (50-40) = 3,000: net 875, tax 15% = 131.25 + cess 4% = 5.25: 136.50.
    Drift: never rebalanced, 9 month ends have an asset outside its 5% band."""
    m = measure(runs[Strategy.BUY_AND_HOLD], policy, toy.prices())
    assert m.final_value == D("302925.00")
    assert m.liquidation.stt == D("3.02") and m.liquidation.tax == D("136.50")
    assert m.after_selling_all == D("302925.00") - D("3.02") - D("136.50")
    assert m.tax == 0 and m.sold == 0 and m.turnover == 0 and m.months_outside == 9 and m.orders == 72
    assert m.xirr is not None and m.xirr_after_tax is not None and m.xirr_after_tax < m.xirr


def test_xirr_by_bisection():
    """Rs 100 out and Rs 110 back 365 days later: 10% a year; 121 back after 730 days: 10% too;
    money that only goes out has no rate."""
    assert xirr([(date(2021, 1, 1), D(-100)), (date(2022, 1, 1), D(110))]) == D("0.100000")
    assert xirr([(date(2021, 1, 1), D(-100)), (date(2023, 1, 1), D(121))]) == D("0.100000")
    assert xirr([(date(2021, 1, 1), D(-100))]) is None


@pytest.mark.parametrize("strategy", [Strategy.POLICY, Strategy.BAND])
def test_the_exported_rows_imported_into_a_fresh_book_give_the_runs_tax(tmp_path: Path, runs, strategy):
    """`lotwise init`, `import` of the prices and the exported rows, then `gains --json` for
    FY 2018-19..2019-20: each FY's total tax and exemption used are the run's, to the paisa, and
    `lots --json` holds the run's open lots (units per fund)."""
    import json

    run = runs[strategy]
    (tmp_path / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(toy.prices_csv(), encoding="utf-8")
    (tmp_path / "run.csv").write_text(transactions_csv(run.transactions), encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "toy.rules").returncode == 0
    imported = lotwise(tmp_path, "import", "prices.csv", "run.csv")
    assert imported.returncode == 0, imported.stderr
    gains = lotwise(tmp_path, "gains", "--fy", "2018-19..2019-20", "--json")
    assert gains.returncode == 0, gains.stderr
    years = {(y["fy"], i["investor"]): (D(i["total_tax"]), D(i["exemption_used"]))
             for y in json.loads(gains.stdout)["years"] for i in y["investors"]}
    assert years == {(f"FY {t.fy}-{(t.fy + 1) % 100:02d}", t.investor): (t.tax, t.exemption_used) for t in run.taxes}
    lots = lotwise(tmp_path, "lots", "--json")
    assert lots.returncode == 0, lots.stderr
    held: dict[str, D] = defaultdict(D)
    for lot in json.loads(lots.stdout)["lots"]:
        held[lot["security"]] += D(lot["units"])
    expected: dict[str, D] = defaultdict(D)
    for lot in run.ledger.lots:
        expected[lot.security] += lot.units
    assert held == expected


def test_a_run_before_the_law_the_rules_files_date_is_refused(policy):
    """The toy six years earlier starts on 2 April 2012: rules/india.rules taxes sales from
    1 April 2014 only, so no strategy is run (a sale on the first day would have no rate)."""
    from engine.backtest.refusal import BacktestRefused
    from engine.transactions import Price

    early = [Price(p.date.replace(year=p.date.year - 6), p.security, p.price) for p in toy.prices()]
    with pytest.raises(BacktestRefused) as refused:
        simulate(policy, early, Options(last=date(2014, 3, 31)))
    assert refused.value.code == "T103" and "equity sold on 2012-04-02" in str(refused.value)


@pytest.fixture(scope="module")
def awkward_runs(policy) -> dict[Strategy, Run]:
    """The toy three years later (April 2021 to March 2023: stamp duty 0.005% on every purchase,
    long-term 10% and short-term 15% until 22 July 2024) at prices x 1.0371, to the paisa: no
    division is exact, so every purchase leaves paise in the cash and pays stamp duty."""
    from engine.transactions import Price

    later = [Price(p.date.replace(year=p.date.year + 3), p.security, (p.price * D("1.0371")).quantize(D("0.01")))
             for p in toy.prices()]
    return {run.strategy: run for run in simulate(policy, later, Options(last=date(2023, 3, 31)))}


@pytest.mark.parametrize("strategy", list(Strategy))
def test_cash_and_units_are_conserved_with_stamp_duty_and_rounding(awkward_runs, strategy):
    """As test_cash_and_units_are_conserved: money in + sales net of exit load and STT = the
    purchases' cost with stamp duty + the cash left, to the paisa; units bought - sold = held;
    and the stamp duty is 0.005% of each purchase's rupees, R x 0.00005 / 1.00005 to the paisa
    (Rs 5,000: 0.25; Rs 3,000: 0.15; Rs 2,000: 0.10)."""
    run = awkward_runs[strategy]
    proceeds = sum((paise(r.units * r.price) - r.charges for r in run.transactions if r.type is TxType.SELL), D(0))
    costs = sum((purchase_cost(r) for r in run.transactions if r.type is TxType.BUY), D(0))
    assert run.invested + proceeds - run.stt == costs + sum(run.cash.values(), D(0))
    units: dict[str, D] = defaultdict(D)
    for r in run.transactions:
        units[r.security] += r.units if r.type is TxType.BUY else -r.units
    for security, n in units.items():
        assert n == sum((lot.units for lot in run.ledger.lots if lot.security == security), D(0))
    first = [r for r in run.transactions if r.date == run.first]
    assert {(r.security, r.charges) for r in first} == {("LARGE", D("0.25")), ("MID", D("0.15")), ("SMALL", D("0.10"))}
