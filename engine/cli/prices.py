"""`lotwise prices`, the commands about the book's prices: `prices fetch` downloads AMFI's
NAVAll.txt (or, with --history, its NAV history report for a date range) and imports the NAVs
of the policy's funds. The download is engine/cli/fetch.py's (the network, like the clock and
the environment, is read here only); the import is the API's (api.import_navs,
engine/fetched_prices.py); the words are engine/reports/prices.py's."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from typing import TYPE_CHECKING

from engine.cli.arguments import book_options, iso_date, json_option, seconds
from engine.cli.shell import fail, with_book

if TYPE_CHECKING:
    from engine.api import LoadedPolicy
    from engine.book.store import Book

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2
TIMEOUT = 60.0  # seconds, for the connection and each read


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _amfi_day(day: date) -> str:
    """A date as AMFI's history URL takes it: 01-Jun-2026 (English, whatever the locale)."""
    return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year}"


def _usage(args: argparse.Namespace, message: str) -> int:
    """Options that do not go together: said as argparse says a usage error (exit 2; C100 with --json)."""
    from engine.cli.shell import failure_json
    from engine.diagnostics import error

    print(f"lotwise prices fetch: error: {message}", file=sys.stderr)
    if args.json:
        print(failure_json([error("C100", message, hint="`lotwise prices fetch --help` lists the options")]))
    return EXIT_USAGE


def source_url(args: argparse.Namespace, as_of: date) -> str:
    """--url, else (NAVAll.txt) $LOTWISE_AMFI_URL, else AMFI's own URL (with --history, its
    history report's for --from to --to)."""
    from engine.cli.fetch import HISTORY_URL, NAVALL_URL, URL_ENV

    if args.url:
        return str(args.url)
    if args.history:
        return HISTORY_URL.format(first=_amfi_day(args.first), last=_amfi_day(args.last or as_of))
    return os.environ.get(URL_ENV) or NAVALL_URL


def cmd_prices_fetch(args: argparse.Namespace) -> int:
    from engine import api

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock
    if args.history and args.first is None and not args.url:
        return _usage(args, "--history needs --from DATE (and --to DATE, default --as-of), or --url")
    if not args.history and (args.first or args.last):
        return _usage(args, "--from and --to are for --history (AMFI's NAV history report)")
    if args.history and args.first and args.first > (args.last or as_of):
        return _usage(args, f"--from {args.first} is after --to {args.last or as_of}")
    url = source_url(args, as_of)

    def run(book: Book, loaded: LoadedPolicy | None) -> int:
        from engine.cli.fetch import FetchError, download
        from engine.reports.json import dumps
        from engine.reports.prices import fetched_text, rejected_fetch

        assert loaded is not None and loaded.policy is not None
        try:
            data = download(url, timeout=args.timeout)
        except FetchError as e:
            return fail("C150", f"{e}; nothing imported", as_json=args.json)
        fetched = api.import_navs(book, loaded.policy, data, url, as_of, history=args.history)
        warnings = [*fetched.outcome.diagnostics, *fetched.problems]
        if not fetched.ok:
            print(rejected_fetch(fetched), end="", file=sys.stderr)
        elif warnings:
            from engine.diagnostics import render_all

            print(render_all(warnings, dict(fetched.outcome.sources)), file=sys.stderr)
        if args.json:
            print(dumps(fetched.to_json()))
        elif fetched.ok:
            print(fetched_text(fetched), end="")
        return EXIT_OK if fetched.ok else EXIT_INPUT

    return with_book(args, api.Access.OWN, run)


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    prices = commands.add_parser("prices", help="the book's prices: `prices fetch` (AMFI's NAVs of the policy's "
                                 "funds)")
    kinds = prices.add_subparsers(dest="prices_command", metavar="COMMAND")

    def prices_alone(args: argparse.Namespace) -> int:  # `lotwise prices` without a command: a usage error
        prices.print_help()
        return EXIT_USAGE

    prices.set_defaults(func=prices_alone)
    fetch = kinds.add_parser("fetch", help="download AMFI's NAVAll.txt and import the NAVs of the policy's funds")
    fetch.add_argument("--url", metavar="URL", help="where to download from: http(s)://, file:// or a path "
                       "(default $LOTWISE_AMFI_URL, else AMFI's NAVAll.txt)")
    fetch.add_argument("--as-of", type=iso_date, metavar="DATE", help="the day the NAVs should be recent for "
                       "(default today)")
    fetch.add_argument("--timeout", type=seconds, default=TIMEOUT, metavar="SECONDS",
                       help=f"give up when the server is silent this long (default {TIMEOUT:g})")
    fetch.add_argument("--history", action="store_true", help="AMFI's NAV history report for --from to --to "
                       "instead of today's NAVAll.txt")
    fetch.add_argument("--from", dest="first", type=iso_date, metavar="DATE", help="--history: the first day")
    fetch.add_argument("--to", dest="last", type=iso_date, metavar="DATE",
                       help="--history: the last day (default --as-of)")
    book_options(fetch)
    json_option(fetch, "report the funds priced and the warnings as JSON")
    fetch.set_defaults(func=cmd_prices_fetch)
