"""Importers: files -> records, or diagnostics saying exactly which row and column is wrong.

Each importer reads text and returns records (Transaction, Price) and diagnostics; it
never writes. The caller writes the records only when there is no error, so a failed
import changes nothing. The kind of a file is told from its content, not its name.

Diagnostic codes: I1xx for import problems (docs/file-formats.md lists them).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, BinaryIO, Iterator

from engine.diagnostics import Diagnostic, Span, error
from engine.transactions import Record, Transaction

if TYPE_CHECKING:
    from engine.book.importers.casparser_json import Held
    from engine.policy.model import Policy

# Importer modules, tried in order. Each has KIND (a name), STORES (which book table its
# records go to: "transactions", "prices", ...), detect(text) -> bool and
# read(text, path, policy) -> (records, diagnostics).
IMPORTERS = (
    "engine.book.importers.transactions_csv",
    "engine.book.importers.prices_csv",
    "engine.book.importers.amfi_history",
    "engine.book.importers.amfi_navall",
    "engine.book.importers.fmv_csv",
    "engine.book.importers.losses_csv",
    "engine.book.importers.casparser_json",
)


@dataclass
class ImportResult:
    kind: str | None
    records: list[Record] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sha256: str = ""
    text: str = ""
    stores: str = ""  # the book table its records go to: "transactions", "prices", ...

    @property
    def ok(self) -> bool:
        return self.kind is not None and not any(d.is_error for d in self.diagnostics)


def _modules() -> list[ModuleType]:
    import importlib

    return [importlib.import_module(name) for name in IMPORTERS]


def detect(text: str) -> ModuleType | None:
    """The importer module for a file, told from its content; None if no importer knows it."""
    return next((module for module in _modules() if module.detect(text)), None)


CHUNK_BYTES = 1 << 20


def open_regular(path: Path, display: str) -> BinaryIO | Diagnostic:
    """A binary file object for a regular file; a diagnostic for anything else.
    Opened without blocking (a FIFO would wait for a writer) and checked on the open handle,
    so a file swapped for a device or a pipe after a check by name is still refused."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        return error("I005", f"`{display}` is a directory, not a file", None, "import a file")
    except FileNotFoundError:
        return error("I001", f"cannot find `{display}`", None, "check the path")
    except (OSError, ValueError) as e:
        return error("I001", f"cannot read `{display}`: {getattr(e, 'strerror', None) or e}", None,
                           "check the path and the file's permissions")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device, a pipe or a socket)"
        return error("I005", f"`{display}` is {what}", None,
                           "import a regular file; save a stream to a file first")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def file_sha256(path: Path, display: str) -> tuple[str | None, Diagnostic | None]:
    """The sha256 of a regular file, read in chunks (memory stays flat whatever its size), or a
    diagnostic: what an import asks the book before parsing anything (already imported?)."""
    handle = open_regular(path, display)
    if isinstance(handle, Diagnostic):
        return None, handle
    digest = hashlib.sha256()
    try:
        with handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError as e:
        return None, error("I001", f"cannot read `{display}`: {e.strerror or e}", None, "check the path")
    return digest.hexdigest(), None


def read_file(path: Path, display: str, policy: Policy | None = None, investor: str | None = None,
              held: Held | None = None) -> ImportResult:
    """Read one file of any supported kind. `policy` (a resolved Policy) names the
    investors and securities a file may mention; `investor` names the investor of a
    file that does not say (a CAS whose holder the policy cannot match); `held` (a day ->
    units per (investor, account, security) at its end, computed by the book) is what a
    CAS's opening balances are checked against."""
    handle = open_regular(path, display)
    if isinstance(handle, Diagnostic):
        return ImportResult(None, diagnostics=[handle])
    try:
        with handle:
            data = handle.read()
    except OSError as e:
        return ImportResult(None, diagnostics=[error("I001", f"cannot read `{display}`: {e.strerror or e}", None,
                                                     "check the path")])
    return read_bytes(data, display, policy, investor, held)


