"""The `lotwise` command: thin. It reads files, the clock and the environment, calls pure
functions, and prints. Exit codes: 0 success, 1 user-input error (with diagnostics),
2 usage error. Heavy libraries are imported inside the commands, not at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _iso_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date; write YYYY-MM-DD")
    if not date(1900, 1, 1) <= day <= date(9998, 12, 31):
        raise argparse.ArgumentTypeError(f"`{text}` is outside the years 1900 to 9998")
    return day


def _configure_cache() -> None:
    """Lark's built tables are cached per user (start-up 0.6 s -> under 0.1 s)."""
    from engine.policy import parser

    if os.environ.get("LOTWISE_NO_CACHE"):
        return
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    parser.set_cache_dir(Path(base) / "lotwise")


def _print_diagnostics(diagnostics, sources, as_json: bool) -> None:
    from engine.diagnostics import render_all

    if as_json:
        return
    if diagnostics:
        print(render_all(diagnostics, sources), file=sys.stderr)


def cmd_check(args) -> int:
    from engine.diagnostics import has_errors, promote_warnings
    from engine.policy import check_file

    everything, sources, results = [], {}, []
    for name in args.files:
        result = check_file(Path(name))
        diagnostics = promote_warnings(result.diagnostics) if args.strict else result.diagnostics
        everything.extend(diagnostics)
        sources.update(result.sources)
        results.append({"file": name, "ok": not has_errors(diagnostics),
                        "diagnostics": [d.to_json() for d in diagnostics]})
    if args.json:
        print(json.dumps({"ok": not has_errors(everything), "files": results}, indent=2))
    else:
        _print_diagnostics(everything, sources, False)
        errors = sum(d.is_error for d in everything)
        warnings = len(everything) - errors
        status = "ok" if not errors else "failed"
        print(f"{status}: {len(args.files)} file(s), {errors} error(s), {warnings} warning(s)")
    return EXIT_INPUT if has_errors(everything) else EXIT_OK


def cmd_fmt(args) -> int:
    from engine.diagnostics import render_all
    from engine.policy.fmt import format_source
    from engine.policy.loader import read_source

    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        text, problem = read_source(path, name)
        if problem is not None:
            print(render_all([problem], {}), file=sys.stderr)
            status = EXIT_INPUT
            continue
        formatted, diagnostics = format_source(text, name)
        if formatted is None:
            print(render_all(diagnostics, {name: text}), file=sys.stderr)
            status = EXIT_INPUT
            continue
        if formatted == text:
            continue
        if args.check:
            print(f"would reformat {name}")
            status = EXIT_INPUT
        else:
            path.write_text(formatted, encoding="utf-8")
            print(f"reformatted {name}")
    return status


def cmd_show(args) -> int:
    from engine.policy import check_file
    from engine.policy.show import as_json, as_text

    result = check_file(Path(args.file))
    on = args.as_of or date.today()  # the CLI is the only place that reads the clock
    if not result.ok:
        if args.json:
            print(json.dumps({"ok": False, "diagnostics": [d.to_json() for d in result.diagnostics]}, indent=2))
        else:
            _print_diagnostics(result.diagnostics, result.sources, False)
        return EXIT_INPUT
    if args.json:
        data = as_json(result.policy, on)
        data["diagnostics"] = [d.to_json() for d in result.diagnostics]
        print(json.dumps(data, indent=2))
    else:
        _print_diagnostics(result.diagnostics, result.sources, False)
        print(as_text(result.policy, on), end="")
    return EXIT_OK


# ------------------------------------------------------------------ the book
def _book_path(args) -> Path:
    return Path(args.book or os.environ.get("LOTWISE_BOOK") or "lotwise.db")


def _open_book(args, create: bool = False):
    from engine.book import Book, BookError

    try:
        return Book.open(_book_path(args), create=create)
    except BookError as e:
        print(f"lotwise: {e}", file=sys.stderr)
        return None


def _policy_for(args, book):
    """The policy named by --policy, else the one the book remembers from `init`."""
    from engine.policy import check_file

    name = getattr(args, "policy", None) or (book.get("policy") if book else None)
    if not name:
        print("lotwise: no policy: give --policy FILE (or `lotwise init --policy FILE` once)", file=sys.stderr)
        return None
    result = check_file(Path(name))
    if not result.ok:
        _print_diagnostics(result.diagnostics, result.sources, False)
        return None
    return result.policy


def cmd_init(args) -> int:
    path = _book_path(args)
    existed = path.exists()
    if args.policy:
        from engine.policy import check_file

        result = check_file(Path(args.policy))
        if not result.ok:
            _print_diagnostics(result.diagnostics, result.sources, False)
            return EXIT_INPUT
    book = _open_book(args, create=True)
    if book is None:
        return EXIT_INPUT
    if args.policy:
        book.set("policy", str(Path(args.policy).resolve()))
    print(f"{'using the existing' if existed else 'created'} book {path}"
          + (f" with policy {args.policy}" if args.policy else ""))
    return EXIT_OK


