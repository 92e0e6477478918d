"""Benchmark of `lotwise backtest` (issue 15 item 7). Run: python bench/backtest.py [--quick]
[--paths N] [--jobs J] [--repeat R]

Measures, on the family example (examples/family/family.rules: 2 investors, 5 funds; asha
Rs 30,000 and ravi Rs 20,000 a month) and bench/data/family-20y.toml (240 months from 2014-04):
  - one path: the 5 strategies simulated and measured over 20 years (api.backtest, in this
    process): CPU seconds (time.process_time), the best of --repeat runs, after one warm-up run
    (imports, the calendar and the law's caches);
  - Monte Carlo: --paths N paths of it on --jobs J processes (api.monte_carlo): wall seconds.
`--quick` (a smoke test for CI, a few seconds): 3 years, 1 repeat, 3 paths on 2 processes.
The engine measured is the one on the path: `PYTHONPATH=/other/checkout python bench/backtest.py`
measures another checkout (the scenario file is this one's). Figures are recorded by hand in
docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "examples" / "family" / "family.rules"
SCENARIO = REPO / "bench" / "data" / "family-20y.toml"
MONEY = {"asha": 30000, "ravi": 20000}


def one_path(policy: object, last: date | None, repeat: int) -> float:
    from engine import api

    def run() -> float:
        start = time.process_time()
        api.backtest(None, policy, money=MONEY, scenario=SCENARIO, last=last)  # type: ignore[arg-type]
        return time.process_time() - start

    run()  # warm-up
    return min(run() for _ in range(repeat))


def many_paths(policy: object, last: date | None, paths: int, jobs: int) -> float:
    from engine import api

    start = time.perf_counter()
    api.monte_carlo(policy, SCENARIO, paths, jobs=jobs, money=MONEY, last=last)  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 years, 1 repeat, 3 paths on 2 processes")
    parser.add_argument("--paths", type=int, default=20, help="Monte Carlo paths (0: none)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from engine import api

    loaded = api.load_policy(POLICY)
    assert loaded.policy is not None
    last = date(2017, 3, 31) if args.quick else None
    repeat, paths, jobs = (1, 3, 2) if args.quick else (args.repeat, args.paths, args.jobs)
    import engine

    print(f"engine {Path(engine.__file__).parent}, {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    span = "3 years" if args.quick else "20 years"
    cpu = one_path(loaded.policy, last, repeat)
    print(f"one path, {span}, 5 strategies: {cpu:.2f} s CPU (best of {repeat})")
    if paths:
        wall = many_paths(loaded.policy, last, paths, jobs)
        print(f"{paths} paths on {jobs} processes: {wall:.1f} s wall, {wall / paths:.2f} s a path "
              f"(1,000 paths: about {wall / paths * 1000 / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
