"""The book's rows read back into records, checked: one reader per table (issue 12.9).

lotwise writes only values its importers bounded (docs/file-formats.md, "Limits"), but any
SQLite client can write the file. Every row a command reads is turned into a record here, and
a value lotwise could not have written (units 'abc', an unknown type, a date that is not ISO,
a price 'x', units not above zero, a NULL, a number beyond the limits, a saved plan whose JSON
was scribbled) raises BookDamaged naming the table, the row and the column, never a traceback.

Reading stays fast: a row is converted straight through (dates looked up in a dict of the days
already read), and only a row that fails, or whose numbers fall outside the bounds, goes to the
checking path (`*_problem`), which says what is wrong. `lotwise doctor` (engine/book/doctor.py) runs
the checking path over every row of every table.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from engine.book.errors import BookError
from engine.book.importers.csvrows import AMOUNT, FIRST_DAY, LAST_DAY, PRICE, UNITS, Limit, limit_problem
from engine.transactions import TX_TYPES, BroughtForwardLoss, Price, Transaction
from engine.vocabulary import PLANS_OF_ORDERS, Side, Term

# Tables derived from the transactions (engine/book/kept_ledger.py): `lotwise doctor --repair`
# rebuilds them. Every other table holds the user's data (or lotwise's own record of plans,
# selling states and rebalances) and is never rewritten.
DERIVED = frozenset({"ledger_queues", "ledger_disposals", "ledger_intraday"})


def derived(damage: "Damage") -> bool:
    """Whether the damaged row is derived from the transactions (the kept ledger, and the meta key
    naming the securities its replay netted as intraday)."""
    return damage.table in DERIVED or (damage.table, damage.row) == ("meta", "ledger_intraday")

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MONTH = re.compile(r"\d{4}-\d{2}\Z")
_TERMS = frozenset(Term)  # a stored term is one of these strings
_SIDES = frozenset(Side)  # an order's side in a saved plan
_UNITS_MAX, _PRICE_MAX, _AMOUNT_MAX = (Decimal(10) ** limit.digits for limit in (UNITS, PRICE, AMOUNT))

# A row as sqlite3 returns it: its values are whatever the file holds (any SQLite client can write
# it), which is what the readers here check.
SqlRow = tuple[Any, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Damage:
    """What is wrong with one row: the column, the value found and what was expected."""

    table: str
    row: object  # the rowid, or the key (a plan's id, a meta key)
    column: str
    value: object
    expected: str

    def text(self) -> str:
        return f"table {self.table} row {self.row}: {self.column} is {shown(self.value)}, expected {self.expected}"

    def to_json(self) -> dict[str, object]:
        return {"table": self.table, "row": self.row, "column": self.column, "value": shown(self.value),
                "expected": self.expected}


def shown(value: object) -> str:
    """A stored value as a message shows it: NULL, or quoted and cut short."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"a blob of {len(value)} bytes"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


class BookDamaged(BookError):
    """A row of the book that lotwise could not have written; the command stops (exit 1)."""

    code = "B120"

    def __init__(self, damage: Damage, path: Path | str):
        self.damage = damage
        fix = (f"`lotwise doctor --repair --book {path}` rebuilds it from the transactions"
               if derived(damage) else
               f"`lotwise doctor --book {path}` lists every damaged row; restore the book from a backup "
               "(or correct the row with an SQLite client)")
        super().__init__(f"the book is damaged at {damage.text()}; {fix}")


class BookCorrupt(BookError):
    """The file's pages were overwritten (SQLite: "database disk image is malformed"), or a text
    in it is not UTF-8: SQLite cannot hand the row over, so it cannot be named here."""

    code = "B121"

    def __init__(self, path: Path | str, error: Exception):
        super().__init__(f"the book `{path}` is damaged: it was changed by something other than lotwise "
                         f"({str(error)[:120]}); `lotwise doctor --book {path}` checks it; restore the book "
                         "from a backup")


def corrupt(error: BaseException) -> bool:
    """Whether an SQLite error says the file's pages are damaged, or a text is not UTF-8."""
    name = getattr(error, "sqlite_errorname", None) or ""
    return isinstance(error, sqlite3.DatabaseError) and (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(error)
        or "Could not decode to UTF-8" in str(error))


