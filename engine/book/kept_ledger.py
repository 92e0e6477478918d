"""The replayed ledger, kept in the book so that a report does not replay the whole history.

Replaying is linear in the book's history (about 1 s per 100,000 transactions). The import
already replays, to reject a sale of units never bought; it now also keeps the result: every
open lot, queue by queue, and every disposal with the lots it consumed (tables of schema 3).
A report reads the open lots, or only the disposals of the FY it is about.

Kept exactly: Decimals as their text, dates ISO, each lot's splits and mergers (date,
security, ratio as a fraction), lot ids as what they are hashed from, and the intraday trades
(schema 6). It is a derived copy and never the record: it is used only while the book's meta
key `ledger` names this engine's LEDGER_FORMAT, the transactions the book holds (their count
and highest id; triggers delete the key when a row is changed or deleted: `engine/book/schema.py`,
schema 3) and the securities whose same-day trades were netted as intraday (a digest of the
set, which the meta key `ledger_intraday` keeps in full): a policy that changes that set
makes the next report replay. When it is not valid, `ledger_of` replays the transactions and
keeps the result again.

An import whose transactions are all dated after the book's last one continues from the open
lots of the queues it touches (the FIFO state is all a later transaction can see); any other
import replays everything. An import too large to hold in memory (more than import_writer.KEEP_ADDED
rows) is replayed from the book one holding at a time (`replay_by_holding`), with the same
result byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import groupby
from operator import itemgetter
from typing import Any, Collection, Iterable, Iterator, Sequence

from engine.book import rows as book_rows
from engine.book.schema import MIGRATIONS
from engine.book.store import Book
from engine.book.rows import BookDamaged, Damage, SqlRow, kept_rows
from engine.ledger.fifo import Disposal, IntradayTrade, Ledger, LedgerError, Lot, Matched, Order, Step, replay
from engine.transactions import TX_TYPES, TYPE_VALUE, Transaction

# Bump when replay's results change (a fix to FIFO, cost apportionment, lot ids...): books
# keeping an older ledger then replay once and keep the new one.
# ledger-2: lots record their splits and mergers (grandfathering through corporate actions);
# same-day trades of exchange-traded securities are netted as intraday trades.
LEDGER_FORMAT = "ledger-3"  # 3: purchase costs to the paisa
_ONE = Fraction(1)
_KEY = itemgetter(1, 2, 3)  # a Lot's (investor, account, security)


def _ratio(text: str) -> Fraction:
    return _ONE if text == "1" else Fraction(text)


def _history_row(history: tuple[Step, ...]) -> list[list[str]]:
    return [[step.on.isoformat(), step.security, str(step.ratio)] for step in history]


def steps_of(rows: Iterable[Sequence[str]]) -> tuple[Step, ...]:
    """A lot's splits and mergers from their rows [date, security, ratio] (`_history_row`)."""
    return tuple(Step(date.fromisoformat(on), security, _ratio(ratio)) for on, security, ratio in rows)


def lot_row(lot: Lot) -> list[object]:
    """A lot as a kept queue holds it (JSON): [ident, acquired, units, cost, origin, how, history]."""
    # What the id is hashed from, as one string (a lot's id is _lot_id(*ident), and
    # _lot_id(s) of that string is the same id): cheaper to keep than the hash itself.
    ident = lot.ident
    return [ident[0] if len(ident) == 1 else "|".join(map(str, ident)), lot.acquired.isoformat(), str(lot.units),
            str(lot.cost), lot.origin, lot.how, _history_row(lot.history)]


def _lots_of(key: tuple[str, str, str], text: str, days: dict[str, date] | None = None) -> list[Lot]:
    """A kept queue's lots; `days` remembers dates already read (a book has far fewer
    purchase dates than lots)."""
    investor, account, security = key
    days = {} if days is None else days
    lots = []
    for ident, acquired, units, cost, origin, how, history in json.loads(text):
        day = days.get(acquired)
        if day is None:
            day = days[acquired] = date.fromisoformat(acquired)
        lots.append(Lot((ident,), investor, account, security, day, Decimal(units), Decimal(cost), origin,
                        sys.intern(how), steps_of(history) if history else ()))  # how: "BUY" etc., one string each
    return lots


