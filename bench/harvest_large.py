"""Benchmark of the year-end optimizer on large books (issue 14, item 6). Run:

    python bench/harvest_large.py [--quick] [--repo PATH] [--cases a5,b5,a20,b20] [--time-limit S]

Books of 100,000 open lots (`--quick`: 6,000) of equity index funds, monthly SIPs over 20 years,
spread across 5 or across 20 investors (each investor: lots / 240 funds in three folios), in two shapes:

  a  all in gain: a rising market (+0.7% a month), every lot below today's NAV;
  b  losses behind gains: a sideways market (each fund's NAV swings +-35% around today's over a
     cycle of two to five years, and a lump sum of Rs 2 lakh in front of every queue), so lots at a
     loss sit behind lots in gain in every FIFO queue: the hard case of issue 14.

The book is built once per case with `lotwise init` and `lotwise import` (not timed). The plan is then
made in a fresh process through the API (engine/api.py `plan_year_end`, save off), so its wall, CPU
(user + system) and peak RSS (`resource.getrusage`) are the plan's own (the process's start-up and the
policy included). `Program.solve` is wrapped to record each investor's program: columns, integer
columns, rows and the solve's seconds. `--repo` runs another checkout's engine on the same books (a
detached worktree of main as "before"); per investor the tax values are printed, to compare.
Figures are recorded in docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 3, 20)
FMV_MONTH = 141  # January 2018: the grandfathering FMV (s.55(2)(ac)) is the NAV of 31-01-2018
MONTHS = 240  # 20 years of monthly SIPs: April 2006 to March 2026
CASES = {"a5": ("a", 5), "b5": ("b", 5), "a20": ("a", 20), "b20": ("b", 20)}


def nav(shape: str, fund: int, month: int) -> float:
    """The fund's NAV in `month` (0 = April 2006); today's is 100 (shape a: below it, rising;
    shape b: swinging around it)."""
    if shape == "a":
        return 100.0 / (1.007 ** (MONTHS - month)) * (1 + 0.02 * math.sin(month + fund))
    period = 24 + (fund * 7) % 37
    return 100.0 * (1 + 0.35 * math.sin(2 * math.pi * (month - MONTHS) / period + fund))


def generate(directory: Path, shape: str, investors: int, lots: int) -> tuple[Path, Path, Path]:
    """The policy (`use "perpetual"`: its year-end harvest), the transactions and today's prices."""
    per_investor = lots // investors
    funds = max(1, round(per_investor / MONTHS))
    names = [f"inv{i}" for i in range(investors)]
    isins = [f"INF{i:06d}01A0" for i in range(funds)]
    assets = ["Large", "Mid", "Small", "Next", "Total"]
    lines = ['use "india"', 'use "perpetual"', 'portfolio "Bench" {']
    lines += [f'    investor {n} "Investor {n}"' for n in names]
    lines += [f'    asset "{a}" 20% band 5% class equity' for a in assets]
    lines += [f'    fund {f} "Fund {f}" holds "{assets[i % 5]}"' for i, f in enumerate(isins)]
    policy = directory / "bench.rules"
    policy.write_text("\n".join(lines + ["}"]) + "\n", encoding="utf-8")
    out = ["date,investor,account,security,type,units,price,charges"]
    count = 0
    for month in range(MONTHS):
        year, m = divmod(2006 * 12 + 3 + month, 12)
        day = f"{year:04d}-{m + 1:02d}-05"
        for n_i, n in enumerate(names):
            for k, f in enumerate(isins):
                if count >= lots:
                    break
                price = nav(shape, k, month)
                units = f"{(1000 + 37 * ((month + k + n_i) % 11)) / price:.3f}"
                if shape == "b" and month == 0:  # a lump sum at the first peak, in front of the queue
                    units = f"{200000 / price:.3f}"
                out.append(f"{day},{n},F-{n}-{k % 3},{f},BUY,{units},{price:.4f},0")
                count += 1
    transactions = directory / "transactions.csv"
    transactions.write_text("\n".join(out) + "\n", encoding="utf-8")
    prices = ["date,security,price"] + [f"{AS_OF},{f},100.0000" for f in isins]
    prices_path = directory / "prices.csv"
    prices_path.write_text("\n".join(prices) + "\n", encoding="utf-8")
    fmv = ["security,fmv"] + [f"{f},{nav(shape, k, FMV_MONTH):.4f}" for k, f in enumerate(isins)]
    (directory / "fmv.csv").write_text("\n".join(fmv) + "\n", encoding="utf-8")
    return policy, transactions, prices_path


