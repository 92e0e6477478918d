"""Issue 12.7: the first import of a large file in bounded memory.

- The ledger check replayed holding by holding (`ledger_store.replay_by_holding`, what an
  import too large to hold uses) keeps byte for byte what one replay of everything keeps:
  queues, disposals (their order and numbers), intraday trades, and the same first error.
- Fingerprints counted batch by batch (spilling to a temporary table) are `fingerprints()`.
- The transactions importer is lazy: rows come as lines are read.
- A real `lotwise import` of a file four times larger does not take notably more memory.
"""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from engine.book import import_writer as book_module  # SPILL, where Occurrences reads it
from engine.book.store import Book, Occurrences, fingerprints
from engine.book.importers import transactions_csv
from engine.ledger.fifo import LedgerError
from engine.book.kept_ledger import after_import, before_import
from engine.transactions import Transaction, TxType

pytestmark = pytest.mark.slow  # large imports in bounded memory, through processes

INTRADAY = frozenset({"TCS"})
SECURITIES = ["INF789F01XA0", "INF179K01BE2", "TCS"]


@st.composite
def histories(draw):
    """Rows over 2 investors x 2 accounts x 3 securities (one traded intraday), mostly valid
    (sales of at most what is held, mergers in pairs) and sometimes not (a sale of more, a
    MERGER_OUT or MERGER_IN alone, a split of nothing), several rows a day; cut in two imports."""
    rows, held = [], {}
    day = date(2022, 1, 3)
    for _ in range(draw(st.integers(1, 40))):
        day += timedelta(days=draw(st.integers(0, 3)))
        key = (draw(st.sampled_from(["asha", "ravi"])), draw(st.sampled_from(["F1", "F2"])),
               draw(st.sampled_from(SECURITIES)))
        units = held.get(key, Decimal(0))
        kind = draw(st.sampled_from(["BUY", "BUY", "BUY", "SELL", "SELL", "BONUS", "SPLIT", "MERGER", "BAD"]))
        price = Decimal(draw(st.integers(10, 300)))
        if kind == "BUY":
            n = Decimal(draw(st.integers(1, 50))) + Decimal("0.5")
            rows.append((day, *key, "BUY", n, price, Decimal(draw(st.integers(0, 3)))))
            held[key] = units + n
        elif kind == "SELL" and units:
            n = draw(st.decimals(Decimal("0.001"), units, places=3))
            rows.append((day, *key, "SELL", n, price, Decimal("0.25")))
            held[key] = units - n
        elif kind == "BONUS" and units:
            rows.append((day, *key, "BONUS", Decimal(1), Decimal(0), Decimal(0)))
            held[key] = units + 1
        elif kind == "SPLIT" and units:
            rows.append((day, *key, "SPLIT", Decimal(2), Decimal(0), Decimal(0)))
            held[key] = units * 2
        elif kind == "MERGER" and units and key[2] != "TCS":
            day += timedelta(days=1)
            into = (key[0], key[1], SECURITIES[1] if key[2] == SECURITIES[0] else SECURITIES[0])
            received = (units * 3 / 2).quantize(Decimal("0.001"))
            rows.append((day, *key, "MERGER_OUT", units, Decimal(0), Decimal(0)))
            rows.append((day, *into, "MERGER_IN", received, Decimal(0), Decimal(0)))
            held[key], held[into] = Decimal(0), held.get(into, Decimal(0)) + received
            day += timedelta(days=1)
        elif kind == "BAD":
            bad = draw(st.sampled_from(["SELL", "MERGER_OUT", "MERGER_IN", "SPLIT"]))
            rows.append((day, *key, bad, units + 1 if bad != "SPLIT" else Decimal(2), price, Decimal(0)))
    cut = draw(st.integers(0, len(rows)))
    return rows[:cut], rows[cut:]


