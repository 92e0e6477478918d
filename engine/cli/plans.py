"""The plan commands, `lotwise plan month` and `lotwise rebalance`: read the clock, call the
API (api.plan_month, api.rebalance) in the transaction the command needs, and render the result
(engine/reports/month.py) as a table or JSON (docs/json.md)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from engine.cli.arguments import book_options, contributions, iso_date, json_option, rupees
from engine.cli.shell import fail, isin_db, warn, with_book

if TYPE_CHECKING:
    from engine.book.store import Book

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2



def shown(result: object, error: object, what: str, as_json: bool, body: str | None = None) -> int:
    """A plan made in full printed (`result`: its text, or its JSON data; `body`: that data's
    text as saved, printed as it is): exit 0, or when keeping it failed (`error`), 1 after saying
    why (B105); with --json the plan is then the `result` of the failure's JSON (docs/diagnostics.md)."""
    from engine.reports.json import dumps

    if error is None:
        print((body or dumps(result)) if as_json else result, end="\n" if as_json else "")
        return EXIT_OK
    if not as_json:
        print(result, end="")
    return fail("B105", f"{what} was not saved: {error}; the book is unchanged", as_json=as_json, result=result)


def cmd_plan_month(args: argparse.Namespace) -> int:
    from engine import api

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock
    access = api.Access.READS if args.dry_run else api.Access.WRITES

    def run(book: Book, loaded: api.LoadedPolicy | None) -> int:
        from engine.reports.month import month_json, month_text

        assert loaded is not None and loaded.policy is not None
        found = api.plan_month(book, loaded.policy, as_of, given=args.contributions, total=args.invest,
                               remember=not args.dry_run, isin_db=isin_db(), policy_texts=loaded.sources)
        if not args.json:
            warn(found.problems)
        return shown(month_json(found) if args.json else month_text(found), found.save_error,
                     "the plan (and the selling state) of this month", args.json, found.body)

    return with_book(args, access, run)


def cmd_rebalance(args: argparse.Namespace) -> int:
    from engine import api

    as_of = args.as_of or date.today()  # the CLI is the only place that reads the clock
    saving = not (args.no_save or args.due)
    access = api.Access.WRITES if args.record or saving else api.Access.READS

    def run(book: Book, loaded: api.LoadedPolicy | None) -> int:
        from engine.reports.json import dumps
        from engine.reports.month import due_json, due_text, rebalance_json, rebalance_text

        assert loaded is not None and loaded.policy is not None
        found = api.rebalance(book, loaded.policy, as_of, method=args.method, given=args.contributions,
                              total=args.invest, due_only=args.due, record=args.record, isin_db=isin_db(),
                              save=saving, policy_texts=loaded.sources)
        if args.due:
            print(dumps(due_json(found)) if args.json else due_text(found), end="\n" if args.json else "")
            return EXIT_OK
        if not args.json:
            warn(found.problems)
        return shown(rebalance_json(found) if args.json else rebalance_text(found), found.save_error,
                     "the rebalance", args.json, found.body)

    return with_book(args, access, run)


def add_commands(commands: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """`plan month` and `rebalance`; the kinds of `plan`, for `plan year-end` (engine/cli/harvest.py)."""
    plan = commands.add_parser("plan", help="plans: `plan month` (the monthly SIP and controlled selling), "
                               "`plan year-end` (harvesting), `plan harvest` (the same on any day of the FY)")
    kinds = plan.add_subparsers(dest="plan_kind", metavar="KIND")

    def plan_alone(args: argparse.Namespace) -> int:  # `lotwise plan` without a kind: a usage error
        plan.print_help()
        return EXIT_USAGE

    plan.set_defaults(func=plan_alone)
    month = kinds.add_parser("month", help="where this month's money goes; controlled selling when drift is high")
    month.add_argument("--invest", type=rupees, metavar="AMOUNT", help="this month's money, whole rupees")
    month.add_argument("--from", dest="contributions", type=contributions, metavar="ID=AMOUNT,...",
                       help="each investor's money, e.g. asha=30000,ravi=20000")
    month.add_argument("--as-of", type=iso_date, metavar="DATE", help="plan on this date (default today)")
    month.add_argument("--dry-run", "--no-save", dest="dry_run", action="store_true",
                       help="change nothing in the book: do not save the plan nor remember this month's selling state")
    book_options(month)
    json_option(month)
    month.set_defaults(func=cmd_plan_month)

    reb = commands.add_parser("rebalance", help="textbook rebalancing: full, partial (bands) or cash")
    reb.add_argument("--method", choices=["full", "partial", "cash"], help="default: the policy's")
    reb.add_argument("--cash", dest="invest", type=rupees, metavar="AMOUNT", help="new money, whole rupees")
    reb.add_argument("--from", dest="contributions", type=contributions, metavar="ID=AMOUNT,...",
                     help="each investor's new money")
    reb.add_argument("--due", action="store_true", help="only say whether a rebalance is due, and why")
    reb.add_argument("--record", action="store_true", help="remember that this rebalance was done on --as-of "
                     "(calendar triggers count from it)")
    reb.add_argument("--no-save", action="store_true", help="do not save the plan in the book")
    reb.add_argument("--as-of", type=iso_date, metavar="DATE", help="plan on this date (default today)")
    book_options(reb)
    json_option(reb)
    reb.set_defaults(func=cmd_rebalance)
    return kinds  # type: ignore[no-any-return]
