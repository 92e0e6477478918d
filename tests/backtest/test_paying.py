"""Tax paid from the portfolio (engine/backtest/paying.py, Options.tax_from PORTFOLIO) on the toy
history (tests/backtest/toy.py): when it is paid, from what, and that cash and units are still
conserved with the tax as one more way out of the portfolio.

The toy run (test_simulate.py): 2 April 2018 to 31 March 2020; FY 2018-19 has no tax in any
strategy; FY 2019-20's is Rs 500.20 for calendar (the short-term gain of its April 2019 sale).
"""

from __future__ import annotations

import random
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.backtest.history import PriceHistory
from engine.backtest.holdings import asset_values
from engine.backtest.measures import measure
from engine.backtest.paying import raise_cash
from engine.backtest.run import Run, Step
from engine.backtest.simulate import band_drifts, simulate
from engine.backtest.strategies import Options, Strategy, TaxFrom
from engine.backtest.taxes import NO_FMV, Positions
from engine.ledger.fifo import purchase_cost
from engine.tax.realised import paise
from engine.tax.unrealised import value_lots
from engine.transactions import Price, TxType
from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

LAST = date(2020, 3, 31)


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory):
    return toy.policy(tmp_path_factory.mktemp("toy"))


def april_2020() -> list[Price]:
    """The toy and one month more: 1 April 2020 at the prices of 1 March 2020 (250 / 75 / 50)."""
    return toy.prices() + [Price(date(2020, 4, 1), s, p) for s, p in (("LARGE", D(250)), ("MID", D(75)),
                                                                        ("SMALL", D(50)))]


def conserved(run: Run) -> D:
    """Money in + sales net of exit load and STT - purchases with stamp duty - cash left - tax paid.
    A purchase's cost as the run pays it (RunBook.buy) and the ledger books it: units x price +
    stamp duty rounded once to the paisa (ledger.fifo.purchase_cost)."""
    proceeds = sum((paise(r.units * r.price) - r.charges for r in run.transactions if r.type is TxType.SELL), D(0))
    costs = sum((purchase_cost(r) for r in run.transactions if r.type is TxType.BUY), D(0))
    return run.invested + proceeds - run.stt - costs - sum(run.cash.values(), D(0)) - run.tax_paid


def test_a_tax_short_of_the_cash_is_raised_from_the_most_overweight_asset(policy):
    """Buy-and-hold's holdings on 31 March 2020 (test_simulate.py): LARGE 673.75 units x 250 =
    1,68,437.50, MID 881.5 x 75 = 66,112.50, SMALL 1,367.5 x 50 = 68,375; of 3,02,925 the
    targets are 1,51,462.50 / 90,877.50 / 60,585, so LARGE is Rs 16,975 over, SMALL 7,790 over,
    MID 24,765 under: LARGE is sold first. Rs 20,000 at 250 is 80 units; its STT (0.001%) is
    Rs 0.20, so it nets 19,999.80, short by 0.20: asked again for 20,000 + 0.20 + 1 = 20,001.20,
    20,001.20 / 250 = 80.0048, 80.005 units (0.001, half-even): proceeds 20,001.25, STT 0.20,
    net 20,001.05, enough. One order, from the front of LARGE's queue (the lot of 2 April 2018)."""
    run = next(iter(simulate(policy, toy.prices(), Options(last=LAST, strategies=(Strategy.BUY_AND_HOLD,)))))
    history = PriceHistory.of(toy.prices())
    holdings, _ = value_lots(run.ledger, policy, history.price_of, NO_FMV, LAST)
    values = asset_values(run.ledger.lots, policy, history.price_of, LAST)
    assert values == {"Large": D("168437.50"), "Mid": D("66112.50"), "Small": D("68375.00")}
    orders = raise_cash(policy, policy, holdings, band_drifts(policy, values, D("0.05")),
                        Positions(policy).on(run.ledger, LAST), "asha", D(20000), LAST)
    assert [(o.security, o.units, o.amount, o.stt, o.exit_load) for o in orders] == [
        ("LARGE", D("80.005"), D("20001.25"), D("0.20"), D("0.00"))]
    assert orders[0].lots[0].acquired == date(2018, 4, 2)


