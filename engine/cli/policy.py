"""The commands on rules files: `lotwise check` (every mistake pointed at), `lotwise fmt` (the
canonical form, comments kept) and `lotwise show` (the resolved policy and the law in force on a
date). They read no book; `check` imports nothing beyond the policy package (start-up)."""

from __future__ import annotations

import argparse
import functools
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.arguments import iso_date, json_option
from engine.cli.shell import fail

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic

EXIT_OK, EXIT_INPUT = 0, 1
STDIN = "-"  # the FILE that means standard input


@functools.cache
def _stdin_bytes() -> bytes:
    """Standard input, read once however many times `-` is named (one byte past the limit at most)."""
    from engine.policy.loader import MAX_FILE_BYTES

    return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)


def _stdin_text(display: str) -> tuple[str | None, Diagnostic | None]:
    """Standard input's text, or the diagnostic saying why it is not a rules file's."""
    from engine.policy.loader import decode_source

    return decode_source(_stdin_bytes(), display)


def _stdin_path(args: argparse.Namespace) -> Path:
    """Standard input's policy is named `--stdin-filename` (its `use` paths relative to it), or
    `<stdin>` in the current directory."""
    return Path(args.stdin_filename) if args.stdin_filename else Path("<stdin>")


def _print_diagnostics(diagnostics: list, sources: dict) -> None:  # type: ignore[type-arg]
    from engine.diagnostics import render_all

    if diagnostics:
        print(render_all(diagnostics, sources), file=sys.stderr)


def _print_json(data: object) -> None:
    from engine.reports.json import dumps

    print(dumps(data))


def cmd_check(args: argparse.Namespace) -> int:
    from engine.diagnostics import has_errors, promote_warnings
    from engine.policy import CheckResult, check_file
    from engine.policy.loader import display_path

    everything, sources, results = [], {}, []
    for name in args.files:
        if name == STDIN:
            path = _stdin_path(args)
            name = display_path(path)
            text, problem = _stdin_text(name)
            if text is None:
                result = CheckResult(policy=None, diagnostics=[problem] if problem else [])
            else:
                result = check_file(path, overlay={path: text})
        else:
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
        path, from_stdin = Path(name), name == STDIN
        if from_stdin:
            name = args.stdin_filename or "<stdin>"
            text, problem = _stdin_text(name)
        else:
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
        if from_stdin and not args.check:  # the formatted text to standard output, even if unchanged
            sys.stdout.write(formatted)
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
    check.add_argument("files", nargs="+", metavar="FILE", help="a rules file, or - for standard input")
    _stdin_filename_option(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    json_option(check, "print the diagnostics as JSON")
    check.set_defaults(func=cmd_check)

    fmt = commands.add_parser("fmt", help="rewrite rules files in canonical form, keeping comments")
    fmt.add_argument("files", nargs="+", metavar="FILE",
                     help="a rules file, or - to format standard input to standard output")
    _stdin_filename_option(fmt)
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not canonical")
    fmt.set_defaults(func=cmd_fmt)

    show = commands.add_parser("show", help="print the resolved policy and the tax law in force on a date")
    show.add_argument("file", metavar="FILE")
    show.add_argument("--as-of", type=iso_date, metavar="DATE", help="date for the law in force (default today)")
    json_option(show)
    show.set_defaults(func=cmd_show)


def _stdin_filename_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="the name of the policy read from - in messages; its `use` paths are relative to it")
