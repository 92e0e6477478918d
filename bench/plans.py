"""Benchmark for the plans. Run: python bench/plans.py [--quick]

  - `lotwise plan year-end` on a family book of 5 investors x 12 funds x 20 years of monthly
    lots (14,400 lots): target < 2 s for the whole command; and the optimality comparison
    (tests/harvest/test_optimizer_referee.py): the optimizer and the exhaustive search, per instance

  - `lotwise plan month` on a book of 5 investors x 50 funds x 20 years of monthly lots
    (60,000 open lots), with the portfolio drifted far enough that controlled selling is on
    (so the sell choice runs too): target < 1 s for the whole command
  - for reference: `lotwise check` of the same policy (what every command pays to start,
    import and read the policy), and the stages of the plan in process: the values from the
    kept ledger, the plan, and valuing every lot (what `status` does)
The book is built once (not timed: bench/book.py measures imports). Figures are recorded in
docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 3, 20)


def generate(directory: Path, investors: int, funds: int, years: int) -> tuple[Path, Path, Path]:
    """A policy of `investors` x `funds` equity funds over 5 assets (the first asset at 40% of
    the target, the rest 15% each) and a SIP of every fund by every investor on the 5th of every
    month for `years` years ending in March 2026; prices on AS_OF have the first asset's funds up
    2.5 times and the others up 1.2 times, so the first asset is far overweight."""
    names = [f"inv{i}" for i in range(investors)]
    isins = [f"INF{i:06d}01A0" for i in range(funds)]
    assets = ["Large", "Mid", "Small", "Debt", "Gold"]
    targets = ["40%", "15%", "15%", "15%", "15%"]
    asset_of = {f: assets[i % 5] for i, f in enumerate(isins)}
    lines = ['use "india"', 'use "perpetual"', 'portfolio "Bench" {']
    lines += [f'    investor {n} "Investor {n}"' for n in names]
    lines += [f'    asset "{a}" {t} band 5% class equity' for a, t in zip(assets, targets)]
    lines += [f'    fund {f} "Fund {f}" holds "{asset_of[f]}"' for f in isins]
    policy = directory / "bench.rules"
    policy.write_text("\n".join(lines + ["}"]) + "\n", encoding="utf-8")
    out = ["date,investor,account,security,type,units,price,charges"]
    for month in range(years * 12):
        year, m = divmod(2006 * 12 + 3 + month, 12)  # from April 2006
        day = f"{year:04d}-{m + 1:02d}-05"
        for n in names:
            for k, f in enumerate(isins):
                out.append(f"{day},{n},F-{n}-{k % 3},{f},BUY,{10 + (month % 7)}.125,{100 + month % 50}.25,0")
    transactions = directory / "transactions.csv"
    transactions.write_text("\n".join(out) + "\n", encoding="utf-8")
    prices = ["date,security,price"] + [
        f"{AS_OF},{f},{'700.00' if asset_of[f] == 'Large' else '150.30'}" for f in isins]
    prices_path = directory / "prices.csv"
    prices_path.write_text("\n".join(prices) + "\n", encoding="utf-8")
    return policy, transactions, prices_path


def timed(command: list[str], repeat: int) -> tuple[list[float], subprocess.CompletedProcess]:
    """Wall-clock seconds of each of `repeat` runs of a command (this checkout's engine), and the
    last run; it stops at a run that fails."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        if done.returncode != 0:
            break
    return runs, done


def build(directory: Path, investors: int, funds: int, years: int) -> Path:
    policy, transactions, prices = generate(directory, investors, funds, years)
    book = directory / "bench.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for argv in (["init", "--policy", str(policy)], ["import", str(transactions), str(prices)]):
        subprocess.run([sys.executable, "-m", "engine", *argv, "--book", str(book)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    return book


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 investors x 10 funds x 20 years, run once")
    args = parser.parse_args()
    investors, funds, years = (5, 10, 20) if args.quick else (5, 50, 20)
    repeat = 1 if args.quick else 3
    money = ",".join(f"inv{i}={10000 * (i + 1)}" for i in range(investors))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        book_path = build(directory, investors, funds, years)
        built = time.perf_counter() - start
        command = [sys.executable, "-m", "engine", "plan", "month", "--book", str(book_path), "--as-of",
                   str(AS_OF), "--from", money, "--dry-run"]
        runs, done = timed(command, repeat)
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            return 1
        # the same run's reference: start-up, imports and reading the policy
        startup, _ = timed([sys.executable, "-m", "engine", "check", str(directory / "bench.rules")], repeat)

        # The stages, in process (what the command spends beyond start-up): the values from the
        # kept ledger (engine/plans/positions.py), the plan (which values the lots of the assets it
        # sells); and, for reference, valuing every lot as `status` does.
        sys.path.insert(0, str(REPO))
        from engine.book.store import Book
        from engine.book.kept_ledger import ledger_of
        from engine.plans.month_plan import plan_month
        from engine.policy import check_file
        from engine.plans.positions import from_book
        from engine.plans.sell_choice import TaxPosition
        from engine.tax.unrealised import value_lots

        book = Book.open(book_path)
        policy = check_file(directory / "bench.rules").policy
        stages: dict[str, list[float]] = {"values": [], "plan": [], "every lot valued (status)": []}
        for _ in range(repeat):
            t0 = time.perf_counter()
            positions, _ = from_book(book, policy, book.latest_price, book.fmv(), AS_OF)
            t1 = time.perf_counter()
            position = TaxPosition(policy, policy.tax.fy_of(AS_OF), {}, {})
            plan, _ = plan_month(policy, positions, {f"inv{i}": 10000 * (i + 1) for i in range(investors)}, AS_OF,
                                 None, position, book.latest_price)
            t2 = time.perf_counter()
            holdings, _ = value_lots(ledger_of(book, until=AS_OF), policy, book.latest_price, book.fmv(), AS_OF)
            t3 = time.perf_counter()
            for key, t in zip(stages, (t1 - t0, t2 - t1, t3 - t2)):
                stages[key].append(t)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    year_end = _year_end(repeat, 12 if not args.quick else 4, 60 if args.quick else 200)
    print(f"lotwise bench (plans): Python {platform.python_version()}, {platform.machine()}")
    print(f"book: {investors} investors x {funds} funds x {years} years of monthly lots = {len(holdings):,} open lots "
          f"(built in {built:.1f} s)")
    print(f"plan month, whole command, best of {repeat}: {min(runs):.2f} s (runs {', '.join(f'{r:.2f}' for r in runs)};"
          f" target < 1 s); selling {'on' if plan.state.selling else 'off'}, {len(plan.sells)} sell orders, "
          f"{len(plan.buys)} buy orders")
    print(f"  for reference, `lotwise check` of the same policy (start-up, imports, the policy): {min(startup):.2f} s")
    print("  in process: " + ", ".join(f"{k} {min(v):.3f} s" for k, v in stages.items()))
    print(f"peak memory of the in-process stages: {peak:.0f} MiB")
    print(year_end)
    return 0


def _year_end(repeat: int, funds: int, instances: int) -> str:
    """The year-end plan as a whole command, and the optimality comparison's timings."""
    import random

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        book_path = build(directory, 5, funds, 20)
        runs, done = timed([sys.executable, "-m", "engine", "plan", "year-end", "--book", str(book_path), "--as-of",
                            str(AS_OF), "--no-save"], repeat)
        if done.returncode != 0:
            return done.stdout + done.stderr
        considered = next((line.split()[0] for line in done.stdout.splitlines() if "lots considered" in line), "?")
    sys.path[:0] = [str(REPO / "tests" / "harvest"), str(REPO / "tests")]
    import test_optimizer_referee as exact
    from engine.harvest.optimizer import plan_year_end, queues_of

    solve = search = 0.0
    plans = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in random.Random(7).sample(range(10_000), instances):
            policy, holdings, position = exact._instance(Path(tmp), seed)
            start = time.perf_counter()
            plan = plan_year_end(policy, holdings, position, exact.AS_OF)
            solve += time.perf_counter() - start
            start = time.perf_counter()
            for ip in plan.investors:
                investor = next(i for i in policy.portfolio.investors if i.id == ip.investor)
                queues = queues_of(policy, investor, holdings, exact.AS_OF, exact.FY, set())
                if queues:
                    exact._exhaustive(policy, investor, position, queues)
                    plans += 1
            search += time.perf_counter() - start
    return (f"plan year-end, whole command, 5 investors x {funds} funds x 20 years ({considered} lots considered), "
            f"best of {repeat}: {min(runs):.2f} s (runs {', '.join(f'{r:.2f}' for r in runs)}; target < 2 s)\n"
            f"optimality comparison, {instances} instances ({plans} investor plans): optimizer "
            f"{solve / instances * 1000:.1f} ms per instance, exhaustive search {search / instances * 1000:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