def transaction_row(tx: Transaction) -> str:
    """A disposal's transaction as ledger_disposals keeps it (JSON)."""
    return json.dumps([tx.date.isoformat(), tx.investor, tx.account, tx.security, TYPE_VALUE[tx.type],
                       str(tx.units), str(tx.price), str(tx.charges), tx.source])


def matched_row(matched: Iterable[Matched]) -> str:
    """The parts of lots a disposal consumed, as ledger_disposals keeps them (JSON)."""
    return json.dumps([[m.lot_id, m.acquired.isoformat(), str(m.units), str(m.cost), _history_row(m.history)]
                       for m in matched])


def _disposal(seq: int, tx_text: str, matched_text: str, same_day: int) -> Disposal:
    day, investor, account, security, kind, units, price, charges, source = json.loads(tx_text)
    tx = Transaction(date.fromisoformat(day), investor, account, security, TX_TYPES[kind], Decimal(units),
                     Decimal(price), Decimal(charges), source, seq)
    return Disposal(tx, tuple(Matched(lot_id, date.fromisoformat(acquired), Decimal(units), Decimal(cost),
                                      steps_of(history) if history else ())
                              for lot_id, acquired, units, cost, history in json.loads(matched_text)),
                    bool(same_day))


def trade_row(trade: IntradayTrade) -> str:
    """An intraday trade as ledger_intraday keeps it (JSON)."""
    return json.dumps([trade.investor, trade.account, trade.security, trade.day.isoformat(), str(trade.units),
                       str(trade.cost), str(trade.proceeds), str(trade.expenses), str(trade.profit),
                       list(trade.sources)])


def _trade(text: str) -> IntradayTrade:
    investor, account, security, day, units, cost, proceeds, expenses, profit, sources = json.loads(text)
    return IntradayTrade(investor, account, security, date.fromisoformat(day), Decimal(units), Decimal(cost),
                         Decimal(proceeds), Decimal(expenses), Decimal(profit), tuple(sources))


def by_queue(lots: Iterable[Lot]) -> dict[tuple[str, str, str], list[Lot]]:
    """Lots grouped by queue; `lots` are in queue order, as a Ledger holds them."""
    return {key: list(group) for key, group in groupby(lots, key=_KEY)}


def kept_intraday(book: Book) -> frozenset[str]:
    """The securities whose same-day trades the last kept replay netted as intraday."""
    text = book.get("ledger_intraday")
    if not text:
        return frozenset()
    try:
        names = json.loads(text)
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return frozenset(names)
    except ValueError:
        pass
    raise BookDamaged(Damage("meta", "ledger_intraday", "value", text, "a JSON list of securities"), book.path)


def ledger_token(book: Book, intraday: Collection[str]) -> str:
    """This engine's format, the transactions the ledger is the replay of, the securities whose
    same-day trades it netted (a digest), and how many disposals and intraday trades it keeps:
    a row of those inserted by another SQLite client changes the count (one changed or deleted
    fires schema 9's triggers, as any change to the kept queues does)."""
    count, highest = book.db.execute("SELECT count(*), coalesce(max(id), 0) FROM transactions").fetchone()
    kept = book.db.execute("SELECT (SELECT count(*) FROM ledger_disposals), (SELECT count(*) FROM ledger_intraday)"
                           ).fetchone()
    digest = hashlib.sha1(json.dumps(sorted(intraday)).encode()).hexdigest()[:12]
    return f"{LEDGER_FORMAT} {count} {highest} {digest} {kept[0]} {kept[1]}"


def is_kept(book: Book, intraday: Collection[str] | None = None) -> bool:
    """Whether the book keeps the replay of exactly its transactions, by this engine, with
    `intraday` netted (None: whatever set the kept replay netted), and every trigger that
    guards it is in place (a client that dropped them could have changed it unseen: the
    transactions are then replayed each time, until `lotwise doctor --repair` makes them again)."""
    return (book.get("ledger") == ledger_token(book, kept_intraday(book) if intraday is None else intraday)
            and book.db.execute(_GUARDS_PRESENT).fetchone()[0] == len(GUARDS))


