"""An import written to the book: atomic (one SQLite transaction, all or nothing) and idempotent
(the same file twice adds nothing: its sha256 is kept in the imports table; a later statement
that overlaps an earlier one adds only the rows it does not share). A transaction's fingerprint
is its content plus its occurrence number among identical rows of its file, so two identical
SIP rows on one day are two rows, once. Prices, FMVs and losses are one value per key: the same
value again is skipped, a different one replaces it (a corrected NAV, a revised return)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Iterator, TypeVar

from engine.book.session import Session
from engine.transactions import TYPE_VALUE, Transaction

# A transaction's content as fingerprinted (`content`); any tuple of values for `fingerprints`.
Content = tuple[object, ...]
# A keyed value: the key's columns and the value's text (`add_keyed`).
Keyed = tuple[tuple[object, ...], str]

BATCH = 5000  # rows fingerprinted and written at a time
KEEP_ADDED = 20_000  # rows an import keeps in memory for the ledger check (Book.last_added)
SPILL = 100_000  # distinct rows whose occurrence counts an import keeps in memory (Occurrences)

T = TypeVar("T")


@dataclass(frozen=True)
class ImportReport:
    name: str
    kind: str
    added: int
    skipped: int
    updated: int = 0
    already_imported: bool = False
    prices: int | None = None  # a statement's NAVs added as prices (a CAS); None: a file without them

    def to_json(self) -> dict[str, str | int | bool]:
        out: dict[str, str | int | bool] = {"file": self.name, "kind": self.kind, "added": self.added,
                                            "skipped": self.skipped, "updated": self.updated,
                                            "already_imported": self.already_imported}
        if self.prices is not None:  # a statement's NAVs added as prices (a CAS)
            out["prices_added"] = self.prices
        return out


def canonical(value: Decimal) -> str:
    """One spelling per number: 10, 10.0 and 10.000 are the same units."""
    text = str(value)
    if "E" in text or ("." in text and text.endswith("0")):
        return format(value.normalize(), "f") if value else "0"
    return text


def content(t: Transaction) -> Content:
    """A transaction's content, numbers canonical: what its fingerprint is made of."""
    return (t.date.isoformat(), t.investor, t.account, t.security, TYPE_VALUE[t.type],
            canonical(t.units), canonical(t.price), canonical(t.charges))


def fingerprint(row: Content, n: int) -> str:
    """The fingerprint of the `n`th occurrence (from 0) of `row` in its file."""
    return hashlib.sha256("|".join(map(str, row + (n,))).encode()).hexdigest()


def fingerprints(rows: Iterable[Content]) -> list[str]:
    """Content + occurrence number among identical rows of one file."""
    seen: dict[Content, int] = {}
    out = []
    for row in rows:
        n = seen.get(row, 0)
        seen[row] = n + 1
        out.append(fingerprint(row, n))
    return out


def same_number(stored: object, value: str) -> bool:
    """Whether the value a row holds is `value`; a value another SQLite client scribbled is not
    (the import replaces it: engine/book/rows.py)."""
    if not isinstance(stored, (str, int, float)):  # NULL or a blob: what Decimal() refuses
        return False
    try:
        return Decimal(stored) == Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return False


def batches(records: Iterable[T], size: int) -> Iterator[list[T]]:
    """`records` in lists of `size` (the last may be shorter)."""
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
        self.db = db
        self.seen: dict[str, int] = {}
        self.spilled = False

    def fingerprints(self, rows: list[Content]) -> list[str]:
        firsts = [fingerprint(row, 0) for row in rows]
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
            out.append(first if n == 0 else fingerprint(row, n))
        if self.spilled:
            self.db.executemany("INSERT INTO temp.import_occurrences VALUES (?, ?) "
                                "ON CONFLICT (first) DO UPDATE SET count = excluded.count", counts.items())
        return out

    def close(self) -> None:
        if self.spilled:
            self.db.execute("DELETE FROM temp.import_occurrences")
        self.seen = {}


def already(db: sqlite3.Connection, sha256: str) -> bool:
    """Whether a file with these bytes was imported."""
    return db.execute("SELECT 1 FROM imports WHERE sha256 = ?", (sha256,)).fetchone() is not None


def imported(db: sqlite3.Connection, sha256: str, name: str) -> ImportReport | None:
    """The report of a file already imported (the same bytes), from the imports table, or None."""
    row = db.execute("SELECT kind, rows_added + rows_skipped FROM imports WHERE sha256 = ?", (sha256,)).fetchone()
    return None if row is None else ImportReport(name, row[0], 0, row[1], already_imported=True)


