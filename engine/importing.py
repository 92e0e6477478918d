"""Importing files into the book (`lotwise import`, public as `api.import_files`): every file
read and checked first (a file already imported is known by its sha256 and not parsed again),
then all of them written in one transaction, and the ledger replayed with what the book then
holds and kept (engine/book/kept_ledger.py): all or nothing. A sale of units never bought
rolls everything back, with its row named; so does an error found late in a streamed file.

Nothing here prints: the outcome is an `ImportOutcome`, with every file's diagnostics and the
text they point into; `Refused` when the book cannot be written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.inputs import Refused
from engine.precision import with_precision

if TYPE_CHECKING:
    from engine.book.importers import ImportResult, Streamed
    from engine.book.store import Book, ImportReport
    from engine.diagnostics import Diagnostic
    from engine.policy.model import Policy


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did. `ok`: every file was written (`reports`: rows added and skipped
    per file, in the order given); else nothing was. `diagnostics`: every file's, in the order
    of the files (warnings when ok; the errors that stopped it otherwise), with `sources`, the
    text they point into; `not_shown`: diagnostics beyond the first KEPT of a file (counted,
    not listed). `ledger`: the kept ledger's error when the import would leave a history that
    does not replay (a sale of units never bought), the one diagnostic that stopped it."""

    ok: bool
    reports: tuple[ImportReport, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    not_shown: int = 0
    ledger: Diagnostic | None = None

    @property
    def errors(self) -> int:
        """The errors that stopped the import, those not shown included."""
        return sum(d.is_error for d in self.diagnostics) + self.not_shown


class _Reading:
    """The files of one import as read so far: each file's result (an ImportReport when the
    book already has it, a Streamed transactions CSV, or an ImportResult read whole), its
    diagnostics and the text they point into."""

    def __init__(self) -> None:
        self.results: list[tuple[str, Any]] = []
        self.found: dict[str, Sequence[Diagnostic]] = {}
        self.sources: dict[str, str] = {}
        self.more = 0

    def problems(self) -> tuple[Diagnostic, ...]:  # every file's diagnostics, in the order of the files
        return tuple(d for name, _ in self.results for d in self.found.get(name, ()))

    def read(self, result: ImportResult, name: str) -> None:
        self.results.append((name, result))
        self.found[name] = result.diagnostics
        self.more += getattr(result.diagnostics, "more", 0)
        self.sources[name] = result.text

    def shown(self, result: Streamed) -> None:  # a streamed file's diagnostics, and the lines they point at
        self.found[result.display] = result.diagnostics
        self.more += result.more
        self.sources[result.display] = result.text({d.span.line for d in result.diagnostics
                                                    if d.span is not None and d.span.path == result.display})

    def outcome(self, ok: bool, reports: Sequence[ImportReport] = (), ledger: Diagnostic | None = None) -> ImportOutcome:
        return ImportOutcome(ok, tuple(reports), self.problems(), dict(self.sources), self.more, ledger)


def _read_all(book: Book, paths: Sequence[str], policy: Policy, investor: str | None) -> _Reading:
    """Each file hashed first (a file already imported is not parsed); a transactions CSV is
    streamed (Streamed: read row by row while the book writes it, so memory does not grow with
    the file, issue 12.7); any other file is read whole, as its checks need (a CAS's opening
    balances are checked against what the book holds on its day)."""
    from engine.book.importers import ImportResult, Streamed, file_sha256, read_file, streamable
    from engine.book.kept_ledger import units_held
    from engine.ledger.fifo import LedgerError

    def held(day: date) -> Any:  # what the book holds at the end of `day`
        try:
            return units_held(book, day)
        except LedgerError:  # the book's history does not replay: not known (the import says why)
            return None

    reading = _Reading()
    for name in paths:
        sha256, problem = file_sha256(Path(name), name)  # hash first: a file already imported is not parsed
        if sha256 is None:  # the file cannot be read: `problem` says why
            reading.read(ImportResult(None, diagnostics=[problem] if problem is not None else []), name)
        elif (report := book.imported(sha256, name)) is not None:
            reading.results.append((name, report))
        elif streamable(Path(name), name):
            reading.results.append((name, Streamed(Path(name), name, policy, sha256)))
        else:
            reading.read(read_file(Path(name), name, policy, investor=investor, held=held), name)
    return reading


class _Rejected(Exception):
    """An error found in a streamed file while it was written: roll the transaction back."""


def _write_all(book: Book, policy: Policy, reading: _Reading) -> list[ImportReport]:
    """Every file written in one transaction, then the ledger replayed and kept; raises
    _Rejected (a streamed file had an error) or LedgerError (the history does not replay)."""
    from engine.book.importers import Streamed
    from engine.book.kept_ledger import after_import, before_import
    from engine.book.store import ImportReport
    from engine.diagnostics import has_errors
    from engine.tax.intraday import intraday_securities

    reports: list[ImportReport] = []
    with book.transaction():
        check = before_import(book, intraday_securities(policy))
        added: list[Any] | None = []  # None: too many to hold; the ledger check reads the book
        bad = False
        for name, result in reading.results:
            if isinstance(result, ImportReport):
                reports.append(result)
                continue
            if isinstance(result, Streamed) and bad:  # read for its errors only
                for _ in result.records():
                    pass
            else:
                records = result.records() if isinstance(result, Streamed) else result.records
                reports.append(book.add(result.stores, records, sha256=result.sha256, name=name, kind=result.kind))
                if result.stores == "transactions":
                    added = None if added is None or book.last_added is None else added + book.last_added
            if isinstance(result, Streamed):
                reading.shown(result)
                bad = bad or has_errors(result.diagnostics)
        if bad:
            raise _Rejected  # rolls back what the streamed files wrote
        if added is None or added:
            after_import(book, check, added)
    return reports


@with_precision
def import_files(book: Book, paths: Sequence[str], policy: Policy, *, investor: str | None = None) -> ImportOutcome:
    """Import transactions, prices, FMVs or brought-forward losses (docs/file-formats.md), all
    or nothing, never twice. `investor`: the investor of a CAS whose holder the policy cannot
    match. Open the book with Access.OWN: the import makes its own transaction. Refused when
    the book cannot be written."""
    from engine.book.importers import Streamed
    from engine.diagnostics import has_errors

    reading = _read_all(book, paths, policy, investor)
    if has_errors(reading.problems()):  # nothing will be written: the streamed files are only read, for their errors
        for _, result in reading.results:
            if isinstance(result, Streamed):
                for _ in result.records():
                    pass
                reading.shown(result)
        return reading.outcome(False)
    return _written(book, policy, reading)


def _written(book: Book, policy: Policy, reading: _Reading) -> ImportOutcome:
    """The files read, with no error, written (_write_all): the outcome, or Refused."""
    from engine.book.importers import Streamed
    from engine.ledger.fifo import LedgerError

    try:
        reports = _write_all(book, policy, reading)
    except _Rejected:
        return reading.outcome(False)
    except LedgerError as e:
        span = e.diagnostic.span
        for name, result in reading.results:
            if isinstance(result, Streamed) and span is not None and span.path == name:
                reading.sources[name] = result.text({span.line})
        return ImportOutcome(False, (), (), dict(reading.sources), 0, e.diagnostic)
    except sqlite3.Error as e:
        raise Refused(f"the book could not be written ({e}); nothing imported", code="B103",
                      values={"error": str(e)}) from e
    return reading.outcome(True, reports)


@with_precision
def import_read(book: Book, result: ImportResult, name: str, policy: Policy) -> ImportOutcome:
    """Import one file's content already read (engine/book/importers read_bytes: a download,
    `lotwise prices fetch`) as `import_files` imports a file: never twice (the same bytes,
    by their sha256, add nothing), all or nothing, recorded under `name`. Open the book with
    Access.OWN. Refused when the book cannot be written."""
    from engine.diagnostics import has_errors

    reading = _Reading()
    report = book.imported(result.sha256, name) if result.ok else None
    if report is not None:
        reading.results.append((name, report))
    else:
        reading.read(result, name)
    if not result.ok or has_errors(reading.problems()):
        return reading.outcome(False)
    return _written(book, policy, reading)
