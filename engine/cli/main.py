"""The `lotwise` command: thin. It reads files, the clock and the environment, calls the API
(engine/api.py), and prints what the reports make of its records (engine/reports). Exit codes:
0 success, 1 user-input error (with diagnostics) or a fault such as a full disk or a read-only
book (with a message), 2 usage error, 3 internal error (a bug: one line and a report file,
engine/cli/crash.py). Heavy libraries are imported inside the commands, not at start-up.

The commands live beside what they do: engine/cli/policy.py (check, fmt, show), book.py (init,
import, doctor), status.py (lots, gains, status), plans.py (plan month, rebalance), harvest.py
(plan year-end, plans, why), demo.py, backtest.py, prices.py (prices fetch; the download: fetch.py);
engine/cli/arguments.py reads their arguments and engine/cli/shell.py finds the book and the policy.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from engine.cli import backtest, batch, book, demo, docs, harvest, plans, policy, prices, report, status
from engine.cli import lsp  # the language server for editors (docs/lsp.md)
from engine.cli.shell import book_path
from engine.cli.status import cmd_status  # a name of this module: tests put a bug in it (test_files_and_saves)

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _configure_decimal() -> None:
    """The engine's Decimal precision (engine/precision.py: why 60 digits) for the whole process."""
    from engine.precision import configure

    configure()


def _configure_cache() -> None:
    """Lark's built tables are cached per user (start-up 0.6 s -> under 0.1 s)."""
    from engine.policy import parser

    if os.environ.get("LOTWISE_NO_CACHE"):
        return
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    parser.set_cache_dir(Path(base) / "lotwise")


def _configure_gc() -> None:
    """A command builds hundreds of thousands of small records (transactions, lots) that
    form no reference cycles; Python's default thresholds would run a full collection over
    all of them again and again (an import of 100,000 rows: 7-9 s instead of 4-5 s)."""
    import gc

    gc.set_threshold(100_000, 50, 100)


class UsageError(Exception):
    """argparse's usage error (a bad option or value), raised instead of exiting so that the
    shell can say it as argparse does and, with --json, as JSON too."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse's parser (and each command's: subparsers take the parent's class) whose usage
    errors are raised as UsageError."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def build_parser() -> argparse.ArgumentParser:
    from engine import __version__

    parser = Parser(
        prog="lotwise",
        description="Tax-lot aware harvesting and rebalancing for Indian investors, driven by a policy file.",
        epilog="Not tax advice; lotwise files no returns. Docs, installed with lotwise: `lotwise docs` lists them, "
               "`lotwise docs rules-language` is the policy language's page.",
    )
    parser.add_argument("--version", action="version", version=f"lotwise {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    policy.add_commands(commands)  # check, fmt, show
    book.add_init_import(commands)
    status.add_commands(commands)  # lots, gains, status
    book.add_doctor(commands)
    kinds = plans.add_commands(commands)  # plan month, rebalance
    harvest.add_commands(commands, kinds)  # plan year-end, plans, why
    demo.add_command(commands)
    backtest.add_command(commands)
    prices.add_command(commands)  # prices fetch
    report.add_command(commands)  # the client's report (docs/report.md)
    docs.add_command(commands)  # where the installed docs are
    batch.add_command(commands)  # every client's book at once (docs/advisers.md)
    lsp.add_command(commands)  # the language server for editors (docs/lsp.md)
    commands.choices["status"].set_defaults(func=cmd_status)  # this module's name, which a test replaces
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command. A problem with the input, or a fault of the machine (a full disk, a read-only
    or busy book), exits 1 with a message; a bug in lotwise exits 3 with one line and a report
    file (engine/cli/crash.py), never a bare traceback unless LOTWISE_DEBUG=1."""
    given = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in given  # any command given --json prints JSON, its errors included
    try:
        return _main(given, as_json)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the last line of defence
        return _failed(e, given, as_json)


def _main(argv: list[str], as_json: bool) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:  # as argparse says it (usage, then the error), exit 2
        e.parser.print_usage(sys.stderr)
        print(f"{e.parser.prog}: error: {e.message}", file=sys.stderr)
        if as_json:
            from engine.cli.shell import failure_json
            from engine.diagnostics import error

            print(failure_json([error("C100", e.message, hint=f"`{e.parser.prog} --help` lists the options")]))
        raise SystemExit(EXIT_USAGE)  # as argparse exits (main's callers, in process, see SystemExit(2))
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    _configure_cache()
    _configure_gc()
    _configure_decimal()
    from engine.cli.progress import finish
    from engine.cli.terminal import painted

    try:
        with painted(args.command, as_json):  # colour on a terminal only (docs/terminal.md)
            return int(args.func(args))
    except Exception as e:  # pages of the book overwritten: said once, for every command
        from engine.book.rows import BookCorrupt, corrupt

        if hasattr(args, "book") and corrupt(e):
            raise BookCorrupt(book_path(args), e) from None
        raise
    finally:
        finish()  # a progress line left by a command that failed midway: cleared


_BOOK_FAULTS = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED",
                "SQLITE_CANTOPEN", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_NOLFS")


def _failed(error: Exception, argv: list[str], as_json: bool) -> int:
    """An exception no command handled: a fault of the book or of a file (exit 1, said plainly),
    else a bug (exit 3, one line, the details saved); with --json, as JSON on stdout too."""
    import sqlite3
    import traceback
    from datetime import datetime

    from engine import __version__
    from engine.book.store import BookBusy, BookError
    from engine.cli.crash import details, one_line, save_report
    from engine.cli.shell import fail, failure_json
    from engine.files import WriteError

    if isinstance(error, BookError):  # e.g. a damaged row (engine/book/rows.py)
        return fail(error.code, str(error), as_json=as_json)
    if isinstance(error, WriteError):
        return fail("F101", str(error), as_json=as_json)
    if isinstance(error, BookBusy):  # another command held the book past the timeout
        return fail(error.code, f"{error}; nothing was saved", as_json=as_json)
    if isinstance(error, sqlite3.Error) and (getattr(error, "sqlite_errorname", None) or "").startswith(_BOOK_FAULTS):
        return fail("B131", f"the book could not be used: {error}; nothing was saved", as_json=as_json)
    if as_json:  # a bug: said on stdout too, and below as without --json
        from engine.diagnostics import error as coded

        print(failure_json([coded("X001", f"internal error: {type(error).__name__}: {error}")]))
    if os.environ.get("LOTWISE_DEBUG") == "1":
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
        return EXIT_INTERNAL
    when = datetime.now()  # the CLI is the only place that reads the clock
    try:
        where = save_report(details(error, argv, __version__, when), when)
    except Exception:  # noqa: BLE001 - a report that cannot be made must not hide the error
        where = None
    print(one_line(error, __version__, where), file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