def text_or_bytes(data: bytes) -> str | bytes:
    """An sqlite3 text_factory for checking a book: a text that is not UTF-8 comes back as bytes
    (which every check calls damaged) instead of stopping the read."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


# ------------------------------------------------------------------ values
def _text_problem(value: object) -> str | None:
    return None if isinstance(value, str) and value else "a non-empty text"


def _day_problem(value: object) -> str | None:
    if not isinstance(value, str) or not _ISO.match(value):
        return "an ISO date (YYYY-MM-DD)"
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "an ISO date (YYYY-MM-DD)"
    return None if FIRST_DAY <= day <= LAST_DAY else "a date from 1900-01-01 to 9998-12-31"


def _number_problem(value: object, limit: Limit, least: str | None) -> str | None:
    """`least`: None (any sign), ">=0" or ">0"."""
    what = {None: "a decimal number", ">=0": "a decimal number, zero or more",
            ">0": "a decimal number above zero"}[least]
    if not isinstance(value, str):
        return what
    try:
        number = Decimal(value)
    except ArithmeticError:
        return what
    if limit_problem(number, limit) is not None:
        return f"{what} below 10^{limit.digits} with at most {limit.places} decimals"
    if (least == ">0" and number <= 0) or (least == ">=0" and number < 0):
        return what
    return None


def _first(table: str, row: object, checks: Iterable[tuple[str, object, str | None]]) -> Damage | None:
    for column, value, problem in checks:
        if problem is not None:
            return Damage(table, row, column, value, problem)
    return None


# ------------------------------------------------------------------ transactions
TRANSACTIONS_QUERY = ("SELECT id, source, date, investor, account, security, type, units, price, charges "
                      "FROM transactions")


def transaction_problem(row: SqlRow) -> Damage | None:
    rowid, source, day, investor, account, security, kind, units, price, charges = row
    tx_type = TX_TYPES.get(kind) if isinstance(kind, str) else None
    needs_price = tx_type is not None and (tx_type.acquires or tx_type.transfers)
    return _first("transactions", rowid, (
        ("date", day, _day_problem(day)),
        ("type", kind, None if tx_type is not None else "one of " + ", ".join(TX_TYPES)),
        ("units", units, _number_problem(units, UNITS, ">0")),
        ("price", price, _number_problem(price, PRICE, ">0" if needs_price else ">=0")),
        ("charges", charges, _number_problem(charges, AMOUNT, ">=0")),
        ("investor", investor, _text_problem(investor)),
        ("account", account, _text_problem(account)),
        ("security", security, _text_problem(security)),
        ("source", source, None if isinstance(source, str) else "a text"),
    ))


def transactions(rows: Iterable[SqlRow], path: Path | str) -> Iterator[Transaction]:
    """Transactions from rows of TRANSACTIONS_QUERY, numbered in the order given."""
    days: dict[str, date] = {}
    for seq, row in enumerate(rows):
        _, source, day, investor, account, security, kind, units, price, charges = row
        tx = None
        try:
            on = days.get(day)
            if on is None:
                if _day_problem(day) is not None:
                    raise ValueError
                on = days[day] = date.fromisoformat(day)
            u, p, c = Decimal(units), Decimal(price), Decimal(charges)
            if (0 < u < _UNITS_MAX and 0 <= p < _PRICE_MAX and 0 <= c < _AMOUNT_MAX
                    and investor.__class__ is str and account.__class__ is str and security.__class__ is str
                    and investor and account and security and source.__class__ is str):
                tx = Transaction(on, investor, account, security, TX_TYPES[kind], u, p, c, source, seq)
                if not p and (tx.type.acquires or tx.type.transfers):  # a purchase or sale needs a price
                    tx = None
        except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError):
            tx = None
        if tx is None:
            damage = transaction_problem(row)
            if damage is not None:
                raise BookDamaged(damage, path)
            tx = Transaction(date.fromisoformat(day), investor, account, security, TX_TYPES[kind], Decimal(units),
                             Decimal(price), Decimal(charges), source, seq)
        yield tx


# ------------------------------------------------------------------ prices, fmv, losses
def price_problem(row: SqlRow) -> Damage | None:
    rowid, security, day, price = row
    return _first("prices", rowid, (("security", security, _text_problem(security)), ("date", day, _day_problem(day)),
                                    ("price", price, _number_problem(price, PRICE, ">0"))))


def price(row: SqlRow, path: Path | str) -> Price:
    """A Price from (rowid, security, date, price)."""
    damage = price_problem(row)
    if damage is not None:
        raise BookDamaged(damage, path)
    return Price(date.fromisoformat(row[2]), row[1], Decimal(row[3]))


def fmv_problem(row: SqlRow) -> Damage | None:
    rowid, security, value = row[:3]
    return _first("fmv", rowid, (("security", security, _text_problem(security)),
                                 ("fmv", value, _number_problem(value, PRICE, ">0"))))


def fmv(row: SqlRow, path: Path | str) -> Decimal:
    """The value of (rowid, security, fmv, ...)."""
    damage = fmv_problem(row)
    if damage is not None:
        raise BookDamaged(damage, path)
    return Decimal(row[2])


def _fy_problem(value: object) -> str | None:
    return None if isinstance(value, int) and FIRST_DAY.year <= value <= LAST_DAY.year else \
        "a financial year's first calendar year (an integer, 1900 to 9998)"


def loss_problem(row: SqlRow) -> Damage | None:
    rowid, investor, fy, term, amount, into = row
    return _first("losses", rowid, (
        ("investor", investor, _text_problem(investor)), ("fy", fy, _fy_problem(fy)),
        ("term", term, None if term in _TERMS else "short-term or long-term"),
        ("amount", amount, _number_problem(amount, AMOUNT, ">=0")),
        ("into_fy", into, _fy_problem(into)),
    ))


def loss(row: SqlRow, path: Path | str) -> BroughtForwardLoss:
    """A BroughtForwardLoss from (rowid, investor, fy, term, amount, into_fy)."""
    damage = loss_problem(row)
    if damage is not None:
        raise BookDamaged(damage, path)
    _, investor, fy, term, amount, into = row
    return BroughtForwardLoss(investor, fy, Term(term), Decimal(amount), into)


# ------------------------------------------------------------------ lotwise's own state
def sell_state_problem(row: SqlRow) -> Damage | None:
    month, selling, started = row[:3]
    return _first("sell_states", month, (
        ("month", month, None if isinstance(month, str) and _MONTH.match(month) else "a month, YYYY-MM"),
        ("selling", selling, None if selling in (0, 1) else "0 or 1"),
        ("started", started, None if started is None or (isinstance(started, str) and _MONTH.match(started))
         else "NULL or a month, YYYY-MM"),
    ))


def sell_state(row: SqlRow, path: Path | str) -> tuple[bool, str | None, str]:
    """(selling, started, month) from (month, selling, started)."""
    damage = sell_state_problem(row)
    if damage is not None:
        raise BookDamaged(damage, path)
    return bool(row[1]), row[2], row[0]


def rebalance_problem(row: SqlRow) -> Damage | None:
    rowid, as_of = row[:2]
    return _first("rebalances", rowid, (("as_of", as_of, _day_problem(as_of)),))


def rebalance_day(row: SqlRow, path: Path | str) -> date:
    """The date of (rowid, as_of)."""
    damage = rebalance_problem(row)
    if damage is not None:
        raise BookDamaged(damage, path)
    return date.fromisoformat(row[1])


# ------------------------------------------------------------------ saved plans
def _plan_body_problem(ident: object, body: object) -> str | None:
    """What a saved plan's JSON lacks that `plans`, `why` and the reports read."""
    expected = "the plan's JSON as lotwise saved it"
    if not isinstance(body, str):  # lotwise saves a text: NULL, a number or a blob is not the plan
        return expected
    try:
        data = json.loads(body)
    except ValueError:
        return expected
    try:
        ok = (isinstance(data, dict) and data.get("plan_id") == ident and _day_problem(data.get("as_of")) is None
              and all(isinstance(o, dict) and o.get("side") in _SIDES and isinstance(o.get("investor"), str)
                      and isinstance(o.get("security"), str) for o in data["orders"]))
        if data.get("kind") in PLANS_OF_ORDERS:  # a month plan, a rebalance: orders, no lots decided
            ok = ok and all(_number_problem(o.get("amount"), AMOUNT, ">=0") is None for o in data["orders"])
            return None if ok else expected
        ok = (ok and isinstance(data.get("fy"), str)
              and all(isinstance(i, dict) and isinstance(i.get("investor"), str)
                      and _number_problem(i.get("value"), AMOUNT, None) is None for i in data["investors"])
              and all(isinstance(d, dict) and all(isinstance(d.get(k), str) for k in ("lot", "security", "investor"))
                      for d in data["decisions"]))
    except (KeyError, TypeError):
        return expected
    return None if ok else expected


