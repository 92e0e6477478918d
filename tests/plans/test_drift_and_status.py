"""Drift, unrealised gains and `lotwise status`; numbers derived by hand."""

import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cli.main import main
from engine.plans.drift import asset_drifts, total_drift
from engine.ledger.fifo import purchase_cost, replay
from engine.tax.realised import realise
from engine.tax.unrealised import harvestable_ltcg, value_lots
from engine.transactions import Price, Transaction, TxType


D = Decimal


def test_drift_of_the_five_stocks_seed():
    """25,000 / 24,000 / 23,000 / 26,000 / 22,000 of 1,20,000 against 20% each: drifts
    +1/120, 0, -1/120, +2/120, -2/120. Half the absolute sum = 6/240 = 2.5 pp; the positive
    sum is 3/120 = 2.5 pp too; the largest is 2/120."""
    values = dict(zip(["RELIANCE", "HDFCBANK", "TCS", "ICICIBANK", "GOLDBEES"], map(D, [25000, 24000, 23000, 26000, 22000])))
    drifts = asset_drifts(values, {k: D("0.2") for k in values}, {})
    assert [d.drift * 120 for d in drifts] == [1, 0, -1, 2, -2]
    assert total_drift(drifts) == Fraction(1, 40) == total_drift(drifts, "sum-positive")  # exactly 2.5 pp
    assert total_drift(drifts, "largest-absolute") * 120 == 2


def test_rohit_is_outside_two_bands():
    """3,30,000 / 1,20,000 / 50,000 of 5,00,000 = 66% / 24% / 10% against 55 / 35 / 10 with
    5% bands: +11 pp and -11 pp are outside; gold is on target. Total drift 11 pp."""
    drifts = asset_drifts({"Equity": D(330000), "Debt": D(120000), "Gold": D(50000)},
                          {"Equity": D("0.55"), "Debt": D("0.35"), "Gold": D("0.10")},
                          {"Equity": D("0.05"), "Debt": D("0.05"), "Gold": D("0.05")})
    assert [(d.drift, d.outside_band) for d in drifts] == [
        (Fraction(11, 100), True), (Fraction(-11, 100), True), (0, False)]
    assert total_drift(drifts) == Fraction(11, 100)


def tx(day, kind, units, price, account="F1", charges="0", row=0):
    return Transaction(date.fromisoformat(day), "asha", account, "EQ1", TxType(kind), D(str(units)), D(str(price)),
                       D(charges), f"t.csv:{row}", row)


POLICY = ('use "india"\nportfolio {\n investor asha "Asha"\n asset "Equity" 100% class equity\n'
          ' fund EQ1 "Equity fund" holds "Equity" exit load 1% within 365 days\n}\n')


def test_unrealised_terms_exit_load_and_turning_long_term(check):
    policy = check(POLICY).policy
    ledger = replay([tx("2024-01-10", "BUY", 10, 100), tx("2025-10-01", "BUY", 10, 100, account="F2")])
    price = lambda security, on: Price(date(2025, 11, 1), security, D(150))  # noqa: E731
    holdings, problems = value_lots(ledger, policy, price, {}, date(2025, 11, 21))
    # A price of Saturday 2025-11-01 used on Friday 2025-11-21: the weekdays after it are Nov 3-7,
    # 10-14 and 17-21 (15), less Guru Nanak Jayanti on Wednesday 2025-11-05 (an NSE holiday) = 14
    # trading days old, more than 5: a stale-price warning (T121), the lots valued all the same.
    assert [(p.code, p.is_error) for p in problems] == [("T121", False)]
    assert "EQ1 used on 2025-11-21 is of 2025-11-01, 14 trading days earlier" in problems[0].message
    old, new = holdings
    assert (old.term, old.gain, old.exit_load) == ("long-term", D(500), D(0))
    # Bought 2025-10-01: long-term from 2026-10-02 (the day after the anniversary); the 1%
    # exit load applies through day 365 (2026-10-01) and ends on 2026-10-02.
    assert (new.term, new.long_term_from, new.exit_load, new.exit_load_ends) == (
        "short-term", date(2026, 10, 2), D("0.01"), date(2026, 10, 2))


def test_harvestable_ltcg_stops_at_the_first_short_term_lot(check):
    """One folio: LT lot gain +500, LT lot at a loss -200, LT lot +1,000, then a short-term
    lot. The best prefix realises 500 - 200 + 1,000 = 1,300 of long-term gain."""
    policy = check(POLICY).policy
    ledger = replay([tx("2022-01-01", "BUY", 10, 100), tx("2022-06-01", "BUY", 10, 170),
                     tx("2023-01-01", "BUY", 10, 50), tx("2025-09-01", "BUY", 10, 100)])
    price = lambda security, on: Price(on, security, D(150))  # noqa: E731
    holdings, _ = value_lots(ledger, policy, price, {}, date(2025, 11, 21))
    assert [h.gain for h in holdings] == [D(500), D(-200), D(1000), D(500)]
    assert harvestable_ltcg(holdings) == D(1300)