def read_bytes(data: bytes, display: str, policy: Policy | None = None, investor: str | None = None,
               held: Held | None = None) -> ImportResult:
    """Read the bytes of one file of any supported kind, as `read_file` reads a file's (what
    `lotwise prices fetch` imports from a download: engine/fetched_prices.py)."""
    sha256 = hashlib.sha256(data).hexdigest()
    utf16 = _utf16(data)
    if utf16 is not None:  # Excel's "Unicode Text": read it as the same text in UTF-8 would be
        try:
            data = data.decode(utf16).lstrip("\ufeff").encode("utf-8")
        except UnicodeError:
            return ImportResult(None, diagnostics=[error(
                "I006", f"`{display}` is UTF-16 text (Excel's Unicode Text) with a broken character", None,
                "save it from Excel as CSV UTF-8 (Comma delimited)")], sha256=sha256)
    if b"\x00" in data:
        return ImportResult(None, diagnostics=[error("I002", f"`{display}` is a binary file", None,
                                                     "import CSV text files")], sha256=sha256)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return ImportResult(None, diagnostics=[error("I003", f"`{display}` is not UTF-8 text (byte {e.start})",
                                                     Span(display, line, 1, line, 2), "save it as UTF-8")],
                            sha256=sha256)
    module = detect(text)
    if module is None and utf16 is not None and "\t" in text.split("\n", 1)[0]:
        return ImportResult(None, diagnostics=[error(
            "I006", f"`{display}` is tab-separated UTF-16 text (Excel's Unicode Text), not a CSV",
            Span(display, 1, 1, 1, 2), "save it from Excel as CSV UTF-8 (Comma delimited)")], sha256=sha256,
            text=text)
    if module is None:
        return ImportResult(None, diagnostics=[error(
            "I004", f"cannot tell what kind of file `{display}` is", Span(display, 1, 1, 1, 2),
            "lotwise imports a transactions CSV (date,investor,account,security,type,units,price,charges), "
            "casparser's JSON of a CAS, a prices CSV (date,security,price), AMFI's NAVAll.txt, an FMV CSV "
            "(security,fmv) and a brought-forward losses CSV (investor,fy,term,amount); "
            "see docs/file-formats.md")], sha256=sha256, text=text)
    if module.KIND == "casparser-json":
        records, diagnostics = module.read(text, display, policy, investor=investor, held=held)
    else:
        records, diagnostics = module.read(text, display, policy)
    return ImportResult(module.KIND, records, diagnostics, sha256, text, module.STORES)


