"""`lotwise lsp`: the policy language's server for editors, over standard input and output
(docs/lsp.md). pygls is imported only here, when the command runs."""

from __future__ import annotations

import argparse
from datetime import date

from engine.cli.arguments import iso_date


def cmd_lsp(args: argparse.Namespace) -> int:
    from engine.lsp.server import serve

    serve(args.as_of or date.today())  # the CLI is the only place that reads the clock
    return 0


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lsp = commands.add_parser("lsp", help="the language server for editors, over stdio (docs/lsp.md)")
    lsp.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default)")
    lsp.add_argument("--as-of", type=iso_date, metavar="DATE", help="date of the law shown on hover (default today)")
    lsp.set_defaults(func=cmd_lsp)
