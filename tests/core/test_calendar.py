"""Trading days (engine/calendar.py): the dates orders are for, stock rebuys after a harvest,
and the warning for a stale price (T121), with real dates of 2026.

The NSE's holidays of 2026 that these tests step over (its circular for 2026, as the `holidays`
package has it): Mon 26 Jan (Republic Day), Tue 3 Mar (Holi), Thu 26 Mar (Ram Navami), Tue 31 Mar
(Mahavir Jayanti), Fri 3 Apr (Good Friday), Tue 24 Nov (Guru Nanak Jayanti). Friday 2026-03-20
is a trading day; Sunday 2026-03-22 is not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal as D

import pytest

from conftest import REPO
from engine.calendar import (calendar_note, holiday_name, is_trading_day, next_trading_day, trading_day_on_or_after,
                             trading_days_between, why_closed)
from engine.cli.main import main
from engine.ledger.fifo import replay
from engine.tax.unrealised import STALE_AFTER, value_lots
from engine.transactions import Price, Transaction, TxType
from helpers.year_end_books import buys, make_book, policy_text, sells, year_end


# ----------------------------------------------------------------------------------------
# The calendar


def test_weekends_and_nse_holidays_of_2026_are_not_trading_days():
    assert is_trading_day(date(2026, 3, 20))  # a Friday
    assert not is_trading_day(date(2026, 3, 21)) and not is_trading_day(date(2026, 3, 22))  # Sat, Sun
    assert not is_trading_day(date(2026, 1, 26)) and holiday_name(date(2026, 1, 26)) == "Republic Day"  # a Monday
    assert not is_trading_day(date(2026, 3, 3)) and holiday_name(date(2026, 3, 3)) == "Holi"  # a Tuesday
    assert not is_trading_day(date(2026, 4, 3)) and holiday_name(date(2026, 4, 3)) == "Good Friday"
    assert is_trading_day(date(2026, 3, 23)) and is_trading_day(date(2026, 1, 27))
    assert (why_closed(date(2026, 3, 22)), why_closed(date(2026, 3, 3))) == ("a Sunday", "an NSE holiday (Holi)")


def test_the_next_trading_day_steps_over_weekends_and_holidays():
    assert next_trading_day(date(2026, 3, 20)) == date(2026, 3, 23)  # Fri -> Mon
    assert next_trading_day(date(2026, 4, 2)) == date(2026, 4, 6)  # Thu -> Good Friday, Sat, Sun -> Mon
    assert next_trading_day(date(2026, 11, 23)) == date(2026, 11, 25)  # Mon -> Guru Nanak Jayanti -> Wed
    assert next_trading_day(date(2026, 1, 23)) == date(2026, 1, 27)  # Fri -> Sat, Sun, Republic Day -> Tue
    assert trading_day_on_or_after(date(2026, 3, 20)) == date(2026, 3, 20)
    assert trading_day_on_or_after(date(2026, 3, 22)) == date(2026, 3, 23)
    assert trading_day_on_or_after(date(2026, 3, 31)) == date(2026, 4, 1)  # Mahavir Jayanti, FY's last day


def test_trading_days_between_counts_the_days_after_the_first_up_to_the_second():
    # After Friday 2026-03-20 up to Sunday 2026-03-22: Saturday and Sunday, none.
    assert trading_days_between(date(2026, 3, 20), date(2026, 3, 22)) == 0
    assert trading_days_between(date(2026, 3, 20), date(2026, 3, 23)) == 1
    # After Wednesday 2026-03-25 up to Monday 2026-04-06: Thu 26 (Ram Navami, closed), Fri 27,
    # Mon 30, Tue 31 (Mahavir Jayanti, closed), Wed 1, Thu 2, Fri 3 (Good Friday, closed), Mon 6:
    # 8 weekdays, 5 trading days. From Tuesday 2026-03-24, Wed 25 as well: 6.
    assert trading_days_between(date(2026, 3, 25), date(2026, 4, 6)) == 5
    assert trading_days_between(date(2026, 3, 24), date(2026, 4, 6)) == 6
    # A year: 2026 has 261 weekdays, and 15 NSE holidays of which all 15 fall on weekdays.
    assert trading_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 15
    assert trading_days_between(date(2026, 4, 6), date(2026, 3, 24)) == 0


def test_a_year_the_calendar_does_not_know_falls_back_to_weekdays_with_a_note():
    # The package covers 2001 to 2100; 26 January 1999 (a Tuesday) is then a weekday like any other.
    assert is_trading_day(date(1999, 1, 26)) and not is_trading_day(date(1999, 1, 30))  # Tue, Sat
    assert next_trading_day(date(2101, 1, 21)) == date(2101, 1, 24)  # Fri -> Mon: no crash, weekdays
    assert calendar_note(date(2026, 3, 20)) is None
    assert "NSE holidays of 1999, 2101 are not known" in calendar_note(date(1999, 1, 26), date(2101, 1, 21))


# ----------------------------------------------------------------------------------------
# Stale prices (T121): more than STALE_AFTER = 5 trading days before as_of


POLICY = ('use "india"\nportfolio {\n investor asha "Asha"\n asset "Equity" 100% class equity\n'
          ' fund EQ1 "Equity fund" holds "Equity"\n fund EQ2 "Other equity fund" holds "Equity"\n}\n')


def test_a_price_six_trading_days_old_warns_and_five_does_not(check):
    assert STALE_AFTER == 5
    policy = check(POLICY).policy
    ledger = replay([Transaction(date(2024, 1, 10), "asha", "F1", s, TxType.BUY, D(10), D(100), D(0), "t.csv:1", 1)
                     for s in ("EQ1", "EQ2")])
    # As of Monday 2026-04-06: EQ1's price of 2026-03-25 is 5 trading days old (derived in
    # test_trading_days_between_...: 27, 30 March, 1, 2, 6 April; 26 and 31 March and 3 April
    # are NSE holidays), EQ2's of 2026-03-24 is 6. By weekdays alone both would be over 5 (8, 9).
    priced = {"EQ1": date(2026, 3, 25), "EQ2": date(2026, 3, 24)}
    holdings, problems = value_lots(ledger, policy, lambda s, on: Price(priced[s], s, D(150)), {}, date(2026, 4, 6))
    assert len(holdings) == 2 and [(p.code, p.is_error) for p in problems] == [("T121", False)]
    assert problems[0].message.startswith("the price of EQ2 used on 2026-04-06 is of 2026-03-24, 6 trading days "
                                          "earlier (more than 5)")
    assert "lotwise import" in problems[0].hint


def _stale_book(tmp_path, monkeypatch):
    """EQ1 priced on 2026-03-25 (5 trading days before 2026-04-06), EQ2 on 2026-03-24 (6)."""
    make_book(tmp_path, monkeypatch, POLICY,
              "2024-01-10,asha,F1,EQ1,BUY,10,100,0\n2024-01-10,asha,F1,EQ2,BUY,10,100,0\n",
              "2026-03-25,EQ1,150\n2026-03-24,EQ2,150\n")


@pytest.mark.slow
def test_the_warning_reaches_stderr_of_a_real_process_and_json_stays_on_stdout(tmp_path, monkeypatch):
    _stale_book(tmp_path, monkeypatch)
    command = [sys.executable, "-m", "engine", "plan", "month", "--invest", "10000", "--as-of", "2026-04-06",
               "--book", "book.db", "--dry-run"]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    text = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert text.returncode == 0, text.stderr
    assert "warning[T121]" in text.stderr and "EQ2 used on 2026-04-06 is of 2026-03-24" in text.stderr
    assert "EQ1 used" not in text.stderr  # 5 trading days: not stale
    assert "T121" not in text.stdout and text.stdout.startswith("Month plan MP-") and " for 2026-04 " in text.stdout
    as_json = subprocess.run(command + ["--json"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert as_json.returncode == 0, as_json.stderr
    plan = json.loads(as_json.stdout)  # valid JSON: nothing else on stdout
    assert [(d["code"], d["severity"]) for d in plan["diagnostics"]] == [("T121", "warning")]
    assert "2026-03-24" in plan["diagnostics"][0]["message"]
    # Monday 2026-04-06 is a trading day: the orders are for it, with no note about the day.
    assert {o["date"] for o in plan["orders"]} == {"2026-04-06"} and plan["notes"] == []


@pytest.mark.slow
def test_status_warns_on_stderr_and_its_json_has_no_warning_text(tmp_path, monkeypatch, capsys):
    _stale_book(tmp_path, monkeypatch)
    capsys.readouterr()
    assert main(["status", "--as-of", "2026-04-06", "--book", "book.db", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["value"] == "3000.00"  # 10 x 150 + 10 x 150, at the prices used
    assert err.count("warning[T121]") == 1 and "EQ2 used on 2026-04-06 is of 2026-03-24" in err


# ----------------------------------------------------------------------------------------
# The day a month plan's orders are for


def _month(capsys, as_of):
    capsys.readouterr()
    assert main(["plan", "month", "--invest", "10000", "--as-of", as_of, "--book", "book.db", "--json",
                 "--dry-run"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
@pytest.mark.parametrize("as_of, day, why", [
    ("2026-03-20", "2026-03-20", None),  # a Friday: that day
    ("2026-03-22", "2026-03-23", "2026-03-22 is a Sunday, not a trading day: the orders are for 2026-03-23"),
    ("2026-01-26", "2026-01-27", "2026-01-26 is an NSE holiday (Republic Day), not a trading day: the orders are "
                                 "for 2026-01-27"),  # a Monday
])
def test_a_month_plan_on_a_closed_day_is_for_the_next_trading_day(tmp_path, monkeypatch, capsys, as_of, day, why):
    make_book(tmp_path, monkeypatch, policy_text(), "2024-01-10,asha,F1,EQFUND,BUY,1000,100,0\n",
              "2026-01-23,EQFUND,140\n2026-03-20,EQFUND,150\n")
    plan = _month(capsys, as_of)
    (order,) = plan["orders"]
    assert (order["date"], order["side"], order["amount"]) == (day, "BUY", "10000")
    if why is None:
        assert plan["notes"] == []
    else:
        assert [n for n in plan["notes"] if n.startswith(why)], plan["notes"]


@pytest.mark.slow
def test_the_fys_last_day_being_a_holiday_is_said(tmp_path, monkeypatch, capsys):
    # Tuesday 2026-03-31 (the last day of FY 2025-26) is Mahavir Jayanti: the next trading day is
    # Wednesday 2026-04-01, in FY 2026-27; the last trading day of FY 2025-26 is Monday 2026-03-30.
    make_book(tmp_path, monkeypatch, policy_text(), "2024-01-10,asha,F1,EQFUND,BUY,1000,100,0\n",
              "2026-03-30,EQFUND,150\n")
    plan = _month(capsys, "2026-03-31")
    assert plan["orders"][0]["date"] == "2026-04-01"
    assert any("2026-04-01 is in FY 2026-27: sales on it are taxed in that year, not in FY 2025-26" in n
               and "plan as of 2026-03-30, its last trading day" in n for n in plan["notes"])


# ----------------------------------------------------------------------------------------
# The year-end plan: the sales' day, and stocks rebought on the next trading day after it

STOCK = '    stock ACME "Acme Industries Ltd" holds "Equity"'
ACME_LOTS = "2023-05-15,asha,D1,ACME,BUY,100,1000,0\n2024-01-10,asha,D1,ACME,BUY,100,1000,0\n"


@pytest.mark.slow
@pytest.mark.parametrize("as_of, sold, rebought", [
    ("2026-03-20", "2026-03-20", "2026-03-23"),  # Friday: sold that day, rebought Monday
    ("2026-03-22", "2026-03-23", "2026-03-24"),  # Sunday: sold Monday, rebought Tuesday
    ("2026-04-02", "2026-04-02", "2026-04-06"),  # Thursday before Good Friday: rebought Monday
])
def test_a_stock_is_sold_on_a_trading_day_and_rebought_on_the_next(tmp_path, monkeypatch, capsys, as_of, sold,
                                                                    rebought):
    make_book(tmp_path, monkeypatch, policy_text(securities=STOCK), ACME_LOTS,
              "2026-03-20,ACME,2500\n2026-04-02,ACME,2500\n")
    plan = year_end(capsys, as_of=as_of)
    # As in the year-end plan's stock case: 82 shares sold (1,500 of gain each, within 1,24,000),
    # 2,05,000 - 205 STT = 2,04,795 rebought: 81 whole shares at 2,500.
    (sell,) = sells(plan)
    (buy,) = buys(plan)
    assert (sell["date"], sell["units"], buy["date"], buy["units"]) == (sold, "82", rebought, "81")
    assert plan["as_of"] == as_of
    notes = " | ".join(plan["notes"])
    assert f"rebought on {rebought}, the next trading day after the sale on {sold}" in notes
    if as_of == "2026-04-02":
        assert "2026-04-03 is an NSE holiday (Good Friday)" in notes
    assert ("not a trading day" in notes) == (sold != as_of)


@pytest.mark.slow
def test_a_fund_bought_back_is_bought_on_the_day_of_the_sale(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(), "2023-04-10,asha,F1,EQFUND,BUY,1000,100,0\n",
              "2026-03-20,EQFUND,150\n")
    plan = year_end(capsys, as_of="2026-03-22")  # a Sunday
    assert {(o["side"], o["date"]) for o in plan["orders"]} == {("SELL", "2026-03-23"), ("BUY", "2026-03-23")}
