"""The backtest's shortcuts (docs/performance.md, issue 15, round 2) give what the long way gives.

The toy policy (tests/backtest/toy.py) with `harvest when an asset is 20% below its high of the last
6 months` (as test_drawdown.py), on the toy history: Large's fund is at 250 on 1 April and 1 May
2019 and falls to 200 on 1 June 2019; Mid (120) and Small (50) are at their highs of the window.
  - drawdown.quiet: on 2 May 2019 every held security is at its high of the window (LARGE 250, MID
    120, SMALL 50 of 1 May): no asset can be 20% below, so the lots need no valuing ([]: nothing to
    say, the prices being of the day before). On 3 June 2019, LARGE at 200 is 1 - 200/250 = 20%
    below its high: the trigger could fire, so `quiet` answers None (value the lots).
  - A loss trigger instead, on buy-and-hold's lots (never sold): on 3 June 2019 its LARGE lots bought
    at 250 (April and May 2019) are 50 a unit under water: their cost less units x price is far
    above Rs 1, so `harvest when unrealised long-term losses exceed Rs 1` could fire (None); at
    Rs 1,00,00,000 it cannot ([]).
  - year_end.plan(explain=False): every harvest of the run (the crash's and the year ends') has the
    same sales, purchases and purchase days as with the audit, and no decisions.
  - measures.xirr: the same rate, to 10^-6, as the bisection over the whole bracket.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal as D, localcontext
from pathlib import Path

import pytest

from engine.backtest.drawdown import quiet
from engine.backtest.history import PriceHistory
from engine.backtest.measures import RATE_PLACES, RATE_TOLERANCE, xirr
from engine.backtest.simulate import simulate
from engine.backtest.strategies import Options, Strategy

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

SHORT_TERM = "    never realise short-term gains\n"
DRAWDOWN = "    harvest when an asset is 20% below its high of the last 6 months\n"


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory):
    return toy.policy(tmp_path_factory.mktemp("toy"), toy.POLICY.replace(SHORT_TERM, SHORT_TERM + DRAWDOWN))


@pytest.fixture(scope="module")
def lots(policy):
    """The policy run's lots at its end (those bought up to 3 June 2019 are still held: the crash's
    harvest rebought what it sold, and `quiet` reads only which securities are held and their costs)."""
    options = Options(last=date(2020, 3, 31), strategies=(Strategy.POLICY,))
    run = simulate(policy, toy.prices(), options)[0]
    return run.ledger.lots


def test_quiet_when_every_security_is_at_its_high_and_not_in_the_crash(policy, lots):
    history = PriceHistory.of(toy.prices())
    assert quiet(policy, date(2019, 5, 2), lots, history) == []
    assert quiet(policy, date(2019, 6, 3), lots, history) is None


def test_the_loss_triggers_bound(policy, tmp_path):
    history = PriceHistory.of(toy.prices())
    options = Options(last=date(2020, 3, 31), strategies=(Strategy.BUY_AND_HOLD,))
    lots = simulate(policy, toy.prices(), options)[0].ledger.lots
    assert any(lot.security == "LARGE" and lot.cost / lot.units > 200 for lot in lots)
    small = toy.policy(tmp_path, toy.POLICY.replace(SHORT_TERM, SHORT_TERM + "    harvest when unrealised "
                                                    "long-term losses exceed Rs 1\n"))
    large = toy.policy(tmp_path, toy.POLICY.replace(SHORT_TERM, SHORT_TERM + "    harvest when unrealised "
                                                    "long-term losses exceed Rs 1,00,00,000\n"))
    assert quiet(small, date(2019, 6, 3), lots, history) is None
    assert quiet(large, date(2019, 6, 3), lots, history) == []


def test_the_plan_without_its_audit_has_the_same_orders(policy, monkeypatch):
    from engine.harvest import year_end

    made = []
    plan = year_end.plan

    def both(*args, **kwargs):
        short = plan(*args, **kwargs)
        assert kwargs.pop("explain") is False
        full = plan(*args, **kwargs)
        made.append(short)
        assert (short.harvest, short.buys, short.buy_dates, short.decisions) == (
            full.harvest, full.buys, full.buy_dates, ())
        return short

    monkeypatch.setattr(year_end, "plan", both)
    simulate(policy, toy.prices(), Options(last=date(2020, 3, 31), strategies=(Strategy.POLICY,)))
    assert len(made) >= 3  # the crash's and the two year ends'


def bisected(flows: list[tuple[date, D]]) -> D | None:
    """measures.xirr as it was: the bisection over [-99.99%, 1,000,000%], npv at every midpoint."""
    start = min(d for d, _ in flows)
    with localcontext() as ctx:
        ctx.prec = 28
        days = [((d - start).days, a) for d, a in flows]

        def npv(rate: D) -> D:
            daily = (1 + rate) ** (D(1) / 365)
            return sum((a / daily ** n for n, a in days), D(0))

        lo, hi = D("-0.9999"), D(10000)
        f_lo = npv(lo)
        if (f_lo > 0) == (npv(hi) > 0):
            return None
        while hi - lo > RATE_TOLERANCE:
            mid = (lo + hi) / 2
            f_mid = npv(mid)
            if (f_mid > 0) == (f_lo > 0):
                lo, f_lo = mid, f_mid
            else:
                hi = mid
        return ((lo + hi) / 2).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


def test_the_xirr_is_the_whole_bisections_rate():
    """Monthly money for 1 to 60 months and a final value from a 95% loss to 5x (one sign change),
    some with a second sign change (money back in the second month: bisected as before)."""
    rng = random.Random(15)
    for case in range(40):
        months = rng.randint(1, 60)
        flows = [(date(2019, 4, 1) + timedelta(days=30 * m), D(-rng.randint(1000, 50000))) for m in range(months)]
        paid = -sum(a for _, a in flows)
        flows.append((date(2019, 4, 1) + timedelta(days=30 * months), (paid * D(rng.randint(5, 500)) / 100)
                      .quantize(D("0.01"))))
        if case % 5 == 0 and months > 2:
            flows[1] = (flows[1][0], D(20000))
        assert xirr(flows) == bisected(flows), flows
