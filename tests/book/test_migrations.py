"""The book's schema migrations (engine/book/store.py, MIGRATIONS): an old book opens at the current
schema and keeps its data."""

import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from conftest import REPO
from engine.book.importers import read_file
from engine.book.store import MIGRATIONS, SCHEMA_VERSION, Book
from engine.policy import check_file
from engine.transactions import BroughtForwardLoss


@pytest.fixture(scope="module")
def policy():
    return check_file(REPO / "examples" / "family" / "family.rules").policy


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def load(book, path, policy):
    result = read_file(path, path.name, policy)
    assert result.ok, result.diagnostics
    return book.add(result.stores, result.records, sha256=result.sha256, name=path.name, kind=result.kind)


def test_a_schema_1_book_migrates_to_the_current_schema_and_keeps_its_data(tmp_path, policy):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    db.execute("INSERT INTO imports (sha256, kind, name, rows_added, rows_skipped) "
               "VALUES ('s', 'prices-csv', 'p', 1, 0)")
    db.execute("INSERT INTO prices VALUES ('UTIN50', '2024-01-05', '150.1234', 1)")
    db.close()
    assert SCHEMA_VERSION == 9  # 5: saved plans; 6: the year a loss is brought into; 7: intraday trades;
    # 8: the policy kept with a saved plan; 9: the kept ledger guarded by triggers
    book = Book.open(path)
    assert book.db.execute("PRAGMA user_version").fetchone()[0] == 9
    assert book.latest_price("UTIN50", date(2024, 1, 5)).price == Decimal("150.1234")
    assert book.db.execute("SELECT count(*) FROM plans").fetchone()[0] == 0  # the plans table of schema 5
    assert (book.fmv(), book.losses()) == ({}, [])
    report = load(book, write(tmp_path, "l.csv", "investor,fy,term,amount\nasha,FY 2022-23,short-term,5\n"), policy)
    assert report.added == 1
    book.close()
    assert Book.open(path).losses() == [BroughtForwardLoss("asha", 2022, "short-term", Decimal(5))]


def test_a_schema_5_book_keeps_its_losses_as_carried_out_of_their_year(tmp_path, policy):
    """Schema 6 adds the year a loss is brought into; a loss kept before is the amount the
    return of its year of origin carried forward: brought into the next year."""
    path = tmp_path / "five.db"
    db = sqlite3.connect(path, isolation_level=None)
    for number in range(5):
        db.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")
    db.execute("INSERT INTO imports (sha256, kind, name, rows_added, rows_skipped) VALUES ('s', 'losses-csv', 'l', 1, 0)")
    db.execute("INSERT INTO losses VALUES ('asha', 2019, 'short-term', '5000', 1)")
    db.close()
    assert Book.open(path).losses() == [BroughtForwardLoss("asha", 2019, "short-term", Decimal(5000), 2020)]
