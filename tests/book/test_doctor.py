"""A book edited outside lotwise (issue 12.9): values another SQLite client wrote, a scribbled
saved plan, scribbled pages, the kept ledger deleted with its triggers dropped. Every reading
command says once where the book is damaged (exit 1, no traceback); `lotwise doctor` finds each
damage and `doctor --repair` rebuilds what is derived from the transactions, and nothing else.

Each test copies one book built once (the family example, planned as of 2026-11-21), damages
it with sqlite3 as another client would, and runs the commands as real processes."""

from __future__ import annotations

import json
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # a damaged family book, every reading command as a process

REPO = Path(__file__).resolve().parents[2]
FAMILY = REPO / "examples" / "family"
AS_OF = "2026-11-21"
PLAN = "YE-11ab1d88d326"

READ_TRANSACTIONS = (("lots",), ("status", "--as-of", AS_OF), ("gains", "--fy", "2025-26"),
                     ("plan", "month", "--as-of", AS_OF, "--dry-run"),
                     ("plan", "year-end", "--as-of", AS_OF, "--no-save"), ("rebalance", "--as-of", AS_OF))
READ_PLANS = (("plans",), ("why", PLAN), ("plans", "--policy-of", PLAN))
READ_PRICES = (("status", "--as-of", AS_OF), ("plan", "month", "--as-of", AS_OF, "--dry-run"),
               ("plan", "year-end", "--as-of", AS_OF, "--no-save"), ("rebalance", "--as-of", AS_OF))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("family")
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, cwd / name)
    for args in (("init", "--policy", "family.rules"), ("import", "transactions.csv", "prices.csv", "fmv.csv"),
                 ("plan", "year-end", "--as-of", AS_OF)):
        done = lotwise(cwd, *args, "--book", "b.db")
        assert done.returncode == 0, done.stderr
    return cwd


@pytest.fixture
def book(pristine, tmp_path) -> Path:
    """A copy of the pristine book (and the files beside it), in tmp_path."""
    for item in pristine.iterdir():
        shutil.copy(item, tmp_path / item.name)
    return tmp_path / "b.db"


def damage(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def run_all(cwd: Path, commands) -> list:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda args: (args, lotwise(cwd, *args, "--book", "b.db")), commands))


def assert_damaged(cwd: Path, commands, where: str) -> None:
    for args, done in run_all(cwd, commands):
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout, args
        assert f"the book is damaged at {where}" in done.stderr, (args, done.stderr)
        assert "lotwise doctor" in done.stderr, args


def doctor(cwd: Path, *args: str) -> tuple[int, dict]:
    done = lotwise(cwd, "doctor", "--book", "b.db", "--json", *args)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def problems(report: dict, check: str) -> list[str]:
    (found,) = [c for c in report["checks"] if c["check"] == check]
    return found["problems"]


DROP_TX_TRIGGERS = ("DROP TRIGGER transactions_updated", "DROP TRIGGER transactions_deleted")


@pytest.mark.parametrize("column, value, expected", [
    ("units", "'abc'", "units is 'abc', expected a decimal number above zero"),
    ("type", "'X'", "type is 'X', expected one of BUY"),
    ("date", "'2024/01/05'", "date is '2024/01/05', expected an ISO date (YYYY-MM-DD)"),
    ("units", "'-5'", "units is '-5', expected a decimal number above zero"),
    ("units", "'1e30'", "units is '1e30', expected a decimal number above zero below 10^12"),
    ("price", "'x'", "price is 'x', expected a decimal number"),
])
def test_a_transaction_written_by_another_client(book, column, value, expected):
    """An UPDATE (the guarding trigger dropped first, as a damaging client could) of transaction 7."""
    damage(book, *DROP_TX_TRIGGERS, f"UPDATE transactions SET {column} = {value} WHERE id = 7")
    # Every command reads the transactions through one reader: all of them for the first damage, two for the others.
    commands = READ_TRANSACTIONS if value == "'abc'" else READ_TRANSACTIONS[:3:2]
    assert_damaged(book.parent, commands, f"table transactions row 7: {expected}")
    code, report = doctor(book.parent)
    assert code == 1
    assert any(p.startswith(f"table transactions row 7: {expected}") for p in problems(report, "rows"))
    assert problems(report, "triggers") == [f"trigger {name} is missing" for name in
                                            ("transactions_updated", "transactions_deleted")]


