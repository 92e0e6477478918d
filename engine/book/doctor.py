"""`lotwise doctor`: check a book, and rebuild what is derived from the transactions (issue 12.9).

Checks, each reported ok or with its problems:
  integrity    SQLite's own check of the file's pages (PRAGMA integrity_check) and of the
               references to the import log (PRAGMA foreign_key_check)
  schema       the schema version and every table lotwise keeps
  rows         every row of every table read as the commands read it (engine/book/rows.py):
               every damaged row is counted, the first LISTED named
  triggers     the triggers that guard the transactions and the kept ledger, as the schema made them
  kept ledger  the transactions replayed and compared with the ledger the book keeps
               (engine/book/kept_ledger.py)

`--repair` rebuilds what is derived, in one transaction: the guarding triggers and the kept
ledger. It never writes the user's data (transactions, prices, FMVs, losses, plans, the import
log, selling states, rebalances): a damaged row there is named, and restoring a backup (or
correcting the row with an SQLite client) is the fix.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Callable, Iterator

from engine.book import rows as book_rows
from engine.book.kept_ledger import (by_queue, disposal_of, keep, kept_intraday, ledger_token, lot_row, matched_row,
                                     queue_of, trade_of, trade_row, transaction_row)
from engine.book.rows import Damage
from engine.book.schema import MIGRATIONS, SCHEMA_VERSION
from engine.book.store import Book
from engine.ledger.fifo import Ledger, LedgerError, replay

LISTED = 50  # damaged rows named per check; the rest are counted
TABLES = ("meta", "imports", "transactions", "prices", "fmv", "losses", "ledger_queues", "ledger_disposals",
          "ledger_intraday", "sell_states", "rebalances", "plans")
TRIGGERS: dict[str, str] = {name: sql for sql, name in (
    (m.group(0), m.group(1)) for m in re.finditer(r"CREATE TRIGGER (\w+).*?END;", "\n".join(MIGRATIONS), re.S))}


@dataclass(frozen=True)
class Check:
    name: str
    problems: tuple[str, ...] = ()
    more: int = 0  # problems beyond those listed
    notes: tuple[str, ...] = ()  # said, but not damage

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, object]:
        return {"check": self.name, "ok": self.ok, "problems": list(self.problems), "more": self.more,
                "notes": list(self.notes)}


@dataclass(frozen=True)
class Report:
    book: str
    checks: tuple[Check, ...]
    repaired: tuple[str, ...] = field(default=())

    @property
    def healthy(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, object]:
        return {"book": self.book, "healthy": self.healthy, "checks": [c.to_json() for c in self.checks],
                "repaired": list(self.repaired)}


def _guarded(name: str, run: Callable[[], Check]) -> Check:
    try:
        return run()
    except sqlite3.DatabaseError as e:  # pages that cannot be read
        return Check(name, (f"could not be read: {e}",))


def examine(book: Book) -> list[Check]:
    book.db.text_factory = book_rows.text_or_bytes  # a text that is not UTF-8 is a damaged value, named
    return [_guarded("integrity", lambda: integrity(book)), _guarded("schema", lambda: schema(book)),
            _guarded("rows", lambda: rows(book)), _guarded("triggers", lambda: triggers(book)),
            _guarded("kept ledger", lambda: kept_ledger(book))]


def integrity(book: Book) -> Check:
    found = [row[0] for row in book.db.execute(f"PRAGMA integrity_check({LISTED + 1})")]
    problems = [] if found == ["ok"] else found
    problems += [f"table {table} row {rowid} names import {parent}, which is not in the import log"
                 for table, rowid, parent, _ in book.db.execute("PRAGMA foreign_key_check")]
    return Check("integrity", tuple(problems[:LISTED]), max(0, len(problems) - LISTED))


def schema(book: Book) -> Check:
    version = book.db.execute("PRAGMA user_version").fetchone()[0]
    have = {name for (name,) in book.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    problems = [f"schema {version}, expected {SCHEMA_VERSION}"] if version != SCHEMA_VERSION else []
    problems += [f"table {t} is missing" for t in TABLES if t not in have]
    return Check("schema", tuple(problems))


def damages(book: Book) -> Iterator[Damage]:
    """Every damaged row of every table, table by table."""
    db = book.db
    simple = (
        (book_rows.TRANSACTIONS_QUERY + " ORDER BY id", book_rows.transaction_problem),
        ("SELECT rowid, security, date, price FROM prices ORDER BY rowid", book_rows.price_problem),
        ("SELECT rowid, security, fmv FROM fmv ORDER BY rowid", book_rows.fmv_problem),
        ("SELECT rowid, investor, fy, term, amount, into_fy FROM losses ORDER BY rowid", book_rows.loss_problem),
        ("SELECT month, selling, started FROM sell_states ORDER BY month", book_rows.sell_state_problem),
        ("SELECT rowid, as_of FROM rebalances ORDER BY rowid", book_rows.rebalance_problem),
        ("SELECT id, kind, as_of, fy, body, policy FROM plans ORDER BY id", book_rows.plan_problem),
    )
    for query, problem in simple:
        for row in db.execute(query):
            damage = problem(row)
            if damage is not None:
                yield damage
    kept = (("ledger_queues", "SELECT rowid, investor, account, security, lots FROM ledger_queues ORDER BY rowid",
             queue_of),
            ("ledger_disposals", "SELECT seq, transaction_row, matched, bought_same_day FROM ledger_disposals "
             "ORDER BY seq", disposal_of),
            ("ledger_intraday", "SELECT seq, trade FROM ledger_intraday ORDER BY seq", trade_of))
    for table, query, read in kept:
        for row in db.execute(query):
            damage = book_rows.kept_row_problem(table, row, read)
            if damage is not None:
                yield damage
    try:
        kept_intraday(book)
    except book_rows.BookDamaged as e:
        yield e.damage


def rows(book: Book) -> Check:
    found = list(damages(book))
    return Check("rows", tuple(d.text() for d in found[:LISTED]), max(0, len(found) - LISTED))


def _normal(sql: str) -> str:
    return " ".join(sql.rstrip(";").split())


def _trigger_problems(book: Book) -> dict[str, str]:
    """Name -> what is wrong, for each guarding trigger missing or not as the schema made it."""
    have = {name: sql for name, sql in book.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    out = {}
    for name, sql in TRIGGERS.items():
        if name not in have:
            out[name] = f"trigger {name} is missing"
        elif _normal(have[name] or "") != _normal(sql):
            out[name] = f"trigger {name} is not as lotwise made it"
    return out


def triggers(book: Book) -> Check:
    return Check("triggers", tuple(_trigger_problems(book).values()))


def _replay(book: Book) -> tuple[Ledger, frozenset[str]] | str:
    """(the ledger, the securities netted as intraday), or why the transactions cannot be replayed."""
    intraday: frozenset[str]
    try:
        intraday = kept_intraday(book)
    except book_rows.BookDamaged:
        intraday = frozenset()
    try:
        return replay(book.transactions(), intraday=intraday), intraday
    except book_rows.BookDamaged:
        return "rows of the transactions are damaged (see rows)"
    except LedgerError as e:
        return f"the transactions do not replay: {e.diagnostic.message}"


# A queue's key, (investor, account, security).
Queue = tuple[str, str, str]


def _expected(ledger: Ledger) -> tuple[dict[Queue, object], list[tuple[str, str, str, int]], list[str]]:
    """What the book keeps of `ledger`, as its rows read back: queues (their JSON parsed),
    disposals and intraday trades."""
    queues = {key: json.loads(json.dumps([lot_row(lot) for lot in lots]))  # as kept: JSON's lists, not tuples
              for key, lots in by_queue(ledger.lots).items()}
    disposals = [(d.tx.date.isoformat(), transaction_row(d.tx), matched_row(d.matched), int(d.bought_same_day))
                 for d in ledger.disposals]
    return queues, disposals, [trade_row(t) for t in ledger.intraday]


def kept_ledger(book: Book) -> Check:
    replayed = _replay(book)
    if isinstance(replayed, str):
        return Check("kept ledger", (f"not compared: {replayed}",))
    ledger, intraday = replayed
    if book.get("ledger") != ledger_token(book, intraday):  # the book does not claim to keep this replay
        return Check("kept ledger", notes=("not current: the next report replays the transactions "
                                           "(`--repair` keeps the replay now)",))
    queues, disposals, trades = _expected(ledger)
    kept_queues: dict[Queue, object] = {}
    for investor, account, security, text in book.db.execute(
            "SELECT investor, account, security, lots FROM ledger_queues"):
        try:
            kept_queues[(investor, account, security)] = json.loads(text)
        except (TypeError, ValueError):
            kept_queues[(investor, account, security)] = None
    problems = []
    missing = [k for k in queues if k not in kept_queues]
    extra = [k for k in kept_queues if k not in queues]
    differ = [k for k in queues if k in kept_queues and kept_queues[k] != queues[k]]
    for what, keys in (("missing", missing), ("not in a replay", extra), ("different from a replay", differ)):
        if keys:
            problems.append(f"ledger_queues: {len(keys)} queue(s) {what}, e.g. " + " / ".join(keys[0]))
    kept_disposals = list(book.db.execute(
        "SELECT date, transaction_row, matched, bought_same_day FROM ledger_disposals ORDER BY seq"))
    if kept_disposals != disposals:
        problems.append(f"ledger_disposals: {len(kept_disposals)} kept, a replay gives {len(disposals)}"
                        + ("" if len(kept_disposals) != len(disposals) else " that differ"))
    kept_trades = [t for (t,) in book.db.execute("SELECT trade FROM ledger_intraday ORDER BY seq")]
    if kept_trades != trades:
        problems.append(f"ledger_intraday: {len(kept_trades)} kept, a replay gives {len(trades)}"
                        + ("" if len(kept_trades) != len(trades) else " that differ"))
    return Check("kept ledger", tuple(problems))


def repair(book: Book, checks: list[Check]) -> tuple[list[str], list[str]]:
    """Rebuild the derived data in one transaction: (what was rebuilt, what could not be)."""
    by_name = {c.name: c for c in checks}
    if not by_name["integrity"].ok:
        return [], ["nothing repaired: the file's pages are damaged; restore the book from a backup"]
    done: list[str] = []
    refused: list[str] = []
    kept = by_name["kept ledger"]
    rebuild = not kept.ok or kept.notes or any(book_rows.derived(d) for d in damages(book))
    replayed = _replay(book) if rebuild else None
    with book.transaction():
        for name in _trigger_problems(book):
            book.db.execute(f"DROP TRIGGER IF EXISTS {name}")
            book.db.execute(TRIGGERS[name])
            done.append(f"trigger {name} made again")
        if replayed is None:  # nothing to rebuild
            pass
        elif isinstance(replayed, str):
            refused.append(f"the kept ledger not rebuilt: {replayed}")
        else:
            keep(book, replayed[0], intraday=replayed[1])
            done.append("the kept ledger rebuilt from the transactions")
    if not by_name["rows"].ok and not all(book_rows.derived(d) for d in damages(book)):
        refused.append("damaged rows of your data are left as they are: restore the book from a backup, "
                       "or correct them with an SQLite client")
    return done, refused
