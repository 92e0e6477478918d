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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.shell import fail

if TYPE_CHECKING:
    from engine.backtest.monte_carlo import MonteCarlo
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
        if not os.access(parent, os.W_OK | os.X_OK):  # the page is written beside itself, then renamed
            return f"cannot write {html}: the directory {parent} is not writable"
    if args.png is not None:
        png = Path(args.png)
        if png.exists() and not png.is_dir():
            return f"cannot write the charts into {png}: it is a file, not a directory"
        if png.is_dir() and not os.access(png, os.W_OK | os.X_OK):
            return f"cannot write the charts into {png}: the directory is not writable"
    return None


def write_report(args: argparse.Namespace, found: Backtest, policy: Policy) -> int | None:
    """Write what --html and --png ask for; None when done (or nothing asked), else the exit code of
    the failure said (F101)."""
    if args.html is None and args.png is None:
        return None
    from engine.reports.backtest_charts import drawn, png_files, svg_charts, targets_of
    from engine.reports.backtest_html import backtest_html

    charts = drawn(found, targets_of(policy), kinds_of(args))
    page = backtest_html(found, svg_charts(charts)) if args.html is not None else None
    return write_files(args, png_files(charts) if args.png is not None else [], page)


def write_paths_report(args: argparse.Namespace, found: MonteCarlo) -> int | None:
    """`--paths N` with --html and --png: the Monte Carlo page and its charts (engine/reports/paths_charts.py,
    paths_html.py), written as write_report writes the single run's."""
    if args.html is None and args.png is None:
        return None
    from engine.reports.backtest_charts import png_files, svg_charts
    from engine.reports.paths_charts import drawn_paths
    from engine.reports.paths_html import paths_html

    charts = drawn_paths(found, kinds_of(args))
    page = paths_html(found, svg_charts(charts)) if args.html is not None else None
    return write_files(args, png_files(charts) if args.png is not None else [], page)


def kinds_of(args: argparse.Namespace) -> list[str]:
    return (["svg"] if args.html is not None else []) + (["png"] if args.png is not None else [])


def write_files(args: argparse.Namespace, pngs: Sequence[tuple[str, bytes]], page: str | None) -> int | None:
    """The PNGs into --png's directory (made if missing) and the page into --html's file, each atomically,
    each said on stderr; None when done, else the exit code of the failure said (F101)."""
    from engine.files import WriteError, write_atomically

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
            for name, data in pngs:
                write_atomically(directory / name, data)
                written.append(directory / name)
        if page is not None:
            write_atomically(args.html, page)
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
                         "missing): value.png, allocation.png, tax.png, drift.png; with --paths, paths-value.png and "
                         "paths-outcome.png")
