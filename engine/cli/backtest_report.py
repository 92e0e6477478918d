"""`lotwise backtest --html FILE --png DIR`: the report and the charts written (docs/backtest.md,
The report). matplotlib is loaded here only when one of them is given (engine/reports/
backtest_charts.py); the other commands, and a backtest without them, never load it.

Everything is made in memory first; then each file is written atomically (engine/files.py): a
file that cannot be written is left as it was, and a target that cannot be one (a --png that is a
file, an --html that is a directory or in a directory that does not exist) is refused before any
file is written. Each file written is said on stderr (`wrote FILE`), so stdout stays the table
or the JSON."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.shell import fail

if TYPE_CHECKING:
    from engine.backtesting import Backtest
    from engine.policy.model import Policy


def target_problem(args: argparse.Namespace) -> str | None:
    """Why --html or --png cannot be written (checked before the run and again before writing), or None."""
    if args.html is not None:
        html = Path(args.html)
        parent = html.parent if str(html.parent) else Path(".")
        if html.is_dir():
            return f"cannot write {html}: it is a directory"
        if not parent.is_dir():
            return f"cannot write {html}: there is no directory {parent}"
    if args.png is not None:
        png = Path(args.png)
        if png.exists() and not png.is_dir():
            return f"cannot write the charts into {png}: it is a file, not a directory"
    return None


def write_report(args: argparse.Namespace, found: Backtest, policy: Policy) -> int | None:
    """Write what --html and --png ask for; None when done (or nothing asked), else the exit code of
    the failure said (F101)."""
    if args.html is None and args.png is None:
        return None
    from engine.files import WriteError, write_atomically
    from engine.reports.backtest_charts import drawn, png_files, svg_charts, targets_of
    from engine.reports.backtest_html import backtest_html

    kinds = (["svg"] if args.html is not None else []) + (["png"] if args.png is not None else [])
    charts = drawn(found, targets_of(policy), kinds)
    problem = target_problem(args)
    if problem is not None:
        return fail("F101", problem, as_json=args.json)
    written: list[Path] = []
    try:
        if args.png is not None:
            directory = Path(args.png)
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError as e:
                raise WriteError(directory, e.strerror or str(e)) from None
            for name, data in png_files(charts):
                write_atomically(directory / name, data)
                written.append(directory / name)
        if args.html is not None:
            write_atomically(args.html, backtest_html(found, svg_charts(charts)))
            written.append(Path(args.html))
    except WriteError as e:
        return fail("F101", str(e), as_json=args.json)
    finally:
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
    return None


def add_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--html", metavar="FILE", help="also write the report: one self-contained HTML file "
                         "with the summary, the charts and the tax per FY (docs/backtest.md)")
    command.add_argument("--png", metavar="DIR", help="also write the charts as PNG files into DIR (made if "
                         "missing): value.png, allocation.png, tax.png, drift.png")