def transactions(rows, name):
    return [Transaction(day, investor, account, security, TxType(kind), units, price, charges, f"{name}:{i + 2}")
            for i, (day, investor, account, security, kind, units, price, charges) in enumerate(rows)]


def kept(book: Book) -> tuple:
    db = book.db
    return (db.execute("SELECT * FROM ledger_queues ORDER BY investor, account, security").fetchall(),
            db.execute("SELECT * FROM ledger_disposals ORDER BY seq").fetchall(),
            db.execute("SELECT * FROM ledger_intraday ORDER BY seq").fetchall(),
            book.get("ledger"), book.get("ledger_intraday"), book.counts())


def load(book: Book, records, name: str, held: bool):
    """As `lotwise import`: write and check in one transaction; `held`: the ledger check from
    the rows written (a small import) or else from the book, holding by holding."""
    try:
        with book.transaction():
            check = before_import(book, INTRADAY)
            book.add("transactions", records, sha256=name, name=name, kind="transactions-csv")
            if book.last_added:
                after_import(book, check, book.last_added if held else None)
    except LedgerError as e:
        return e.diagnostic
    return None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_the_ledger_replayed_by_holding_is_the_one_replay(tmp_path_factory, history):
    tmp = tmp_path_factory.mktemp("streamed")
    whole, by_holding = Book.open(tmp / "whole.db", create=True), Book.open(tmp / "by_holding.db", create=True)
    for n, rows in enumerate(history):
        records = transactions(rows, f"s{n}.csv")
        assert load(whole, records, f"s{n}.csv", held=True) == load(by_holding, records, f"s{n}.csv", held=False)
        assert kept(whole) == kept(by_holding)


def test_an_earlier_dated_second_file_is_replayed_whole_by_holding(tmp_path):
    first = transactions([(date(2024, 1, 5), "asha", "F1", "TCS", "BUY", Decimal(10), Decimal(100), Decimal(0)),
                          (date(2024, 3, 5), "asha", "F1", "TCS", "SELL", Decimal(4), Decimal(120), Decimal(0))], "a.csv")
    second = transactions([(date(2024, 2, 5), "asha", "F1", "TCS", "BUY", Decimal(1), Decimal(90), Decimal(0)),
                           (date(2024, 2, 5), "asha", "F1", "TCS", "SELL", Decimal(3), Decimal(95), Decimal(0))], "b.csv")
    whole, by_holding = Book.open(tmp_path / "w.db", create=True), Book.open(tmp_path / "h.db", create=True)
    for records, name in ((first, "a.csv"), (second, "b.csv")):
        assert load(whole, records, name, True) is None and load(by_holding, records, name, False) is None
        assert kept(whole) == kept(by_holding)
    assert len(kept(whole)[1]) == 2 and len(kept(whole)[2]) == 1  # a sale in March, the rest of a day sold; a day netted


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2"])), max_size=60),
       batch=st.integers(1, 7), spill=st.integers(0, 10))
def test_fingerprints_counted_batch_by_batch_are_the_same(rows, batch, spill):
    import sqlite3

    db = sqlite3.connect(":memory:", isolation_level=None)
    old = book_module.SPILL
    book_module.SPILL = spill
    try:
        occurrences = Occurrences(db)
        out = []
        for start in range(0, len(rows), batch):
            out += occurrences.fingerprints(rows[start:start + batch])
    finally:
        book_module.SPILL = old
    assert out == fingerprints(rows)


def test_the_transactions_importer_reads_lazily():
    """The first row is there after two lines; before, `read` took the whole text."""
    def lines():
        yield "date,investor,account,security,type,units,price,charges"
        yield "2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,0"
        raise AssertionError("read past the first row")

    problems: list = []
    first = next(transactions_csv.stream(lines(), "t.csv", None, problems))
    assert (first.units, first.source, problems) == (Decimal(10), "t.csv:2", [])