def test_the_tax_is_paid_on_the_first_month_day_after_the_fy_from_the_cash(policy):
    """One month more (1 April 2020): calendar's FY 2019-20 tax, Rs 500.20, is paid on 1 April 2020
    from that day's Rs 10,000 (no sale for it); from outside it is paid on 31 March 2020. The
    rest, 9,499.80, is April's money for the calendar rebalance of that day. The run of the toy
    alone (to 31 March 2020) pays nothing: the tax is owed at the end, and 'after selling all'
    is the outside run's less it: 3,02,349.07 - 500.20 = 3,01,848.87."""
    options = Options(last=date(2020, 4, 30), strategies=(Strategy.CALENDAR,), tax_from=TaxFrom.PORTFOLIO)
    run = simulate(policy, april_2020(), options)[0]
    assert [(t.fy, t.tax, t.paid_on) for t in run.taxes if t.fy == 2019] == [(2019, D("500.20"), date(2020, 4, 1))]
    assert run.tax_paid == D("500.20") and not [o for o in run.orders if o.step is Step.TAX]
    assert conserved(run) == 0
    outside = simulate(policy, april_2020(), Options(last=date(2020, 4, 30), strategies=(Strategy.CALENDAR,)))[0]
    assert [(t.fy, t.paid_on) for t in outside.taxes] == [(2018, date(2019, 3, 31)), (2019, date(2020, 3, 31)),
                                                           (2020, date(2020, 4, 30))]
    short = simulate(policy, toy.prices(), Options(last=LAST, strategies=(Strategy.CALENDAR,),
                                                   tax_from=TaxFrom.PORTFOLIO))[0]
    m = measure(short, policy, toy.prices())
    assert short.tax_paid == 0 and m.tax_unpaid == D("500.20") and m.after_selling_all == D("301848.87")


@st.composite
def histories(draw: st.DrawFn) -> list[Price]:
    return volatile(draw(st.integers(0, 10**6)))


def volatile(seed: int) -> list[Price]:
    """36 months of the toy's funds, each month's move drawn from falls and steep rises, so that
    rebalances sell large short-term gains and a year's tax may be more than a month's money."""
    rng = random.Random(seed)
    level = {"LARGE": D(100), "MID": D(50), "SMALL": D(20)}
    out = []
    for n in range(36):
        for security in level:
            out.append(Price(toy.month_start(n), security, level[security]))
            level[security] = (level[security] * rng.choice([D("0.6"), D(1), D("1.5"), D(2)])).quantize(D("0.01"))
    return out


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prices=histories(), money=st.sampled_from([500, 1000, 7000]))
def test_cash_units_and_tax_are_conserved_when_the_tax_is_paid_from_the_portfolio(policy, prices, money):
    """For every strategy: money in + sales net of exit loads and STT = purchases with stamp duty +
    cash left + tax paid, to the paisa; no cash below zero; each FY ended before the run's last
    month day is paid on the first month day after it, the amount the run's tax engine gives.
    (The cash may end a few rupees below zero after a band rebalance, from outside too: a
    rebalance plan pays its purchases from its sales' gross proceeds, docs/backtest.md.)"""
    runs = simulate(policy, prices, Options(money={"asha": money}, tax_from=TaxFrom.PORTFOLIO))
    for run in runs:
        assert conserved(run) == 0, run.strategy
        for t in run.taxes:
            if t.fy < 2020:
                assert t.paid_on == date(2019 if t.fy == 2018 else 2020, 4, 1)
            else:
                assert t.paid_on == date(2021, 4, 1) > run.last  # owed at the end
        sold_for_tax = [o for o in run.orders if o.step is Step.TAX]
        assert all(o.day in (date(2019, 4, 1), date(2020, 4, 1)) for o in sold_for_tax)


