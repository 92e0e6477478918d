"""Files and saves (issue 12, items 1, 4 and 11), through real processes with real faults:
a file-size limit (RLIMIT_FSIZE: every write past N bytes fails with EFBIG, as on a full disk),
immutable files and directories (`chattr +i`: refused even to root), read-only permission bits
(only when not root: root ignores them). What the user sees (stdout, stderr, the exit code) and
what is left on disk (the old file byte for byte, no temporary file, the book unchanged).
docs/reliability.md, "Files and saves"."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import REPO, lotwise

pytestmark = pytest.mark.slow  # real processes under real faults (file-size limits, immutable files)

FAMILY = REPO / "examples" / "family"
AS_OF = "2026-03-12"  # the family's last prices
ROOT = os.geteuid() == 0


def limited(directory: Path, *args: str, fsize: int, env: dict | None = None) -> subprocess.CompletedProcess:
    """`lotwise ARGS` with every file it writes limited to `fsize` bytes: a full disk."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), not the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=directory, capture_output=True, text=True,
                          env={**os.environ, "LOTWISE_NO_CACHE": "1", "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
                          preexec_fn=limit)


@contextmanager
def immutable(path: Path):
    """`path` made immutable (chattr +i): no one, root included, may write, rename over or
    delete it (or, for a directory, add a file to it); skipped where the filesystem or the
    user cannot set the flag."""
    if not shutil.which("chattr"):
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a file immutable here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr


