"""The `lotwise` command: thin. It reads files, the clock and the environment, calls pure
functions, and prints. Exit codes: 0 success, 1 user-input error (with diagnostics) or a
fault such as a full disk or a read-only book (with a message), 2 usage error, 3 internal error
(a bug: one line and a report file, engine/cli/crash.py). Heavy libraries are imported inside the commands, not at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine.cli.shell import book_path as _book_path
from engine.cli.shell import with_book
from engine.cli.status import cmd_status  # a name of this module: tests put a bug in it (test_files_and_saves)

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _iso_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date; write YYYY-MM-DD")
    from engine.book.importers.csvrows import FIRST_DAY, LAST_DAY  # one date range everywhere

    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"`{text}` is outside the years {FIRST_DAY.year} to {LAST_DAY.year}")
    return day


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
    from engine.files import WriteError, write_atomically
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
            try:
                write_atomically(path, formatted)
            except WriteError as e:
                print(f"lotwise: {e}", file=sys.stderr)
                status = EXIT_INPUT
                continue
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
def _open_book(args, create: bool = False):
    """The book of --book for `init`, `import` and `doctor`, which make their own transactions:
    opened once per command, closed when the command ends (`_main`). The commands through the API
    open the book in the transaction they need (engine/cli/shell.py, `with_book`)."""
    from engine.book.store import Book, BookError

    cached = getattr(args, "_book", None)
    if cached is not None:
        return cached
    try:
        book = Book.open(_book_path(args), create=create)
    except BookError as e:
        print(f"lotwise: {e}", file=sys.stderr)
        return None
    args._book = book
    stack = getattr(args, "_stack", None)
    if stack is not None:
        stack.callback(book.close)  # the last connection folds the -wal file into the .db
    return book


def _book_and_policy(args):
    """The book and its policy, or None after printing why one is missing."""
    book = _open_book(args)
    if book is None:
        return None
    from engine.cli.shell import policy_of, say
    from engine.inputs import Refused

    try:
        return book, policy_of(args, book).policy
    except Refused as refused:
        say(refused)
        return None


def cmd_init(args) -> int:
    path = _book_path(args)
    existed = path.exists()
    if args.policy:
        from engine.policy import check_file

        result = check_file(Path(args.policy))
        if not result.ok:
            _print_diagnostics(result.diagnostics, result.sources, False)
            return EXIT_INPUT
    policy = str(Path(args.policy).resolve()) if args.policy else None
    if not existed:
        if not _create_book(path, policy):
            return EXIT_INPUT
    else:
        book = _open_book(args, create=True)
        if book is None:
            return EXIT_INPUT
        if policy:  # a book that cannot be written: said by main's handler of book faults
            book.set("policy", policy)
    print(f"{'using the existing' if existed else 'created'} book {path}"
          + (f" with policy {args.policy}" if args.policy else ""))
    return EXIT_OK


def _create_book(path: Path, policy: str | None) -> bool:
    """A new book made whole beside `path` (`.NAME.PID.XXXXXXXX.tmp`, as engine/files.py names
    its temporary files) and then linked into place, so that a full disk or a read-only directory
    leaves no file at `path` rather than an empty or half-made one; False after saying why."""
    import sqlite3
    import tempfile

    from engine.book.store import Book, BookError
    from engine.files import _remove_stale, _sync_directory

    directory = path.parent if str(path.parent) else Path(".")
    temporary = None
    try:
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
        os.close(handle)
        temporary = Path(name)
        umask = os.umask(0)  # the permissions any new file of the user gets, as SQLite would give it
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        book = Book.open(temporary, create=True)
        try:
            if policy:
                book.set("policy", policy)
        finally:
            book.close()
        try:
            os.link(temporary, path)  # never over a file another process made meanwhile
        except FileExistsError:
            print(f"lotwise: `{path}` appeared while the book was being made; run `lotwise init` again to use it",
                  file=sys.stderr)
            return False
        except OSError:  # a filesystem without hard links
            os.replace(temporary, path)
        _sync_directory(directory)
        _remove_stale(directory, path.name)  # what an init killed with kill -9 left
        return True
    except (BookError, OSError, sqlite3.Error) as e:
        cause = e.__context__ if isinstance(e, BookError) and isinstance(e.__context__, sqlite3.Error) else e
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        hint = " (is the disk full?)" if "disk I/O" in reason or "full" in reason else ""
        print(f"lotwise: cannot create the book `{path}`: {reason}{hint}; nothing was created", file=sys.stderr)
        return False
    finally:
        if temporary is not None:
            for leftover in (temporary, *(Path(f"{temporary}{end}") for end in ("-journal", "-wal", "-shm"))):
                try:
                    leftover.unlink()
                except OSError:
                    pass


def cmd_import(args) -> int:
    from engine.diagnostics import has_errors, render_all
    from engine.book.store import ImportReport
    from engine.book.importers import ImportResult, Streamed, file_sha256, read_file, streamable
    from engine.book.importers.csvrows import KEPT
    from engine.ledger.fifo import LedgerError
    from engine.book.kept_ledger import after_import, before_import, units_held
    from engine.tax.intraday import intraday_securities

    opened = _book_and_policy(args)
    if opened is None:
        return EXIT_INPUT
    book, policy = opened

    def held(day):  # what the book holds at the end of `day`: a CAS's opening units are checked against it
        try:
            return units_held(book, day)
        except LedgerError:  # the book's history does not replay: not known (the import below says why)
            return None

    # A transactions CSV is streamed (Streamed): read row by row while the book writes it in
    # the transaction below, so memory does not grow with the file (issue 12.7); any other
    # file is read whole first, as its checks need (a CAS's opening balances: `held`).
    results, found, sources, more = [], {}, {}, 0
    for name in args.files:
        sha256, problem = file_sha256(Path(name), name)  # hash first: a file already imported is not parsed
        if problem is None and (report := book.imported(sha256, name)) is not None:
            results.append((name, report))
            continue
        if problem is None and streamable(Path(name), name):
            results.append((name, Streamed(Path(name), name, policy, sha256)))
            continue
        result = (ImportResult(None, diagnostics=[problem]) if problem is not None else
                  read_file(Path(name), name, policy, investor=args.investor, held=held))
        results.append((name, result))
        found[name] = result.diagnostics
        more += getattr(result.diagnostics, "more", 0)
        sources[name] = result.text

    def problems() -> list:  # every file's diagnostics, in the order of the files
        return [d for name, _ in results for d in found.get(name, ())]

    def shown(result: Streamed) -> None:  # a streamed file's diagnostics, and the lines they point at
        nonlocal more
        found[result.display] = result.diagnostics
        more += result.more
        sources[result.display] = result.text({d.span.line for d in result.diagnostics
                                               if d.span is not None and d.span.path == result.display})

    def rejected() -> int:
        errors = problems()
        if not args.json:
            print(render_all(errors, sources), file=sys.stderr)
            count = sum(d.is_error for d in errors) + more
            print(f"nothing imported: {count} error(s)" + (f" (the first {KEPT} of a file shown)" if more else ""),
                  file=sys.stderr)
        else:
            print(json.dumps({"ok": False, "diagnostics": [d.to_json() for d in errors]}
                             | ({"diagnostics_not_shown": more} if more else {}), indent=2))
        return EXIT_INPUT

    if has_errors(problems()):  # nothing will be written: the streamed files are only read, for their errors
        for name, result in results:
            if isinstance(result, Streamed):
                for _ in result.records():
                    pass
                shown(result)
        return rejected()
    # All files in one transaction; the ledger is replayed with what the book then holds and
    # kept (engine/book/kept_ledger.py), so a sale of units never bought rolls everything back,
    # with its row named; so does an error found late in a streamed file.
    import sqlite3

    class Rejected(Exception):
        pass

    reports = []
    try:
        with book.transaction():
            check = before_import(book, intraday_securities(policy))
            added: list | None = []  # None: too many to hold; the ledger check reads the book
            bad = False
            for name, result in results:
                if isinstance(result, ImportReport):
                    reports.append(result)
                    continue
                if isinstance(result, Streamed) and bad:  # read for its errors only
                    for _ in result.records():
                        pass
                else:
                    records = result.records() if isinstance(result, Streamed) else result.records
                    reports.append(book.add(result.stores, records, sha256=result.sha256, name=name,
                                            kind=result.kind))
                    if result.stores == "transactions":
                        added = None if added is None or book.last_added is None else added + book.last_added
                if isinstance(result, Streamed):
                    shown(result)
                    bad = bad or has_errors(result.diagnostics)
            if bad:
                raise Rejected  # rolls back what the streamed files wrote
            if added is None or added:
                after_import(book, check, added)
    except Rejected:
        return rejected()
    except LedgerError as e:
        span = e.diagnostic.span
        for name, result in results:
            if isinstance(result, Streamed) and span is not None and span.path == name:
                sources[name] = result.text({span.line})
        print(render_all([e.diagnostic], sources), file=sys.stderr)
        print("nothing imported", file=sys.stderr)
        return EXIT_INPUT
    except sqlite3.Error as e:
        print(f"lotwise: the book could not be written ({e}); nothing imported", file=sys.stderr)
        return EXIT_INPUT
    if args.json:
        print(json.dumps({"ok": True, "files": [r.to_json() for r in reports]}, indent=2))
    else:
        if problems():
            print(render_all(problems(), sources), file=sys.stderr)
        for r in reports:
            note = " (already imported)" if r.already_imported else ""
            extra = f", {r.updated} updated" if r.updated else ""
            print(f"{r.name}: {r.kind}, {r.added} added, {r.skipped} skipped{extra}{note}")
    return EXIT_OK


def cmd_lots(args) -> int:
    from engine.api import Access

    return with_book(args, Access.READS, lambda book, _: _lots(book, args), policy=False)


def _lots(book, args) -> int:
    from tabulate import tabulate

    from engine import api
    from engine.cli.shell import policy_of
    from engine.literals import format_inr

    # no policy given or remembered: the intraday trades the book's last replay netted
    policy = policy_of(args, book).policy if args.policy or book.get("policy") else None
    lots = api.lots(book, policy, investor=args.investor, security=args.security)
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


def _fy_arg(text: str) -> int:
    from engine.literals import LiteralError, read_fy

    try:
        return read_fy(text if text.upper().startswith("FY") else f"FY {text}")
    except LiteralError as e:
        raise argparse.ArgumentTypeError(f"{e.message}; {e.hint or 'write 2025-26'}")


@dataclass(frozen=True)
class FYChoice:
    """What `gains --fy` asks for: one FY (`2025-26`), a range (`2018-19..2025-26`), or
    `all`: every FY from the first with a sale or a loss brought in to the last with a sale
    (engine/tax/chain.py, `sale_years`). One FY keeps the report of one FY (its JSON object);
    several give `{"years": [...]}` (docs/json.md)."""

    first: int | None = None  # None: `all`
    last: int | None = None
    several: bool = False  # a range or `all`: the report of several FYs, even when the range is one FY


def _fy_choice(text: str) -> FYChoice:
    if text.strip().lower() == "all":
        return FYChoice(None, None, True)
    head, sep, tail = text.partition("..")
    if not sep:
        fy = _fy_arg(text)
        return FYChoice(fy, fy)
    first, last = _fy_arg(head.strip()), _fy_arg(tail.strip())
    if first > last:
        raise argparse.ArgumentTypeError(f"`{text}`: the first FY comes after the last; write "
                                         f"{_short_fy(last)}..{_short_fy(first)}")
    return FYChoice(first, last, True)


def _short_fy(fy: int) -> str:
    return f"{fy}-{(fy + 1) % 100:02d}"


def _money(value) -> str:
    from engine.literals import format_inr

    return format_inr(value)


def cmd_gains(args) -> int:
    from engine.api import Access

    today = date.today()  # the CLI is the only place that reads the clock
    return with_book(args, Access.READS, lambda book, loaded: _gains(book, loaded.policy, today, args))


def _gains(book, policy, today: date, args) -> int:
    from engine import api
    from engine.diagnostics import render_all
    from engine.literals import fy_label

    choice = args.fy
    if choice is None:  # the FY of today under the policy's law
        fy = policy.tax.fy_of(today) if policy.tax is not None else None
        choice = FYChoice(fy, fy)
    found = api.gains(book, policy, first=choice.first, last=choice.last, investor=args.investor)
    reports = [(y.fy, [(i.year, i.sales, i.speculative) for i in y.investors]) for y in found.years]
    if args.json:
        if not choice.several:
            print(json.dumps({"fy": fy_label(choice.last), "investors": [_gains_json(*r) for r in reports[0][1]],
                              "diagnostics": [d.to_json() for d in found.problems]}, indent=2))
        else:
            print(json.dumps({"years": [{"fy": fy_label(fy), "investors": [_gains_json(*r) for r in results],
                                         "diagnostics": [d.to_json() for d in y.problems]}
                                        for (fy, results), y in zip(reports, found.years)],
                              "diagnostics": [d.to_json() for d in found.problems]}, indent=2))
        return EXIT_OK
    if found.problems:
        print(render_all(list(found.problems), {}), file=sys.stderr)
    if choice.several and not reports:
        print("no sales and no losses brought in: the book has no financial year to report")
    for _, results in reports:
        _print_gains(results)
    return EXIT_OK


def _print_gains(results) -> None:
    """One block per investor: today's text of `gains` for one FY."""
    from tabulate import tabulate

    from engine.literals import fy_label

    for result, sales, intraday in results:
        print(f"{result.investor}, {fy_label(result.fy)}")
        rows = [["short-term gains", _money(result.st_gains)], ["short-term losses", _money(result.st_losses)],
                ["long-term gains", _money(result.lt_gains)], ["long-term losses", _money(result.lt_losses)],
                ["net STCG", _money(result.net_stcg)], ["net LTCG", _money(result.net_ltcg)],
                ["exemption used", f"{_money(result.exemption_used)} of {_money(result.exemption_limit)}"],
                ["taxable LTCG", _money(result.taxable_ltcg)],
                ["tax", f"{_money(result.tax)} + cess {_money(result.cess)} = {_money(result.total_tax)}"]]
        if result.exempt_lt_gains or result.exempt_lt_losses:  # e.g. s.10(38), before 1 April 2018
            rows.append(["exempt long-term gains", _money(result.exempt_lt_gains)])
            rows.append(["exempt long-term losses", f"{_money(result.exempt_lt_losses)} (not set off, not carried)"])
        if result.slab_gains and not result.slab_rate_known:
            rows.append(["slab-rate gains", f"{_money(result.slab_gains)} (not taxed here: no slab rate given "
                         f"for {fy_label(result.fy)}; see the note)"])
        for s in result.set_offs:
            if s.brought_forward:
                rows.append([f"set off, brought forward ({s.loss_term} loss of {fy_label(s.loss_fy)})",
                             f"{_money(s.amount)} against {s.against}"])
        for loss in result.carry_forward:
            rows.append([f"carry forward ({loss.term} loss of {fy_label(loss.fy)})", _money(loss.amount)])
        for loss in result.expired:
            rows.append([f"expired ({loss.term} loss of {fy_label(loss.fy)})", _money(loss.amount)])
        print(tabulate(rows, tablefmt="plain", disable_numparse=True))
        if result.slab_gains and not result.slab_rate_known:
            print(f"note: {result.investor}'s slab-rate gains are not taxed here: the policy states no slab rate "
                  f"for {fy_label(result.fy)} (investor {result.investor} ... slab 30% for {fy_label(result.fy)}). "
                  "The s.87A rebate and the basic-exemption shortfall are out of scope (docs/tax-rules.md).",
                  file=sys.stderr)
        if sales:
            print(tabulate([[p.sold.isoformat(), p.security, p.account, p.lot_id, p.acquired.isoformat(), f"{p.units}",
                             _money(p.cost), _money(p.basis), _money(p.proceeds), p.term, _money(p.gain)]
                            for p in sales],
                           ["sold", "security", "account", "lot", "acquired", "units", "cost", "basis",
                            "proceeds", "term", "gain"], disable_numparse=True))
        _print_speculative(intraday)
        print()