def test_a_transaction_inserted_with_null_units(book):
    """NOT NULL is in the schema; a client that rewrites the schema (writable_schema) gets past it."""
    damage(book, "PRAGMA writable_schema = ON",
           "UPDATE sqlite_master SET sql = replace(sql, 'units TEXT NOT NULL', 'units TEXT') "
           "WHERE name = 'transactions'")
    db = sqlite3.connect(book)
    db.execute("INSERT INTO transactions (import_id, source, date, investor, account, security, type, units, price, "
               "charges, fingerprint) SELECT import_id, source, date, investor, account, security, type, NULL, price, "
               "charges, 'x' FROM transactions WHERE id = 3")
    rowid = db.execute("SELECT max(id) FROM transactions").fetchone()[0]
    db.commit()
    db.close()
    assert_damaged(book.parent, READ_TRANSACTIONS, f"table transactions row {rowid}: units is NULL")
    code, report = doctor(book.parent)
    assert code == 1 and any(f"row {rowid}: units is NULL" in p for p in problems(report, "rows"))


def test_a_price_written_by_another_client(book):
    db = sqlite3.connect(book)
    rowid, security = db.execute("SELECT rowid, security FROM prices WHERE date <= ? ORDER BY date DESC LIMIT 1",
                                 (AS_OF,)).fetchone()
    db.close()
    damage(book, f"UPDATE prices SET price = 'x' WHERE rowid = {rowid}")
    assert_damaged(book.parent, READ_PRICES, f"table prices row {rowid}: price is 'x'")
    code, report = doctor(book.parent)
    assert code == 1 and problems(report, "rows") == [
        f"table prices row {rowid}: price is 'x', expected a decimal number above zero"]


@pytest.mark.parametrize("column", ["body", "policy"])
def test_a_scribbled_saved_plan(book, column):
    damage(book, f"UPDATE plans SET {column} = substr({column}, 1, 100) || 'garbage' WHERE id = '{PLAN}'")
    commands = READ_PLANS if column == "body" else (("plans",), ("plans", "--policy-of", PLAN))
    assert_damaged(book.parent, commands, f"table plans row {PLAN}: {column} is ")
    code, report = doctor(book.parent)
    assert code == 1 and [p.split(":")[0] for p in problems(report, "rows")] == [f"table plans row {PLAN}"]
    assert lotwise(book.parent, "doctor", "--book", "b.db", "--repair").returncode == 1  # your data: not rewritten
    assert "garbage" in sqlite3.connect(book).execute(f"SELECT {column} FROM plans").fetchone()[0]


