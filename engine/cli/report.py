"""`lotwise report [PLAN] [--status [--as-of DATE]] [--plan-file FILE] --html FILE --pdf FILE --markdown FILE`:
the client's report of a saved plan (the plan saved last when none is named), of a plan's JSON
document in a file, or of the book's status (docs/report.md). Reads the clock (for --status), the
files and the book; the API gives the document (api.saved_document, api.status) and the reports
render it (engine/reports/client_build.py, client_html.py, client_charts.py, year_end.py). The page of a
plan the book saved ends with the policy it applied (api.applied_policy_of; engine/reports/policy_html.py).

matplotlib (the chart) and WeasyPrint (--pdf) are imported only here, only when needed. Every
target is checked before anything is made (F101), then each file is written atomically and said
on stderr (`wrote FILE`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.cli.arguments import book_options, iso_date
from engine.cli.shell import fail, isin_db, with_book

if TYPE_CHECKING:
    from engine.api import LoadedPolicy
    from engine.book.store import Book

EXIT_OK = 0


def target_problem(name: str) -> str | None:
    """Why the file `name` cannot be written (a directory, or in a directory missing or not writable), or None."""
    path = Path(name)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return f"cannot write {path}: it is a directory"
    if not parent.is_dir():
        return f"cannot write {path}: there is no directory {parent}"
    if not os.access(parent, os.W_OK | os.X_OK):  # written beside itself, then renamed
        return f"cannot write {path}: the directory {parent} is not writable"
    return None


def cmd_report(args: argparse.Namespace) -> int:
    from engine import api

    asked = [(n, f) for n, f in (("html", args.html), ("pdf", args.pdf), ("markdown", args.markdown)) if f]
    if not asked:
        return fail("C182", "say what to write: --html FILE, --pdf FILE or --markdown FILE")
    sources = sum(1 for given in (args.plan, args.status, args.plan_file) if given)
    if sources > 1:
        return fail("C186", "report one thing: a saved PLAN, --status or --plan-file FILE")
    if args.as_of is not None and not args.status:
        return fail("C186", "--as-of is the day of a --status report; a plan has its own date")
    for _, name in asked:
        problem = target_problem(name)
        if problem is not None:
            return fail("F101", problem)
    document: Any = None
    if args.plan_file:
        try:
            document = json.loads(Path(args.plan_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            return fail("C187", f"cannot read the plan {args.plan_file}: {e}")
        if not isinstance(document, dict):
            return fail("C187", f"{args.plan_file} is not a plan's JSON document (an object)")
    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock

    def run(book: Book, loaded: LoadedPolicy | None) -> int:
        assert loaded is not None and loaded.policy is not None
        found, saved_id = document, None
        if args.status:
            from engine.reports.status import status_json

            found = status_json(api.status(book, loaded.policy, as_of, isin_db=isin_db()))
        elif found is None:
            saved_id, found = api.saved_document(book, args.plan)
        else:  # a plan's document from a file: its policy is known when the book saved that very plan
            saved_id = found.get("plan_id") if isinstance(found.get("plan_id"), str) else None
        record = api.applied_policy_of(book, saved_id) if saved_id else None
        if not args.plan_file:
            return write(args, found, loaded, record)
        try:  # a file from anywhere: a document lotwise did not write may lack what its kind has
            return write(args, found, loaded, record)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError) as e:
            return fail("C183", f"{args.plan_file} is not a whole {found.get('kind') or 'plan'} document as "
                        f"`lotwise plan ... --json` prints it ({type(e).__name__}: {e}); report the plan "
                        "saved in the book by its id instead")

    return with_book(args, api.Access.READS, run)


def write(args: argparse.Namespace, document: Any, loaded: LoadedPolicy, record: Mapping[str, Any] | None) -> int:
    """Render what is asked and write each file atomically (all made first: a failure writes none);
    `record` the policy the saved plan applied (api.applied_policy_of), shown in the page's appendix."""
    from engine import __version__, api
    from engine.files import WriteError, write_atomically
    from engine.reports.client import names_of

    files: list[tuple[str, str | bytes]] = []
    kind = api.report_kind(document)  # refused (C183) when not a plan's or a status's document
    if args.markdown:
        if kind not in ("year-end", "harvest"):
            return fail("C185", "--markdown is the report of a year-end or harvest plan; write --html or --pdf")
        from engine.reports.year_end import markdown

        files.append((args.markdown, markdown(document, names_of(loaded.policy))))
    if args.html or args.pdf:
        from engine.reports.client_build import client_report
        from engine.reports.client_charts import allocation_svg
        from engine.reports.client_html import client_html
        from engine.reports.policy_html import applied_policy

        report = client_report(document, loaded.policy)
        applied = applied_policy(record) if record is not None else None
        svg = allocation_svg(report.weights)
        page = client_html(report, svg, __version__, applied)
        if args.pdf:  # the appendix open: a printed page holds it
            files.append((args.pdf, api.pdf_of(client_html(report, svg, __version__, applied, opened=True))))
        if args.html:
            files.append((args.html, page))
    for name, data in files:
        try:
            write_atomically(name, data)
        except WriteError as e:
            return fail("F101", str(e))
        print(f"wrote {name}", file=sys.stderr)
    return EXIT_OK


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser("report", help="the client's report of a saved plan (or the status) as HTML, PDF "
                                 "or Markdown: names, allocation and chart, orders, tax, why (docs/report.md)")
    report.add_argument("plan", metavar="PLAN", nargs="?", help="a saved plan's id (or its first characters) from "
                        "`lotwise plans` (default: the plan saved last)")
    report.add_argument("--status", action="store_true", help="report the book's status instead of a plan")
    report.add_argument("--as-of", type=iso_date, metavar="DATE", help="with --status: value on this date "
                        "(default today)")
    report.add_argument("--plan-file", metavar="FILE", help="report the plan in FILE: a plan's JSON document as "
                        "`plan year-end --json`, `plan month --json` or `rebalance --json` printed it")
    report.add_argument("--html", metavar="FILE", help="write the report as one self-contained HTML page")
    report.add_argument("--pdf", metavar="FILE", help="write the report as PDF (needs lotwise[pdf]: WeasyPrint)")
    report.add_argument("--markdown", metavar="FILE", help="write a year-end plan's Markdown report")
    book_options(report)
    report.set_defaults(func=cmd_report)
