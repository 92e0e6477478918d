"""docs/tutorial.md stays true: its commands run in order, as a reader runs them, in an empty
folder holding examples/statement's two files, and each block's lines are what lotwise prints
(in order; a block may leave lines out where the text says it is trimmed). The reader's own steps
are done here as the tutorial says: the targets, slabs and disclaimer of step 3 written into the
policy, and the executed trades of step 9 written as a transactions CSV."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```\n(\$ .*?)^```", re.S | re.M)
EXECUTED = """date,investor,account,security,type,units,price,charges
2025-11-03,asha,7654321/01,INF789F01XA0,SELL,1013.081,226.1271,0
2025-11-03,ravi,9988776/12,INF179K01BE2,SELL,69.777,1961.9356,0
2025-11-03,ravi,9988776/12,INF179K01UT0,SELL,51.682,2207.1775,0
"""


def steps() -> list[tuple[str, list[str]]]:
    """Each `$ command` of the tutorial's output blocks with the lines shown after it."""
    found = []
    for block in BLOCK.findall(TUTORIAL.read_text(encoding="utf-8")):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            if chunk.strip():
                command, *shown = chunk.rstrip("\n").split("\n")
                found.append((command[2:], [line for line in shown if line.strip()]))
    return found


def step_3(folder: Path) -> None:
    """What the reader writes into policy.rules in step 3."""
    path = folder / "policy.rules"
    text = path.read_text(encoding="utf-8")
    for old, new in (('"Equity" TODO', '"Equity" 70%'), ('"Debt" TODO', '"Debt" 20%'),
                     ('"Gold and overseas" TODO', '"Gold and overseas" 10%'),
                     ('investor asha "ASHA SHARMA"', 'investor asha "Asha Sharma" slab 30%'),
                     ('investor ravi "RAVI SHARMA"', 'investor ravi "Ravi Sharma" slab 20%')):
        assert old in text
        text = text.replace(old, new)
    text += ('\nreport {\n    disclaimer "Prepared by the family for its own use; not investment or tax advice."\n}\n')
    path.write_text(text, encoding="utf-8")


def run(folder: Path, command: str) -> list[str]:
    """The command's stdout and stderr, as one stream (as a terminal shows them), lines not blank."""
    words = command.split()
    if words[0] == "cat":
        out = (folder / words[1]).read_text(encoding="utf-8")
    else:
        assert words[0] == "lotwise", command
        done = subprocess.run([sys.executable, "-m", "engine", *words[1:]], cwd=folder, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=None, timeout=300)
        out = done.stdout
    return [line for line in out.split("\n") if line.strip()]


def test_every_block_of_the_tutorial_is_what_lotwise_prints(tmp_path: Path):
    for name in ("cas.json", "NAVAll.txt"):
        shutil.copy(ROOT / "examples" / "statement" / name, tmp_path / name)
    checks = 0
    for command, shown in steps():
        if command == "lotwise check policy.rules":
            checks += 1
            if checks == 2:
                step_3(tmp_path)
        if command == "lotwise import executed.csv":
            (tmp_path / "executed.csv").write_text(EXECUTED)
        printed = iter(run(tmp_path, command))
        for line in shown:  # each shown line, in order, among the printed ones
            assert any(line == out.rstrip() for out in printed), f"{command}: {line!r} not printed (in order)"
    assert checks == 2
