"""Terminal manners through real processes (docs/terminal.md): on a pseudo-terminal (on_terminal.py)
the diagnostics and the text reports are painted and long work draws a progress line; the text
without its escape codes is byte for byte what a pipe receives; NO_COLOR (or TERM=dumb) leaves no
escape code at all, even on a terminal; a pipe gets exactly what it got before (the golden files
pin that); `lotwise --help` does not import rich."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # on_terminal.py beside this file
from on_terminal import ROOT, run_on_tty  # noqa: E402

pytestmark = pytest.mark.slow  # whole commands as processes
ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
BAD = 'investor asha\n  nme "Asha"\n'  # two P101 syntax errors, each with a hint


def piped(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    import os

    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True,
                          env=full | (env or {}))


def as_terminal(text: bytes) -> bytes:
    """What a terminal receives for `text` written through its line discipline: \\n as \\r\\n."""
    return text.replace(b"\n", b"\r\n")


def test_help_does_not_import_rich():
    """`lotwise --help` starts fast (docs/performance.md): rich is imported by no module it loads."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine", "--help"], capture_output=True,
                          text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0 and "lotwise docs" in done.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "engine.cli.main" in imported
    assert not [m for m in imported if m.split(".")[0] == "rich"]


def test_diagnostics_are_painted_on_a_terminal_and_only_painted(tmp_path):
    """A policy with two syntax errors: on a terminal the place is bold, `error` bold red, the code
    bold, the carets red and `hint:` green; without the escape codes the bytes are the piped
    stderr's (and stdout's, both on the terminal), line ends as the terminal makes them."""
    (tmp_path / "bad.rules").write_text(BAD, encoding="utf-8")
    pipe = piped("check", "bad.rules", cwd=tmp_path)
    ran = run_on_tty(["check", "bad.rules"], cwd=tmp_path, stdout_on_tty=True)
    assert ran.code == pipe.returncode == 1
    assert b"\x1b[1mbad.rules:1:1: \x1b[0m\x1b[1;31merror\x1b[0m\x1b[1m[P101]\x1b[0m: unexpected `investor`" \
        in ran.terminal
    assert b"  | \x1b[1;31m^^^^^^^^\x1b[0m\r\n" in ran.terminal and b"\x1b[1;32mhint:\x1b[0m expected" in ran.terminal
    assert ESCAPE.sub(b"", ran.terminal) == as_terminal(pipe.stderr + pipe.stdout)


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"NO_COLOR": "anything"}, {"TERM": "dumb"}])
def test_no_color_or_a_dumb_terminal_gets_no_escape_code(tmp_path, env):
    """NO_COLOR set to any value (no-color.org), or TERM=dumb: the terminal receives exactly the
    piped bytes, not one escape code."""
    (tmp_path / "bad.rules").write_text(BAD, encoding="utf-8")
    pipe = piped("check", "bad.rules", cwd=tmp_path)
    ran = run_on_tty(["check", "bad.rules"], cwd=tmp_path, stdout_on_tty=True, env=env)
    assert b"\x1b" not in ran.terminal
    assert ran.terminal == as_terminal(pipe.stderr + pipe.stdout)


def test_an_empty_no_color_is_not_set(tmp_path):
    """NO_COLOR="" does not count (no-color.org: "present and not an empty string"): painted."""
    (tmp_path / "bad.rules").write_text(BAD, encoding="utf-8")
    ran = run_on_tty(["check", "bad.rules"], cwd=tmp_path, stdout_on_tty=True, env={"NO_COLOR": ""})
    assert b"\x1b[1;31merror" in ran.terminal


def test_a_report_s_title_is_bold_but_json_and_show_are_not_painted():
    """`check` of the family example on a terminal: its one line (the title) bold. With --json, and
    `show` (a policy's data), stdout is the piped bytes."""
    family = "examples/family/family.rules"
    ran = run_on_tty(["check", family], stdout_on_tty=True)
    assert ran.terminal == b"\x1b[1mok: 1 file(s), 0 error(s), 0 warning(s)\x1b[0m\r\n"
    for args in (["check", family, "--json"], ["show", family, "--as-of", "2026-11-21"]):
        ran = run_on_tty(args, stdout_on_tty=True)
        assert ran.code == 0 and ran.terminal == as_terminal(piped(*args).stdout)


@pytest.fixture(scope="module")
def toy_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path[:0] = [str(ROOT / "tests" / "backtest")]  # the toy history, tests/backtest/toy.py
    import toy

    return toy.book(tmp_path_factory.mktemp("toy"))


