"""Benchmark for the book, the ledger and the tax year. Run: python bench/book.py [--quick]

  - import 100,000 transactions from a generated CSV (read, check every cell, write to
    SQLite, replay the ledger to reject oversells and keep it in the book): target < 5 s
  - compute one FY report for every investor from the kept ledger, each investor's years
    chained from the first (carry-forward, engine/tax/chain.py), as `lotwise gains --fy`
    does: target < 1 s; and, beside it, that FY alone (what a report cost before chaining)
  - for reference: the same report replaying the whole book (what a report would cost
    without the kept ledger), reading every open lot (what `status` reads), and importing
    one more month of 500 transactions (the kept ledger is continued, not replayed)
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


def generate(rows: int, directory: Path) -> tuple[Path, Path, Path]:
    """A policy of 5 investors x 20 equity funds, and `rows` transactions: monthly buys with
    a sale every tenth row, all priced so that no sale exceeds what is held; and a month
    of 500 purchases dated after them."""
    investors = [f"inv{i}" for i in range(5)]
    funds = [f"INF{i:09d}" for i in range(20)]
    policy = directory / "bench.rules"
    lines = ['use "india"', 'portfolio "Bench" {']
    lines += [f'    investor {i} "Investor {i}"' for i in investors]
    lines += ['    asset "Equity" 100% class equity']
    lines += [f'    fund {f} "Fund {f}" holds "Equity"' for f in funds]
    policy.write_text("\n".join(lines + ["}"]) + "\n", encoding="utf-8")
    out = ["date,investor,account,security,type,units,price,charges"]
    day = date(2018, 4, 1)  # every year within the shipped law, so the chain runs through all
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
    month = [out[0]] + [f"{day + timedelta(days=30)},{investors[n % 5]},F-{investors[n % 5]},"
                        f"{funds[(n // 5) % 20]},BUY,10.25,{100 + n % 37}.5,0" for n in range(500)]
    next_month = directory / "month.csv"
    next_month.write_text("\n".join(month) + "\n", encoding="utf-8")
    return policy, transactions, next_month


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = 10_000 if args.quick else args.rows

    from engine.cli.main import _configure_gc

    _configure_gc()  # as the lotwise command does

    from engine.book.store import Book
    from engine.book.importers import read_file
    from engine.ledger.fifo import replay
    from engine.book.kept_ledger import after_import, before_import, ledger_of
    from engine.policy import check_file
    from engine.tax.chain import history
    from engine.tax.realised import realise
    from engine.tax.year import compute

    def load(book, path):  # as `lotwise import`: write, replay and keep, in one transaction
        result = read_file(path, path.name, policy)
        assert result.ok, result.diagnostics[:3]
        with book.transaction():
            check = before_import(book)
            book.add(result.stores, result.records, sha256=result.sha256, name=path.name, kind=result.kind)
            after_import(book, check, book.last_added)

    def report(ledger):  # as `lotwise gains --fy`: realise every FY's sales, chain the years
        taxed = history(ledger, policy, {}, fy)
        assert not any(d.is_error for d in taxed.problems), taxed.problems[:3]
        return list(taxed.parts), [taxed.year(investor.id) for investor in policy.portfolio.investors]

    def alone(ledger):  # that FY by itself, as reports did before carry-forward was chained
        parts, _ = realise(ledger, policy, {}, fy)
        return parts, [compute(parts, policy.tax, investor, fy)[0] for investor in policy.portfolio.investors]

    def unchecked(book):  # the transactions read as before issue 12.9: converted, nothing checked
        from decimal import Decimal

        from engine.transactions import TX_TYPES, Transaction

        query = ("SELECT id, source, date, investor, account, security, type, units, price, charges "
                 "FROM transactions ORDER BY date, id")
        for seq, (_, source, day, investor, account, security, kind, units, price, charges) in enumerate(
                book.db.execute(query)):
            yield Transaction(date.fromisoformat(day), investor, account, security, TX_TYPES[kind],
                              Decimal(units), Decimal(price), Decimal(charges), source, seq)

    repeat = 1 if args.quick else 3
    times: dict[str, list[float]] = {k: [] for k in ("import", "report", "alone", "replayed", "lots", "month",
                                                     "read", "unchecked")}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        policy_path, csv_path, month_path = generate(rows, directory)
        policy = check_file(policy_path).policy
        for run in range(repeat):  # best of `repeat`, each into a new book: the machine is shared
            book = Book.open(directory / f"bench{run}.db", create=True)
            start = time.perf_counter()
            load(book, csv_path)
            times["import"].append(time.perf_counter() - start)
            last = max(d for (d,) in book.db.execute("SELECT max(date) FROM transactions"))
            fy = policy.tax.fy_of(date.fromisoformat(last))
            first_day = policy.tax.fy_bounds(fy)[0]

            start = time.perf_counter()
            parts, reports = report(ledger_of(book, sold_to=policy.tax.fy_bounds(fy)[1], lots=False))
            times["report"].append(time.perf_counter() - start)

            start = time.perf_counter()
            alone(ledger_of(book, sold_from=first_day, lots=False))
            times["alone"].append(time.perf_counter() - start)

            start = time.perf_counter()
            replayed_parts, _ = report(replay(book.transactions()))
            times["replayed"].append(time.perf_counter() - start)
            assert replayed_parts == parts, "the kept ledger and a replay disagree"

            start = time.perf_counter()
            read = sum(1 for _ in book.transactions())  # every row checked (engine/book/rows.py)
            times["read"].append(time.perf_counter() - start)
            start = time.perf_counter()
            assert sum(1 for _ in unchecked(book)) == read
            times["unchecked"].append(time.perf_counter() - start)

            start = time.perf_counter()
            ledger = ledger_of(book)
            times["lots"].append(time.perf_counter() - start)

            start = time.perf_counter()
            load(book, month_path)
            times["month"].append(time.perf_counter() - start)
            book.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    best = {k: min(v) for k, v in times.items()}

    print(f"lotwise bench (book): Python {platform.python_version()}, {platform.machine()}")
    print(f"best of {repeat}; all runs: " + "; ".join(f"{k} {', '.join(f'{t:.2f}' for t in v)} s"
                                                   for k, v in times.items()))
    print(f"import {rows:,} transactions: {best['import']:.2f} s (target < 5 s)")
    print(f"FY {fy} report from the kept ledger, years chained from FY {policy.tax.fy_of(date(2018, 4, 1))} "
          f"({len(parts):,} lot parts sold in the FY, {len(reports)} investors): {best['report']:.3f} s "
          f"(target < 1 s)")
    print(f"  the FY alone, not chained (as before): {best['alone']:.3f} s")
    print(f"  the same report replaying the whole book: {best['replayed']:.2f} s")
    print(f"  reading all {len(ledger.lots):,} open lots: {best['lots']:.2f} s")
    print(f"  reading every transaction, each row checked: {best['read']:.2f} s "
          f"(unchecked, as before issue 12.9: {best['unchecked']:.2f} s)")
    print(f"  importing one more month of 500 transactions: {best['month']:.2f} s")
    print(f"peak memory (max RSS of the whole run): {peak:.0f} MiB (target < 500 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