def _print_speculative(spec) -> None:
    """An investor's intraday trades of the FY, apart from the capital gains (s.43(5))."""
    from tabulate import tabulate

    if not spec.trades:
        return
    word = "profit" if spec.profit >= 0 else "loss"
    print(f"speculative (intraday) {word}: {_money(abs(spec.profit))}: business income under s.43(5), not a "
          "capital gain; not set off against capital gains, taxed at slab, not included in the tax above")
    print(tabulate([[t.day.isoformat(), t.security, t.account, f"{t.units}", _money(t.cost), _money(t.proceeds),
                     _money(t.expenses), _money(t.profit)] for t in spec.trades],
                   ["date", "security", "account", "units", "cost", "proceeds", "expenses", "profit"],
                   disable_numparse=True))


def _pct(fraction) -> str:
    from engine.plans.drift import percent

    return percent(fraction)


def _pp(fraction) -> str:
    from engine.plans.drift import points

    return points(fraction)


def _gains_json(result, sales, intraday) -> dict:
    from engine.tax.year import year_json

    def money(v):
        return str(v)

    return {
        **year_json(result),
        "sales": [{"sold": p.sold.isoformat(), "security": p.security, "account": p.account, "source": p.source,
                   "lot": p.lot_id, "acquired": p.acquired.isoformat(), "units": str(p.units),
                   "cost": money(p.cost), "basis": money(p.basis), "proceeds": money(p.proceeds),
                   "expenses": money(p.expenses), "term": p.term,
                   "rate": None if p.rate is None else str(p.rate), "gain": money(p.gain),
                   "notes": list(p.notes)} for p in sales],
        "speculative": intraday.to_json(),
    }


