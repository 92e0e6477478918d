"""`lotwise backtest`: the policy replayed over the book's price history (or a scenario file's
generated prices) beside the other ways of rebalancing; calls api.backtest and prints its record
(engine/reports/backtest.py) as a table or JSON (docs/json.md). Reads no clock: the run's days
come from the prices and `--from`/`--to`."""

from __future__ import annotations

import argparse
import calendar
import re
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from engine.cli.arguments import book_options, contributions, json_option
from engine.cli.backtest_report import add_options, target_problem, write_paths_report, write_report
from engine.cli.shell import book_path, fail, say, with_book

if TYPE_CHECKING:
    from engine.api import LoadedPolicy
    from engine.book.store import Book
    from engine.policy.model import Policy

EXIT_OK, EXIT_USAGE = 0, 2


def month_arg(text: str) -> tuple[int, int]:
    """`YYYY-MM` -> (year, month)."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12 or not 1900 <= int(found[1]) <= 2200:
        raise argparse.ArgumentTypeError(f"`{text}` is not a month; write YYYY-MM, e.g. 2018-04")
    return int(found[1]), int(found[2])


def strategy_arg(text: str) -> str:
    """A strategy's name (engine/backtest/strategies.py; imported only when the option is given)."""
    from engine.backtest.strategies import Strategy

    names = [s.value for s in Strategy]
    if text not in names:
        raise argparse.ArgumentTypeError(f"unknown strategy `{text}`; the strategies are {', '.join(names)}")
    return text


def cmd_backtest(args: argparse.Namespace) -> int:
    if (args.paths is not None or args.jobs is not None) and args.scenario is None:
        print("lotwise backtest: error: --paths runs a --scenario's generated paths: give --scenario FILE",
              file=sys.stderr)
        return EXIT_USAGE
    if args.jobs is not None and args.paths is None:
        print("lotwise backtest: error: --jobs is the processes of a Monte Carlo run: give --paths N", file=sys.stderr)
        return EXIT_USAGE
    if args.seed is not None and args.scenario is None:
        print("lotwise backtest: error: --seed is the seed of a --scenario's prices: give --scenario FILE",
              file=sys.stderr)
        return EXIT_USAGE
    clash = _label_clash(args.compare or [])
    if clash:
        print(f"lotwise backtest: error: --compare {clash}: each compared policy is named by its file's stem, which "
              "must be its own (not another --compare's, nor a strategy's: policy, no-harvest, buy-and-hold, "
              "calendar, band, nor another's twin without harvesting: NAME (no harvest))", file=sys.stderr)
        return EXIT_USAGE
    if (problem := target_problem(args)) is not None:  # --html/--png that cannot be written: before the run
        return fail("F101", problem, as_json=args.json)
    if args.scenario is not None and not book_path(args).exists() and args.policy:
        return _without_book(args)  # generated prices: a user without a book (or history) can still compare
    from engine import api

    return with_book(args, api.Access.READS, lambda book, loaded: _run(args, book, loaded))


def _without_book(args: argparse.Namespace) -> int:
    from engine.api import load_policy
    from engine.inputs import Refused

    loaded = load_policy(args.policy)
    if not loaded.ok:
        return say(Refused(diagnostics=loaded.diagnostics, sources=loaded.sources), args.json)
    try:
        return _run(args, None, loaded)
    except Refused as e:
        return say(e, args.json)


def _run(args: argparse.Namespace, book: Book | None, loaded: LoadedPolicy | None) -> int:
    from engine import api
    from engine.reports.backtest import backtest_json, backtest_text

    assert loaded is not None and loaded.policy is not None
    first = date(args.first[0], args.first[1], 1) if args.first else None
    last = date(args.last[0], args.last[1], calendar.monthrange(*args.last)[1]) if args.last else None
    if args.paths is not None:
        return _paths(args, loaded.policy, first, last)
    from engine.cli.progress import terminal_progress

    found = api.backtest(book, loaded.policy, first=first, last=last, strategies=args.strategies,
                         money=args.money, scenario=args.scenario, seed=args.seed, **_feat_options(args),
                         progress=terminal_progress("backtest", "month"))  # every run's months
    if (failed := write_report(args, found, loaded.policy)) is not None:  # --html, --png: before the table
        return failed
    return _printed(backtest_json(found) if args.json else backtest_text(found), args.json)


