"""The book: one embedded SQLite file holding what was imported (standard sqlite3).

- The schema is versioned (PRAGMA user_version) and migrated forward on open.
- Money, units and prices are stored as TEXT and read back as Decimal, exactly.
- An import is atomic: it is written in one SQLite transaction, all or nothing.
- An import is idempotent: the same file twice adds nothing (its sha256 is kept), and a
  later statement that overlaps an earlier one adds only the rows it does not share.
  A row's fingerprint is its content plus its occurrence number among identical rows of
  its file, so two identical SIP rows on one day are two rows, once.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote

from engine.transactions import TYPE_VALUE, BroughtForwardLoss, Fmv, Price, Transaction

MIGRATIONS: tuple[str, ...] = (
    # 1: transactions, prices, the import log and settings
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        rows_added INTEGER NOT NULL,
        rows_skipped INTEGER NOT NULL
    );
    CREATE TABLE transactions (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        source TEXT NOT NULL,
        date TEXT NOT NULL,
        investor TEXT NOT NULL,
        account TEXT NOT NULL,
        security TEXT NOT NULL,
        type TEXT NOT NULL,
        units TEXT NOT NULL,
        price TEXT NOT NULL,
        charges TEXT NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE
    );
    CREATE INDEX transactions_by_date ON transactions (date, id);
    CREATE TABLE prices (
        security TEXT NOT NULL,
        date TEXT NOT NULL,
        price TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        PRIMARY KEY (security, date)
    );
    """,
    # 2: fair market values on 31-01-2018 (grandfathering) and brought-forward losses
    """
    CREATE TABLE fmv (
        security TEXT NOT NULL PRIMARY KEY,
        fmv TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id)
    );
    CREATE TABLE losses (
        investor TEXT NOT NULL,
        fy INTEGER NOT NULL,
        term TEXT NOT NULL,
        amount TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        PRIMARY KEY (investor, fy, term)
    );
    """,
    # 3: the replayed ledger, kept so that reports need not replay the whole history
    # (engine/book/kept_ledger.py). Meta 'ledger' names the transactions it was replayed from
    # (their count and highest id): a row added by any SQLite client changes those, and a
    # row changed or deleted deletes the key (a trigger per row on inserts would cost an
    # import of 100,000 rows 0.2 s).
    """
    CREATE TABLE ledger_queues (
        investor TEXT NOT NULL,
        account TEXT NOT NULL,
        security TEXT NOT NULL,
        lots TEXT NOT NULL,
        PRIMARY KEY (investor, account, security)
    );
    CREATE TABLE ledger_disposals (
        seq INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        transaction_row TEXT NOT NULL,
        matched TEXT NOT NULL,
        bought_same_day INTEGER NOT NULL
    );
    CREATE INDEX ledger_disposals_by_date ON ledger_disposals (date);
    CREATE TRIGGER transactions_updated AFTER UPDATE ON transactions
        BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER transactions_deleted AFTER DELETE ON transactions
        BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    """,
    # 4: the controlled-selling state by month (engine/plans/selling.py), and rebalances done
    """
    CREATE TABLE sell_states (
        month TEXT PRIMARY KEY,
        selling INTEGER NOT NULL,
        started TEXT,
        drift TEXT NOT NULL,
        as_of TEXT NOT NULL
    );
    CREATE TABLE rebalances (
        as_of TEXT PRIMARY KEY,
        method TEXT NOT NULL
    );
    """,
    # 5: saved plans (engine/book/saved_plans.py): the id is derived from the hashes of the inputs,
    # so the same inputs give the same row; `body` is the plan's JSON, byte for byte.
    """
    CREATE TABLE plans (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        as_of TEXT NOT NULL,
        fy INTEGER NOT NULL,
        inputs TEXT NOT NULL,
        body TEXT NOT NULL
    );
    """,
    # 6: a brought-forward loss names the year it is brought into (engine/tax/chain.py):
    # the rows kept so far are the amounts carried out of their year of origin.
    """
    CREATE TABLE losses_by_year (
        investor TEXT NOT NULL,
        fy INTEGER NOT NULL,
        term TEXT NOT NULL,
        into_fy INTEGER NOT NULL,
        amount TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        PRIMARY KEY (investor, fy, term, into_fy)
    );
    INSERT INTO losses_by_year SELECT investor, fy, term, fy + 1, amount, import_id FROM losses;
    DROP TABLE losses;
    ALTER TABLE losses_by_year RENAME TO losses;
    """,
    # 7: intraday trades (s.43(5)) of the kept ledger (engine/book/kept_ledger.py): same-day
    # purchases and sales of a share or ETF in one account, netted by the replay.
    """
    CREATE TABLE ledger_intraday (
        seq INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        trade TEXT NOT NULL
    );
    """,
    # 8: a saved plan keeps the policy as applied: every file's text and the resolved policy
    # (engine/book/saved_plans.py); plans saved before have none.
    """
    ALTER TABLE plans ADD COLUMN policy TEXT;
    """,
    # 9: the kept ledger guarded like the transactions: a row of it changed or deleted (or a
    # queue inserted) by any SQLite client deletes meta 'ledger', so the next command replays the
    # transactions (lotwise's own writes set the key again at their end; a disposal or intraday
    # trade inserted changes the counts the key names: engine/book/kept_ledger.py).
    """
    CREATE TRIGGER ledger_queues_inserted AFTER INSERT ON ledger_queues BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_queues_updated AFTER UPDATE ON ledger_queues BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_queues_deleted AFTER DELETE ON ledger_queues BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_disposals_updated AFTER UPDATE ON ledger_disposals BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_disposals_deleted AFTER DELETE ON ledger_disposals BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_intraday_updated AFTER UPDATE ON ledger_intraday BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_intraday_deleted AFTER DELETE ON ledger_intraday BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


BUSY = ("another lotwise command (an import, or a plan being saved) was still writing it after 10 s; "
        "try again when it is done")


class BookBusy(sqlite3.OperationalError):
    """The book's write lock was held by another process past busy_timeout (SQLITE_BUSY):
    an sqlite3 error like the one it replaces, with a message that says what is known."""

    sqlite_errorname = "SQLITE_BUSY"
    code = "B130"


def _fault(error: sqlite3.Error, *names: str) -> bool:
    return (getattr(error, "sqlite_errorname", None) or "").startswith(names)


def _busy(error: sqlite3.Error) -> sqlite3.Error:
    """`error`, or BookBusy in its place when it is SQLite's `database is locked`."""
    if _fault(error, "SQLITE_BUSY") and not isinstance(error, BookBusy):
        return BookBusy(f"the book is busy: {BUSY}")
    return error


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _shm(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def _writable(path: Path) -> bool:
    """Whether the book and its directory can be written: WAL mode creates files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent if str(path.parent) else Path("."), os.W_OK)


def _connect(path: Path, writable: bool) -> tuple[sqlite3.Connection, int]:
    """A connection and the book's schema version (the first read). A book that cannot be
    written is opened read-only: `mode=ro` when a -wal file with commits is beside it (SQLite
    reads them), else `immutable=1`, with no locks and no -shm file, which a WAL book
    needs and a read-only directory cannot hold (SQLite says `unable to open database file`);
    the .db alone is then the whole book (the last close folded the -wal file into it)."""
    if writable:
        db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
    else:
        wal = _wal(path)
        how = "mode=ro" if wal.exists() and wal.stat().st_size else "immutable=1"
        db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?{how}", uri=True, isolation_level=None)
    try:
        db.execute("PRAGMA cache_size = -65536")  # up to 64 MiB of pages: large imports stay in memory
        db.execute("PRAGMA busy_timeout = 10000")  # another process writing: wait up to 10 s, then fail clearly
        return db, db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        db.close()
        raise


def _use_wal(db: sqlite3.Connection) -> None:
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


class BookError(Exception):
    """A book that cannot be used: not a lotwise book, or from a newer lotwise. `code`: its
    diagnostic code (docs/diagnostics.md, B1xx)."""

    code = "B110"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


@dataclass(frozen=True)
class ImportReport:
    name: str
    kind: str
    added: int
    skipped: int
    updated: int = 0
    already_imported: bool = False

    def to_json(self) -> dict:
        return {"file": self.name, "kind": self.kind, "added": self.added, "skipped": self.skipped,
                "updated": self.updated, "already_imported": self.already_imported}


def _canonical(value: Decimal) -> str:
    """One spelling per number: 10, 10.0 and 10.000 are the same units."""
    text = str(value)
    if "E" in text or ("." in text and text.endswith("0")):
        return format(value.normalize(), "f") if value else "0"
    return text


def _row(t: Transaction) -> tuple:
    """A transaction's content, numbers canonical: what its fingerprint is made of."""
    return (t.date.isoformat(), t.investor, t.account, t.security, TYPE_VALUE[t.type],
            _canonical(t.units), _canonical(t.price), _canonical(t.charges))


def fingerprints(rows: Iterable[tuple]) -> list[str]:
    """Content + occurrence number among identical rows of one file."""
    seen: dict[tuple, int] = {}
    out = []
    for row in rows:
        n = seen.get(row, 0)
        seen[row] = n + 1
        out.append(_fingerprint(row, n))
    return out


def _same_number(stored, value: str) -> bool:
    """Whether the value a row holds is `value`; a value another SQLite client scribbled is not
    (the import replaces it: engine/book/rows.py)."""
    try:
        return Decimal(stored) == Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return False


BATCH = 5000  # rows fingerprinted and written at a time
KEEP_ADDED = 20_000  # rows an import keeps in memory for the ledger check (Book.last_added)
SPILL = 100_000  # distinct rows whose occurrence counts an import keeps in memory (Occurrences)


def _batches(records: Iterable, size: int) -> Iterator[list]:
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Occurrences:
    """The occurrence numbers of one file's rows among identical rows before them (what
    `fingerprints` numbers), batch by batch: counted in a dict keyed by each row's first
    fingerprint (its content with occurrence 0) while the file has at most SPILL distinct
    rows, then in a temporary SQLite table (on disk past its cache), so a file of any size
    is fingerprinted in bounded memory. The fingerprints are exactly `fingerprints(rows)`."""

    def __init__(self, db: sqlite3.Connection):
        self.db, self.seen, self.spilled = db, {}, False

    def fingerprints(self, rows: list[tuple]) -> list[str]:
        firsts = [_fingerprint(row, 0) for row in rows]
        if not self.spilled and len(self.seen) + len(rows) > SPILL:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS import_occurrences "
                            "(first TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID")
            self.db.execute("DELETE FROM temp.import_occurrences")
            self.db.executemany("INSERT INTO temp.import_occurrences VALUES (?, ?)", self.seen.items())
            self.seen, self.spilled = {}, True
        if self.spilled:  # this batch's counts so far, from the table
            counts: dict[str, int] = {}
            unique = list(set(firsts))
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                counts.update(self.db.execute(f"SELECT first, count FROM temp.import_occurrences "
                                              f"WHERE first IN ({','.join('?' * len(chunk))})", chunk))
        else:
            counts = self.seen
        out = []
        for row, first in zip(rows, firsts):
            n = counts.get(first, 0)
            counts[first] = n + 1
            out.append(first if n == 0 else _fingerprint(row, n))
        if self.spilled:
            self.db.executemany("INSERT INTO temp.import_occurrences VALUES (?, ?) "
                                "ON CONFLICT (first) DO UPDATE SET count = excluded.count", counts.items())
        return out

    def close(self) -> None:
        if self.spilled:
            self.db.execute("DELETE FROM temp.import_occurrences")
        self.seen = {}