def test_missing_price_is_an_error(check):
    policy = check(POLICY).policy
    _, problems = value_lots(replay([tx("2024-01-10", "BUY", 10, 100)]), policy, lambda s, d: None, {},
                             date(2025, 1, 1))
    assert [p.code for p in problems] == ["T120"]


@st.composite
def histories(draw):
    out, held, day = [], D(0), date(2019, 4, 1)
    for row in range(draw(st.integers(1, 25))):
        day += timedelta(days=draw(st.integers(1, 90)))
        if held and draw(st.booleans()):
            units = D(draw(st.integers(1, int(held * 1000)))) / 1000
            out.append(tx(day.isoformat(), "SELL", units, draw(st.integers(1, 400)),
                          charges=str(D(draw(st.integers(0, 500))) / 100), row=row))
            held -= units
        else:
            units = D(draw(st.integers(1, 50000))) / 1000
            out.append(tx(day.isoformat(), "BUY", units, draw(st.integers(1, 400)),
                          charges=str(D(draw(st.integers(0, 500))) / 100), row=row))
            held += units
    return out, day


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(1, 400))
def test_realised_plus_unrealised_is_value_plus_proceeds_less_cost(check_policy, history_and_day, price):
    """Without grandfathering: sum of realised gains + unrealised gains = value of what is
    held + proceeds - sale expenses - everything paid for purchases (to the paisa: only
    apportioned costs and values are rounded, and each rounding is conserved or exact)."""
    history, last = history_and_day
    policy = check_policy
    ledger = replay(history)
    parts, problems = realise(ledger, policy, {})
    assert not [p for p in problems if p.is_error]
    as_of = last + timedelta(days=1)
    holdings, _ = value_lots(ledger, policy, lambda s, d: Price(d, s, D(price)), {}, as_of)
    realised = sum((p.gain for p in parts), D(0))
    unrealised = sum((h.gain for h in holdings), D(0))
    paid = sum((purchase_cost(t) for t in history if t.type is TxType.BUY), D(0))  # each to the paisa
    proceeds = sum((p.proceeds - p.expenses for p in parts), D(0))
    value = sum((h.value for h in holdings), D(0))
    assert realised + unrealised == value + proceeds - paid


@pytest.mark.slow
def test_status_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    policy = tmp_path / "p.rules"
    policy.write_text(POLICY.replace('asset "Equity" 100% class equity', 'asset "Equity" 60% band 5% class equity\n'
                                     ' asset "Debt" 40% band 5% class specified-fund\n fund DB1 "Debt" holds "Debt"'))
    (tmp_path / "t.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                    "2024-01-10,asha,F1,EQ1,BUY,100,100,0\n2025-10-01,asha,F2,DB1,BUY,100,100,0\n")
    (tmp_path / "p.csv").write_text("date,security,price\n2025-11-20,EQ1,140\n2025-11-20,DB1,100\n")
    assert main(["init", "--policy", str(policy)]) == 0
    assert main(["import", "t.csv", "p.csv"]) == 0
    capsys.readouterr()
    assert main(["status", "--as-of", "2025-11-21", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Equity 14,000 and debt 10,000 of 24,000: 58.33% and 41.67%, drifts -1.67 / +1.67 pp.
    equity, debt = data["assets"]
    assert (D(equity["value"]), D(debt["value"]), data["value"]) == (D(14000), D(10000), "24000.00")
    assert equity["drift"] == "-0.016667" and not equity["outside_band"]  # -1/60, to 6 places
    (asha,) = data["investors"]
    assert (D(asha["unrealised_lt_gains"]), D(asha["exemption_left"]), D(asha["harvestable_ltcg_now"])) == (
        D(4000), D(125000), D(4000))
    assert main(["status", "--as-of", "2025-11-19"]) == 1  # no price yet on that day: T120


def test_same_day_sale_and_purchase_of_a_share_is_flagged(check):
    policy = check('use "india"\nportfolio {\n investor asha "Asha"\n asset "E" 100% class equity\n'
                   ' stock RIL "Reliance" holds "E"\n}\n').policy
    txs = [Transaction(date(2025, 1, 10), "asha", "DP1", "RIL", TxType.BUY, D(100), D(1500), D(0), "t:1", 1),
           Transaction(date(2025, 9, 10), "asha", "DP1", "RIL", TxType.SELL, D(100), D(1200), D(0), "t:2", 2),
           Transaction(date(2025, 9, 10), "asha", "DP1", "RIL", TxType.BUY, D(100), D(1200), D(0), "t:3", 3)]
    _, problems = realise(replay(txs), policy, {})
    assert [(p.code, p.severity.value) for p in problems] == [("T130", "warning")]