def log(db: sqlite3.Connection, sha256: str, kind: str, name: str) -> int:
    """The import's row in the imports table (its counts set when it is written), by id."""
    cursor = db.execute("INSERT INTO imports (sha256, kind, name, rows_added, rows_skipped) "
                        "VALUES (?, ?, ?, 0, 0)", (sha256, kind, name))
    assert cursor.lastrowid is not None  # an INSERT into a rowid table always sets it
    return cursor.lastrowid


def add_transactions(book: Session, records: Iterable[Transaction], *, sha256: str, name: str,
                     kind: str) -> tuple[ImportReport, list[Transaction] | None]:
    """Add a file's transactions in one transaction; rows already in the book are skipped.
    `records` may be a generator (a streamed importer): they are fingerprinted and written
    in batches of BATCH inside the open transaction, so memory does not grow with the file
    (`Occurrences`). With the report, the rows added in stored order, numbered after the
    book's rows (`seq`), while there are at most KEEP_ADDED of them (else None)."""
    db = book.db
    if already(db, sha256):
        return ImportReport(name, kind, 0, sum(1 for _ in records), already_imported=True), []
    base: int = db.execute("SELECT count(*) FROM transactions").fetchone()[0]
    total = added = 0
    kept: list[Transaction] | None = []
    with book.transaction():
        import_id = log(db, sha256, kind, name)
        occurrences = Occurrences(db)
        for batch in batches(records, BATCH):
            fps = occurrences.fingerprints([content(t) for t in batch])
            known: set[str] = set()
            for start in range(0, len(fps), 500):  # rows of earlier imports (none of this one can match)
                chunk = fps[start:start + 500]
                known.update(f for (f,) in db.execute(
                    f"SELECT fingerprint FROM transactions WHERE fingerprint IN ({','.join('?' * len(chunk))})",
                    chunk))
            fresh = [(record, fp) for record, fp in zip(batch, fps) if fp not in known]
            db.executemany(
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
        db.execute("UPDATE imports SET rows_added = ?, rows_skipped = ? WHERE id = ?",
                   (added, total - added, import_id))
    return ImportReport(name, kind, added, total - added), kept


def add_keyed(book: Session, table: str, keys: tuple[str, ...], column: str, rows: list[Keyed], *,
              sha256: str, name: str, kind: str) -> ImportReport:
    """One value per key in `table`, written in one transaction: new keys are added,
    the same value is skipped, a different value is updated (the values are Decimals)."""
    db = book.db
    if already(db, sha256):
        return ImportReport(name, kind, 0, len(rows), already_imported=True)
    where = " AND ".join(f"{k} = ?" for k in keys)
    added = skipped = updated = 0
    with book.transaction():
        import_id = log(db, sha256, kind, name)
        for key, value in rows:
            old = db.execute(f"SELECT {column} FROM {table} WHERE {where}", key).fetchone()
            if old is None:
                db.execute(f"INSERT INTO {table} ({', '.join(keys)}, {column}, import_id) "
                           f"VALUES ({', '.join('?' * (len(keys) + 2))})", (*key, value, import_id))
                added += 1
            elif same_number(old[0], value):
                skipped += 1
            else:
                db.execute(f"UPDATE {table} SET {column} = ?, import_id = ? WHERE {where}",
                           (value, import_id, *key))
                updated += 1
        db.execute("UPDATE imports SET rows_added = ?, rows_skipped = ? WHERE id = ?",
                   (added + updated, skipped, import_id))
    return ImportReport(name, kind, added, skipped, updated)


def add_statement_prices(book: Session, prices: Iterable[tuple[str, str, str]], sha256: str) -> int:
    """A statement's NAVs ((security, ISO day, price)) as prices of the import of `sha256`
    (logged by add_transactions in the same transaction), where the book has no price for that
    security and day: a price from any other file stays (docs/file-formats.md says why). The
    number added."""
    db = book.db
    row = db.execute("SELECT id FROM imports WHERE sha256 = ?", (sha256,)).fetchone()
    assert row is not None  # add_transactions logged the import just before
    before: int = db.total_changes
    db.executemany("INSERT INTO prices (security, date, price, import_id) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (security, date) DO NOTHING", ((*p, row[0]) for p in prices))
    added: int = db.total_changes - before
    return added