def _fingerprint(row: tuple, n: int) -> str:
    return hashlib.sha256("|".join(map(str, row + (n,))).encode()).hexdigest()


class Book:
    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path, create: bool = False) -> "Book":
        """The book at `path`, in WAL mode where it can be written (set when it is created, and
        on the first writable open of an older book: the mode is kept in the file). A book that
        cannot be written (an immutable file, a read-only directory) is opened read-only: see
        `_connect`."""
        if not create and not path.exists():
            raise BookError(f"no book at `{path}`; create one with `lotwise init`", code="B111")
        if not create and path.is_file() and path.stat().st_size == 0:  # SQLite would take it for a new book
            raise BookError(f"`{path}` is an empty file, not a lotwise book; `lotwise init --book {path}` makes one "
                            "(after moving this file away, if it is not yours to replace)", code="B112")
        writable = _writable(path) if path.exists() else create  # `init` on an existing book too
        beside = [p for p in (_wal(path), _shm(path)) if not p.exists()]  # what this open may create
        try:
            try:
                db, version = _connect(path, writable)
            except sqlite3.OperationalError as e:
                if create or not writable or not _fault(e, "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN") \
                        or _wal(path).exists() and _wal(path).stat().st_size:
                    raise
                # A WAL book is read through its -shm file, which a full disk cannot hold. The
                # -wal file holds no commit: the .db alone is the whole book, and it is read as it
                # is; the empty files SQLite made trying are removed.
                for made in beside:
                    made.unlink(missing_ok=True)
                db, version = _connect(path, False)
                writable = False
            if version == 0 and not create and db.execute(
                    "SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise BookError(f"`{path}` is an SQLite file but not a lotwise book", code="B113")
            if writable and version <= SCHEMA_VERSION:
                _use_wal(db)
        except sqlite3.OperationalError as e:
            if _fault(e, "SQLITE_BUSY", "SQLITE_LOCKED"):  # another process held it past busy_timeout
                raise BookError(f"the book `{path}` is busy: {BUSY}", code="B114") from None
            if not writable and _fault(e, "SQLITE_CANTOPEN"):  # a -wal file with commits, no -shm possible
                raise BookError(f"the book `{path}` cannot be read here: its `{_wal(path).name}` file holds commits "
                                "not yet folded into it (a command was stopped), and they cannot be read where "
                                "the book cannot be written; run any lotwise command on it once where it can be "
                                "written", code="B115") from None
            raise BookError(f"`{path}` is not a lotwise book ({e})", code="B113") from None
        except sqlite3.DatabaseError as e:
            raise BookError(f"`{path}` is not a lotwise book ({e})", code="B113") from None
        if version > SCHEMA_VERSION:
            raise BookError(f"`{path}` was written by a newer lotwise (schema {version}); upgrade lotwise", code="B116")
        book = cls(db, path)
        book._migrate(version)
        return book

    def _migrate(self, version: int) -> None:
        """Each step and its version number in one transaction (executescript would commit
        a transaction opened outside the script, so the script opens its own)."""
        for number in range(version, SCHEMA_VERSION):
            try:
                self.db.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")
            except sqlite3.DatabaseError as e:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise BookError(f"`{self.path}` needs upgrading to schema {SCHEMA_VERSION} but cannot be "
                                f"written ({e}); open it once where it can be written", code="B117") from None

    def close(self) -> None:
        """Close the connection. The last connection to a WAL book checkpoints it and deletes
        its -wal and -shm files (SQLite does, when it can lock the book alone), so that when no
        command runs the .db file alone is the whole book; a command that is killed leaves the
        -wal file, which the next open of the book reads (and the next close folds in)."""
        self._rollback()
        self.db.close()

    def reading(self, *, writes: bool = False):
        """The transaction of one whole command: everything it reads sees one state of the book,
        so an import that commits meanwhile is seen entirely or not at all. A command that only
        reads takes a plain read transaction (in WAL mode it neither waits for an import nor
        makes one wait); one that `writes` takes `snapshot()`. A command that saves ends it early
        with `commit()`, so that a save that cannot be kept is said where the command says it."""
        return self._within(self._begin_snapshot) if writes else self._reading()

    @contextmanager
    def _reading(self):
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
                raise _busy(e) from None

    def snapshot(self):
        """Everything read inside sees one state of the book, and what is written inside
        commits with it: a plan reads its inputs and saves itself here, so an import that
        commits meanwhile is in neither or both. Takes the write lock first where the book
        can be written (another writer waits, `busy_timeout`); a read-only book is read in
        one read transaction."""
        return self._within(self._begin_snapshot)

    def transaction(self):
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
            raise _busy(e) from None

    def _begin_snapshot(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:  # read-only: a read snapshot (busy past the timeout: said)
            if _fault(e, "SQLITE_BUSY", "SQLITE_LOCKED"):
                raise _busy(e) from None
            self.db.execute("BEGIN")

    @contextmanager
    def _within(self, begin):
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

    # ----------------------------------------------------------------- settings
    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # ------------------------------------------------------------------ imports
    def _already(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM imports WHERE sha256 = ?", (sha256,)).fetchone() is not None

    def imported(self, sha256: str, name: str) -> ImportReport | None:
        """The report of a file already imported (the same bytes), from the imports table, or
        None: asked before a file is parsed, so a re-import costs one hash of the file."""
        row = self.db.execute("SELECT kind, rows_added + rows_skipped FROM imports WHERE sha256 = ?",
                              (sha256,)).fetchone()
        return None if row is None else ImportReport(name, row[0], 0, row[1], already_imported=True)

    def _log(self, sha256: str, kind: str, name: str) -> int:
        return self.db.execute("INSERT INTO imports (sha256, kind, name, rows_added, rows_skipped) "
                               "VALUES (?, ?, ?, 0, 0)", (sha256, kind, name)).lastrowid

    def add_transactions(self, records: Iterable[Transaction], *, sha256: str, name: str,
                         kind: str) -> ImportReport:
        """Add a file's transactions in one transaction; rows already in the book are skipped.
        `records` may be a generator (a streamed importer): they are fingerprinted and written
        in batches of BATCH inside the open transaction, so memory does not grow with the file
        (`Occurrences`). The rows added are kept in `self.last_added`, in stored order,
        numbered after the book's rows (`seq`), for checking the ledger without reading them
        back, while there are at most KEEP_ADDED of them; past that it is None (the ledger
        check reads the book holding by holding: engine/book/kept_ledger.py)."""
        self.last_added: list[Transaction] | None = []
        if self._already(sha256):
            return ImportReport(name, kind, 0, sum(1 for _ in records), already_imported=True)
        base = self.db.execute("SELECT count(*) FROM transactions").fetchone()[0]
        total = added = 0
        kept: list[Transaction] | None = []
        with self.transaction():
            import_id = self._log(sha256, kind, name)
            occurrences = Occurrences(self.db)
            for batch in _batches(records, BATCH):
                rows = [_row(t) for t in batch]
                fps = occurrences.fingerprints(rows)
                known: set[str] = set()
                for start in range(0, len(fps), 500):  # rows of earlier imports (none of this one can match)
                    chunk = fps[start:start + 500]
                    known.update(f for (f,) in self.db.execute(
                        f"SELECT fingerprint FROM transactions WHERE fingerprint IN ({','.join('?' * len(chunk))})",
                        chunk))
                fresh = [(record, fp) for record, fp in zip(batch, fps) if fp not in known]
                self.db.executemany(
                    "INSERT INTO transactions (import_id, source, date, investor, account, security, "
                    "type, units, price, charges, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ((import_id, r.source, r.date.isoformat(), r.investor, r.account, r.security, TYPE_VALUE[r.type],
                      str(r.units), str(r.price), str(r.charges), fp) for r, fp in fresh))
                if kept is not None:
                    kept.extend(r._replace(seq=base + added + i) for i, (r, _) in enumerate(fresh))
                    if len(kept) > KEEP_ADDED:
                        kept = None
                total += len(batch)
                added += len(fresh)
            occurrences.close()
            self.db.execute("UPDATE imports SET rows_added = ?, rows_skipped = ? WHERE id = ?",
                            (added, total - added, import_id))
        self.last_added = kept
        return ImportReport(name, kind, added, total - added)

    def add_prices(self, records: list[Price], *, sha256: str, name: str, kind: str) -> ImportReport:
        """Add prices; the same price again is skipped, a different one for the same day
        replaces it (a corrected NAV) and is counted as updated."""
        return self._add_keyed("prices", ("security", "date"), "price",
                               [((p.security, p.date.isoformat()), str(p.price)) for p in records],
                               sha256=sha256, name=name, kind=kind)

    def add_fmv(self, records: list[Fmv], *, sha256: str, name: str, kind: str) -> ImportReport:
        """Add fair market values on 31-01-2018; the same value again is skipped, a
        different one for the same security replaces it and is counted as updated."""
        return self._add_keyed("fmv", ("security",), "fmv",
                               [((f.security,), str(f.value)) for f in records],
                               sha256=sha256, name=name, kind=kind)

    def add_losses(self, records: list[BroughtForwardLoss], *, sha256: str, name: str,
                   kind: str) -> ImportReport:
        """Add brought-forward losses, one amount per (investor, FY of origin, term, FY brought
        into); the same amount again is skipped, a different one (a revised return) replaces it."""
        return self._add_keyed("losses", ("investor", "fy", "term", "into_fy"), "amount",
                               [((x.investor, x.fy, x.term, x.into), str(x.amount)) for x in records],
                               sha256=sha256, name=name, kind=kind)

    def _add_keyed(self, table: str, keys: tuple[str, ...], column: str, rows: list[tuple[tuple, str]], *,
                   sha256: str, name: str, kind: str) -> ImportReport:
        """One value per key in `table`, written in one transaction: new keys are added,
        the same value is skipped, a different value is updated (the values are Decimals)."""
        if self._already(sha256):
            return ImportReport(name, kind, 0, len(rows), already_imported=True)
        where = " AND ".join(f"{k} = ?" for k in keys)
        added = skipped = updated = 0
        with self.transaction():
            import_id = self._log(sha256, kind, name)
            for key, value in rows:
                old = self.db.execute(f"SELECT {column} FROM {table} WHERE {where}", key).fetchone()
                if old is None:
                    self.db.execute(f"INSERT INTO {table} ({', '.join(keys)}, {column}, import_id) "
                                    f"VALUES ({', '.join('?' * (len(keys) + 2))})", (*key, value, import_id))
                    added += 1
                elif _same_number(old[0], value):
                    skipped += 1
                else:
                    self.db.execute(f"UPDATE {table} SET {column} = ?, import_id = ? WHERE {where}",
                                    (value, import_id, *key))
                    updated += 1
            self.db.execute("UPDATE imports SET rows_added = ?, rows_skipped = ? WHERE id = ?",
                            (added + updated, skipped, import_id))
        return ImportReport(name, kind, added, skipped, updated)

    def add(self, stores: str, records: list, *, sha256: str, name: str, kind: str) -> ImportReport:
        """Write an importer's records to the table they belong to (ImportResult.stores)."""
        writer = {"transactions": self.add_transactions, "prices": self.add_prices,
                  "fmv": self.add_fmv, "losses": self.add_losses}[stores]
        return writer(records, sha256=sha256, name=name, kind=kind)

    # ------------------------------------------------------------------ reading
    def transactions(self) -> Iterator[Transaction]:
        """All transactions in book order: by date, then in the order they were imported."""
        from engine.book import rows as book_rows  # every row checked (engine/book/rows.py): BookDamaged names a bad one

        yield from book_rows.transactions(self.db.execute(book_rows.TRANSACTIONS_QUERY + " ORDER BY date, id"),
                                          self.path)

    def latest_price(self, security: str, on_or_before: date) -> Price | None:
        from engine.book import rows as book_rows

        row = self.db.execute("SELECT rowid, security, date, price FROM prices WHERE security = ? AND date <= ? "
                              "ORDER BY date DESC LIMIT 1", (security, on_or_before.isoformat())).fetchone()
        return book_rows.price(row, self.path) if row else None

    def fmv(self) -> dict[str, Decimal]:
        """Fair market value per unit on 31-01-2018, by security."""
        from engine.book import rows as book_rows

        return {row[1]: book_rows.fmv(row, self.path)
                for row in self.db.execute("SELECT rowid, security, fmv FROM fmv ORDER BY security")}

    def fmv_with_sources(self) -> dict[str, tuple[Decimal, str]]:
        """Fair market value per unit on 31-01-2018, by security, with the name of the file
        it was imported from."""
        from engine.book import rows as book_rows

        return {row[1]: (book_rows.fmv(row, self.path), row[3]) for row in self.db.execute(
            "SELECT f.rowid, f.security, f.fmv, i.name FROM fmv f JOIN imports i ON i.id = f.import_id "
            "ORDER BY f.security")}

    def losses(self) -> list[BroughtForwardLoss]:
        """Brought-forward losses by investor, FY of origin, term, then the FY brought into."""
        from engine.book import rows as book_rows

        return [book_rows.loss(row, self.path) for row in
                self.db.execute("SELECT rowid, investor, fy, term, amount, into_fy FROM losses "
                                "ORDER BY investor, fy, term, into_fy")]

    def sell_state_before(self, month: str) -> tuple[bool, str | None, str] | None:
        """(selling, started, month) of the latest month before `month` ("YYYY-MM") with a state."""
        from engine.book import rows as book_rows

        row = self.db.execute("SELECT month, selling, started FROM sell_states WHERE month < ? "
                              "ORDER BY month DESC LIMIT 1", (month,)).fetchone()
        return book_rows.sell_state(row, self.path) if row else None

    def save_sell_state(self, month: str, selling: bool, started: str | None, drift: str, as_of: date) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO sell_states (month, selling, started, drift, as_of) "
                            "VALUES (?, ?, ?, ?, ?)", (month, int(selling), started, drift, as_of.isoformat()))

    def last_rebalance(self, on_or_before: date) -> date | None:
        from engine.book import rows as book_rows

        row = self.db.execute("SELECT rowid, as_of FROM rebalances WHERE as_of <= ? ORDER BY as_of DESC LIMIT 1",
                              (on_or_before.isoformat(),)).fetchone()
        return book_rows.rebalance_day(row, self.path) if row else None

    def record_rebalance(self, as_of: date, method: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO rebalances (as_of, method) VALUES (?, ?)",
                            (as_of.isoformat(), method))

    def counts(self) -> dict[str, int]:
        return {table: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("transactions", "prices", "fmv", "losses", "imports")}
