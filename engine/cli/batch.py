"""`lotwise batch COMMAND [DIR]`: one command (plan year-end, plan month, status, gains, report,
backtest) for every client under DIR (a folder each, holding its book) or in `--manifest FILE`,
through the API in worker processes (engine/batch; docs/advisers.md). Thin: it reads the clock,
the environment and the arguments, finds the clients, calls engine.batch.run, prints the summary
(engine/reports/batch.py) and writes the files asked for. A failed client's errors are printed on
stderr, each line prefixed by the client's name; the exit code is 1 when any client failed."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from engine.cli.arguments import fy_arg, iso_date, json_option
from engine.cli.shell import fail, isin_db, say

EXIT_OK, EXIT_INPUT = 0, 1
COMMANDS = ("plan year-end", "plan month", "status", "gains", "report", "backtest")


class _Words(argparse.Action):
    """COMMAND [DIR]: `plan year-end` and `plan month` are two words; a usage error otherwise."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option: str | None = None) -> None:
        words = list(values)
        size = 2 if words[0] == "plan" else 1
        command = " ".join(words[:size])
        if command not in COMMANDS:
            parser.error(f"no batch command {command!r}: one of {', '.join(COMMANDS)}")
        if len(words) > size + 1:
            parser.error(f"one directory of clients, not {len(words) - size}: {' '.join(words[size:])}")
        namespace.batch_command = command
        namespace.folder = words[size] if len(words) > size else None


def cmd_batch(args: argparse.Namespace) -> int:
    from engine.batch.clients import absolute, discover, read_manifest
    from engine.batch.engines import engine_named
    from engine.batch.run import run_batch
    from engine.cli.progress import terminal_progress
    from engine.inputs import Refused

    if (args.folder is None) == (args.manifest is None):
        return fail("C209", "name the clients: a directory DIR (a folder per client) or --manifest FILE, not both",
                    as_json=args.json)
    if args.batch_command == "report" and args.reports is None:
        return fail("C209", "`batch report` writes each client's report: give --reports DIR", as_json=args.json)
    if args.reports is not None and not Path(args.reports).is_dir():
        return fail("F101", f"cannot write the reports into {args.reports}: it is not a directory", as_json=args.json)
    if args.csv and not Path(args.csv).absolute().parent.is_dir():  # found now, not after the work
        return fail("F101", f"cannot write the summary {args.csv}: its folder does not exist", as_json=args.json)
    try:
        clients = read_manifest(Path(args.manifest)) if args.manifest else discover(Path(args.folder))
        if args.engine in ("ray", "dask"):
            clients = absolute(clients)
        engine = engine_named(args.engine, args.jobs, args.address)
    except Refused as e:
        return say(e, args.json)
    today = date.today()  # the CLI is the only place that reads the clock
    done = run_batch(args.batch_command, clients, today=today, as_of=args.as_of, fy=args.fy,
                     reports=None if args.reports is None else Path(args.reports), engine=engine,
                     progress=terminal_progress(what=args.batch_command, unit="client"), isin_db=isin_db())
    return _said(args, done)


def _said(args: argparse.Namespace, done: Any) -> int:
    """The summary printed, the files written, each failed client's errors on stderr."""
    from engine.files import WriteError, write_atomically
    from engine.reports.batch import summary_csv, summary_json, summary_text
    from engine.reports.json import dumps

    for outcome in done.outcomes:
        for text in outcome.errors:
            print(_prefixed(outcome.client, text), file=sys.stderr)
    summary = summary_json(done.command, done.outcomes, done.totals)
    unwritten = None
    if args.csv:
        try:
            write_atomically(args.csv, summary_csv(done.outcomes, done.totals))
        except WriteError as e:
            unwritten = str(e)
    if unwritten is not None:  # the summary still printed: a CSV that cannot be written loses none of it
        if not args.json:
            print(summary_text(done.command, done.outcomes, done.totals), end="")
        return fail("F101", unwritten, as_json=args.json, result=summary)
    if args.json:
        print(dumps(summary, ascii=False))
    else:
        print(summary_text(done.command, done.outcomes, done.totals), end="")
    return EXIT_OK if done.ok else EXIT_INPUT


def _prefixed(client: str, text: str) -> str:
    """Every line of a client's errors prefixed by its name, so that a grep finds them all."""
    return "\n".join(f"{client}: {line}" for line in text.splitlines())


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of processes: write 1 or more")
    return n


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from engine.batch.engines import ENGINES, cores

    batch = commands.add_parser("batch", usage="lotwise batch COMMAND [DIR] [options]",
                                help="run a command for every client: plan year-end, plan month, status, gains, "
                                "report or backtest, on all cores (docs/advisers.md)")
    batch.add_argument("words", nargs="+", action=_Words, metavar="COMMAND [DIR]",
                       help=f"one of: {', '.join(COMMANDS)}; then the directory holding a folder per client "
                       "(its book, lotwise.db)")
    batch.add_argument("--manifest", metavar="FILE", help="the clients listed in a TOML file instead of DIR: a table "
                       "per client with book, policy, money, investor")
    batch.add_argument("--jobs", type=_jobs, default=cores(), metavar="N",
                       help="worker processes (default: all cores)")
    batch.add_argument("--engine", choices=ENGINES, default="pool", help="where the work runs: a process pool "
                       "(default), serially, or Ray's or Dask's cluster (lotwise[ray], lotwise[dask])")
    batch.add_argument("--address", metavar="ADDRESS", help="with --engine ray or dask: the cluster's address "
                       "(default: a local one)")
    batch.add_argument("--as-of", type=iso_date, metavar="DATE", help="every client's day (default today; "
                       "a year-end plan with --fy: today within that FY)")
    batch.add_argument("--fy", type=fy_arg, metavar="FY", help="the financial year (plan year-end, gains)")
    batch.add_argument("--csv", metavar="FILE", help="also write the summary as CSV")
    batch.add_argument("--reports", metavar="DIR", help="write each client's report (HTML) into DIR, CLIENT.html")
    json_option(batch, "print the summary as JSON")
    batch.set_defaults(func=cmd_batch)
