"""The book's SQLite connection and its transactions: how a book file is opened (WAL mode where it
can be written, read-only where it cannot) and the transactions every command reads and writes in
(`reading`, `snapshot`, `transaction`). engine/book/store.py's Book is a Session with the tables."""

from __future__ import annotations

import os
import sqlite3
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote

from engine.book.errors import busy, fault


def wal_path(path: Path) -> Path:
    """The book's write-ahead log, beside it."""
    return path.with_name(path.name + "-wal")


def shm_path(path: Path) -> Path:
    """The book's shared-memory index of its write-ahead log, beside it."""
    return path.with_name(path.name + "-shm")


def writable(path: Path) -> bool:
    """Whether the book and its directory can be written: WAL mode creates files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent if str(path.parent) else Path("."), os.W_OK)


def connect(path: Path, writable: bool) -> tuple[sqlite3.Connection, int]:
    """A connection and the book's schema version (the first read). A book that cannot be
    written is opened read-only: `mode=ro` when a -wal file with commits is beside it (SQLite
    reads them), else `immutable=1`, with no locks and no -shm file, which a WAL book
    needs and a read-only directory cannot hold (SQLite says `unable to open database file`);
    the .db alone is then the whole book (the last close folded the -wal file into it)."""
    if writable:
        db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
    else:
        wal = wal_path(path)
        how = "mode=ro" if wal.exists() and wal.stat().st_size else "immutable=1"
        db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?{how}", uri=True, isolation_level=None)
    try:
        db.execute("PRAGMA cache_size = -65536")  # up to 64 MiB of pages: large imports stay in memory
        db.execute("PRAGMA busy_timeout = 10000")  # another process writing: wait up to 10 s, then fail clearly
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
        return db, version
    except sqlite3.Error:
        db.close()
        raise


def use_wal(db: sqlite3.Connection) -> None:
    """WAL mode: readers see the last commit and never wait for a writer, nor it for them.
    synchronous=FULL: every commit is on disk (the -wal file synced) before lotwise says so;
    NORMAL would never corrupt the book either but could lose the last import on a power cut,
    after it was reported, and lotwise commits too rarely for the sync to cost anything.
    A book that another process is using in the old mode is switched by a later open."""
    db.execute("PRAGMA busy_timeout = 0")  # switching needs the book alone: not worth a wait
    try:
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:  # busy: another process has it open in rollback mode
        pass
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA journal_size_limit = 67108864")  # a -wal file left by overlapping commands: at most 64 MiB


class Session:
    """An open book file: its connection and the transactions made on it."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path

    def close(self) -> None:
        """Close the connection. The last connection to a WAL book checkpoints it and deletes
        its -wal and -shm files (SQLite does, when it can lock the book alone), so that when no
        command runs the .db file alone is the whole book; a command that is killed leaves the
        -wal file, which the next open of the book reads (and the next close folds in)."""
        self._rollback()
        self.db.close()

    def reading(self, *, writes: bool = False) -> AbstractContextManager[None]:
        """The transaction of one whole command: everything it reads sees one state of the book,
        so an import that commits meanwhile is seen entirely or not at all. A command that only
        reads takes a plain read transaction (in WAL mode it neither waits for an import nor
        makes one wait); one that `writes` takes `snapshot()`. A command that saves ends it early
        with `commit()`, so that a save that cannot be kept is said where the command says it."""
        return self._within(self._begin_snapshot) if writes else self._reading()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A read transaction for a command that only reads. What it may write is a cache (the
        kept ledger refreshed, engine/book/kept_ledger.py): a commit that fails (a full disk) undoes
        it and the command's output stands."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self.commit()
        except sqlite3.Error:
            pass

    def commit(self) -> None:
        """Commit the transaction open now (the command's, `reading`), if any."""
        if self.db.in_transaction:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                raise busy(e) from None

    def snapshot(self) -> AbstractContextManager[None]:
        """Everything read inside sees one state of the book, and what is written inside
        commits with it: a plan reads its inputs and saves itself here, so an import that
        commits meanwhile is in neither or both. Takes the write lock first where the book
        can be written (another writer waits, `busy_timeout`); a read-only book is read in
        one read transaction."""
        return self._within(self._begin_snapshot)

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside are one SQLite transaction; nested uses join the outer one (as a
        savepoint: what fails inside is undone, the outer transaction goes on). The write lock
        is taken first (IMMEDIATE): a writer that had read first could not wait for another one
        (SQLite answers such a deadlock at once with `database is locked`), whereas one waiting
        here waits up to `busy_timeout`, then raises BookBusy."""
        return self._within(self._begin_immediate)

    def _begin_immediate(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise busy(e) from None

    def _begin_snapshot(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:  # read-only: a read snapshot (busy past the timeout: said)
            if fault(e, "SQLITE_BUSY", "SQLITE_LOCKED"):
                raise busy(e) from None
            self.db.execute("BEGIN")

    @contextmanager
    def _within(self, begin: Callable[[], None]) -> Iterator[None]:
        """One SQLite transaction opened by `begin`, committed at the end or rolled back on any
        exception; inside another one, a savepoint of it. One that was already ended inside
        (`commit`) is left as it is."""
        if self.db.in_transaction:
            self.db.execute("SAVEPOINT inner")
            try:
                yield
            except BaseException:
                if self.db.in_transaction:  # SQLite rolls the whole transaction back on some faults
                    try:
                        self.db.execute("ROLLBACK TO inner")
                        self.db.execute("RELEASE inner")
                    except sqlite3.Error:
                        pass
                raise
            if self.db.in_transaction:
                self.db.execute("RELEASE inner")
            return
        begin()
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self.commit()

    def _rollback(self) -> None:
        """Roll back what is open; after a full disk or an I/O error SQLite may have rolled the
        transaction back itself, and a ROLLBACK then would hide the error that matters."""
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