@pytest.mark.slow
def test_the_command_pays_from_the_portfolio_when_asked(tmp_path: Path):
    """`backtest --tax-from portfolio` on the toy book: calendar's after selling all is
    Rs 3,01,848.87 (above) and the closing line says where the tax was paid from; a wrong value is
    a usage error (exit 2)."""
    (tmp_path / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(toy.prices_csv(), encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "toy.rules").returncode == 0
    assert lotwise(tmp_path, "import", "prices.csv").returncode == 0
    done = lotwise(tmp_path, "backtest", "--to", "2020-03", "--strategy", "calendar", "--tax-from", "portfolio")
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert "Rs 3,01,848.87" in done.stdout.splitlines()[3]
    assert done.stdout.splitlines()[-1].startswith("Tax is paid from the portfolio on the first month day after")
    bad = lotwise(tmp_path, "backtest", "--tax-from", "nowhere")
    assert bad.returncode == 2 and "--tax-from" in bad.stderr


@pytest.mark.slow
def test_the_rows_of_a_run_that_sells_to_pay_its_tax_give_lotwise_gains_its_tax(tmp_path: Path):
    """The band strategy on the volatile history of seed 3 at Rs 1,000 a month sells to pay its tax
    on 1 April 2019 and 1 April 2020; its rows, exported and imported into a fresh book with the
    prices by real `lotwise` processes, give `gains` each FY's tax to the paisa, those sales' too."""
    import json

    from engine.backtest.export import transactions_csv
    from engine.policy import check_file

    (tmp_path / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    policy = check_file(tmp_path / "toy.rules").policy
    prices = volatile(3)
    run = simulate(policy, prices, Options(money={"asha": 1000}, tax_from=TaxFrom.PORTFOLIO,
                                           strategies=(Strategy.BAND,)))[0]
    assert {o.day for o in run.orders if o.step is Step.TAX} == {date(2019, 4, 1), date(2020, 4, 1)}
    (tmp_path / "prices.csv").write_text("date,security,price\n" + "".join(
        f"{p.date},{p.security},{p.price}\n" for p in prices), encoding="utf-8")
    (tmp_path / "run.csv").write_text(transactions_csv(run.transactions), encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "toy.rules").returncode == 0
    assert lotwise(tmp_path, "import", "prices.csv", "run.csv").returncode == 0
    gains = lotwise(tmp_path, "gains", "--fy", "2018-19..2020-21", "--json")
    assert gains.returncode == 0, gains.stderr
    years = {y["fy"]: D(i["total_tax"]) for y in json.loads(gains.stdout)["years"] for i in y["investors"]}
    assert years == {f"FY {t.fy}-{(t.fy + 1) % 100:02d}": t.tax for t in run.taxes}
    assert all(t.tax > 0 for t in run.taxes)


def test_a_run_ending_between_the_fy_and_its_pay_day_owes_the_fy_s_tax(policy):
    """Month days on the 5th (1 April 2019 ... ; 5 April 2020 is a Sunday, so April's day is Monday
    6 April 2020) and a run that ends on Friday 3 April 2020: after FY 2019-20 ended (31 March) but
    before its tax's pay day. That tax is not paid within the run: it is owed at the end (dated
    the day after the run's last, 4 April 2020), and after selling all pays it."""
    options = Options(last=date(2020, 4, 3), day=5, strategies=(Strategy.CALENDAR,), tax_from=TaxFrom.PORTFOLIO)
    run = simulate(policy, april_2020(), options)[0]
    fy2019 = [t for t in run.taxes if t.fy == 2019]
    assert fy2019 and fy2019[0].tax > 0 and fy2019[0].paid_on == date(2020, 4, 4)
    assert run.tax_paid == sum((t.tax for t in run.taxes if t.fy < 2019), D(0))
    assert run.tax_unpaid == sum((t.tax for t in run.taxes if t.fy >= 2019), D(0)) > 0