def build(directory: Path, shape: str, investors: int, lots: int) -> tuple[Path, Path]:
    policy, transactions, prices = generate(directory, shape, investors, lots)
    book = directory / "bench.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for argv in (["init", "--policy", str(policy)], ["import", str(transactions), str(prices), str(directory / "fmv.csv")]):
        subprocess.run([sys.executable, "-m", "engine", *argv, "--book", str(book)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    return book, policy


def run_plan(book: Path, policy_path: Path, time_limit: float | None) -> dict[str, object]:
    """In this process (a fresh one): the plan through the API, measured."""
    import resource

    from engine import api
    from engine.harvest import program

    solves: list[dict[str, float]] = []
    original = program.Program.solve

    def solve(self: program.Program, *args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        result = original(self, *args, **kwargs)  # type: ignore[arg-type]
        solves.append({"columns": len(self.cost), "integers": sum(self.integer), "rows": len(self.rows),
                       "seconds": round(time.perf_counter() - start, 3)})
        return result

    program.Program.solve = solve  # type: ignore[method-assign]
    staged = getattr(program.Program, "solve_staged", None)
    if staged is not None:  # large programs: two solves in one (the tie-breaks second), one record
        def solve_staged(self: program.Program, *args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            result = staged(self, *args, **kwargs)
            solves.append({"columns": len(self.cost), "integers": sum(self.integer), "rows": len(self.rows),
                           "seconds": round(time.perf_counter() - start, 3)})
            return result

        program.Program.solve_staged = solve_staged  # type: ignore[method-assign]
    options = {} if time_limit is None else {"time_limit": time_limit}
    start = time.perf_counter()
    with api.open_book(book, access=api.Access.OWN) as b:
        policy = api.load_policy(policy_path).policy
        assert policy is not None
        made = api.plan_year_end(b, policy, AS_OF, save=False, **options)  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    investors = made.data["investors"]
    return {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mib": round(usage.ru_maxrss / 1024), "lots": sum(len(q.holdings) for ip in made.plan.harvest.investors
                                                                  for q in ip.queues),
            "solves": solves, "tax_values": {i["investor"]: i["tax_value"] for i in investors},
            "gaps": {i["investor"]: i.get("gap") for i in investors if i.get("gap") is not None},
            "orders": sum(1 for o in made.data["orders"] if str(o["side"]).lower() == "sell")}


def measure(repo: Path, book: Path, policy: Path, time_limit: float | None) -> dict[str, object]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--run", str(book), str(policy)]
    if time_limit is not None:
        argv += ["--time-limit", str(time_limit)]
    done = subprocess.run(argv, env={**os.environ, "PYTHONPATH": str(repo)}, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(case: str, result: dict[str, object]) -> str:
    if "error" in result:
        return f"{case}: failed: {result['error']}"
    solves = result["solves"]
    assert isinstance(solves, list)
    biggest = max(solves, key=lambda s: s["seconds"], default=None)
    size = ", ".join(f"{s['columns']}/{s['integers']}" for s in solves)
    return (f"{case}: {result['lots']:,} lots, wall {result['wall']} s, CPU {result['cpu']} s, peak RSS "
            f"{result['peak_mib']} MiB, {result['orders']} sell orders; solves (columns/integers) {size}; "
            f"slowest solve {biggest['seconds'] if biggest else 0} s; gaps {result['gaps'] or 'none'}")


def agreement(results: list[dict[str, object]]) -> str:
    """Whether every checkout's tax value agrees with the first's, per investor, within Re 1."""
    from decimal import Decimal

    values = [r.get("tax_values") or {} for r in results]
    assert all(isinstance(v, dict) for v in values)
    worst = max((abs(Decimal(v[i]) - Decimal(values[0][i])) for v in values[1:] for i in values[0]  # type: ignore[index]
                 if i in v), default=Decimal(0))  # type: ignore[operator]
    return f"tax values: largest difference from the first checkout {worst} (within Re 1: {worst <= 1})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 lots per book (CI smoke)")
    parser.add_argument("--lots", type=int, help="lots per book (default 100,000; --quick 6,000)")
    parser.add_argument("--cases", default="a5,b5,a20,b20")
    parser.add_argument("--repo", action="append", type=Path, help="a checkout to run (repeatable; default: this one)")
    parser.add_argument("--time-limit", type=float, help="passed to plan_year_end (a checkout that has it)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on the last line")
    parser.add_argument("--run", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_plan(args.run[0], args.run[1], args.time_limit)))
        return 0
    lots = args.lots or (6_000 if args.quick else 100_000)
    repos = args.repo or [REPO]
    print(f"lotwise bench (large year-end books): Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {date.today()}")
    figures: dict[str, dict[str, object]] = {}
    for case in args.cases.split(","):
        shape, investors = CASES[case]
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            book, policy = build(Path(tmp), shape, investors, lots)
            print(f"{case}: book of {lots:,} lots across {investors} investors built in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
            for repo in repos:
                result = measure(repo, book, policy, args.time_limit)
                figures[f"{case}@{repo}"] = result
                print(f"  [{repo}] " + report(case, result), flush=True)
            if len(repos) > 1:
                print("  " + agreement([figures[f"{case}@{r}"] for r in repos]), flush=True)
    if args.json:
        print(json.dumps(figures))
    return 0 if all("error" not in f for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
