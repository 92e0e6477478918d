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

from engine.diagnostics import Diagnostic, Span, error

# Importer modules, tried in order. Each has KIND (a name), STORES (which book table its
# records go to: "transactions", "prices", ...), detect(text) -> bool and
# read(text, path, policy) -> (records, diagnostics).
IMPORTERS = (
    "engine.importers.transactions_csv",
    "engine.importers.prices_csv",
    "engine.importers.amfi_navall",
    "engine.importers.fmv_csv",
    "engine.importers.losses_csv",
    "engine.importers.casparser_json",
)


@dataclass
class ImportResult:
    kind: str | None
    records: list = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sha256: str = ""
    text: str = ""
    stores: str = ""  # the book table its records go to: "transactions", "prices", ...

    @property
    def ok(self) -> bool:
        return self.kind is not None and not any(d.is_error for d in self.diagnostics)


def _modules():
    import importlib

    return [importlib.import_module(name) for name in IMPORTERS]


def detect(text: str):
    """The importer module for a file, told from its content; None if no importer knows it."""
    return next((module for module in _modules() if module.detect(text)), None)


CHUNK_BYTES = 1 << 20


def open_regular(path: Path, display: str):
    """(a binary file object, None) for a regular file; (None, a diagnostic) for anything else.
    Opened without blocking (a FIFO would wait for a writer) and checked on the open handle,
    so a file swapped for a device or a pipe after a check by name is still refused."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        return None, error("I005", f"`{display}` is a directory, not a file", None, "import a file")
    except FileNotFoundError:
        return None, error("I001", f"cannot find `{display}`", None, "check the path")
    except (OSError, ValueError) as e:
        return None, error("I001", f"cannot read `{display}`: {getattr(e, 'strerror', None) or e}", None,
                           "check the path and the file's permissions")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device, a pipe or a socket)"
        return None, error("I005", f"`{display}` is {what}", None,
                           "import a regular file; save a stream to a file first")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), None


def file_sha256(path: Path, display: str) -> tuple[str | None, Diagnostic | None]:
    """The sha256 of a regular file, read in chunks (memory stays flat whatever its size), or a
    diagnostic: what an import asks the book before parsing anything (already imported?)."""
    handle, problem = open_regular(path, display)
    if problem is not None:
        return None, problem
    digest = hashlib.sha256()
    try:
        with handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError as e:
        return None, error("I001", f"cannot read `{display}`: {e.strerror or e}", None, "check the path")
    return digest.hexdigest(), None


def read_file(path: Path, display: str, policy=None, investor: str | None = None, held=None) -> ImportResult:
    """Read one file of any supported kind. `policy` (a resolved Policy) names the
    investors and securities a file may mention; `investor` names the investor of a
    file that does not say (a CAS whose holder the policy cannot match); `held` (a day ->
    units per (investor, account, security) at its end, computed by the book) is what a
    CAS's opening balances are checked against."""
    handle, problem = open_regular(path, display)
    if problem is not None:
        return ImportResult(None, diagnostics=[problem])
    try:
        with handle:
            data = handle.read()
    except OSError as e:
        return ImportResult(None, diagnostics=[error("I001", f"cannot read `{display}`: {e.strerror or e}", None,
                                                     "check the path")])
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
