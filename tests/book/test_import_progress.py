"""An import's progress (engine/progress.py `counted`, api.import_files `progress`): the rows of
each file told every 1,000 as they are written (their number is not known ahead: a CSV is
streamed), then the ledger's replay, then the end; nothing else changes."""

from __future__ import annotations

from pathlib import Path

from engine.progress import counted


def test_counted_yields_every_item_and_tells_every_thousandth():
    """2,500 items: told before items 0, 1,000 and 2,000 (0-based), each as (n, 0, what): 0 is the
    total not known."""
    told: list[tuple[int, int, str]] = []
    items = list(counted(range(2500), lambda *a: told.append(a), "f.csv"))
    assert items == list(range(2500))
    assert told == [(0, 0, "f.csv"), (1000, 0, "f.csv"), (2000, 0, "f.csv")]
    assert list(counted("abc", None, "x")) == ["a", "b", "c"]  # no callback: the items alone
    told.clear()
    assert list(counted(range(3), lambda *a: told.append(a), "y", start=1000, every=2)) == [0, 1, 2]
    assert told == [(1000, 0, "y"), (1002, 0, "y")]  # counting from `start`: 1000, 1001, 1002


def buys(rows: int) -> str:
    """`rows` purchases of 1 unit at Rs 10 by asha of EQ1, one a day from 1 April 2020."""
    from datetime import date, timedelta

    start = date(2020, 4, 1)
    return "date,investor,account,security,type,units,price,charges\n" + "".join(
        f"{start + timedelta(days=n)},asha,F1,EQ1,BUY,1,10,0\n" for n in range(rows))


def test_an_import_tells_its_rows_then_the_replay_then_the_end(tmp_path: Path, check_policy):
    """2,500 rows: told at rows 0, 1,000 and 2,000 of the file, then the ledger's replay, then
    (1, 1, "") the end; the import is what it is without a callback (2,500 rows added)."""
    from engine import api

    csv = tmp_path / "t.csv"
    csv.write_text(buys(2500), encoding="utf-8")
    told: list[tuple[int, int, str]] = []
    with api.open_book(tmp_path / "b.db", access=api.Access.OWN, create=True) as book:
        outcome = api.import_files(book, [str(csv)], check_policy, progress=lambda *a: told.append(a))
    assert outcome.ok and outcome.reports[0].added == 2500
    name = str(csv)
    assert told == [(0, 0, name), (1000, 0, name), (2000, 0, name), (0, 0, "the ledger replayed"), (1, 1, "")]


def test_an_import_refused_is_not_ended_by_the_engine(tmp_path: Path, check_policy):
    """A sale of units never bought: the rows are told, no end (the CLI clears its line after every
    command, engine/cli/progress.py `finish`), and nothing is imported."""
    from engine import api

    csv = tmp_path / "t.csv"
    csv.write_text(buys(3) + "2021-01-01,asha,F1,EQ1,SELL,10,10,0\n", encoding="utf-8")
    told: list[tuple[int, int, str]] = []
    with api.open_book(tmp_path / "b.db", access=api.Access.OWN, create=True) as book:
        outcome = api.import_files(book, [str(csv)], check_policy, progress=lambda *a: told.append(a))
    assert not outcome.ok
    assert told[0] == (0, 0, str(csv)) and (1, 1, "") not in told