def cmd_import(args) -> int:
    from engine.diagnostics import has_errors, render_all
    from engine.importers import read_file
    from engine.ledger import LedgerError, replay

    book = _open_book(args)
    if book is None:
        return EXIT_INPUT
    policy = _policy_for(args, book)
    if policy is None:
        return EXIT_INPUT
    results, problems, sources = [], [], {}
    for name in args.files:
        result = read_file(Path(name), name, policy)
        results.append((name, result))
        problems.extend(result.diagnostics)
        sources[name] = result.text
    if has_errors(problems):
        if not args.json:
            print(render_all(problems, sources), file=sys.stderr)
            print(f"nothing imported: {sum(d.is_error for d in problems)} error(s)", file=sys.stderr)
        else:
            print(json.dumps({"ok": False, "diagnostics": [d.to_json() for d in problems]}, indent=2))
        return EXIT_INPUT
    # The book must still replay: a sale of units never bought is rejected with its row.
    new = [t for _, r in results if r.stores == "transactions" for t in r.records]
    if new:
        try:
            replay(list(book.transactions()) + [t for t in new])
        except LedgerError as e:
            print(render_all([e.diagnostic], sources), file=sys.stderr)
            print("nothing imported", file=sys.stderr)
            return EXIT_INPUT
    reports = []
    for name, result in results:
        reports.append(book.add(result.stores, result.records, sha256=result.sha256, name=name, kind=result.kind))
    if args.json:
        print(json.dumps({"ok": True, "files": [r.to_json() for r in reports]}, indent=2))
    else:
        if problems:
            print(render_all(problems, sources), file=sys.stderr)
        for r in reports:
            note = " (already imported)" if r.already_imported else ""
            extra = f", {r.updated} updated" if r.updated else ""
            print(f"{r.name}: {r.kind}, {r.added} added, {r.skipped} skipped{extra}{note}")
    return EXIT_OK


def cmd_lots(args) -> int:
    from tabulate import tabulate

    from engine.ledger import LedgerError, replay
    from engine.literals import format_inr

    book = _open_book(args)
    if book is None:
        return EXIT_INPUT
    try:
        ledger = replay(book.transactions())
    except LedgerError as e:
        print(f"lotwise: {e.diagnostic.message}", file=sys.stderr)
        return EXIT_INPUT
    lots = [lot for lot in ledger.lots
            if (not args.investor or lot.investor == args.investor)
            and (not args.security or lot.security == args.security.upper())]
    if args.json:
        print(json.dumps({"lots": [{
            "lot": lot.id, "investor": lot.investor, "account": lot.account, "security": lot.security,
            "acquired": lot.acquired.isoformat(), "units": str(lot.units), "cost": str(lot.cost),
            "how": lot.how, "origin": lot.origin} for lot in lots]}, indent=2))
        return EXIT_OK
    rows = [[lot.id, lot.investor, lot.account, lot.security, lot.acquired.isoformat(), f"{lot.units}",
             format_inr(lot.cost), lot.how] for lot in lots]
    print(tabulate(rows, ["lot", "investor", "account", "security", "acquired", "units", "cost", "how"],
                   disable_numparse=True))
    print(f"{len(lots)} lot(s)")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from engine import __version__

    parser = argparse.ArgumentParser(
        prog="lotwise",
        description="Tax-lot aware harvesting and rebalancing for Indian investors, driven by a policy file.",
        epilog="Not tax advice; lotwise files no returns. Docs: docs/rules-language.md",
    )
    parser.add_argument("--version", action="version", version=f"lotwise {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check rules files; point at every mistake")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--json", action="store_true", help="print the diagnostics as JSON")
    check.set_defaults(func=cmd_check)

    fmt = commands.add_parser("fmt", help="rewrite rules files in canonical form, keeping comments")
    fmt.add_argument("files", nargs="+", metavar="FILE")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not canonical")
    fmt.set_defaults(func=cmd_fmt)

    show = commands.add_parser("show", help="print the resolved policy and the tax law in force on a date")
    show.add_argument("file", metavar="FILE")
    show.add_argument("--as-of", type=_iso_date, metavar="DATE", help="date for the law in force (default today)")
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(func=cmd_show)

    def book_options(command, policy: bool = True) -> None:
        command.add_argument("--book", metavar="PATH", help="the book (default ./lotwise.db, or $LOTWISE_BOOK)")
        if policy:
            command.add_argument("--policy", metavar="FILE", help="the policy (default: the one given to init)")

    init = commands.add_parser("init", help="create a book (an SQLite file) and remember its policy")
    book_options(init)
    init.set_defaults(func=cmd_init)

    imp = commands.add_parser("import", help="import transactions or prices; all or nothing, never twice")
    imp.add_argument("files", nargs="+", metavar="FILE")
    book_options(imp)
    imp.add_argument("--json", action="store_true", help="report rows added and skipped as JSON")
    imp.set_defaults(func=cmd_import)

    lots = commands.add_parser("lots", help="the open lots: FIFO per investor, account and security")
    book_options(lots, policy=False)
    lots.add_argument("--investor", metavar="ID")
    lots.add_argument("--security", metavar="ID")
    lots.add_argument("--json", action="store_true", help="print as JSON")
    lots.set_defaults(func=cmd_lots)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    _configure_cache()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
