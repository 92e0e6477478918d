"""Do two checkouts give the same backtests, byte for byte? Run: python bench/backtest_same.py OLD NEW

Runs `lotwise backtest --json` (every strategy) with each checkout on its path (PYTHONPATH) on:
  - the toy history of tests/backtest/toy.py (a book of its 24 prices, to March 2020);
  - the family example (examples/family/family.rules) on bench/data/family-20y.toml (20 years);
  - the family example on examples/scenarios/sideways-crash.toml from 2014-04 (12 years);
and compares the outputs (the scenario files are this checkout's; their path in `prices` is
written REPO). For a change meant to be only faster (docs/performance.md, issue 15): every order, tax and measure must be identical.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MONEY = "asha=30000,ravi=20000"


def lotwise(checkout: Path, cwd: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: lotwise {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.replace(str(REPO), "REPO")


def outputs(checkout: Path, work: Path) -> dict[str, str]:
    sys.path[:0] = [str(REPO / "tests" / "backtest")]
    import toy

    toy_dir = work / "toy"
    toy_dir.mkdir()
    (toy_dir / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (toy_dir / "prices.csv").write_text(toy.prices_csv(), encoding="utf-8")
    lotwise(checkout, toy_dir, "init", "--policy", "toy.rules")
    lotwise(checkout, toy_dir, "import", "prices.csv")
    family = str(REPO / "examples" / "family" / "family.rules")
    return {
        "toy": lotwise(checkout, toy_dir, "backtest", "--to", "2020-03", "--json"),
        "family 20y": lotwise(checkout, work, "backtest", "--policy", family, "--scenario",
                              str(REPO / "bench" / "data" / "family-20y.toml"), "--money", MONEY, "--json"),
        "family 12y": lotwise(checkout, work, "backtest", "--policy", family, "--scenario",
                              str(REPO / "examples" / "scenarios" / "sideways-crash.toml"), "--money", MONEY,
                              "--from", "2014-04", "--json"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    found = []
    for checkout in (args.old, args.new):
        with tempfile.TemporaryDirectory() as work:
            found.append(outputs(checkout.resolve(), Path(work)))
    same = True
    for name in found[0]:
        equal = found[0][name] == found[1][name]
        same &= equal
        print(f"{name}: {'identical' if equal else 'DIFFERENT'} ({len(found[0][name])} bytes)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