def peak_import_mb(tmp_path, rows: int) -> float:
    """Peak RSS of a real `lotwise import` of a generated file of `rows` rows, in MB."""
    sys.path.insert(0, str(REPO / "bench"))
    from book import generate  # bench/book.py

    directory = tmp_path / str(rows)
    directory.mkdir()
    policy, csv_path, _ = generate(rows, directory)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "engine", "init", "--policy", str(policy), "--book", "b.db"], cwd=directory,
                   env=env, check=True, capture_output=True)
    probe = ("import resource, subprocess, sys\n"
             "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "assert run.returncode == 0, run.stderr\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "engine", "import", "--book", "b.db",
                          str(csv_path)], cwd=directory, env=env, check=True, capture_output=True, text=True)
    return int(out.stdout) / 1024


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
def test_a_four_times_larger_file_takes_little_more_memory(tmp_path):
    """Before: every row of the file, parsed, listed and replayed in memory (about 2.4 KB a row:
    75,000 more rows, some 180 MB more). Now rows stream through batches and the ledger check
    reads the book holding by holding past KEEP_ADDED rows; what still grows is bounded (the
    fingerprints' counts up to SPILL rows, SQLite's page cache up to its 64 MiB)."""
    small, large = peak_import_mb(tmp_path, 25_000), peak_import_mb(tmp_path, 100_000)
    assert large - small < 90, (small, large)


PIECES = ["2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,0", "2024-01-06,asha,F1,INF789F01XA0,SELL,1,90,0",
          "2024-13-05,asha,F1,INF789F01XA0,BUY,x,100,0", "2024-01-05,asha,F1", '"2024-01-07",asha,"F,1",X,BUY,1,1,0',
          '"unclosed,asha', "\r", "\r\n", "\n", "", ",,,,,,,", "\ufeff", "é", "\x00", b"\xff", b"\xef\xbb\xbf",
          "2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,0,extra", "x" * 400]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bom=st.booleans(), pieces=st.lists(st.sampled_from(PIECES), max_size=25))
def test_a_streamed_file_reads_as_the_whole_file(tmp_path_factory, bom, pieces):
    """Streamed (line by line) and read_file (the whole text) give the same rows and the same
    diagnostics, whatever the line ends, quotes, BOMs, NUL bytes or broken UTF-8."""
    from engine.book.importers import Streamed, read_file, streamable

    data = (b"\xef\xbb\xbf" if bom else b"") + b"date,investor,account,security,type,units,price,charges\n" + b"".join(
        p if isinstance(p, bytes) else p.encode() for p in pieces)
    path = tmp_path_factory.mktemp("s") / "t.csv"
    path.write_bytes(data)
    if not streamable(path, "t.csv"):  # a NUL byte in the first 400: read whole
        assert b"\x00" in data[:400]
        return
    whole = read_file(path, "t.csv")
    streamed = Streamed(path, "t.csv", None, whole.sha256)
    records = list(streamed.records())
    assert list(streamed.diagnostics) == list(whole.diagnostics)
    if whole.ok:
        assert records == whole.records
    lines = {d.span.line for d in whole.diagnostics if d.span is not None}
    if whole.text and lines:
        from engine.diagnostics import source_lines

        text = source_lines(whole.text.lstrip("\ufeff"))
        assert [source_lines(streamed.text(lines))[n - 1] for n in sorted(lines)] == [
            text[n - 1] if n <= len(text) else "" for n in sorted(lines)]


