"""Every command once, as a user runs it (a new process, `python -m engine`), on the family example:
exit 0, something on stdout (but for `fmt --check` of a formatted file), nothing on stderr, no
traceback. A smoke test of the shell over the
API: the numbers are pinned elsewhere (tests/end_to_end/test_command_golden.py pins the text and
JSON of init, import, lots, status, gains, plan month, plan year-end, rebalance, plans and why on
every example; check, fmt, show, doctor and demo are run here as processes and judged in detail in
process by tests/cli/test_main.py, tests/policy, tests/book/test_doctor.py and
tests/harvest/test_year_end_plan.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, lotwise

pytestmark = pytest.mark.slow  # every command once as a process, and the demo

FAMILY = REPO / "examples" / "family"
AS_OF = "2026-11-21"  # the example's prices end on 20 November 2026


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    """A folder with the family example's files and its book (`init`, then `import` of its files)."""
    where = tmp_path_factory.mktemp("family")
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, where / name)
    return where


def run(where: Path, *args: str) -> str:
    done = lotwise(where, *args)
    assert (done.returncode, done.stderr) == (0, ""), (args, done.stderr)
    assert done.stdout.strip() or args[:2] == ("fmt", "--check"), args  # a formatted file: silence
    assert "Traceback" not in done.stdout
    return done.stdout


# In running order: the book is made by the first two, the year-end plan saved before `why`.
COMMANDS = [
    ("--version",),
    ("check", "family.rules"),
    ("fmt", "--check", "family.rules"),
    ("show", "family.rules", "--as-of", AS_OF),
    ("init", "--policy", "family.rules"),
    ("import", "transactions.csv", "prices.csv", "fmv.csv"),
    ("lots",),
    ("status", "--as-of", AS_OF),
    ("gains", "--fy", "2025-26"),
    ("doctor",),
    ("plan", "month", "--as-of", AS_OF, "--from", "asha=30000,ravi=20000", "--dry-run"),
    ("rebalance", "--method", "full", "--as-of", AS_OF),
    ("plan", "year-end", "--as-of", AS_OF),
    ("plans",),
    ("why",),
]


def test_every_command_runs_once(family):
    outputs = {args[0]: run(family, *args) for args in COMMANDS}
    assert outputs["--version"].startswith("lotwise ")
    assert "Year-end plan YE-11ab1d88d326" in outputs["plan"]  # the README's plan id
    assert "YE-11ab1d88d326" in outputs["plans"] and "YE-11ab1d88d326" in outputs["why"]
    assert {args[0] for args in COMMANDS} >= {"check", "fmt", "show", "init", "import", "lots", "gains", "status",
                                               "doctor", "plan", "rebalance", "plans", "why"}


def test_the_demo_runs_from_any_folder(tmp_path):
    out = run(tmp_path, "demo")
    assert "Year-end plan YE-11ab1d88d326" in out
    assert list(tmp_path.iterdir()) == []  # its book was temporary
