"""`lotwise why` as a user runs it: a real process (`python -m engine`) on the family example's
book, built in a temporary directory (the README's commands): grouped by queue by default, one
line per lot with `--all`, and the JSON keeps every lot's decision."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the family book and its year-end plan through processes

REPO = Path(__file__).resolve().parents[2]
FAMILY = REPO / "examples" / "family"


def lotwise(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """The family book, planned as of 2026-11-21 (the README's plan), and the plan's JSON."""
    cwd = tmp_path_factory.mktemp("family")
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, cwd / name)
    lotwise(cwd, "init", "--policy", "family.rules", "--book", "b.db")
    lotwise(cwd, "import", "transactions.csv", "prices.csv", "fmv.csv", "--book", "b.db")
    lotwise(cwd, "plan", "year-end", "--as-of", "2026-11-21", "--book", "b.db")
    out = lotwise(cwd, "why", "YE-11ab1d88d326", "--book", "b.db", "--json")
    return cwd, json.loads(out[out.index("{"):])["decisions"]  # (HiGHS may print its banner first)


def _shape(decisions):
    """What the grouped output should have: one line per SOLD lot, per first kept lot of a queue,
    and per queue's run of KEPT-BEHIND lots (a lone one on its own line, as it is)."""
    sold = sum(1 for d in decisions if d["action"] == "SOLD")
    front = sum(1 for d in decisions if d["action"] == "KEPT" and d["code"] != "KEPT-BEHIND")
    queues = {(d["investor"], d["account"], d["security"]) for d in decisions if d["code"] == "KEPT-BEHIND"}
    return sold, front, len(queues)


FMV_LINE = "FMV for grandfathering (s.55(2)(ac)) of "


def decision_lines(text: str, securities: int) -> list[str]:
    """`why`'s lines but the closing ones that say where each FMV came from: one per security
    explained that has an FMV (the family's five funds all have one, from fmv.csv)."""
    lines = text.splitlines()
    assert sum(line.startswith(FMV_LINE) for line in lines) == securities
    assert all(line.endswith("a unit, from the book (fmv.csv)") for line in lines if line.startswith(FMV_LINE))
    return [line for line in lines if not line.startswith(FMV_LINE)]


def test_why_groups_the_lots_kept_behind_by_queue(family):
    cwd, decisions = family
    lines = decision_lines(lotwise(cwd, "why", "YE-11ab1d88d326", "--book", "b.db"), 5)
    sold, front, queues = _shape(decisions)
    # The README's plan: 979 lots in 10 queues, 22 sold (asha 3 in 4078405/77, the last in part
    # and nothing behind it; ravi 15 in 2109338/89, the whole queue, and 4 in 4702702/24, the last
    # in part with 116 lots behind); 7 queues sold nothing and stop at their first lot, each with
    # 119 or 120 lots behind: 8 queues with KEPT-BEHIND lots, 7 + 1, one line each.
    assert (len(decisions), sold, front, queues) == (979, 22, 7, 8)
    assert lines[0] == "Plan YE-11ab1d88d326 (FY 2026-27, as of 2026-11-21)"
    assert len(lines) == 1 + sold + front + queues == 38
    grouped = [line for line in lines if line.startswith("KEPT-BEHIND: ")]
    assert len(grouped) == 8 and all(" lots behind L" in line and "`--all` lists each lot." in line
                                      for line in grouped)
    # The counts on the grouped lines are every KEPT-BEHIND lot of the plan.
    assert sum(int(line.split()[1]) for line in grouped) == sum(d["code"] == "KEPT-BEHIND" for d in decisions)
    assert sum(line.startswith(("SOLD-GAIN: ", "SOLD-LOSS: ")) for line in lines) == 22


def test_why_all_prints_one_line_per_lot_and_the_filters_still_work(family):
    cwd, decisions = family
    lines = decision_lines(lotwise(cwd, "why", "YE-11ab1d88d326", "--book", "b.db", "--all"), 5)
    assert len(lines) == 1 + len(decisions) == 980
    assert [line.split(":")[0] for line in lines[1:]] == [d["code"] for d in decisions]
    # The README's lot (and .ci/run's grep): on its own line, sold.
    out = decision_lines(lotwise(cwd, "why", "YE-11ab1d88d326", "--lot", "L3f40d66e", "--book", "b.db"), 1)
    assert len(out) == 2 and out[1].startswith("SOLD-GAIN: Lot L3f40d66e ")
    # One investor and security: its queues grouped the same way.
    mine = [d for d in decisions if d["investor"] == "ravi" and d["security"] == "INF179K01BE2"]
    out = decision_lines(lotwise(cwd, "why", "YE-11ab1d88d326", "--investor", "ravi", "--security",
                                 "INF179K01BE2", "--book", "b.db"), 1)
    assert len(out) == 1 + sum(_shape(mine))