# The triggers of the schema (transactions and kept ledger): each deletes meta 'ledger' on a change.
GUARDS = tuple(re.findall(r"CREATE TRIGGER (\w+)", "\n".join(MIGRATIONS)))
_GUARDS_PRESENT = ("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s)"
                   % ", ".join(f"'{name}'" for name in GUARDS))


def last_date(book: Book) -> date | None:
    row = book.db.execute("SELECT max(date) FROM transactions").fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def keep(book: Book, ledger: Ledger, replayed_from: str | None = None,
         intraday: Collection[str] = frozenset()) -> bool:
    """Keep `ledger`, the replay of every transaction in the book with `intraday` netted, in
    place of what was kept. `replayed_from`: the book's token when the replay read it; if the
    transactions changed since (an import by another process), nothing is kept. Returns
    whether it was kept."""
    with book.transaction():
        if replayed_from is not None and ledger_token(book, intraday) != replayed_from:
            return False
        book.db.execute("DELETE FROM ledger_queues")
        book.db.execute("DELETE FROM ledger_disposals")
        book.db.execute("DELETE FROM ledger_intraday")
        _write(book, by_queue(ledger.lots), ledger.disposals, ledger.intraday, first_seq=0, intraday=intraday)
    return True


def _write(book: Book, queues: dict[tuple[str, str, str], list[Lot]], disposals: Iterable[Disposal],
           trades: Iterable[IntradayTrade], first_seq: int, intraday: Collection[str]) -> None:
    db = book.db
    db.executemany("DELETE FROM ledger_queues WHERE investor = ? AND account = ? AND security = ?",
                   [key for key, lots in queues.items() if not lots])
    db.executemany("INSERT OR REPLACE INTO ledger_queues (investor, account, security, lots) VALUES (?, ?, ?, ?)",
                   [(*key, json.dumps([lot_row(lot) for lot in lots])) for key, lots in queues.items() if lots])
    db.executemany("INSERT INTO ledger_disposals (seq, date, transaction_row, matched, bought_same_day) "
                   "VALUES (?, ?, ?, ?, ?)",
                   ((first_seq + i, d.tx.date.isoformat(), transaction_row(d.tx), matched_row(d.matched),
                     int(d.bought_same_day)) for i, d in enumerate(disposals)))
    db.executemany("INSERT INTO ledger_intraday (date, trade) VALUES (?, ?)",
                   ((t.day.isoformat(), trade_row(t)) for t in trades))
    book.set("ledger_intraday", json.dumps(sorted(intraday)))
    book.set("ledger", ledger_token(book, intraday))


def open_lots(book: Book, keys: Iterable[tuple[str, str, str]] | None = None) -> list[Lot]:
    """The kept open lots (of the queues `keys`, or all), ordered by queue, then FIFO."""
    rows: Iterable[SqlRow]
    if keys is None:
        rows = book.db.execute("SELECT rowid, investor, account, security, lots FROM ledger_queues "
                               "ORDER BY investor, account, security")
    else:
        wanted = sorted(set(keys))
        rows = [row for key in wanted for row in book.db.execute(
            "SELECT rowid, investor, account, security, lots FROM ledger_queues "
            "WHERE investor = ? AND account = ? AND security = ?", key)]
    days: dict[str, date] = {}
    return [lot for lots in kept_rows("ledger_queues", rows, lambda row: queue_of(row, days), book.path)
            for lot in lots]


# A kept lot as ledger_queues stores it (a JSON array): [id, acquired (ISO date), units, cost,
# origin, how, steps]; JSON, so of no one type.
KeptRow = list[Any]


def queues_held_on(book: Book, on: date) -> Iterator[tuple[str, str, str, list[KeptRow]]]:
    """Each kept queue's (investor, account, security) and its rows of lots acquired on or before
    `on`, in queue order; queues with none are left out. The rows are read as stored, unchecked:
    the month plan sums values straight from them (engine/plans/positions.py) and, if a row
    cannot be read, reads the queues again through `open_lots`, which names the damaged one."""
    day = on.isoformat()
    for investor, account, security, text in book.db.execute(
            "SELECT investor, account, security, lots FROM ledger_queues ORDER BY investor, account, security"):
        rows = [r for r in json.loads(text) if r[1] <= day]  # ISO dates compare as text
        if rows:
            yield investor, account, security, rows


