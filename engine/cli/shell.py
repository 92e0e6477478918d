"""What every command that reads the book does around the API (engine/api.py): find the book
(`--book`, `$LOTWISE_BOOK`, ./lotwise.db) and the policy (`--policy`, or the one the book
remembers from `init`), open the book in the transaction the command needs, run the command
inside it, and say why when the API refuses (engine/inputs.py, Refused).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.api import Access, LoadedPolicy
    from engine.book.store import Book
    from engine.diagnostics import Diagnostic
    from engine.inputs import Refused

EXIT_OK, EXIT_INPUT = 0, 1


def book_path(args: argparse.Namespace) -> Path:
    """The book a command names: --book, else $LOTWISE_BOOK, else ./lotwise.db."""
    return Path(args.book or os.environ.get("LOTWISE_BOOK") or "lotwise.db")


def isin_db() -> Path | None:
    """casparser-isin's database, when $CASPARSER_ISIN_DB names one (engine/inputs.py, fmv_table)."""
    named = os.environ.get("CASPARSER_ISIN_DB")
    return Path(named) if named else None


def failure_json(diagnostics: Sequence[Diagnostic], result: object = None) -> str:
    """What a command given --json prints on stdout when it fails (docs/diagnostics.md):
    `{"ok": false, "diagnostics": [...]}`, and the `result` it made when only keeping it failed."""
    from engine.reports.json import dumps

    return dumps({"ok": False, "diagnostics": [d.to_json() for d in diagnostics]}
                 | ({} if result is None else {"result": result}))


def fail(code: str, message: str, *, as_json: bool = False, result: object = None) -> int:
    """A command's failure said: `lotwise: message` on stderr and, with --json, the coded
    diagnostic as JSON on stdout; the exit code of a user-input error or fault."""
    from engine.diagnostics import error

    print(f"lotwise: {message}", file=sys.stderr)
    if as_json:
        print(failure_json([error(code, message)], result))
    return EXIT_INPUT


def say(refused: Refused, as_json: bool = False) -> int:
    """Print why the API refused on stderr (`lotwise: ` and its message in the CLI's words, or
    its diagnostics rendered) and, with --json, its diagnostics as JSON on stdout; the exit
    code of a user-input error."""
    if refused.message is not None:
        from engine.cli.refusals import worded

        said = worded(refused.code, refused.values, refused.message)
        if not refused.diagnostics:
            return fail(refused.code or "C199", said, as_json=as_json)
        print(f"lotwise: {said}", file=sys.stderr)  # a message, and the diagnostics behind it for --json
    else:
        from engine.diagnostics import render_all

        print(render_all(list(refused.diagnostics), refused.sources), file=sys.stderr)
    if as_json:
        print(failure_json(refused.diagnostics))
    return EXIT_INPUT


def policy_of(args: argparse.Namespace, book: Book) -> LoadedPolicy:
    """The policy named by --policy, else the one the book remembers; Refused when neither
    is there, or it has errors."""
    from engine.api import load_policy
    from engine.inputs import Refused

    given = getattr(args, "policy", None)
    name = given or book.get("policy")
    if not name:
        raise Refused("no policy: give --policy FILE (or `lotwise init --policy FILE` once)", code="C110")
    if not given and not Path(name).exists():
        raise Refused(f"the book remembers the policy at {name}, which no longer exists; give --policy FILE, "
                      "or run `lotwise init --policy NEWPATH` to point the book at it", code="C111",
                      values={"policy": name})
    loaded = load_policy(name)
    if not loaded.ok:
        raise Refused(diagnostics=loaded.diagnostics, sources=loaded.sources)
    return loaded


def with_book(args: argparse.Namespace, access: Access, command: Callable[[Book, LoadedPolicy | None], int], *,
              policy: bool = True) -> int:
    """Run `command(book, policy)` inside the book's transaction (api.open_book), the policy
    loaded first when `policy`; a Refused is said inside the transaction, as the command's
    last words, so that the transaction ends as when the command returns."""
    from engine.api import open_book
    from engine.book.store import BookError
    from engine.inputs import Refused

    as_json = bool(getattr(args, "json", False))
    with ExitStack() as stack:
        try:
            book = stack.enter_context(open_book(book_path(args), access=access))
        except BookError as e:
            return fail(e.code, str(e), as_json=as_json)
        try:
            return command(book, policy_of(args, book) if policy else None)
        except Refused as e:
            return say(e, as_json)
    raise AssertionError("unreachable")  # pragma: no cover


def warn(problems: tuple[object, ...] | list[object]) -> None:
    """Warnings (errors were refused) on stderr, compiler-style."""
    if problems:
        from engine.diagnostics import render_all

        print(render_all(list(problems), {}), file=sys.stderr)  # type: ignore[arg-type]