def _utf16(data: bytes) -> str | None:
    """The codec of UTF-16 text (a BOM, or every other byte zero at the start), else None."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:400]
    if len(head) >= 4 and len(head) % 2 == 0:
        if not any(head[1::2]) and all(head[0::2]):
            return "utf-16-le"
        if not any(head[0::2]) and all(head[1::2]):
            return "utf-16-be"
    return None


HEAD_BYTES = 1 << 20  # a first line longer than this is read the old way (whole)


class Streamed:
    """A transactions CSV read row by row while the book writes it (issue 12.7): memory stays
    that of a batch of rows, whatever the file's size. `records()` yields the transactions as
    `read_file` would list them (its checks run on the lines as they come: a NUL byte anywhere
    is I002 and an undecodable byte I003, as read_file says of the whole file, and then no
    other diagnostic is kept); `diagnostics` is complete once `records()` is exhausted. The
    caller writes inside one SQLite transaction and rolls it back if any is an error."""

    kind, stores = "transactions-csv", "transactions"

    def __init__(self, path: Path, display: str, policy: Policy | None, sha256: str):
        from engine.book.importers.csvrows import Problems

        self.path, self.display, self.policy, self.sha256 = path, display, policy, sha256
        self.diagnostics: list[Diagnostic] = Problems()
        self.failed = False  # not read to the end (I001, I002, I003): no text to show

    @property
    def more(self) -> int:
        return getattr(self.diagnostics, "more", 0)

    def records(self) -> Iterator[Transaction]:
        from engine.book.importers import transactions_csv

        handle = open_regular(self.path, self.display)
        if isinstance(handle, Diagnostic):
            self._fail(handle)
            return
        counted = [0]
        lines = _Lines(handle, self.display)
        try:
            with handle:
                yield from transactions_csv.stream(lines, self.display, self.policy, self.diagnostics, counted)
                for chunk in handle:  # what the reader left (after a header or quoting error): hashed too
                    lines.digest.update(chunk)
        except _Unreadable as e:
            self._fail(e.diagnostic)
            return
        except OSError as e:
            self._fail(error("I001", f"cannot read `{self.display}`: {e.strerror or e}", None, "check the path"))
            return
        if lines.digest.hexdigest() != self.sha256:  # what was hashed first is what the book records
            self._fail(error("I001", f"`{self.display}` changed while it was being imported", None,
                             "import it again once it is saved"))
            return
        from engine.book.importers.csvrows import result

        result([], [None] * min(counted[0], 1), self.diagnostics, self.display)  # I109 for a header alone

    def _fail(self, diagnostic: Diagnostic) -> None:
        from engine.book.importers.csvrows import Problems

        self.diagnostics, self.failed = Problems(), True
        self.diagnostics.append(diagnostic)

    def text(self, lines: set[int]) -> str:
        """The file's text as far as `lines` (1-based) are concerned, the others empty: what
        rendering diagnostics at those lines needs, without holding the file."""
        if self.failed or not lines:
            return ""
        handle = open_regular(self.path, self.display)
        if isinstance(handle, Diagnostic):
            return ""
        wanted, last = set(lines), max(lines)
        found: dict[int, str] = {}
        try:
            with handle:
                for number, line in enumerate(_Lines(handle, self.display, trailing=True), start=1):
                    if number in wanted:
                        found[number] = line
                    if number >= last:
                        break
        except (_Unreadable, OSError):
            return ""
        return "\n".join(found.get(n, "") for n in range(1, last + 1))


class _Unreadable(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Lines:
    """A binary file's lines as `diagnostics.source_lines` counts them in its UTF-8 text (a
    line ends at \\n, \\r\\n or a lone \\r; a byte order mark and any more at the start are
    dropped), without a last empty one (as csvrows.rows drops it; `trailing`: with it),
    decoded one line at a time. A NUL byte is I002 and a byte that is not UTF-8 I003, as
    `read_file` reports them for the whole file (the rest is scanned for a NUL, which wins)."""

    def __init__(self, handle: BinaryIO, display: str, trailing: bool = False):
        self.handle, self.display, self.trailing = handle, display, trailing
        self.digest = hashlib.sha256()  # of the bytes read (all of them, once iterated to the end)

    def __iter__(self) -> Iterator[str]:
        pending: str | None = None  # one line held back: a last empty line is dropped
        for line in self._all():
            if pending is not None:
                yield pending
            pending = line
        if pending is not None and (pending != "" or self.trailing):
            yield pending

    def _all(self) -> Iterator[str]:
        offset = newlines = 0
        bom = 0
        recent: list[int] = []  # offsets of the last few newlines (see _not_utf8)
        terminated = True
        first = True
        for chunk in self.handle:
            self.digest.update(chunk)
            if b"\x00" in chunk:
                raise _Unreadable(self._binary())
            try:
                text = chunk.decode("utf-8-sig" if first else "utf-8")
            except UnicodeDecodeError as e:
                if first and chunk.startswith(b"\xef\xbb\xbf"):
                    bom = 3
                raise _Unreadable(self._not_utf8(offset, e.start if first else e.start + offset - bom,
                                                 newlines, recent))
            if first:
                bom = 3 if chunk.startswith(b"\xef\xbb\xbf") else 0
                text = text.lstrip("\ufeff")
                first = False
            terminated = chunk.endswith(b"\n")
            if terminated:
                text = text[:-1]
                recent = (recent + [offset + len(chunk) - 1])[-4:]
                newlines += 1
                if text.endswith("\r"):
                    text = text[:-1]
            offset += len(chunk)
            if "\r" in text:
                yield from text.split("\r")
            else:
                yield text
        if terminated:
            yield ""  # after the last line end (or an empty file)

    def _binary(self) -> Diagnostic:
        return error("I002", f"`{self.display}` is a binary file", None, "import CSV text files")

    def _not_utf8(self, start: int, at: int, newlines: int, recent: list[int]) -> Diagnostic:
        """I003 as read_file words it: `at` is where decoding the whole file with utf-8-sig
        stops (counted after a byte order mark), and its line the newlines before that byte
        of the file (so, after a mark, up to 3 bytes early: `recent`)."""
        for chunk in self.handle:  # a NUL anywhere makes it a binary file
            if b"\x00" in chunk:
                return self._binary()
        line = newlines - sum(1 for n in recent if n >= at) + 1
        return error("I003", f"`{self.display}` is not UTF-8 text (byte {at})",
                     Span(self.display, line, 1, line, 2), "save it as UTF-8")


def streamable(path: Path, display: str) -> bool:
    """Whether `path` is a transactions CSV that `Streamed` can read (UTF-8 with the
    transactions header on its first line); anything else is read whole by read_file."""
    from engine.book.importers import transactions_csv

    handle = open_regular(path, display)
    if isinstance(handle, Diagnostic):
        return False
    try:
        with handle:
            head = handle.readline(HEAD_BYTES)
            start = head + handle.read(max(0, 400 - len(head)))
    except OSError:
        return False
    if _utf16(start[:400]) is not None or b"\x00" in start or not head.endswith(b"\n"):
        return False
    try:
        first = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return transactions_csv.detect(first)