def plan_problem(row: SqlRow) -> Damage | None:
    """(id, kind, as_of, fy, body, policy) of the plans table."""
    ident, kind, as_of, fy, body, policy = row
    return _first("plans", ident, (
        ("kind", kind, _text_problem(kind)), ("as_of", as_of, _day_problem(as_of)),
        ("fy", fy, _fy_problem(fy)), ("body", body, _plan_body_problem(ident, body)),
        ("policy", policy, None if policy is None else _policy_problem(policy)),
    ))


def plan_body(ident: str, body: object, path: Path | str) -> str:
    """A saved plan's JSON, checked (the plans table's `body` of the plan `ident`)."""
    problem = _plan_body_problem(ident, body)
    if problem is not None:
        raise BookDamaged(Damage("plans", ident, "body", body, problem), path)
    assert isinstance(body, str)  # _plan_body_problem calls anything else damaged
    return body


def _policy_problem(text: object) -> str | None:
    expected = "the policy as applied, as lotwise saved it (JSON)"
    if not isinstance(text, (str, bytes, bytearray)):  # what json.loads reads: a number is not the policy
        return expected
    try:
        data = json.loads(text)
        ok = isinstance(data, dict) and isinstance(data.get("resolved"), dict) and all(
            isinstance(f, dict) and isinstance(f.get("file"), str) and isinstance(f.get("sha256"), str)
            and isinstance(f.get("text"), (str, type(None))) for f in data["files"])
    except (TypeError, ValueError, KeyError):
        return expected
    return None if ok else expected