def _printed(found: Any, as_json: bool) -> int:
    """The record on stdout: its JSON (docs/json.md), or its text as the report made it."""
    if as_json:
        from engine.reports.json import dumps

        print(dumps(found))
    else:
        print(found, end="")
    return EXIT_OK


def _feat_options(args: argparse.Namespace) -> dict[str, Any]:
    """The api.backtest arguments of the options added for issue 15's tax from the portfolio and
    compared policies (one block, after the others): each --compare file loaded and checked as
    `lotwise check` checks it, Refused with its diagnostics (file:line:col) when it has errors."""
    from pathlib import Path

    from engine.api import load_policy
    from engine.inputs import Refused

    policies = []
    for path in args.compare or []:
        loaded = load_policy(path)
        if not loaded.ok or loaded.policy is None:
            raise Refused(diagnostics=loaded.diagnostics, sources=loaded.sources)
        policies.append((Path(path).stem, loaded.policy))
    return {"tax_from": args.tax_from, "policies": policies}


def _label_clash(paths: list[str]) -> str | None:
    """The first --compare file whose stem clashes (api.label_clash: another's, a strategy's name, or
    another's twin's); None: all their own."""
    from pathlib import Path

    from engine.api import label_clash

    stems = [Path(p).stem for p in paths]
    clash = label_clash(stems)
    return None if clash is None else paths[stems.index(clash)]


def _paths(args: argparse.Namespace, policy: Policy, first: date | None, last: date | None) -> int:
    """`--paths N`: Monte Carlo over the scenario's paths on --jobs processes (default: every core this
    process may use, read here: nothing below the CLI reads the machine)."""
    import os

    from engine import api
    from engine.cli.progress import terminal_progress
    from engine.reports.backtest_paths import paths_json, paths_text

    jobs = args.jobs or getattr(os, "process_cpu_count", os.cpu_count)() or 1
    found = api.monte_carlo(policy, args.scenario, args.paths, jobs=jobs, first=first, last=last,
                            strategies=args.strategies, money=args.money, seed=args.seed, **_feat_options(args),
                            progress=terminal_progress("Monte Carlo", "path"))
    if (failed := write_paths_report(args, found)) is not None:  # --html, --png: before the table
        return failed
    return _printed(paths_json(found) if args.json else paths_text(found), args.json)


def count_arg(text: str) -> int:
    """A whole number of at least 1 (--paths, --jobs)."""
    if not re.fullmatch(r"\d+", text.strip()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"`{text}` is not a whole number of at least 1")
    return int(text)


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("backtest", help="the policy replayed over a price history beside buy-and-hold, "
                                  "calendar and band rebalancing, after tax (docs/backtest.md)")
    command.add_argument("--from", dest="first", type=month_arg, metavar="YYYY-MM",
                         help="the first month (default: the first every fund new money buys has a price)")
    command.add_argument("--to", dest="last", type=month_arg, metavar="YYYY-MM",
                         help="the last month (default: that of the last price)")
    command.add_argument("--strategy", dest="strategies", type=strategy_arg, nargs="+", action="extend",
                         metavar="NAME", help="the strategies to compare (default all): policy, no-harvest, "
                         "buy-and-hold, calendar, band")
    command.add_argument("--money", type=contributions, metavar="ID=AMOUNT,...",
                         help="each investor's money a month (default: the policy's sip amounts)")
    command.add_argument("--scenario", metavar="FILE", help="prices generated by this scenario file "
                         "(docs/backtest.md) instead of the book's")
    command.add_argument("--seed", type=int, metavar="N", help="the scenario's seed (default: the file's)")
    command.add_argument("--tax-from", dest="tax_from", choices=("outside", "portfolio"), default="outside",
                         help="where each FY's tax is paid from: outside the portfolio (default), or the portfolio "
                         "on the first month day after the FY, from the cash and then by selling")
    command.add_argument("--compare", action="append", metavar="FILE", help="a policy file of your own to run beside "
                         "the strategies, as `policy` is (repeatable; named by the file's stem)")
    add_options(command)  # --html FILE, --png DIR
    command.add_argument("--paths", type=count_arg, metavar="N", help="Monte Carlo: N paths of the --scenario, "
                         "the percentiles of each measure over them (docs/backtest.md)")
    command.add_argument("--jobs", type=count_arg, metavar="J", help="the processes --paths runs on "
                         "(default: all cores)")
    book_options(command)
    json_option(command)
    command.set_defaults(func=cmd_backtest)
