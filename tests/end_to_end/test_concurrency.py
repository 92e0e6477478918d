"""Concurrent commands (issue 12.3), through real processes: a long import running while the
reports read the book, plans saved while an import commits, two imports at once, and the WAL
files. docs/reliability.md, "Concurrent commands (12.3)"."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, lotwise
from test_files_and_saves import immutable

pytestmark = pytest.mark.slow  # concurrent processes: long imports, plans and reads at once

AS_OF = "2019-03-01"
READERS = {
    "lots": ["lots"],
    "status": ["status", "--as-of", AS_OF],
    "gains": ["gains", "--fy", "2018-19"],
    "plans": ["plans"],
    "year-end --no-save": ["plan", "year-end", "--as-of", AS_OF, "--no-save"],
}


def _generate():
    spec = importlib.util.spec_from_file_location("bench_book", REPO / "bench" / "book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def start(directory: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "engine", *args], cwd=directory, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def header_mode(book: Path) -> int:
    """The journal mode the file keeps: bytes 18 and 19 are 2 for WAL, 1 for a rollback journal."""
    head = book.read_bytes()[:20]
    return head[18]


def whole(book: Path) -> dict[str, int]:
    """The .db alone (immutable: nothing else read or made beside it) is a whole book: counts."""
    db = sqlite3.connect(f"file:{book}?immutable=1", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("transactions", "imports", "plans")}
    finally:
        db.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """A policy, a first import of 2,000 transactions with prices, and a long one of 18,000 dated after."""
    where = tmp_path_factory.mktemp("concurrency")
    _generate()(20_000, where)
    lines = (where / "transactions.csv").read_text().splitlines()
    (where / "first.csv").write_text("\n".join(lines[:2001]) + "\n")
    (where / "long.csv").write_text("\n".join(lines[:1] + lines[2001:]) + "\n")
    (where / "prices.csv").write_text("date,security,price\n" + "".join(
        f"2019-02-28,INF{i:09d},{120 + i}.25\n" for i in range(20)))
    return where


@pytest.fixture
def book(files, tmp_path) -> Path:
    """A book holding the first import, in its own directory."""
    for name in ("bench.rules", "first.csv", "long.csv", "prices.csv", "month.csv"):
        (tmp_path / name).symlink_to(files / name)
    assert lotwise(tmp_path, "init", "--policy", "bench.rules").returncode == 0
    done = lotwise(tmp_path, "import", "first.csv", "prices.csv")
    assert done.returncode == 0, done.stderr
    return tmp_path


def clean(done) -> None:
    out = done.stdout + done.stderr
    assert "Traceback" not in out and "database is locked" not in out and "not a lotwise book" not in out, out


def test_a_new_book_is_in_wal_mode_and_the_db_alone_is_whole_after_each_command(book):
    db = book / "lotwise.db"
    assert header_mode(db) == 2
    assert {p.name for p in book.iterdir() if p.name.startswith("lotwise.db")} == {"lotwise.db"}
    assert whole(db)["transactions"] == 2000  # the .db alone: nothing left in a -wal file


def test_an_older_book_is_switched_to_wal_on_its_first_writable_open(book):
    db = sqlite3.connect(book / "lotwise.db")
    assert db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    db.close()
    assert header_mode(book / "lotwise.db") == 1
    done = lotwise(book, "lots")
    assert done.returncode == 0, done.stderr
    assert header_mode(book / "lotwise.db") == 2


def test_a_wal_book_in_a_directory_that_cannot_be_written_is_read(book):
    before = lotwise(book, *READERS["status"])
    assert before.returncode == 0, before.stderr
    with immutable(book):  # no -wal or -shm file can be made beside it
        done = lotwise(book, *READERS["status"])
        saving = lotwise(book, "plan", "year-end", "--as-of", AS_OF)
    clean(done)
    assert done.returncode == 0 and done.stdout == before.stdout, done.stderr
    assert saving.returncode == 1 and "the plan was not saved: attempt to write a readonly database" in saving.stderr
    assert {p.name for p in book.iterdir() if p.name.startswith("lotwise.db")} == {"lotwise.db"}


def test_reports_during_a_long_import_see_the_book_before_or_after_it_whole(book):
    before = {name: lotwise(book, *argv) for name, argv in READERS.items()}
    for name, done in before.items():
        assert done.returncode == 0, (name, done.stderr)
    importing = start(book, "import", "long.csv")
    seen: dict[str, list] = {name: [] for name in READERS}
    while importing.poll() is None and len(seen["lots"]) < 3:  # rounds of every report at once
        running = {name: start(book, *argv) for name, argv in READERS.items()}
        for name, process in running.items():
            out, err = process.communicate()
            seen[name].append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    out, err = importing.communicate()
    assert importing.returncode == 0, err
    assert "18000 added" in out
    # Each round started while the import ran; how far they overlapped its write transaction
    # depends on the machine's speed. The deterministic case (a report while another process
    # holds the write lock) is test_reports_do_not_wait_for_a_writer below.
    assert seen["lots"], "the import ended before any report started"
    after = {name: lotwise(book, *argv) for name, argv in READERS.items()}
    assert after["lots"].stdout != before["lots"].stdout
    for name, runs in seen.items():
        for done in runs:
            clean(done)
            assert done.returncode == 0, (name, done.stderr)
            assert done.stdout in (before[name].stdout, after[name].stdout), name  # never half an import
    assert whole(book / "lotwise.db")["transactions"] == 20_000


def test_a_plan_saved_while_an_import_commits_is_saved_after_it_or_refused_as_busy(book):
    outcomes = []
    for trial in range(5):
        name = f"more{trial}.csv"  # another file each time: dated after what the book holds
        rows = (book / "month.csv").read_text().splitlines()
        (book / name).write_text("\n".join([rows[0]] + [r.replace(",10.25,", f",{10 + trial}.5,") for r in rows[1:]]
                                           * (trial + 1)) + "\n")
        importing = start(book, "import", name)
        time.sleep(0.3 + 0.15 * trial)  # into the import, at a different point each time
        saving = lotwise(book, "plan", "year-end", "--as-of", AS_OF)
        out, err = importing.communicate()
        assert importing.returncode == 0, err
        clean(saving)
        if saving.returncode == 0:
            outcomes.append("saved")
            ident = saving.stdout.split()[2]  # "Year-end plan ID for FY ..."
            db = sqlite3.connect(f"file:{book / 'lotwise.db'}?immutable=1", uri=True)
            assert db.execute("SELECT count(*) FROM plans WHERE id = ?", (ident,)).fetchone()[0] == 1
            db.close()
        else:
            outcomes.append("busy")
            assert "the book is busy: another lotwise command" in saving.stderr, saving.stderr
    assert len(outcomes) == 5


def test_two_imports_at_once_one_wins_and_the_book_is_whole(book):
    first, second = start(book, "import", "long.csv"), start(book, "import", "long.csv")
    results = [(p, *p.communicate()) for p in (first, second)]
    said = sorted("18000 added" in out and "already" not in out for _, out, _ in results)
    assert said == [False, True], results
    for p, out, err in results:
        assert "Traceback" not in out + err
        if "18000 added" not in out:
            assert "(already imported)" in out or "the book is busy" in err, (out, err)
    counts = whole(book / "lotwise.db")
    assert counts["transactions"] == 20_000 and counts["imports"] == 3
    assert lotwise(book, "lots").returncode == 0


def test_reports_do_not_wait_for_a_writer_and_a_second_writer_is_refused_as_busy(book):
    """Another process in the middle of writing the book (here this test, as a long import is,
    with the exclusive lock a rollback journal needs to write its pages): the reports neither
    wait nor fail; a command that saves waits 10 s, then says the book is busy."""
    before = {name: lotwise(book, *READERS[name]) for name in ("lots", "status")}
    writer = sqlite3.connect(book / "lotwise.db", isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("INSERT INTO meta (key, value) VALUES ('being', 'written')")
        for name, then in before.items():
            started = time.monotonic()
            done = lotwise(book, *READERS[name])
            clean(done)
            assert done.returncode == 0 and done.stdout == then.stdout, done.stderr
            assert time.monotonic() - started < 8, f"{name} waited for the writer"
        saving = lotwise(book, "plan", "year-end", "--as-of", AS_OF)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "Traceback" not in saving.stderr and saving.returncode == 1
    assert saving.stderr == ("lotwise: the book is busy: another lotwise command (an import, or a plan being saved) "
                             "was still writing it after 10 s; try again when it is done; nothing was saved\n")
    assert whole(book / "lotwise.db")["plans"] == 0
