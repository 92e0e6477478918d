"""`lotwise init` under faults (issue 12): a full disk, a read-only directory, an existing
book, a file that is not a book. A new book is made whole beside its path and then put in
place, so init leaves a complete book or nothing (before, a full disk left an empty file and a
message about "upgrading"). And the temporary file a writer killed with kill -9 leaves, removed
by the next write. docs/reliability.md, "Kill and fault runs"."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import REPO, lotwise
from test_files_and_saves import files_in, immutable, limited, no_traceback

pytestmark = pytest.mark.slow  # real processes under real faults

POLICY = str(REPO / "examples" / "family" / "family.rules")


@pytest.mark.parametrize("fsize", [0, 4096, 50_000])
def test_init_on_a_full_disk_leaves_nothing(tmp_path, fsize):
    done = limited(tmp_path, "init", "--book", "b.db", "--policy", POLICY, fsize=fsize)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == ("lotwise: cannot create the book `b.db`: disk I/O error (is the disk full?); "
                           "nothing was created\n")
    assert files_in(tmp_path) == set()  # no empty book, no temporary file, no journal
    # with room, the same command makes the book, which then works
    done = limited(tmp_path, "init", "--book", "b.db", "--policy", POLICY, fsize=10_000_000)
    assert done.returncode == 0 and done.stdout == f"created book b.db with policy {POLICY}\n", done.stderr
    assert files_in(tmp_path) == {"b.db"}
    assert (tmp_path / "b.db").stat().st_mode & 0o077 != 0  # the user's umask, not mkstemp's 0600
    done = lotwise(tmp_path, "import", "--book", "b.db", str(REPO / "examples" / "family" / "transactions.csv"))
    assert done.returncode == 0, done.stderr


def test_init_in_a_read_only_directory_leaves_nothing(tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    with immutable(directory):
        done = lotwise(tmp_path, "init", "--book", "ro/b.db", "--policy", POLICY)
        assert files_in(directory) == set()
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr == "lotwise: cannot create the book `ro/b.db`: Operation not permitted; nothing was created\n"


def test_init_in_a_missing_directory(tmp_path):
    done = lotwise(tmp_path, "init", "--book", "nowhere/b.db")
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr == "lotwise: cannot create the book `nowhere/b.db`: No such file or directory; nothing was created\n"


def test_init_on_an_existing_book_keeps_it(tmp_path):
    assert lotwise(tmp_path, "init", "--book", "b.db", "--policy", POLICY).returncode == 0
    done = lotwise(tmp_path, "import", "--book", "b.db", str(REPO / "examples" / "family" / "transactions.csv"))
    assert done.returncode == 0, done.stderr

    def rows() -> int:
        db = sqlite3.connect(tmp_path / "b.db")  # closed at once: a WAL book's -wal and -shm files go with it
        try:
            return db.execute("SELECT count(*) FROM transactions").fetchone()[0]
        finally:
            db.close()

    before = rows()
    assert before > 0
    done = lotwise(tmp_path, "init", "--book", "b.db", "--policy", POLICY)
    assert done.returncode == 0 and done.stdout == f"using the existing book b.db with policy {POLICY}\n"
    assert rows() == before
    # an existing book that cannot be written: the policy is not remembered, said in one line
    with immutable(tmp_path / "b.db"):
        done = lotwise(tmp_path, "init", "--book", "b.db", "--policy", POLICY)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr == "lotwise: the book could not be used: attempt to write a readonly database; nothing was saved\n"
    assert rows() == before and files_in(tmp_path) == {"b.db"}


def test_init_on_a_file_that_is_not_a_book_leaves_it(tmp_path):
    other = tmp_path / "notes.db"
    other.write_bytes(b"my notes, not a book\n" * 100)
    done = lotwise(tmp_path, "init", "--book", "notes.db", "--policy", POLICY)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr == "lotwise: `notes.db` is not a lotwise book (file is not a database)\n"
    assert other.read_bytes() == b"my notes, not a book\n" * 100


def test_a_write_removes_the_temporary_files_a_killed_writer_left(tmp_path):
    """kill -9 between the temporary file and its rename leaves `.NAME.PID.XXXXXXXX.tmp`
    (bench/faults.py counts them); the next write of the same file removes those whose
    process is gone, and nothing else."""
    import subprocess
    import sys

    from engine.files import write_atomically

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()  # a process number no process has now
    stale = tmp_path / f".p.rules.{gone}.abcd1234.tmp"
    stale.write_text("half a policy")
    kept = [tmp_path / ".p.rules.1.abcd1234.tmp",  # its process (init) still runs
            tmp_path / f".q.rules.{gone}.abcd1234.tmp",  # another file's
            tmp_path / ".p.rules.notes.tmp"]  # not named as lotwise names them
    for path in kept:
        path.write_text("x")
    write_atomically(tmp_path / "p.rules", 'use "india"\n')
    assert not stale.exists()
    assert files_in(tmp_path) == {"p.rules", *(p.name for p in kept)}
