"""The year-end commands: `lotwise plan year-end` and `plan harvest` (the same optimizer on
any day), `lotwise plans`, `lotwise why`. Read the clock and the environment, call the API
(api.plan_year_end, api.plan_harvest, api.plans, api.saved_policy, api.why), write the reports
asked for and render (engine/reports/year_end.py, saved.py)."""

from __future__ import annotations

import argparse
import os
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from engine.cli.arguments import book_options, contributions, fy_arg, iso_date, json_option, rupees, seconds
from engine.cli.shell import fail, isin_db, warn, with_book

if TYPE_CHECKING:
    from engine.book.store import Book

EXIT_OK, EXIT_INPUT = 0, 1
TIME_LIMIT = 60.0  # seconds: engine/harvest/program.py TIME_LIMIT, not imported at start-up (tests/harvest/test_large.py)


def cmd_plan_year_end(args: argparse.Namespace) -> int:
    from engine import api

    today = date.today()  # the CLI is the only place that reads the clock
    return with_book(args, api.Access.OWN, lambda book, loaded: _plan_year_end(book, loaded, today, args))


def _plan_year_end(book: object, loaded: object, today: date, args: argparse.Namespace) -> int:
    from engine import api
    from engine.cli.progress import terminal_progress
    from engine.files import WriteError, write_atomically
    from engine.reports.client import names_of
    from engine.reports.year_end import markdown, orders_csv, plan_text

    assert isinstance(loaded, api.LoadedPolicy) and loaded.policy is not None
    as_of = args.as_of or api.year_end_day(loaded.policy, fy=getattr(args, "fy", None), today=today)

    def reports(made: api.YearEnd) -> None:  # warnings, then the files, before the plan is saved
        warn(made.problems)  # warnings (errors were refused), e.g. T104: a missing FMV
        named = partial(markdown, names=names_of(loaded.policy))  # investors and funds by the policy's names
        for name, render in ((args.csv, orders_csv), (args.markdown, named)):
            if name:  # a file that cannot be written changes nothing
                write_atomically(name, render(made.data))  # all or nothing (engine/files.py)

    harvest = args.plan_kind == "harvest"  # `plan harvest`: any day of the FY, an HV- plan
    try:
        made = (api.plan_harvest if harvest else partial(api.plan_year_end, fy=args.fy))(
            book, loaded.policy, as_of, given=args.contributions,  # type: ignore[arg-type]
            total=args.invest, save=not args.no_save, policy_texts=loaded.sources,
            before_save=reports, isin_db=isin_db(),
            solver_log=bool(os.environ.get("LOTWISE_HIGHS_LOG")),  # HiGHS's log on stderr
            time_limit=args.time_limit, progress=terminal_progress(), investor=args.investor)
    except WriteError as e:  # a report that cannot be written: nothing saved
        return fail("F101", str(e), as_json=args.json)
    if made.save_error is not None:  # the plan is complete; only keeping it failed
        if not args.json:
            print(plan_text(made.data), end="")
        return fail("B105", f"the plan was not saved: {made.save_error}; the book is unchanged", as_json=args.json,
                    result=made.data)
    print(made.body if args.json else plan_text(made.data), end="\n" if args.json else "")
    return EXIT_OK


def cmd_plans(args: argparse.Namespace) -> int:
    from engine import api

    def run(book: Book, _: object) -> int:
        from engine.reports.json import dumps
        from engine.reports.saved import plans_json, plans_text, saved_policy_json, saved_policy_text

        if args.policy_of:
            plan_id, record = api.saved_policy(book, args.policy_of)
            print(dumps(saved_policy_json(plan_id, record), ascii=False) if args.json else
                  saved_policy_text(record), end="\n" if args.json else "")
            return EXIT_OK
        found = api.plans(book)
        print(dumps(plans_json(found)) if args.json else plans_text(found), end="\n" if args.json else "")
        return EXIT_OK

    return with_book(args, api.Access.READS, run, policy=False)


def cmd_why(args: argparse.Namespace) -> int:
    from engine import api

    def run(book: Book, _: object) -> int:
        from engine.reports.json import dumps
        from engine.reports.saved import why_json, why_text

        found = api.why(book, args.plan, lot=args.lot, security=args.security, investor=args.investor)
        print(dumps(why_json(found), ascii=False) if args.json else why_text(found, every=args.all),
              end="\n" if args.json else "")
        return EXIT_OK

    return with_book(args, api.Access.READS, run, policy=False)


def _harvest_options(parser: argparse.ArgumentParser, as_of_help: str) -> None:
    """The options `plan year-end` and `plan harvest` share (the year-end plan has --fy too)."""
    parser.add_argument("--as-of", type=iso_date, metavar="DATE", help=as_of_help)
    parser.add_argument("--invest", type=rupees, metavar="AMOUNT", help="new money to allocate with the proceeds")
    parser.add_argument("--from", dest="contributions", type=contributions, metavar="ID=AMOUNT,...",
                        help="each investor's new money")
    parser.add_argument("--csv", metavar="FILE", help="also write the orders as CSV")
    parser.add_argument("--markdown", metavar="FILE", help="also write a Markdown report")
    parser.add_argument("--no-save", action="store_true", help="do not save the plan in the book")
    parser.add_argument("--investor", metavar="ID", help="plan for this investor only (the others' lots untouched)")
    parser.add_argument("--time-limit", type=seconds, metavar="SECONDS", default=TIME_LIMIT,
                        help=f"the most the optimizer spends on each investor (default {TIME_LIMIT:g}); when it "
                        "binds, the plan says how close to the best it is proven")
    book_options(parser)
    json_option(parser, "print the plan as JSON (as saved)")
    parser.set_defaults(func=cmd_plan_year_end)


def add_commands(commands: argparse._SubParsersAction, kinds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    year_end = kinds.add_parser("year-end", help="harvest losses and gains within each investor's exemption, "
                                "with a reason for every lot")
    year_end.add_argument("--fy", type=fy_arg, metavar="FY", help="the financial year (default: that of --as-of)")
    _harvest_options(year_end, "plan on this date (default today, or within --fy)")
    harvest = kinds.add_parser("harvest", help="the year-end harvest on any day of the FY, with its gains realised so "
                               "far; says which `harvest when` trigger fired")
    _harvest_options(harvest, "plan on this date (default today)")

    plans = commands.add_parser("plans", help="the plans saved in the book")
    plans.add_argument("--policy-of", metavar="PLAN", help="print the policy a saved plan applied: every file's "
                       "name, sha256 and text, as the plan read them")
    book_options(plans, policy=False)
    json_option(plans)
    plans.set_defaults(func=cmd_plans)

    why = commands.add_parser("why", help="why a saved plan sold or kept each lot")
    why.add_argument("plan", metavar="PLAN", nargs="?", help="a plan id (or its first characters) from "
                     "`lotwise plans` (default: the plan saved last)")
    why.add_argument("--lot", metavar="ID")
    why.add_argument("--security", metavar="ID")
    why.add_argument("--investor", metavar="ID")
    why.add_argument("--all", action="store_true", help="one line for every lot (by default the lots kept behind "
                     "a kept lot of the same queue share one line)")
    book_options(why, policy=False)
    json_option(why)
    why.set_defaults(func=cmd_why)
