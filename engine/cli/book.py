"""The commands that make and write the book: `lotwise init`, `lotwise import` and `lotwise
doctor`. Each finds the book and the policy, calls the API (api.create_book, api.import_files,
api.doctor) and renders what it returns (engine/reports/book.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from engine.cli.arguments import book_options, json_option
from engine.cli.shell import book_path, failure_json, say, with_book

if TYPE_CHECKING:
    from engine.book.store import Book

EXIT_OK, EXIT_INPUT = 0, 1


def cmd_init(args: argparse.Namespace) -> int:
    from engine import api

    try:
        made = api.create_book(book_path(args), args.policy)
    except api.Refused as refused:
        return say(refused)
    from engine.reports.book import made_text

    print(made_text(made, args.policy), end="")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from engine import api

    def run(book: Book, loaded: api.LoadedPolicy | None) -> int:
        from engine.reports.book import imported_json, imported_text, rejected_text
        from engine.reports.json import dumps

        from engine.cli.progress import terminal_progress

        assert loaded is not None and loaded.policy is not None
        outcome = api.import_files(book, args.files, loaded.policy, investor=args.investor,  # rows, after 0.5 s
                                   progress=terminal_progress("importing", "row", delay=0.5))
        if outcome.ledger is not None:  # the history would not replay: said, and with --json as JSON too
            print(rejected_text(outcome), end="", file=sys.stderr)
            if args.json:
                print(failure_json([outcome.ledger]))
        elif args.json:
            print(dumps(imported_json(outcome)))
        elif not outcome.ok:
            print(rejected_text(outcome), end="", file=sys.stderr)
        else:
            if outcome.diagnostics:
                from engine.diagnostics import render_all

                print(render_all(list(outcome.diagnostics), dict(outcome.sources)), file=sys.stderr)
            print(imported_text(outcome), end="")
        return EXIT_OK if outcome.ok else EXIT_INPUT

    return with_book(args, api.Access.OWN, run)


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check the book (engine/book/doctor.py); exit 0 when healthy (after --repair, if given), else 1."""
    from engine import api

    def run(book: Book, _: object) -> int:
        from engine.reports.book import doctor_json, doctor_text

        found = api.doctor(book, repair=args.repair)
        if args.json:
            from engine.reports.json import dumps

            print(dumps(doctor_json(found), ascii=False))
        else:
            print(doctor_text(found), end="")
        return EXIT_OK if found.healthy else EXIT_INPUT

    return with_book(args, api.Access.OWN, run, policy=False)


def add_init_import(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    init = commands.add_parser("init", help="create a book (an SQLite file) and remember its policy")
    book_options(init, policy_help="the policy the book remembers for later commands")
    init.set_defaults(func=cmd_init)

    imp = commands.add_parser("import", help="import transactions, prices, FMVs or brought-forward losses; all or "
                              "nothing, never twice")
    imp.add_argument("files", nargs="+", metavar="FILE")
    book_options(imp)
    json_option(imp, "report rows added and skipped as JSON")
    imp.add_argument("--investor", metavar="ID", help="the investor of a CAS whose holder the policy cannot match "
                     "(by pan or alias)")
    imp.set_defaults(func=cmd_import)


def add_doctor(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    doctor = commands.add_parser("doctor", help="check a book; --repair rebuilds what is derived from the transactions")
    book_options(doctor, policy=False)
    doctor.add_argument("--repair", action="store_true", help="rebuild the kept ledger and the guarding triggers "
                        "(never your transactions, prices, FMVs, losses or plans)")
    json_option(doctor, "print the report as JSON")
    doctor.set_defaults(func=cmd_doctor)