def test_scribbled_pages(book):
    """Bytes overwritten in the middle of the file: SQLite says the image is malformed."""
    size = book.stat().st_size
    with open(book, "r+b") as f:
        for page in range(2, size // 4096):
            f.seek(page * 4096 + 100)
            f.write(b"\xde\xad\xbe\xef" * 200)
    for args, done in run_all(book.parent, READ_TRANSACTIONS + READ_PLANS):
        assert done.returncode == 1, (args, done.stderr)
        assert "Traceback" not in done.stderr, args
        assert done.stderr.count("\n") == 1, (args, done.stderr)
        assert "is damaged" in done.stderr and "lotwise doctor" in done.stderr, (args, done.stderr)
        assert "restore" in done.stderr and "backup" in done.stderr, (args, done.stderr)
    code, report = doctor(book.parent)
    assert code == 1 and problems(report, "integrity")


def test_the_kept_ledger_deleted_with_its_triggers_dropped(book):
    """Without its triggers the book cannot know the kept ledger changed; it is not trusted, the
    commands replay the transactions (the right lots, not none), and doctor says why and repairs."""
    before = lotwise(book.parent, "lots", "--book", "b.db", "--json")
    damage(book, "DROP TRIGGER ledger_queues_deleted", "DELETE FROM ledger_queues")
    after = lotwise(book.parent, "lots", "--book", "b.db", "--json")
    assert after.returncode == 0 and json.loads(after.stdout)["lots"] == json.loads(before.stdout)["lots"]
    damage(book, "DELETE FROM ledger_queues")  # as the damaging client left it
    code, report = doctor(book.parent)
    assert code == 1
    assert problems(report, "triggers") == ["trigger ledger_queues_deleted is missing"]
    assert problems(report, "kept ledger")[0].startswith("ledger_queues: ")
    user = _user_data(book)
    code, report = doctor(book.parent, "--repair")
    assert code == 0 and report["healthy"], report
    assert "trigger ledger_queues_deleted made again" in report["repaired"]
    assert _user_data(book) == user
    assert doctor(book.parent) == (0, {**report, "repaired": []})


def test_a_scribbled_kept_ledger_row_is_named_and_repaired(book):
    damage(book, "DROP TRIGGER ledger_queues_updated", "UPDATE ledger_queues SET lots = '[[1' WHERE rowid = 2")
    code, report = doctor(book.parent)
    assert code == 1 and problems(report, "rows") == [
        "table ledger_queues row 2: lots is '[[1', expected the kept ledger as lotwise writes it"]
    user = _user_data(book)
    code, report = doctor(book.parent, "--repair")
    assert code == 0, report
    assert _user_data(book) == user
    assert lotwise(book.parent, "lots", "--book", "b.db").returncode == 0


def test_a_healthy_book(book):
    done = lotwise(book.parent, "doctor", "--book", "b.db")
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[1:] == ["  integrity: ok", "  schema: ok", "  rows: ok", "  triggers: ok",
                                           "  kept ledger: ok", "the book is healthy"]


def _user_data(book: Path) -> list:
    db = sqlite3.connect(book)
    try:
        return [db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in ("transactions", "prices", "fmv", "losses", "plans", "imports", "sell_states", "rebalances")]
    finally:
        db.close()


def test_a_text_that_is_not_utf8(book):
    """SQLite cannot hand such a row over: the commands say the book is damaged, once; doctor names the row."""
    damage(book, *DROP_TX_TRIGGERS, "UPDATE transactions SET investor = CAST(x'ff41' AS TEXT) WHERE id = 9")
    for args, done in run_all(book.parent, READ_TRANSACTIONS[:3]):
        assert done.returncode == 1 and "Traceback" not in done.stderr, (args, done.stderr)
        assert "is damaged" in done.stderr and "Could not decode to UTF-8" in done.stderr, (args, done.stderr)
    code, report = doctor(book.parent)
    assert code == 1 and problems(report, "rows") == [
        "table transactions row 9: investor is a blob of 2 bytes, expected a non-empty text"]


def test_the_kept_intraday_securities_scribbled(book):
    """Derived (the set the kept replay netted): the commands that pass the policy's set do not read
    it; doctor names it and --repair writes it again."""
    damage(book, "UPDATE meta SET value = '{' WHERE key = 'ledger_intraday'")
    code, report = doctor(book.parent)
    assert code == 1 and problems(report, "rows") == [
        "table meta row ledger_intraday: value is '{', expected a JSON list of securities"]
    assert doctor(book.parent, "--repair")[0] == 0
    assert sqlite3.connect(book).execute("SELECT value FROM meta WHERE key = 'ledger_intraday'").fetchone() == ("[]",)


def test_a_scribbled_price_is_replaced_by_an_import(book):
    """Importing the prices again puts the value back (counted as updated), not a traceback."""
    damage(book, "UPDATE prices SET price = 'x' WHERE rowid = 1")
    (book.parent / "again.csv").write_text("".join((book.parent / "prices.csv").read_text().splitlines(True)[:2]))
    done = lotwise(book.parent, "import", "again.csv", "--book", "b.db")
    assert done.returncode == 0 and "1 updated" in done.stdout, (done.stdout, done.stderr)
    assert doctor(book.parent)[0] == 0