def test_a_backtest_draws_progress_on_stderr_and_prints_the_piped_table(toy_book):
    """`backtest` with stderr on a terminal: the bar's line names the run ("backtest policy") and
    counts months: 3 runs (policy, buy-and-hold and the policy's twin without harvesting) of 23
    month days (the toy's prices from 1 April 2018 to Sunday 1 March 2020: March's month day, Monday
    2 March, is after the last price), 69 in all; then it is erased (rich's transient line: the
    cursor shown again); stdout (piped) is byte for byte the piped run's."""
    args = ["backtest", "--strategy", "policy", "buy-and-hold"]
    pipe = piped(*args, cwd=toy_book)
    ran = run_on_tty(args, cwd=toy_book)
    assert ran.code == pipe.returncode == 0 and ran.stdout == pipe.stdout and pipe.stderr == b""
    shown = ESCAPE.sub(b"", ran.terminal)
    assert b"backtest policy" in shown and b" of 69 months" in shown
    assert b"\x1b[?25h" in ran.terminal and ran.terminal.endswith(b"\x1b[2K")  # cursor shown, the line erased last


def test_a_backtest_s_progress_without_colour_is_plain_text(toy_book):
    """NO_COLOR: the progress line is plain text redrawn after carriage returns and blanked at the
    end: no escape code."""
    args = ["backtest", "--strategy", "policy", "buy-and-hold"]
    ran = run_on_tty(args, cwd=toy_book, env={"NO_COLOR": "1"})
    assert ran.code == 0 and b"\x1b" not in ran.terminal
    assert ran.terminal.startswith(b"\rbacktest policy (") and b" of 69 months, " in ran.terminal
    assert re.fullmatch(rb".*\r +\r", ran.terminal, re.S)  # blanked


def test_monte_carlo_counts_paths(toy_book):
    """`--paths 4` on one process: "Monte Carlo path 2 (2 of 4 paths, ...)" and so on."""
    (toy_book / "calm.toml").write_text('start = "2018-04"\nmonths = 13\nseed = 7\n' + "".join(
        f'[assets.{a}]\nmean = "10%"\nvolatility = "20%"\n' for a in ("Large", "Mid", "Small")), encoding="utf-8")
    args = ["backtest", "--scenario", "calm.toml", "--paths", "4", "--jobs", "1", "--strategy", "buy-and-hold"]
    ran = run_on_tty(args, cwd=toy_book, env={"NO_COLOR": "1"})
    assert ran.code == 0 and ran.stdout == piped(*args, cwd=toy_book).stdout
    assert b"\rMonte Carlo path 1 (1 of 4 paths, " in ran.terminal


def test_a_large_import_draws_its_rows(tmp_path):
    """40,000 rows (about 2 s here): after half a second the line counts the rows written
    ("importing ... rows"); stdout is the piped import's (into another new book)."""
    (tmp_path / "p.rules").write_text('use "india"\nportfolio {\n investor asha "Asha"\n'
                                      ' asset "Equity" 100% class equity\n fund EQ1 "Equity" holds "Equity"\n}\n')
    from datetime import date, timedelta

    rows = "".join(f"{date(2020, 4, 1) + timedelta(days=n // 20)},asha,F1,EQ1,BUY,1,10,0\n" for n in range(40_000))
    (tmp_path / "t.csv").write_text("date,investor,account,security,type,units,price,charges\n" + rows)
    for book in ("a.db", "b.db"):
        assert piped("init", "--policy", "p.rules", "--book", book, cwd=tmp_path).returncode == 0
    pipe = piped("import", "t.csv", "--book", "a.db", cwd=tmp_path)
    ran = run_on_tty(["import", "t.csv", "--book", "b.db"], cwd=tmp_path, env={"NO_COLOR": "1"})
    assert ran.code == pipe.returncode == 0 and ran.stdout == pipe.stdout.replace(b"a.db", b"b.db")
    assert re.search(rb"\rimporting t\.csv \(\d{1,2},000 rows, \d+ s\)", ran.terminal), ran.terminal[:200]


def test_a_year_end_plan_names_each_investor_as_it_is_solved(tmp_path):
    """The family example (asha and ravi): "planning asha (1 of 2 investors, ...)", then ravi's, on a
    plain terminal (NO_COLOR) and, with colour, in rich's line; the plan on stdout (piped) is the
    piped command's, byte for byte."""
    family = ROOT / "examples" / "family"
    assert piped("init", "--policy", str(family / "family.rules"), cwd=tmp_path).returncode == 0
    assert piped("import", *(str(family / f) for f in ("transactions.csv", "prices.csv", "fmv.csv")),
                 cwd=tmp_path).returncode == 0
    args = ["plan", "year-end", "--as-of", "2026-11-21", "--no-save"]
    pipe = piped(*args, cwd=tmp_path)
    plain = run_on_tty(args, cwd=tmp_path, env={"NO_COLOR": "1"})
    assert plain.code == pipe.returncode == 0 and plain.stdout == pipe.stdout and b"\x1b" not in plain.terminal
    assert plain.terminal.startswith(b"\rplanning asha (1 of 2 investors, ")
    assert b"\rplanning ravi (2 of 2 investors, " in plain.terminal
    coloured = run_on_tty(args, cwd=tmp_path)
    assert coloured.stdout == pipe.stdout and b"planning ravi" in ESCAPE.sub(b"", coloured.terminal)
    assert b" 2 of 2 investors " in ESCAPE.sub(b"", coloured.terminal)