def files_in(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


# ---------------------------------------------------------------------------- item 1: files
def big_policy() -> str:
    """A 244 KB policy that `fmt` rewrites (two-space indents), comments kept."""
    text = (FAMILY / "family.rules").read_text(encoding="utf-8")
    return "".join(f"# note {i}: {'x' * 60}\n" for i in range(3300)) + text.replace("    ", "  ")


def test_fmt_on_a_full_disk_leaves_the_policy_whole(tmp_path):
    policy = tmp_path / "big.rules"
    policy.write_text(big_policy(), encoding="utf-8")
    before = policy.read_bytes()
    assert len(before) > 240_000
    done = limited(tmp_path, "fmt", "big.rules", fsize=102_400)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.strip() == "lotwise: cannot write big.rules: File too large; big.rules is unchanged"
    assert policy.read_bytes() == before
    assert files_in(tmp_path) == {"big.rules"}  # no temporary file left behind
    # and with room, the same command rewrites it
    done = limited(tmp_path, "fmt", "big.rules", fsize=1_000_000)
    assert done.returncode == 0 and done.stdout == "reformatted big.rules\n", done.stderr
    assert files_in(tmp_path) == {"big.rules"}


def test_fmt_keeps_the_permissions_and_a_link(tmp_path):
    real = tmp_path / "real.rules"
    real.write_text((FAMILY / "family.rules").read_text(encoding="utf-8").replace("    ", "  "), encoding="utf-8")
    real.chmod(0o640)
    (tmp_path / "link.rules").symlink_to("real.rules")
    done = lotwise(tmp_path, "fmt", "link.rules", env={"LOTWISE_NO_CACHE": "1"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.rules").is_symlink()
    assert real.stat().st_mode & 0o777 == 0o640
    assert real.read_text(encoding="utf-8") == (FAMILY / "family.rules").read_text(encoding="utf-8")


def test_fmt_refuses_an_immutable_policy(tmp_path):
    policy = tmp_path / "p.rules"
    policy.write_text(big_policy(), encoding="utf-8")
    before = policy.read_bytes()
    with immutable(policy):
        done = lotwise(tmp_path, "fmt", "p.rules", env={"LOTWISE_NO_CACHE": "1"})
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.strip() == "lotwise: cannot write p.rules: the file is read-only; p.rules is unchanged"
    assert policy.read_bytes() == before and files_in(tmp_path) == {"p.rules"}


@pytest.mark.skipif(ROOT, reason="root ignores permission bits (the immutable policy test covers root)")
def test_fmt_refuses_a_read_only_policy(tmp_path):  # pragma: no cover - CI runs as a user, this machine as root
    policy = tmp_path / "p.rules"
    policy.write_text(big_policy(), encoding="utf-8")
    policy.chmod(0o444)
    before = policy.read_bytes()
    done = lotwise(tmp_path, "fmt", "p.rules", env={"LOTWISE_NO_CACHE": "1"})
    no_traceback(done)
    assert done.returncode == 1 and "the file is read-only; p.rules is unchanged" in done.stderr
    assert policy.read_bytes() == before


def test_fmt_in_a_directory_that_cannot_be_written(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    policy = folder / "p.rules"
    policy.write_text(big_policy(), encoding="utf-8")
    before = policy.read_bytes()
    if ROOT:
        with immutable(folder):
            done = lotwise(tmp_path, "fmt", "policies/p.rules", env={"LOTWISE_NO_CACHE": "1"})
    else:  # pragma: no cover
        folder.chmod(0o555)
        try:
            done = lotwise(tmp_path, "fmt", "policies/p.rules", env={"LOTWISE_NO_CACHE": "1"})
        finally:
            folder.chmod(0o755)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.startswith("lotwise: cannot write policies/p.rules: ")
    assert done.stderr.rstrip().endswith("; policies/p.rules is unchanged")
    assert policy.read_bytes() == before and files_in(folder) == {"p.rules"}


# ---------------------------------------------------------------------------- the family book
@pytest.fixture(scope="module")
def family_book(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("family-book")
    shutil.copy(FAMILY / "family.rules", where / "family.rules")
    assert lotwise(where, "init", "--policy", "family.rules").returncode == 0
    done = lotwise(where, "import", *(str(FAMILY / n) for n in ("transactions.csv", "prices.csv", "fmv.csv")))
    assert done.returncode == 0, done.stderr
    return where


@pytest.fixture
def family(family_book, tmp_path) -> Path:
    """A copy of the family's book and policy, for one test to damage."""
    for name in ("lotwise.db", "family.rules"):
        shutil.copy(family_book / name, tmp_path / name)
    return tmp_path


def rows(book: Path) -> dict[str, int]:
    """What the book keeps, read without writing, and that it is whole: the .db file alone
    (immutable=1: no lock, no -wal or -shm file made beside it, as `mode=ro` would leave for a
    WAL book), which is the whole book when no command runs (docs/reliability.md, 12.3)."""
    db = sqlite3.connect(f"file:{book}?immutable=1", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("plans", "sell_states", "rebalances", "transactions")}
    finally:
        db.close()


def test_year_end_csv_on_a_full_disk_leaves_the_old_file(family):
    (family / "orders.csv").write_text("old\n")
    before = rows(family / "lotwise.db")
    # the book is not written before the reports: only the CSV meets the limit
    done = limited(family, "plan", "year-end", "--as-of", AS_OF, "--csv", "orders.csv", fsize=100)
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.rstrip().splitlines()[-1] == \
        "lotwise: cannot write orders.csv: File too large; orders.csv is unchanged"
    assert (family / "orders.csv").read_text() == "old\n"
    assert rows(family / "lotwise.db") == before  # nothing saved: a report that failed changes nothing
    assert files_in(family) == {"lotwise.db", "family.rules", "orders.csv"}


def test_year_end_markdown_onto_an_immutable_file(family):
    report = family / "plan.md"
    report.write_text("old report\n")
    with immutable(report):
        done = lotwise(family, "plan", "year-end", "--as-of", AS_OF, "--markdown", "plan.md")
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr.rstrip().splitlines()[-1] == \
        "lotwise: cannot write plan.md: the file is read-only; plan.md is unchanged"
    assert report.read_text() == "old report\n"


def test_year_end_reports_are_written_whole(family):
    done = lotwise(family, "plan", "year-end", "--as-of", AS_OF, "--csv", "o.csv", "--markdown", "o.md")
    assert done.returncode == 0, done.stderr
    assert (family / "o.csv").read_text().startswith("plan_id,")
    assert (family / "o.md").stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert files_in(family) == {"lotwise.db", "family.rules", "o.csv", "o.md"}


def test_year_end_csv_to_standard_output(family):
    done = lotwise(family, "plan", "year-end", "--as-of", AS_OF, "--no-save", "--csv", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("plan_id,")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------------------- item 4: saves
SAVES = {
    "year-end": (["plan", "year-end", "--as-of", AS_OF], "lotwise: the plan was not saved: ", "plans"),
    "month": (["plan", "month", "--from", "asha=30000,ravi=20000", "--as-of", AS_OF],
              "lotwise: the plan (and the selling state) of this month was not saved: ", "sell_states"),
    "rebalance": (["rebalance", "--method", "full", "--record", "--as-of", AS_OF],
                  "lotwise: the rebalance was not saved: ", "rebalances"),
}


def _shown(done, json_out: bool) -> None:
    """The plan is on stdout in full."""
    if json_out:
        assert json.loads(done.stdout)
    else:
        assert "After" in done.stdout or "lots considered" in done.stdout, done.stdout


@pytest.mark.parametrize("json_out", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("command", list(SAVES))
def test_a_save_on_a_full_disk_shows_the_plan_and_says_it_was_not_saved(family, command, json_out):
    argv, said, table = SAVES[command]
    before = rows(family / "lotwise.db")
    done = limited(family, *argv, *(["--json"] if json_out else []), fsize=1)  # not even the journal fits
    no_traceback(done)
    assert done.returncode == 1, done.stderr
    _shown(done, json_out)
    last = done.stderr.rstrip().splitlines()[-1]
    assert last.startswith(said) and last.endswith("; the book is unchanged"), last
    assert rows(family / "lotwise.db") == before
    assert files_in(family) == {"lotwise.db", "family.rules"}  # no journal left behind
    saved = lotwise(family, *argv)  # with room, the same command saves
    assert saved.returncode == 0, saved.stderr
    assert rows(family / "lotwise.db")[table] == before[table] + 1


@pytest.mark.parametrize("command", list(SAVES))
def test_a_save_in_an_immutable_book_shows_the_plan_and_says_it_was_not_saved(family, command):
    argv, said, _ = SAVES[command]
    before = rows(family / "lotwise.db")
    with immutable(family / "lotwise.db"):
        done = lotwise(family, *argv)
    no_traceback(done)
    assert done.returncode == 1
    _shown(done, False)
    assert done.stderr.rstrip().splitlines()[-1] == \
        f"{said}attempt to write a readonly database; the book is unchanged"
    assert rows(family / "lotwise.db") == before


def test_a_dry_run_and_no_save_need_no_writable_book(family):
    with immutable(family / "lotwise.db"):
        month = lotwise(family, *SAVES["month"][0], "--dry-run")
        year_end = lotwise(family, *SAVES["year-end"][0], "--no-save")
    assert month.returncode == 0, month.stderr
    assert year_end.returncode == 0, year_end.stderr


def test_a_fault_of_the_book_no_command_expects_is_said_not_taken_for_a_bug(family):
    # `init` writes the remembered policy outside any save a command handles: the top of the command does
    with immutable(family / "lotwise.db"):
        done = lotwise(family, "init", "--policy", "family.rules")
    no_traceback(done)
    assert done.returncode == 1
    assert done.stderr == ("lotwise: the book could not be used: attempt to write a readonly database; "
                           "nothing was saved\n")


# ---------------------------------------------------------------------------- item 11: bugs
def crashing(directory: Path, env: dict) -> subprocess.CompletedProcess:
    """`lotwise status` with a bug put in it: the command raises ZeroDivisionError."""
    script = ("import sys\nimport engine.cli.main as cli\n"
              "def status(args):\n    return 1 / 0\n"
              "cli.cmd_status = status\nsys.exit(cli.main(['status', '--book', 'nowhere.db']))\n")
    return subprocess.run([sys.executable, "-c", script], cwd=directory, capture_output=True, text=True,
                          env={**os.environ, "LOTWISE_NO_CACHE": "1", **env})


def test_an_internal_error_exits_3_with_one_line_and_a_report(tmp_path):
    from engine import __version__

    done = crashing(tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache"), "LOTWISE_DEBUG": ""})
    assert done.returncode == 3
    no_traceback(done)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    reports = list((tmp_path / "cache" / "lotwise").glob("crash-*.txt"))
    assert len(reports) == 1
    assert lines[0] == (f"lotwise {__version__}: internal error (ZeroDivisionError: division by zero); this is a "
                        f"bug in lotwise, sorry. The details are in {reports[0]}; please report them.")
    text = reports[0].read_text()
    assert "Traceback" in text and "ZeroDivisionError: division by zero" in text and ", in status" in text
    assert f"lotwise {__version__}" in text and "command: lotwise status --book nowhere.db" in text
    assert f"python: {sys.version.split()[0]}" in text


def test_a_report_that_cannot_go_to_the_cache_goes_to_the_temporary_directory(tmp_path):
    (tmp_path / "not-a-dir").write_text("")
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = crashing(tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "not-a-dir"), "TMPDIR": str(temp),
                               "LOTWISE_DEBUG": ""})
    assert done.returncode == 3
    no_traceback(done)
    reports = list((temp / "lotwise").glob("crash-*.txt"))
    assert len(reports) == 1 and f"The details are in {reports[0]};" in done.stderr


def test_debug_shows_the_traceback_and_still_exits_3(tmp_path):
    done = crashing(tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache"), "LOTWISE_DEBUG": "1"})
    assert done.returncode == 3
    assert done.stderr.startswith("Traceback") and "ZeroDivisionError: division by zero" in done.stderr
    assert not (tmp_path / "cache" / "lotwise").exists()


def test_input_errors_still_exit_1_and_usage_errors_2(tmp_path):
    assert lotwise(tmp_path, "status", "--book", "nowhere.db").returncode == 1
    assert lotwise(tmp_path, "status", "--no-such-option").returncode == 2
