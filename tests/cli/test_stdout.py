"""Standard output carries data only (issue 11, item 1): every command with `--json` prints one
JSON document and nothing else, and the plain-text year-end plan carries no solver banner.

Through real processes (`python -m engine`, as a user or a script runs it), not in process:
HiGHS prints its banner from C++ to file descriptor 1, which an in-process test never sees.
The book is the family example (examples/family), built with the command itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow  # every command with --json as a process on the family book

FAMILY = REPO / "examples" / "family"
AS_OF = "2026-11-21"
PLAN = "YE-11ab1d88d326"  # the README's plan of the family on AS_OF
LOT = "L3f40d66e"  # a lot it sells (README, .ci/run)


def lotwise(cwd, *args, env=None):
    done = subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)
    return done


def parsed(done) -> object:
    """stdout as one JSON document: nothing before it, nothing after it but the newline."""
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("\n") and done.stdout.lstrip()[:1] in "{[", done.stdout[:300]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """A directory with the family's files and its book, b.db, imported with `import --json`."""
    directory = tmp_path_factory.mktemp("family")
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, directory / name)
    assert lotwise(directory, "init", "--policy", "family.rules", "--book", "b.db").returncode == 0
    imported = parsed(lotwise(directory, "import", "transactions.csv", "prices.csv", "fmv.csv", "--book", "b.db",
                              "--json"))
    assert [f["added"] for f in imported["files"]] == [985, 1605, 5]
    return directory


def test_every_command_with_json_prints_only_json(family):
    book = ("--book", "b.db")
    assert parsed(lotwise(family, "check", "family.rules", "--json"))["ok"] is True
    assert parsed(lotwise(family, "show", "family.rules", "--as-of", AS_OF, "--json"))
    assert len(parsed(lotwise(family, "lots", *book, "--json"))["lots"]) == 979
    assert parsed(lotwise(family, "gains", "--fy", "2025-26", *book, "--json"))["fy"] == "FY 2025-26"
    assert parsed(lotwise(family, "status", "--as-of", AS_OF, *book, "--json"))["value"] == "10232641.96"
    month = parsed(lotwise(family, "plan", "month", "--as-of", AS_OF, "--from", "asha=30000,ravi=20000", "--dry-run",
                           *book, "--json"))
    assert month["money"] == {"asha": "30000", "ravi": "20000"}
    rebalanced = parsed(lotwise(family, "rebalance", "--method", "full", "--as-of", AS_OF, *book, "--json"))
    assert rebalanced["method"] == "full" and rebalanced["plan_id"].startswith("RB-")  # saved: `plans` lists it
    plan = parsed(lotwise(family, "plan", "year-end", "--as-of", AS_OF, *book, "--json"))
    assert plan["plan_id"] == PLAN
    assert [i["value"] for i in plan["investors"]] == ["20546.55", "17986.42"]  # the README's values
    assert [p["plan_id"] for p in parsed(lotwise(family, "plans", *book, "--json"))["plans"]] == \
        [rebalanced["plan_id"], PLAN]  # by as_of, then id
    (decision,) = parsed(lotwise(family, "why", PLAN, "--lot", LOT, *book, "--json"))["decisions"]
    assert decision["code"] == "SOLD-GAIN"


def test_the_plain_text_plan_and_the_demo_carry_no_solver_banner(family, tmp_path):
    text = lotwise(family, "plan", "year-end", "--as-of", AS_OF, "--book", "b.db", "--no-save")
    assert text.returncode == 0
    assert text.stdout.startswith(f"Year-end plan {PLAN} for FY 2026-27, as of {AS_OF}\n")
    assert "HiGHS" not in text.stdout + text.stderr and "Copyright" not in text.stdout
    demo = lotwise(tmp_path, "demo")
    assert demo.returncode == 0 and "HiGHS" not in demo.stdout + demo.stderr


def test_the_solver_log_when_asked_for_goes_to_stderr(family):
    env = {**os.environ, "LOTWISE_HIGHS_LOG": "1"}
    done = lotwise(family, "plan", "year-end", "--as-of", AS_OF, "--book", "b.db", "--no-save", "--json", env=env)
    assert parsed(done)["plan_id"] == PLAN
    assert "Running HiGHS" in done.stderr and "HiGHS" not in done.stdout


def test_what_is_written_to_fd_1_while_the_solver_is_made_goes_nowhere_and_fd_1_comes_back(capfd):
    from engine.harvest.program import fd1_to

    print("before", flush=True)
    with fd1_to(None):
        os.write(1, b"Running HiGHS (a banner)\n")
    with fd1_to(2):
        os.write(1, b"a solver log line\n")
    os.write(1, b"after\n")
    out, err = capfd.readouterr()
    assert out == "before\nafter\n" and err == "a solver log line\n"
