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
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator

from engine.transactions import TX_TYPES, TYPE_VALUE, BroughtForwardLoss, Fmv, Price, Transaction

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
    # (engine/ledger_store.py). Meta 'ledger' names the transactions it was replayed from
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
    # 4: the controlled-selling state by month (engine/selling.py), and rebalances done
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
    # 5: saved plans (engine/plan_store.py): the id is derived from the hashes of the inputs,
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
    # 7: intraday trades (s.43(5)) of the kept ledger (engine/ledger_store.py): same-day
    # purchases and sales of a share or ETF in one account, netted by the replay.
    """
    CREATE TABLE ledger_intraday (
        seq INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        trade TEXT NOT NULL
    );
    """,
    # 8: a saved plan keeps the policy as applied: every file's text and the resolved policy
    # (engine/plan_store.py); plans saved before have none.
    """
    ALTER TABLE plans ADD COLUMN policy TEXT;
    """,
    # 9: the kept ledger guarded like the transactions: a row of it changed or deleted (or a
    # queue inserted) by any SQLite client deletes meta 'ledger', so the next command replays the
    # transactions (lotwise's own writes set the key again at their end; a disposal or intraday
    # trade inserted changes the counts the key names: engine/ledger_store.py).
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


class BookError(Exception):
    """A book that cannot be used: not a lotwise book, or from a newer lotwise."""


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
        if not create and not path.exists():
            raise BookError(f"no book at `{path}`; create one with `lotwise init`")
        if not create and path.is_file() and path.stat().st_size == 0:  # SQLite would take it for a new book
            raise BookError(f"`{path}` is an empty file, not a lotwise book; `lotwise init --book {path}` makes one "
                            "(after moving this file away, if it is not yours to replace)")
        try:
            db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
            db.execute("PRAGMA cache_size = -65536")  # up to 64 MiB of pages: large imports stay in memory
            db.execute("PRAGMA busy_timeout = 10000")  # another process writing: wait up to 10 s, then fail clearly
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and not create and db.execute(
                    "SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise BookError(f"`{path}` is an SQLite file but not a lotwise book")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):  # another process held it past busy_timeout
                raise BookError(f"the book `{path}` is busy: another lotwise command (an import?) is writing it; "
                                "try again when it is done") from None
            raise BookError(f"`{path}` is not a lotwise book ({e})") from None
        except sqlite3.DatabaseError as e:
            raise BookError(f"`{path}` is not a lotwise book ({e})") from None
        if version > SCHEMA_VERSION:
            raise BookError(f"`{path}` was written by a newer lotwise (schema {version}); upgrade lotwise")
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
                                f"written ({e}); open it once where it can be written") from None

    def close(self) -> None:
        self.db.close()

    def snapshot(self):
        """Everything read inside sees one state of the book, and what is written inside
        commits with it: a plan reads its inputs and saves itself here, so an import that
        commits meanwhile is in neither or both. Takes the write lock first where the book
        can be written (another writer waits, `busy_timeout`); a read-only book is read in
        one read transaction."""
        return self._within(self._begin_snapshot)

    def transaction(self):
        """All writes inside are one SQLite transaction; nested uses join the outer one. The
        write lock is taken first (IMMEDIATE): a writer that had read first could not wait
        for another one (SQLite answers such a deadlock at once with `database is locked`),
        whereas one waiting here waits up to `busy_timeout`."""
        return self._within(lambda: self.db.execute("BEGIN IMMEDIATE"))

    def _begin_snapshot(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # read-only, or busy past the timeout: a read snapshot
            self.db.execute("BEGIN")

    @contextmanager
    def _within(self, begin):
        """One SQLite transaction opened by `begin`, committed at the end or rolled back on any
        exception; inside another one, it joins it."""
        if self.db.in_transaction:
            yield
            return
        begin()
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error:  # a full disk or a read-only book: nothing of the transaction is kept
            self._rollback()
            raise

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
        check reads the book holding by holding: engine/ledger_store.py)."""
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
                elif Decimal(old[0]) == Decimal(value):
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
        query = ("SELECT id, source, date, investor, account, security, type, units, price, charges "
                 "FROM transactions ORDER BY date, id")
        for seq, (_, source, day, investor, account, security, kind, units, price, charges) in enumerate(
                self.db.execute(query)):
            yield Transaction(date.fromisoformat(day), investor, account, security, TX_TYPES[kind],
                              Decimal(units), Decimal(price), Decimal(charges), source, seq)

    def latest_price(self, security: str, on_or_before: date) -> Price | None:
        row = self.db.execute("SELECT date, price FROM prices WHERE security = ? AND date <= ? "
                              "ORDER BY date DESC LIMIT 1", (security, on_or_before.isoformat())).fetchone()
        return Price(date.fromisoformat(row[0]), security, Decimal(row[1])) if row else None

    def fmv(self) -> dict[str, Decimal]:
        """Fair market value per unit on 31-01-2018, by security."""
        return {security: Decimal(value)
                for security, value in self.db.execute("SELECT security, fmv FROM fmv ORDER BY security")}

    def fmv_with_sources(self) -> dict[str, tuple[Decimal, str]]:
        """Fair market value per unit on 31-01-2018, by security, with the name of the file
        it was imported from."""
        return {security: (Decimal(value), name) for security, value, name in self.db.execute(
            "SELECT f.security, f.fmv, i.name FROM fmv f JOIN imports i ON i.id = f.import_id ORDER BY f.security")}

    def losses(self) -> list[BroughtForwardLoss]:
        """Brought-forward losses by investor, FY of origin, term, then the FY brought into."""
        return [BroughtForwardLoss(investor, fy, term, Decimal(amount), into) for investor, fy, term, amount, into in
                self.db.execute("SELECT investor, fy, term, amount, into_fy FROM losses "
                                "ORDER BY investor, fy, term, into_fy")]

    def sell_state_before(self, month: str) -> tuple[bool, str | None, str] | None:
        """(selling, started, month) of the latest month before `month` ("YYYY-MM") with a state."""
        row = self.db.execute("SELECT selling, started, month FROM sell_states WHERE month < ? "
                              "ORDER BY month DESC LIMIT 1", (month,)).fetchone()
        return (bool(row[0]), row[1], row[2]) if row else None

    def save_sell_state(self, month: str, selling: bool, started: str | None, drift: str, as_of: date) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO sell_states (month, selling, started, drift, as_of) "
                            "VALUES (?, ?, ?, ?, ?)", (month, int(selling), started, drift, as_of.isoformat()))

    def last_rebalance(self, on_or_before: date) -> date | None:
        row = self.db.execute("SELECT max(as_of) FROM rebalances WHERE as_of <= ?",
                              (on_or_before.isoformat(),)).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def record_rebalance(self, as_of: date, method: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO rebalances (as_of, method) VALUES (?, ?)",
                            (as_of.isoformat(), method))

    def counts(self) -> dict[str, int]:
        return {table: self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("transactions", "prices", "fmv", "losses", "imports")}