def plan_policy(ident: str, text: object, path: Path | str) -> dict[str, Any] | None:
    """The `policy` column of the plan `ident`, parsed (None: a plan saved before schema 8)."""
    if text is None:
        return None
    problem = _policy_problem(text)
    if problem is not None:
        raise BookDamaged(Damage("plans", ident, "policy", text, problem), path)
    assert isinstance(text, (str, bytes, bytearray))  # _policy_problem calls anything else damaged
    policy: dict[str, Any] = json.loads(text)  # a JSON object: checked by _policy_problem
    return policy


# ------------------------------------------------------------------ the kept ledger
def kept_row_problem(table: str, row: SqlRow, read: Callable[[SqlRow], object]) -> Damage | None:
    """A kept-ledger row that `read` (ledger_store's reader of it) cannot turn into records.
    The kept ledger is derived: `lotwise doctor --repair` rebuilds it."""
    try:
        read(row)
    except (ArithmeticError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        column = {"ledger_queues": "lots", "ledger_disposals": "transaction_row or matched",
                  "ledger_intraday": "trade"}[table]
        value = row[-1] if table != "ledger_disposals" else row[1]
        return Damage(table, row[0], column, value, "the kept ledger as lotwise writes it")
    return None


def kept_rows(table: str, rows: Iterable[SqlRow], read: Callable[[SqlRow], T], path: Path | str) -> list[T]:
    """`read` applied to every row (its first column the rowid); BookDamaged naming the first row it fails on."""
    out = []
    for row in rows:
        try:
            out.append(read(row))
        except (ArithmeticError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            damage = kept_row_problem(table, row, read)
            assert damage is not None  # `read` failed on this row just now, and fails again
            raise BookDamaged(damage, path) from None
    return out
