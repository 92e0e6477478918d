"""The reading commands: `lotwise status` (the allocation against the targets, the unrealised
gains, the exemption left, the lots turning long-term), `lotwise lots` and `lotwise gains`.
Each calls the API in a read transaction and renders its record (engine/reports)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.arguments import FYChoice, book_options, fy_choice, iso_date, json_option
from engine.cli.shell import isin_db, policy_of, say, warn, with_book

if TYPE_CHECKING:
    from engine import api
    from engine.book.store import Book

EXIT_OK = 0


def cmd_status(args: argparse.Namespace) -> int:
    from engine import api

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock

    def run(book: Book, loaded: api.LoadedPolicy | None) -> int:
        from engine.reports.status import status_json, status_text

        assert loaded is not None and loaded.policy is not None
        found = api.status(book, loaded.policy, as_of, isin_db=isin_db())
        warn(found.problems)  # warnings (T104: a missing FMV), on stderr; an error was refused
        if args.json:
            from engine.reports.json import dumps

            print(dumps(status_json(found)))
        else:
            print(status_text(found), end="")
        return EXIT_OK

    return with_book(args, api.Access.READS, run)


def cmd_lots(args: argparse.Namespace) -> int:
    from engine import api

    def run(book: Book, _: object) -> int:
        from engine.reports.gains import lots_json, lots_text

        # no policy given or remembered: the intraday trades the book's last replay netted
        policy = policy_of(args, book).policy if args.policy or book.get("policy") else None
        lots = api.lots(book, policy, investor=args.investor, security=args.security)
        if args.json:
            from engine.reports.json import dumps

            print(dumps(lots_json(lots)))
        else:
            print(lots_text(lots), end="")
        return EXIT_OK

    return with_book(args, api.Access.READS, run, policy=False)


def cmd_gains(args: argparse.Namespace) -> int:
    from engine import api

    today = date.today()  # the CLI is the only place that reads the clock

    def run(book: Book, loaded: api.LoadedPolicy | None) -> int:
        assert loaded is not None and loaded.policy is not None
        fy = api.fy_of(loaded.policy, today)  # the FY of today under the policy's law
        choice = args.fy or FYChoice(fy, fy)
        paths = None
        if args.schedule_112a:  # refused before any work: one FY with s.112A, files that can be written
            try:
                paths = api.schedule_112a_files(loaded.policy, None if choice.several else choice.first,
                                                args.schedule_112a, investor=args.investor)
            except api.Refused as refused:
                return say(refused, args.json)
        found = api.gains(book, loaded.policy, first=choice.first, last=choice.last, investor=args.investor,
                          isin_db=isin_db())
        shown = _show_gains(found, choice, args.json)
        if paths is not None:
            _write_schedules(found, paths)
        return shown

    return with_book(args, api.Access.READS, run)


def _write_schedules(found: api.Gains, paths: dict[str, Path]) -> None:
    """Each investor's rows written atomically (engine/files.py); what was written said on stderr."""
    from engine import api
    from engine.files import write_atomically
    from engine.literals import format_inr, fy_label
    from engine.tax.schedule_112a import total_balance

    for year in found.years:
        for investor in year.investors:
            path = paths.get(investor.year.investor)
            if path is None:
                continue
            write_atomically(path, api.schedule_112a_csv(investor, year.fy))
            rows = investor.schedule_112a
            print(f"wrote {path}: Schedule 112A of {investor.year.investor} for {fy_label(year.fy)}, "
                  f"{len(rows)} row(s), balance {format_inr(total_balance(rows))}", file=sys.stderr)


def _show_gains(found: object, choice: FYChoice, as_json: bool) -> int:
    from engine.reports.gains import gains_json, investor_text, no_year_text, slab_note

    if as_json:
        from engine.reports.json import dumps

        print(dumps(gains_json(found, choice.several)))  # type: ignore[arg-type]
        return EXIT_OK
    warn(found.problems)  # type: ignore[attr-defined]
    years = found.years  # type: ignore[attr-defined]
    if choice.several and not years:
        print(no_year_text(), end="")
    for year in years:
        for investor in year.investors:
            print(investor_text(investor), end="")
            note = slab_note(investor)
            if note:
                print(note, file=sys.stderr)
    return EXIT_OK


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lots = commands.add_parser("lots", help="the open lots: FIFO per investor, account and security")
    book_options(lots)
    lots.add_argument("--investor", metavar="ID")
    lots.add_argument("--security", metavar="ID")
    json_option(lots)
    lots.set_defaults(func=cmd_lots)

    gains = commands.add_parser("gains", help="realised gains, set-off, exemption and tax per investor for a FY, "
                                "a range of FYs or all of them")
    gains.add_argument("--fy", type=fy_choice, metavar="FY", help="the financial year, e.g. 2025-26 (default: "
                       "today's); a range, 2018-19..2025-26; or all (from the first FY with a sale or a loss "
                       "brought in to the last with a sale)")
    gains.add_argument("--investor", metavar="ID")
    gains.add_argument("--schedule-112a", metavar="FILE", help="also write the FY's Schedule 112A as the income-tax "
                       "utility's CSV template has it (one file per investor: FILE-ID.csv when there are several; "
                       "docs/schedule-112a.md)")
    book_options(gains)
    json_option(gains)
    gains.set_defaults(func=cmd_gains)

    status = commands.add_parser("status", help="allocation and drift, unrealised gains, exemption left")
    status.add_argument("--as-of", type=iso_date, metavar="DATE", help="value on this date (default today)")
    book_options(status)
    json_option(status)
    status.set_defaults(func=cmd_status)
