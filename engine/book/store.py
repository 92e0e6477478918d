"""The book: one embedded SQLite file holding what was imported (standard sqlite3).

- The schema is versioned (PRAGMA user_version) and migrated forward on open (engine/book/schema.py).
- Money, units and prices are stored as TEXT and read back as Decimal, exactly (engine/book/rows.py).
- An import is atomic and idempotent (engine/book/import_writer.py).
- Its connection and transactions are a Session's (engine/book/session.py).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, cast

from engine.book import import_writer
from engine.book import rows as book_rows  # every row checked: BookDamaged names a bad one
from engine.book.errors import BUSY, BookBusy, BookError, fault
from engine.book.import_writer import ImportReport, Keyed, Occurrences, fingerprints
from engine.book.schema import MIGRATIONS, SCHEMA_VERSION
from engine.book.session import Session, connect, shm_path, use_wal, wal_path, writable
from engine.transactions import BroughtForwardLoss, Fmv, Price, Record, Transaction

# Names used from here by the shell and the tests, whose homes are the modules above.
__all__ = ["Book", "BookBusy", "BookError", "ImportReport", "MIGRATIONS", "Occurrences", "SCHEMA_VERSION",
           "fingerprints"]


class Book(Session):
    """The book file open: its tables read and written (the connection and the transactions are
    the Session's)."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        super().__init__(connection, path)
        # The rows the last add_transactions added (see there); None when there were too many to keep.
        self.last_added: list[Transaction] | None = []

    @classmethod
    def open(cls, path: Path, create: bool = False) -> "Book":
        """The book at `path`, in WAL mode where it can be written (set when it is created, and
        on the first writable open of an older book: the mode is kept in the file). A book that
        cannot be written (an immutable file, a read-only directory) is opened read-only: see
        `engine.book.session.connect`."""
        if not create and not path.exists():
            raise BookError(f"no book at `{path}`; create one with `lotwise init`", code="B111")
        if not create and path.is_file() and path.stat().st_size == 0:  # SQLite would take it for a new book
            raise BookError(f"`{path}` is an empty file, not a lotwise book; `lotwise init --book {path}` makes one "
                            "(after moving this file away, if it is not yours to replace)", code="B112")
        can_write = writable(path) if path.exists() else create  # `init` on an existing book too
        beside = [p for p in (wal_path(path), shm_path(path)) if not p.exists()]  # what this open may create
        try:
            try:
                db, version = connect(path, can_write)
            except sqlite3.OperationalError as e:
                if create or not can_write or not fault(e, "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN") \
                        or wal_path(path).exists() and wal_path(path).stat().st_size:
                    raise
                # A WAL book is read through its -shm file, which a full disk cannot hold. The
                # -wal file holds no commit: the .db alone is the whole book, and it is read as it
                # is; the empty files SQLite made trying are removed.
                for made in beside:
                    made.unlink(missing_ok=True)
                db, version = connect(path, False)
                can_write = False
            if version == 0 and not create and db.execute(
                    "SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise BookError(f"`{path}` is an SQLite file but not a lotwise book", code="B113")
            if can_write and version <= SCHEMA_VERSION:
                use_wal(db)
        except sqlite3.OperationalError as e:
            if fault(e, "SQLITE_BUSY", "SQLITE_LOCKED"):  # another process held it past busy_timeout
                raise BookError(f"the book `{path}` is busy: {BUSY}", code="B114") from None
            if not can_write and fault(e, "SQLITE_CANTOPEN"):  # a -wal file with commits, no -shm possible
                raise BookError(f"the book `{path}` cannot be read here: its `{wal_path(path).name}` file holds commits "
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

    # ----------------------------------------------------------------- settings
    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        value: str | None = row[0] if row else None
        return value

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # ------------------------------------------------------------------ imports
    def imported(self, sha256: str, name: str) -> ImportReport | None:
        """The report of a file already imported (the same bytes), from the imports table, or
        None: asked before a file is parsed, so a re-import costs one hash of the file."""
        return import_writer.imported(self.db, sha256, name)

    def add_transactions(self, records: Iterable[Transaction], *, sha256: str, name: str,
                         kind: str) -> ImportReport:
        """Add a file's transactions in one transaction; rows already in the book are skipped
        (engine/book/import_writer.py). The rows added are kept in `self.last_added`, in stored
        order, numbered after the book's rows (`seq`), for checking the ledger without reading
        them back, while there are at most KEEP_ADDED of them; past that it is None (the ledger
        check reads the book holding by holding: engine/book/kept_ledger.py)."""
        self.last_added = []
        report, self.last_added = import_writer.add_transactions(self, records, sha256=sha256, name=name, kind=kind)
        return report

    def add_prices(self, records: Iterable[Price], *, sha256: str, name: str, kind: str) -> ImportReport:
        """Add prices; the same price again is skipped, a different one for the same day
        replaces it (a corrected NAV) and is counted as updated."""
        return self._add_keyed("prices", ("security", "date"), "price",
                               [((p.security, p.date.isoformat()), str(p.price)) for p in records],
                               sha256=sha256, name=name, kind=kind)

    def add_statement_prices(self, records: Iterable[Price], *, sha256: str) -> int:
        """Add a statement's NAVs (a CAS's) to the import of `sha256` just written, where the
        book has no price for that security and day; the number added."""
        return import_writer.add_statement_prices(
            self, ((p.security, p.date.isoformat(), str(p.price)) for p in records), sha256)

    def add_fmv(self, records: Iterable[Fmv], *, sha256: str, name: str, kind: str) -> ImportReport:
        """Add fair market values on 31-01-2018; the same value again is skipped, a
        different one for the same security replaces it and is counted as updated."""
        return self._add_keyed("fmv", ("security",), "fmv",
                               [((f.security,), str(f.value)) for f in records],
                               sha256=sha256, name=name, kind=kind)

    def add_losses(self, records: Iterable[BroughtForwardLoss], *, sha256: str, name: str,
                   kind: str) -> ImportReport:
        """Add brought-forward losses, one amount per (investor, FY of origin, term, FY brought
        into); the same amount again is skipped, a different one (a revised return) replaces it."""
        return self._add_keyed("losses", ("investor", "fy", "term", "into_fy"), "amount",
                               [((x.investor, x.fy, x.term, x.into), str(x.amount)) for x in records],
                               sha256=sha256, name=name, kind=kind)

    def _add_keyed(self, table: str, keys: tuple[str, ...], column: str, rows: list[Keyed], *,
                   sha256: str, name: str, kind: str) -> ImportReport:
        return import_writer.add_keyed(self, table, keys, column, rows, sha256=sha256, name=name, kind=kind)

    def add(self, stores: str, records: Iterable[Record], *, sha256: str, name: str, kind: str) -> ImportReport:
        """Write an importer's records to the table they belong to (ImportResult.stores). An
        importer's records are all of the kind its STORES names, which mypy cannot follow from
        the string: hence the casts."""
        if stores == "transactions":
            return self.add_transactions(cast(Iterable[Transaction], records), sha256=sha256, name=name, kind=kind)
        if stores == "prices":
            return self.add_prices(cast(Iterable[Price], records), sha256=sha256, name=name, kind=kind)
        if stores == "fmv":
            return self.add_fmv(cast(Iterable[Fmv], records), sha256=sha256, name=name, kind=kind)
        if stores == "losses":
            return self.add_losses(cast(Iterable[BroughtForwardLoss], records), sha256=sha256, name=name, kind=kind)
        raise KeyError(stores)

    # ------------------------------------------------------------------ reading
    def transactions(self) -> Iterator[Transaction]:
        """All transactions in book order: by date, then in the order they were imported."""
        yield from book_rows.transactions(self.db.execute(book_rows.TRANSACTIONS_QUERY + " ORDER BY date, id"),
                                          self.path)

    def latest_price(self, security: str, on_or_before: date) -> Price | None:
        row = self.db.execute("SELECT rowid, security, date, price FROM prices WHERE security = ? AND date <= ? "
                              "ORDER BY date DESC LIMIT 1", (security, on_or_before.isoformat())).fetchone()
        return book_rows.price(row, self.path) if row else None

    def prices_between(self, security: str, first: date, last: date) -> list[Price]:
        """The security's prices dated from `first` to `last`, both included, by date."""
        return [book_rows.price(row, self.path) for row in self.db.execute(
            "SELECT rowid, security, date, price FROM prices WHERE security = ? AND date >= ? AND date <= ? "
            "ORDER BY date", (security, first.isoformat(), last.isoformat()))]

    def fmv(self) -> dict[str, Decimal]:
        """Fair market value per unit on 31-01-2018, by security."""
        return {row[1]: book_rows.fmv(row, self.path)
                for row in self.db.execute("SELECT rowid, security, fmv FROM fmv ORDER BY security")}

    def fmv_with_sources(self) -> dict[str, tuple[Decimal, str]]:
        """Fair market value per unit on 31-01-2018, by security, with the name of the file
        it was imported from."""
        return {row[1]: (book_rows.fmv(row, self.path), row[3]) for row in self.db.execute(
            "SELECT f.rowid, f.security, f.fmv, i.name FROM fmv f JOIN imports i ON i.id = f.import_id "
            "ORDER BY f.security")}

    def losses(self) -> list[BroughtForwardLoss]:
        """Brought-forward losses by investor, FY of origin, term, then the FY brought into."""
        return [book_rows.loss(row, self.path) for row in
                self.db.execute("SELECT rowid, investor, fy, term, amount, into_fy FROM losses "
                                "ORDER BY investor, fy, term, into_fy")]

    def sell_state_before(self, month: str) -> tuple[bool, str | None, str] | None:
        """(selling, started, month) of the latest month before `month` ("YYYY-MM") with a state."""
        row = self.db.execute("SELECT month, selling, started FROM sell_states WHERE month < ? "
                              "ORDER BY month DESC LIMIT 1", (month,)).fetchone()
        return book_rows.sell_state(row, self.path) if row else None

    def save_sell_state(self, month: str, selling: bool, started: str | None, drift: str, as_of: date) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO sell_states (month, selling, started, drift, as_of) "
                            "VALUES (?, ?, ?, ?, ?)", (month, int(selling), started, drift, as_of.isoformat()))

    def last_rebalance(self, on_or_before: date) -> date | None:
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