def queue_of(row: SqlRow, days: dict[str, date] | None = None) -> list[Lot]:
    """The lots of a row (rowid, investor, account, security, lots) of ledger_queues."""
    _, investor, account, security, text = row
    return _lots_of((investor, account, security), text, days)


def disposals(book: Book, sold_from: date | None = None, sold_to: date | None = None) -> list[Disposal]:
    """The kept disposals sold between the two dates (inclusive; open-ended when None), in replay order."""
    query = "SELECT seq, transaction_row, matched, bought_same_day FROM ledger_disposals"
    where, params = [], []
    if sold_from is not None:
        where.append("date >= ?")
        params.append(sold_from.isoformat())
    if sold_to is not None:
        where.append("date <= ?")
        params.append(sold_to.isoformat())
    if where:
        query += " WHERE " + " AND ".join(where)
    return kept_rows("ledger_disposals", book.db.execute(query + " ORDER BY seq", params), disposal_of, book.path)


def disposal_of(row: SqlRow) -> Disposal:
    """The disposal of a row (seq, transaction_row, matched, bought_same_day) of ledger_disposals."""
    return _disposal(*row)


def intraday_trades(book: Book, day_from: date | None = None) -> list[IntradayTrade]:
    """The kept intraday trades dated from `day_from` on (all when None), in replay order."""
    query, params = "SELECT seq, trade FROM ledger_intraday", []
    if day_from is not None:
        query, params = query + " WHERE date >= ?", [day_from.isoformat()]
    return kept_rows("ledger_intraday", book.db.execute(query + " ORDER BY seq", params), trade_of, book.path)


def trade_of(row: SqlRow) -> IntradayTrade:
    """The trade of a row (seq, trade) of ledger_intraday."""
    return _trade(row[1])


@dataclass(frozen=True)
class ImportCheck:
    """What the import learnt before writing: whether the kept ledger can be continued, the
    securities whose same-day trades the replay nets (the policy's), and the highest
    transaction id (the rows the import adds are those after it)."""

    continues: bool
    last: date | None
    intraday: frozenset[str] = frozenset()
    highest: int = 0


def before_import(book: Book, intraday: Collection[str] = frozenset()) -> ImportCheck:
    """Called before the import writes: is the kept ledger valid for `intraday`, and the book's last date."""
    highest = book.db.execute("SELECT coalesce(max(id), 0) FROM transactions").fetchone()[0]
    return ImportCheck(is_kept(book, intraday), last_date(book), frozenset(intraday), highest)


def after_import(book: Book, check: ImportCheck, added: list[Transaction] | None = None) -> None:
    """Called inside the import's SQLite transaction after the rows were written: replay the
    book with them and keep the result. Raises LedgerError (the caller rolls back) when the
    book would then hold a sale of units never bought, or an unbalanced merger.

    `added`: the rows the import wrote, in stored order and numbered after the book's rows,
    when the caller still holds them (a small import: replayed from the list); None (a large
    one, or unknown): the book is read holding by holding (`replay_by_holding`), so memory
    is that of one holding's history, not the file's.

    A continued replay nets a day's trades exactly as a full one: every transaction added is
    dated after the book's last, so each day's rows are all among them."""
    intraday = check.intraday
    if added is None:
        count, first_day = book.db.execute("SELECT count(*), min(date) FROM transactions WHERE id > ?",
                                           (check.highest,)).fetchone()
        if not count:
            return
        with book.transaction():
            if check.continues and check.last is not None and date.fromisoformat(first_day) > check.last:
                replay_by_holding(book, intraday, since=check.highest)
            else:
                replay_by_holding(book, intraday)
        return
    if check.continues and check.last is not None and added and min(t.date for t in added) > check.last:
        touched = {t.key for t in added}
        ledger = replay(added, opening=open_lots(book, touched), intraday=intraday)
        queues = by_queue(ledger.lots)
        queues.update({key: [] for key in touched if key not in queues})
        first = book.db.execute("SELECT coalesce(max(seq), -1) + 1 FROM ledger_disposals").fetchone()[0]
        with book.transaction():
            _write(book, queues, ledger.disposals, ledger.intraday, first_seq=first, intraday=intraday)
        return
    # An empty book before the import holds exactly the rows added, in stored order.
    ledger = replay(added if check.last is None else book.transactions(), intraday=intraday)
    keep(book, ledger, intraday=intraday)


