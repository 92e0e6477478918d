"""What can go wrong with a book as a whole: it cannot be used (BookError), or another process
held its write lock too long (BookBusy). A damaged row (BookDamaged, BookCorrupt) is told by
engine/book/rows.py, which reads the rows; both kinds are BookErrors."""

from __future__ import annotations

import sqlite3

BUSY = ("another lotwise command (an import, or a plan being saved) was still writing it after 10 s; "
        "try again when it is done")


class BookError(Exception):
    """A book that cannot be used: not a lotwise book, or from a newer lotwise. `code`: its
    diagnostic code (docs/diagnostics.md, B1xx)."""

    code = "B110"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class BookBusy(sqlite3.OperationalError):
    """The book's write lock was held by another process past busy_timeout (SQLITE_BUSY):
    an sqlite3 error like the one it replaces, with a message that says what is known."""

    sqlite_errorname = "SQLITE_BUSY"
    code = "B130"


def fault(error: sqlite3.Error, *names: str) -> bool:
    """Whether SQLite's error name for `error` starts with one of `names` (SQLITE_BUSY, ...)."""
    name: str | None = getattr(error, "sqlite_errorname", None)
    return (name or "").startswith(names)


def busy(error: sqlite3.Error) -> sqlite3.Error:
    """`error`, or BookBusy in its place when it is SQLite's `database is locked`."""
    if fault(error, "SQLITE_BUSY") and not isinstance(error, BookBusy):
        return BookBusy(f"the book is busy: {BUSY}")
    return error