def big_book(tmp_path, rows: list[str]):
    """A book (policy-free) and a transactions CSV of `rows` after its header."""
    from conftest import lotwise

    sys.path.insert(0, str(REPO / "bench"))
    from book import generate  # bench/book.py: a policy of inv0..inv4 and funds INF000000000..INF000000019

    policy, _, _ = generate(0, tmp_path)
    assert lotwise(tmp_path, "init", "--book", "b.db", "--policy", str(policy)).returncode == 0
    (tmp_path / "t.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                    + "".join(r + "\n" for r in rows), encoding="utf-8")


def good_rows(n: int) -> list[str]:
    return [f"2024-01-{1 + i % 28:02d},inv{i % 5},F{i % 7},INF{i % 11:09d},BUY,{1 + i % 5}.5,{100 + i % 37},0"
            for i in range(n)]


def counts(tmp_path) -> dict:
    book = Book.open(tmp_path / "b.db")
    try:
        return {**book.counts(), "queues": book.db.execute("SELECT count(*) FROM ledger_queues").fetchone()[0]}
    finally:
        book.close()


def test_an_error_on_the_last_row_of_a_large_file_imports_nothing(tmp_path):
    """30,000 rows are written in batches before the last one is read: all are rolled back."""
    from conftest import lotwise

    big_book(tmp_path, good_rows(30_000) + ["2024-02-30,inv1,F1,INF000000001,BUY,1,1,0"])
    run = lotwise(tmp_path, "import", "--book", "b.db", "t.csv")
    assert run.returncode != 0 and "row 30002, column `date`" in run.stderr and "nothing imported: 1 error(s)" in run.stderr
    assert "2024-02-30,inv1,F1,INF000000001,BUY,1,1,0" in run.stderr  # the row, shown from the file
    assert counts(tmp_path) == {"transactions": 0, "prices": 0, "fmv": 0, "losses": 0, "imports": 0, "queues": 0}


def test_a_sale_never_bought_late_in_a_large_file_imports_nothing_and_names_the_row(tmp_path):
    """Past KEEP_ADDED rows the ledger check reads the book holding by holding; its error is
    the one a single replay meets first, shown with the row's text."""
    from conftest import lotwise

    rows = good_rows(25_000) + ["2024-03-01,inv3,F3,INF000000002,SELL,5000,100,0",
                                "2024-02-01,inv2,F2,INF000000005,SELL,9000,100,0"]
    big_book(tmp_path, rows)
    run = lotwise(tmp_path, "import", "--book", "b.db", "t.csv")
    assert run.returncode != 0 and "nothing imported" in run.stderr
    assert "t.csv:25003" in run.stderr and "2024-02-01,inv2,F2,INF000000005,SELL,9000,100,0" in run.stderr
    assert counts(tmp_path)["transactions"] == 0


def test_the_diagnostics_kept_of_a_file_are_bounded(tmp_path):
    from conftest import lotwise

    big_book(tmp_path, good_rows(10) + ["2024-01-05,inv1,F1,INF000000001,BUY,x,1,0"] * 1_200)
    run = lotwise(tmp_path, "import", "--book", "b.db", "t.csv")
    assert run.returncode != 0
    assert "nothing imported: 1200 error(s) (the first 1000 of a file shown)" in run.stderr
    assert run.stderr.count("is not a number") == 1000
    run = lotwise(tmp_path, "import", "--json", "--book", "b.db", "t.csv")
    out = json.loads(run.stdout)
    assert (out["ok"], len(out["diagnostics"]), out["diagnostics_not_shown"]) == (False, 1000, 200)


def test_a_file_changed_after_it_was_hashed_is_not_imported(tmp_path):
    """The book records the sha256 hashed first (`already imported` is asked by it): a file
    saved again between that hash and the streamed read is refused, not recorded under the
    old hash."""
    from engine.book.importers import Streamed, file_sha256

    path = tmp_path / "t.csv"
    path.write_text("date,investor,account,security,type,units,price,charges\n2024-01-05,a,F1,S,BUY,1,1,0\n")
    sha256, _ = file_sha256(path, "t.csv")
    path.write_text("date,investor,account,security,type,units,price,charges\n2024-01-05,a,F1,S,BUY,2,1,0\n")
    streamed = Streamed(path, "t.csv", None, sha256)
    list(streamed.records())
    assert [(d.code, d.message) for d in streamed.diagnostics] == [
        ("I001", "`t.csv` changed while it was being imported")]