_MERGERS = (TYPE_VALUE[TX_TYPES["MERGER_IN"]], TYPE_VALUE[TX_TYPES["MERGER_OUT"]])


def replay_by_holding(book: Book, intraday: Collection[str] = frozenset(), since: int | None = None) -> None:
    """Replay the book's transactions holding by holding and keep the result, as `keep` (or,
    with `since`, the continued replay of the rows with a higher id from the kept open lots)
    would keep one replay of them all: the same queues, disposals and intraday trades, in the
    same order, and the same LedgerError if any.

    Holdings (investor, account, security) share no state in a replay, except through a
    merger (units of one security become another's in the same account): an account with a
    MERGER row among the rows replayed is replayed as one. Each group's rows come from one
    SQL query sorted by holding (SQLite sorts on disk past its cache), so memory is one
    group's history. A group's disposals and intraday trades go to temporary tables with
    where the replay made them (date, merger flag, id: the order one replay applies rows in,
    ids ordering rows as `Book.transactions` numbers them) and are copied in that order; of
    the groups' errors, the one a single replay would have met first is raised."""
    db = book.db
    after = 0 if since is None else since
    merged = set(db.execute("SELECT DISTINCT investor, account FROM transactions WHERE id > ? AND type IN (?, ?)",
                            (after, *_MERGERS)))
    db.execute("CREATE TEMP TABLE IF NOT EXISTS replay_disposals (day TEXT, merger INTEGER, id INTEGER, "
               "transaction_row TEXT, matched TEXT, bought_same_day INTEGER)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS replay_intraday (day TEXT, merger INTEGER, id INTEGER, trade TEXT)")
    db.execute("DELETE FROM temp.replay_disposals")
    db.execute("DELETE FROM temp.replay_intraday")
    if since is None:
        db.execute("DELETE FROM ledger_queues")
        db.execute("DELETE FROM ledger_disposals")
        db.execute("DELETE FROM ledger_intraday")
        first_seq = 0
    else:
        first_seq = db.execute("SELECT coalesce(max(seq), -1) + 1 FROM ledger_disposals").fetchone()[0]
    rows = db.execute("SELECT id, source, date, investor, account, security, type, units, price, charges "
                      "FROM transactions WHERE id > ? ORDER BY investor, account, security, date, id", (after,))

    def group(row: SqlRow) -> tuple[str, ...]:
        return (row[3], row[4]) if (row[3], row[4]) in merged else (row[3], row[4], row[5])

    failure: LedgerError | None = None
    for _, grouped in groupby(rows, key=group):
        members = list(grouped)  # every row checked as any reader checks it (BookDamaged names a bad one)
        transactions = [t._replace(seq=row[0]) for t, row in zip(book_rows.transactions(members, book.path), members)]
        touched = {t.key for t in transactions}
        positions: dict[str, list[Order]] = {}
        try:
            ledger = replay(transactions, opening=open_lots(book, touched) if since is not None else (),
                            intraday=intraday, positions=positions)
        except LedgerError as e:
            if failure is None or _stopped_at(e) < _stopped_at(failure):
                failure = e
            continue
        if failure is not None:
            continue  # nothing will be kept: only the first error is looked for
        queues = by_queue(ledger.lots)
        queues.update({key: [] for key in touched if key not in queues})
        db.executemany("DELETE FROM ledger_queues WHERE investor = ? AND account = ? AND security = ?",
                       [key for key, lots in queues.items() if not lots])
        db.executemany("INSERT OR REPLACE INTO ledger_queues (investor, account, security, lots) VALUES (?, ?, ?, ?)",
                       [(*key, json.dumps([lot_row(lot) for lot in lots])) for key, lots in queues.items() if lots])
        db.executemany("INSERT INTO temp.replay_disposals VALUES (?, ?, ?, ?, ?, ?)",
                       ((at[0].isoformat(), at[1], at[2], transaction_row(d.tx), matched_row(d.matched),
                         int(d.bought_same_day)) for d, at in zip(ledger.disposals, positions["disposals"])))
        db.executemany("INSERT INTO temp.replay_intraday VALUES (?, ?, ?, ?)",
                       ((at[0].isoformat(), at[1], at[2], trade_row(t))
                        for t, at in zip(ledger.intraday, positions["trades"])))
    if failure is not None:
        raise failure
    db.execute("INSERT INTO ledger_disposals (seq, date, transaction_row, matched, bought_same_day) "
               "SELECT ? + row_number() OVER (ORDER BY day, merger, id) - 1, day, transaction_row, matched, "
               "bought_same_day FROM temp.replay_disposals ORDER BY day, merger, id", (first_seq,))
    db.execute("INSERT INTO ledger_intraday (date, trade) SELECT day, trade FROM temp.replay_intraday "
               "ORDER BY day, merger, id")
    db.execute("DELETE FROM temp.replay_disposals")
    db.execute("DELETE FROM temp.replay_intraday")
    book.set("ledger_intraday", json.dumps(sorted(intraday)))
    book.set("ledger", ledger_token(book, intraday))


