"""Making a book (`lotwise init`, public as `api.create_book`): a new book made whole beside its
path and linked into place, or an existing one kept; either way it remembers the policy given.
Nothing here prints: `Refused` says why a book could not be made or the policy has errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.inputs import Refused
from engine.precision import with_precision


@dataclass(frozen=True)
class BookMade:
    """`path` made (`existed` False) or already there; `policy`: the policy file it now
    remembers (its absolute path), None when none was given."""

    path: Path
    existed: bool
    policy: str | None


@with_precision
def create_book(path: str | Path, policy: str | Path | None = None, *, draft: bool = False) -> BookMade:
    """The book at `path`, made when missing, remembering `policy` (checked first: Refused with
    its diagnostics when it has errors; not checked when it is a `draft`, a skeleton whose
    targets are still TODO: `init --from-cas`). A book that cannot be made leaves no file at
    `path` (Refused); one that exists but cannot be written raises the SQLite error."""
    from engine.book.store import Book

    path = Path(path)
    if policy is not None and not draft:
        from engine.policy import check_file

        result = check_file(Path(policy))
        if not result.ok:
            raise Refused(diagnostics=result.diagnostics, sources=result.sources)
    remembered = str(Path(policy).resolve()) if policy is not None else None
    existed = path.exists()
    if not existed:
        _make(path, remembered)
        return BookMade(path, False, remembered)
    book = Book.open(path, create=True)
    try:
        if remembered:  # a book that cannot be written: the SQLite error, for the caller to say
            book.set("policy", remembered)
    finally:
        book.close()
    return BookMade(path, True, remembered)


def _make(path: Path, policy: str | None) -> None:
    """A new book made whole beside `path` (`.NAME.PID.XXXXXXXX.tmp`, as engine/files.py names
    its temporary files) and then linked into place, so that a full disk or a read-only directory
    leaves no file at `path` rather than an empty or half-made one; Refused saying why."""
    import sqlite3
    import tempfile

    from engine.book.store import Book, BookError
    from engine.files import remove_stale, sync_directory

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
            raise Refused(f"`{path}` appeared while the book was being made; run `lotwise init` again to use it",
                          code="B102", values={"path": str(path)}) from None
        except OSError:  # a filesystem without hard links
            os.replace(temporary, path)
        sync_directory(directory)
        remove_stale(directory, path.name)  # what an init killed with kill -9 left
    except (BookError, OSError, sqlite3.Error) as e:
        cause = e.__context__ if isinstance(e, BookError) and isinstance(e.__context__, sqlite3.Error) else e
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        hint = " (is the disk full?)" if "disk I/O" in reason or "full" in reason else ""
        raise Refused(f"cannot create the book `{path}`: {reason}{hint}; nothing was created",
                      code="B101", values={"path": str(path), "reason": reason}) from e
    finally:
        if temporary is not None:
            for leftover in (temporary, *(Path(f"{temporary}{end}") for end in ("-journal", "-wal", "-shm"))):
                try:
                    leftover.unlink()
                except OSError:
                    pass
