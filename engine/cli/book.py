"""The commands that make and write the book: `lotwise init`, `lotwise import` and `lotwise
doctor`. Each finds the book and the policy, calls the API (api.create_book, api.import_files,
api.doctor) and renders what it returns (engine/reports/book.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.arguments import book_options, json_option
from engine.cli.shell import book_path, failure_json, say, with_book

if TYPE_CHECKING:
    from engine.book.store import Book

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def cmd_init(args: argparse.Namespace) -> int:
    from engine import api

    if args.from_cas is not None:
        return init_from_cas(args)
    if args.show_pan:
        print("lotwise: --show-pan goes with --from-cas", file=sys.stderr)
        return EXIT_USAGE
    try:
        made = api.create_book(book_path(args), args.policy)
    except api.Refused as refused:
        return say(refused)
    from engine.reports.book import made_text

    print(made_text(made, args.policy), end="")
    return EXIT_OK


def init_from_cas(args: argparse.Namespace) -> int:
    """`init --from-cas CAS`: the skeleton policy (default policy.rules beside the book), the
    book, the statement imported (engine/from_statement.py); exit 1 when the statement could
    not be imported (the policy and the book stay: the next steps are said)."""
    from engine import api
    from engine.reports.book import from_cas_text, rejected_text

    book = book_path(args)
    policy = Path(args.policy) if args.policy else (book.parent / "policy.rules")
    try:
        done = api.init_from_cas(args.from_cas, book, policy, show_pan=args.show_pan)
    except api.Refused as refused:
        return say(refused)
    if done.draft:
        from engine.diagnostics import render_all

        print(render_all(list(done.draft), done.sources), file=sys.stderr)
    elif done.imported is not None and not done.imported.ok:
        print(rejected_text(done.imported), end="", file=sys.stderr)
    print(from_cas_text(done, str(policy), args.from_cas), end="")
    return EXIT_OK if done.imported is not None and done.imported.ok else EXIT_INPUT


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
    book_options(init, policy_help="the policy the book remembers for later commands (with --from-cas: the "
                 "skeleton's file, default policy.rules beside the book)")
    init.add_argument("--from-cas", metavar="CAS.json", help="write a skeleton policy from casparser's JSON of a CAS, "
                      "make the book and import the statement into it (docs/from-cas.md)")
    init.add_argument("--show-pan", action="store_true", help="with --from-cas: write the PANs in full (masked "
                      "in a comment otherwise)")
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