def _stopped_at(error: LedgerError) -> tuple[int, Order]:
    assert error.at is not None  # replay says where it stopped in every LedgerError it raises
    return error.at


def ledger_of(book: Book, *, until: date | None = None, sold_from: date | None = None,
              sold_to: date | None = None, lots: bool = True, intraday: Collection[str] | None = None) -> Ledger:
    """The ledger of the book's transactions dated up to `until` (all when None): open lots
    (unless `lots` is False), the disposals sold and the intraday trades made from `sold_from`
    to `sold_to` (open-ended when None). `intraday`: the securities whose same-day trades are
    netted (the policy's: `engine.tax.intraday.intraday_securities`); None: the set the
    book's last replay netted.

    Read from what the book keeps when that is valid and covers `until`; otherwise replayed
    (and, for the whole book, kept again when the book can be written)."""
    if intraday is None:
        intraday = kept_intraday(book)
    if is_kept(book, intraday):
        last = last_date(book)
        if until is None or last is None or until >= last:
            return Ledger(lots=tuple(open_lots(book)) if lots else (),
                          disposals=tuple(disposals(book, sold_from, sold_to)),
                          intraday=tuple(t for t in intraday_trades(book, sold_from)
                                         if sold_to is None or t.day <= sold_to))
    if until is not None and (last := last_date(book)) is not None and until < last:
        ledger = replay((t for t in book.transactions() if t.date <= until), intraday=intraday)
    else:
        token = ledger_token(book, intraday)  # what the replay reads; kept only if no import lands meanwhile
        ledger = replay(book.transactions(), intraday=intraday)
        try:
            keep(book, ledger, replayed_from=token, intraday=intraday)
        except sqlite3.Error:  # a read-only book: reports still work, replaying each time
            pass
    if sold_from is not None or sold_to is not None:
        def within(day: date) -> bool:
            return (sold_from is None or day >= sold_from) and (sold_to is None or day <= sold_to)

        ledger = Ledger(ledger.lots, tuple(d for d in ledger.disposals if within(d.tx.date)),
                        tuple(t for t in ledger.intraday if within(t.day)))
    return ledger


def units_held(book: Book, on: date) -> dict[tuple[str, str, str], Decimal]:
    """The units of each (investor, account, security) that the book's transactions dated up to
    `on` (inclusive) leave open: what the book holds at the end of that day. Exact: the sum of
    the open lots' units."""
    held: dict[tuple[str, str, str], Decimal] = {}
    for lot in ledger_of(book, until=on, sold_from=date.max).lots:  # no disposal is that late
        key = (lot.investor, lot.account, lot.security)
        held[key] = held.get(key, Decimal(0)) + lot.units
    return held