# ------------------------------------------------------------------ doctor
def cmd_doctor(args) -> int:
    """Check the book (engine/book/doctor.py); exit 0 when healthy (after --repair, if given), else 1."""
    from engine.book.doctor import Report, examine, render, repair

    book = _open_book(args)
    if book is None:
        return EXIT_INPUT
    checks = examine(book)
    done, refused = repair(book, checks) if args.repair else ([], [])
    if done:
        checks = examine(book)
    report = Report(str(book.path), tuple(checks), tuple(done))
    if args.json:
        print(json.dumps({**report.to_json(), "not_repaired": refused}, indent=2, ensure_ascii=False))
    else:
        print(render(report, refused))
    return EXIT_OK if report.healthy else EXIT_INPUT


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

    def book_options(command, policy: bool = True, policy_help: str = "the policy (default: the one the book "
                     "remembers from `init --policy`)") -> None:
        command.add_argument("--book", metavar="PATH", help="the book (default ./lotwise.db, or $LOTWISE_BOOK)")
        if policy:
            command.add_argument("--policy", metavar="FILE", help=policy_help)

    init = commands.add_parser("init", help="create a book (an SQLite file) and remember its policy")
    book_options(init, policy_help="the policy the book remembers for later commands")
    init.set_defaults(func=cmd_init)

    imp = commands.add_parser("import", help="import transactions, prices, FMVs or brought-forward losses; all or "
                              "nothing, never twice")
    imp.add_argument("files", nargs="+", metavar="FILE")
    book_options(imp)
    imp.add_argument("--json", action="store_true", help="report rows added and skipped as JSON")
    imp.add_argument("--investor", metavar="ID", help="the investor of a CAS whose holder the policy cannot match "
                     "(by pan or alias)")
    imp.set_defaults(func=cmd_import)

    lots = commands.add_parser("lots", help="the open lots: FIFO per investor, account and security")
    book_options(lots)
    lots.add_argument("--investor", metavar="ID")
    lots.add_argument("--security", metavar="ID")
    lots.add_argument("--json", action="store_true", help="print as JSON")
    lots.set_defaults(func=cmd_lots)

    gains = commands.add_parser("gains", help="realised gains, set-off, exemption and tax per investor for a FY, "
                                "a range of FYs or all of them")
    gains.add_argument("--fy", type=_fy_choice, metavar="FY", help="the financial year, e.g. 2025-26 (default: "
                       "today's); a range, 2018-19..2025-26; or all (from the first FY with a sale or a loss "
                       "brought in to the last with a sale)")
    gains.add_argument("--investor", metavar="ID")
    book_options(gains)
    gains.add_argument("--json", action="store_true", help="print as JSON")
    gains.set_defaults(func=cmd_gains)

    status = commands.add_parser("status", help="allocation and drift, unrealised gains, exemption left")
    status.add_argument("--as-of", type=_iso_date, metavar="DATE", help="value on this date (default today)")
    book_options(status)
    status.add_argument("--json", action="store_true", help="print as JSON")
    status.set_defaults(func=cmd_status)

    doctor = commands.add_parser("doctor", help="check a book; --repair rebuilds what is derived from the transactions")
    book_options(doctor, policy=False)
    doctor.add_argument("--repair", action="store_true", help="rebuild the kept ledger and the guarding triggers "
                        "(never your transactions, prices, FMVs, losses or plans)")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.set_defaults(func=cmd_doctor)

    from engine.cli.plans import add_commands

    add_commands(commands, book_options, _iso_date)

    from engine.cli.demo import add_command as add_demo

    add_demo(commands, _iso_date)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command. A problem with the input, or a fault of the machine (a full disk, a read-only
    or busy book), exits 1 with a message; a bug in lotwise exits 3 with one line and a report
    file (engine/cli/crash.py), never a bare traceback unless LOTWISE_DEBUG=1."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the last line of defence
        return _failed(e, sys.argv[1:] if argv is None else list(argv))


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    _configure_cache()
    _configure_gc()
    _configure_decimal()
    from contextlib import ExitStack

    with ExitStack() as stack:  # the book a command opened: its transaction ended, then closed
        args._stack = stack
        try:
            return args.func(args)
        except Exception as e:  # pages of the book overwritten: said once, for every command
            from engine.book.rows import BookCorrupt, corrupt

            if hasattr(args, "book") and corrupt(e):
                raise BookCorrupt(_book_path(args), e) from None
            raise


_BOOK_FAULTS = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED",
                "SQLITE_CANTOPEN", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_NOLFS")


def _failed(error: Exception, argv: list[str]) -> int:
    """An exception no command handled: a fault of the book or of a file (exit 1, said plainly),
    else a bug (exit 3, one line, the details saved)."""
    import sqlite3
    import traceback
    from datetime import datetime

    from engine import __version__
    from engine.book.store import BookError
    from engine.cli.crash import details, one_line, save_report
    from engine.files import WriteError

    if isinstance(error, (WriteError, BookError)):  # BookError: e.g. a damaged row (engine/book/rows.py)
        print(f"lotwise: {error}", file=sys.stderr)
        return EXIT_INPUT
    from engine.book.store import BookBusy

    if isinstance(error, BookBusy):  # another command held the book past the timeout
        print(f"lotwise: {error}; nothing was saved", file=sys.stderr)
        return EXIT_INPUT
    if isinstance(error, sqlite3.Error) and (getattr(error, "sqlite_errorname", None) or "").startswith(_BOOK_FAULTS):
        print(f"lotwise: the book could not be used: {error}; nothing was saved", file=sys.stderr)
        return EXIT_INPUT
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
