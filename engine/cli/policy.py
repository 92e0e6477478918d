"""The commands on rules files: `lotwise check` (every mistake pointed at), `lotwise fmt` (the
canonical form, comments kept) and `lotwise show` (the resolved policy and the law in force on a
date). They read no book; `check` imports nothing beyond the policy package (start-up)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from engine.cli.arguments import iso_date, json_option
from engine.cli.shell import fail

EXIT_OK, EXIT_INPUT = 0, 1


def _print_diagnostics(diagnostics: list, sources: dict) -> None:  # type: ignore[type-arg]
    from engine.diagnostics import render_all

    if diagnostics:
        print(render_all(diagnostics, sources), file=sys.stderr)


def _print_json(data: object) -> None:
    from engine.reports.json import dumps

    print(dumps(data))


def cmd_check(args: argparse.Namespace) -> int:
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
        _print_json({"ok": not has_errors(everything), "files": results})
    else:
        _print_diagnostics(everything, sources)
        errors = sum(d.is_error for d in everything)
        warnings = len(everything) - errors
        status = "ok" if not errors else "failed"
        print(f"{status}: {len(args.files)} file(s), {errors} error(s), {warnings} warning(s)")
    return EXIT_INPUT if has_errors(everything) else EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from engine.diagnostics import render_all
    from engine.files import WriteError, write_atomically
    from engine.policy.fmt import format_source
    from engine.policy.loader import read_source

    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        text, problem = read_source(path, name)
        if text is None:  # `problem` says why it cannot be read
            print(render_all([problem] if problem is not None else [], {}), file=sys.stderr)
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
            continue
        try:
            write_atomically(path, formatted)
        except WriteError as e:
            status = fail("F101", str(e))
            continue
        print(f"reformatted {name}")
    return status


def cmd_show(args: argparse.Namespace) -> int:
    from engine.policy import check_file
    from engine.policy.show import as_json, as_text

    result = check_file(Path(args.file))
    on = args.as_of or date.today()  # the CLI is the only place that reads the clock
    if not result.ok or result.policy is None:
        if args.json:
            _print_json({"ok": False, "diagnostics": [d.to_json() for d in result.diagnostics]})
        else:
            _print_diagnostics(result.diagnostics, result.sources)
        return EXIT_INPUT
    if args.json:
        data = as_json(result.policy, on)
        data["diagnostics"] = [d.to_json() for d in result.diagnostics]
        _print_json(data)
    else:
        _print_diagnostics(result.diagnostics, result.sources)
        print(as_text(result.policy, on), end="")
    return EXIT_OK


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = commands.add_parser("check", help="check rules files; point at every mistake")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    json_option(check, "print the diagnostics as JSON")
    check.set_defaults(func=cmd_check)

    fmt = commands.add_parser("fmt", help="rewrite rules files in canonical form, keeping comments")
    fmt.add_argument("files", nargs="+", metavar="FILE")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not canonical")
    fmt.set_defaults(func=cmd_fmt)

    show = commands.add_parser("show", help="print the resolved policy and the tax law in force on a date")
    show.add_argument("file", metavar="FILE")
    show.add_argument("--as-of", type=iso_date, metavar="DATE", help="date for the law in force (default today)")
    json_option(show)
    show.set_defaults(func=cmd_show)
