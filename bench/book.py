"""Benchmark for the book, the ledger and the tax year. Run: python bench/book.py [--quick]

  - import 100,000 transactions from a generated CSV (read, check every cell, replay the
    ledger to reject oversells, write to SQLite): target < 5 s
  - replay the book and compute one FY report for every investor: target < 1 s
  - peak memory (the process's maximum resident set size): target < 500 MB
Figures are recorded in docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import resource
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def generate(rows: int, directory: Path) -> tuple[Path, Path]:
    """A policy of 5 investors x 20 equity funds, and `rows` transactions: monthly buys with
    a sale every tenth row, all priced so that no sale exceeds what is held."""
    investors = [f"inv{i}" for i in range(5)]
    funds = [f"INF{i:09d}" for i in range(20)]
    policy = directory / "bench.rules"
    lines = ['use "india"', 'portfolio "Bench" {']
    lines += [f'    investor {i} "Investor {i}"' for i in investors]
    lines += ['    asset "Equity" 100% class equity']
    lines += [f'    fund {f} "Fund {f}" holds "Equity"' for f in funds]
    policy.write_text("\n".join(lines + ["}"]) + "\n", encoding="utf-8")
    out = ["date,investor,account,security,type,units,price,charges"]
    day = date(2010, 4, 1)
    held: dict[tuple, int] = {}
    for n in range(rows):
        inv, fund = investors[n % 5], funds[(n // 5) % 20]
        if n % 100 == 0:
            day += timedelta(days=3)
        key = (inv, fund)
        price = f"{100 + (n % 37)}.{n % 100:02d}"
        if n % 10 == 9 and held.get(key, 0) >= 2000:
            out.append(f"{day},{inv},F-{inv},{fund},SELL,1000,{price},0")
            held[key] -= 1000
        else:
            out.append(f"{day},{inv},F-{inv},{fund},BUY,100.5,{price},0.50")
            held[key] = held.get(key, 0) + 100
    transactions = directory / "transactions.csv"
    transactions.write_text("\n".join(out) + "\n", encoding="utf-8")
    return policy, transactions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = 10_000 if args.quick else args.rows

    from engine.cli import _configure_gc

    _configure_gc()  # as the lotwise command does

    from engine.book import Book
    from engine.importers import read_file
    from engine.ledger import replay
    from engine.policy import check_file
    from engine.tax.realised import realise
    from engine.tax.year import compute

    repeat = 1 if args.quick else 3
    import_times, report_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        policy_path, csv_path = generate(rows, directory)
        policy = check_file(policy_path).policy
        for run in range(repeat):  # best of `repeat`, each into a new book: the machine is shared
            book = Book.open(directory / f"bench{run}.db", create=True)
            start = time.perf_counter()
            result = read_file(csv_path, csv_path.name, policy)
            assert result.ok, result.diagnostics[:3]
            with book.transaction():  # as `lotwise import`: write, then replay what the book holds
                before = list(book.transactions())
                book.add(result.stores, result.records, sha256=result.sha256, name=csv_path.name,
                         kind=result.kind)
                replay(before + book.last_added)
            import_times.append(time.perf_counter() - start)

            start = time.perf_counter()
            ledger = replay(book.transactions())
            parts, _ = realise(ledger, policy, {})
            fy = policy.tax.fy_of(max(p.sold for p in parts))
            reports = [compute(parts, policy.tax, investor, fy)[0] for investor in policy.portfolio.investors]
            report_times.append(time.perf_counter() - start)
            book.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    import_seconds, report_seconds = min(import_times), min(report_times)

    print(f"lotwise bench (book): Python {platform.python_version()}, {platform.machine()}")
    print(f"best of {repeat}; all runs: import {', '.join(f'{t:.2f}' for t in import_times)} s, "
          f"report {', '.join(f'{t:.2f}' for t in report_times)} s")
    print(f"import {rows:,} transactions: {import_seconds:.2f} s (target < 5 s)")
    print(f"replay + FY report ({len(ledger.lots):,} open lots, {len(parts):,} lot parts sold, "
          f"{len(reports)} investors): {report_seconds:.2f} s (target < 1 s)")
    print(f"peak memory (max RSS of the whole run): {peak:.0f} MiB (target < 500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
