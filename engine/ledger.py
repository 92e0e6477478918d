"""Transactions -> lots: FIFO per (investor, account or folio, security), as the law and the
registrars match them (s.45(2A), CBDT Circular 768; RTAs redeem FIFO per folio per scheme).

A pure function: `replay(transactions)` gives the open lots and, for every transfer, the
lots it consumed. Units are exact; when part of a lot is sold its cost is apportioned
and rounded to the paisa (ROUND_HALF_EVEN), the remainder staying with the lot, so that
cost is conserved to the paisa. Lot ids are derived from content, so they are the same
on every run and do not change when unrelated transactions are imported.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Iterable, NamedTuple

from engine.diagnostics import Diagnostic, Span, error
from engine.transactions import ACQUIRES, TRANSFERS, TYPE_VALUE, Transaction, TxType

PAISA = Decimal("0.01")
FUND_UNIT = Decimal("0.001")  # registrars allot units to three decimals


class Lot(NamedTuple):
    ident: tuple  # what the id is derived from (see `id`)
    investor: str
    account: str
    security: str
    acquired: date  # the holding period starts here (allotment for bonus units)
    units: Decimal
    cost: Decimal  # total, in rupees, with purchase charges (s.48(ii)); nil for bonus units
    origin: str  # the row that created it
    how: str  # BUY, BONUS, DIVIDEND_REINVEST, SWITCH_IN, MERGER_IN
    # For grandfathering (s.55(2)(ac)): the security whose FMV on 31-01-2018 applies (the
    # one bought, through any merger) and the units originally bought per unit held now
    # (through any split or merger); FMV x units x ratio is the FMV of these units.
    fmv_security: str = ""
    fmv_ratio: Fraction = Fraction(1)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.investor, self.account, self.security)

    @property
    def id(self) -> str:
        """Stable: derived from the acquiring row's content (and, for units received in a
        merger, from the old lot's id), computed when asked for."""
        return _lot_id(*self.ident)


class Matched(NamedTuple):
    """The part of one lot that a transfer consumed."""

    lot_id: str
    acquired: date
    units: Decimal
    cost: Decimal
    fmv_security: str = ""
    fmv_ratio: Fraction = Fraction(1)


@dataclass(frozen=True, slots=True)
class Disposal:
    tx: Transaction
    matched: tuple[Matched, ...]
    bought_same_day: bool = False  # units of this security were acquired on the sale date in this account


@dataclass(frozen=True)
class Ledger:
    lots: tuple[Lot, ...]  # open lots, FIFO order within each (investor, account, security)
    disposals: tuple[Disposal, ...]

    def units_held(self, key: tuple[str, str, str]) -> Decimal:
        return sum((lot.units for lot in self.lots if lot.key == key), Decimal(0))


class LedgerError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _lot_id(*parts: object) -> str:
    return "L" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:8]


def _source_span(source: str) -> Span | None:
    """`file.csv:12` -> the span of row 12 of file.csv."""
    path, _, row = source.rpartition(":")
    return Span(path, int(row), 1, int(row), 2) if row.isdigit() and path else None


def _fail(tx: Transaction, message: str, hint: str, code: str = "L101") -> LedgerError:
    return LedgerError(error(code, message, _source_span(tx.source), hint))


# Members as plain names: in Python 3.11 each `TxType.X` lookup goes through a descriptor.
BONUS, SPLIT, MERGER_IN, MERGER_OUT = TxType.BONUS, TxType.SPLIT, TxType.MERGER_IN, TxType.MERGER_OUT


def _order(tx: Transaction) -> tuple:
    # On one day, units given up in a merger are taken before the new units arrive.
    return (tx.date, 1 if tx.type is MERGER_IN else 0, tx.seq)


def replay(transactions: Iterable[Transaction], opening: Iterable[Lot] = ()) -> Ledger:
    """Replay in date order (file order within a day). Raises LedgerError, naming the row,
    when a transfer needs more units than are held or a merger does not balance.

    `opening`: open lots from an earlier replay (FIFO order within each queue), when every
    transaction given is dated after that replay's last one; the result then holds all open
    lots and the disposals of these transactions only."""
    queues: dict[tuple[str, str, str], deque[Lot]] = defaultdict(deque)
    disposals: list[Disposal] = []
    occurrences: dict[tuple, int] = defaultdict(int)
    merged_out: dict[tuple[str, str, date], list[Lot]] = defaultdict(list)
    held: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)  # units in each queue
    merged_in_days: set[tuple[str, str, date]] = set()
    acquired_on: set[tuple[tuple[str, str, str], date]] = set()
    for lot in opening:
        queues[lot.key].append(lot)
        held[lot.key] += lot.units

    for tx in sorted(transactions, key=_order):
        key = tx.key
        kind = tx.type
        queue = queues[key]
        if kind in ACQUIRES or kind is BONUS:
            held[key] += tx.units
            if kind is not BONUS:
                acquired_on.add((key, tx.date))
            how = TYPE_VALUE[kind]
            ident = (tx.investor, tx.account, tx.security, tx.date, how, tx.units, tx.price)
            n = occurrences[ident]
            occurrences[ident] = n + 1
            cost = Decimal(0) if kind is BONUS else tx.units * tx.price + tx.charges
            queue.append(Lot(ident + (n,), tx.investor, tx.account, tx.security, tx.date,
                             tx.units, cost, tx.source, how, tx.security))
        elif kind in TRANSFERS or kind is MERGER_OUT:
            taken = _take(queue, tx, held[key])
            held[key] -= tx.units
            if kind is MERGER_OUT:
                merged_out[(tx.investor, tx.account, tx.date)].extend(
                    Lot((m.lot_id,), tx.investor, tx.account, tx.security, m.acquired, m.units, m.cost, tx.source,
                        "MERGER_OUT", m.fmv_security, m.fmv_ratio) for m in taken)
            else:
                disposals.append(Disposal(tx, tuple(taken)))
        elif kind is SPLIT:
            if not queue:
                raise _fail(tx, f"a split of {tx.security}, which {tx.investor} does not hold in {tx.account}",
                            "check the security and account, or import the purchases first")
            queues[tx.key] = deque(lot._replace(units=lot.units * tx.units, fmv_ratio=lot.fmv_ratio / Fraction(tx.units))
                                   for lot in queue)
            held[tx.key] *= tx.units
        elif kind is MERGER_IN:
            if (tx.investor, tx.account, tx.date) in merged_in_days:
                raise _fail(tx, f"a second merger on {tx.date} in {tx.account}: lotwise cannot tell which units "
                                "became which", "import each merger on its own day, or ask for pairing by scheme",
                            code="L103")
            merged_in_days.add((tx.investor, tx.account, tx.date))
            pool = merged_out.pop((tx.investor, tx.account, tx.date), None)
            if not pool:
                raise _fail(tx, "MERGER_IN without a MERGER_OUT on the same day in the same account",
                            "a merger is two rows: the units given up (MERGER_OUT) and received (MERGER_IN)")
            queue.extend(_converted(pool, tx))
            held[tx.key] += tx.units
    if merged_out:
        (investor, account, day), lots = next(iter(merged_out.items()))
        raise LedgerError(error("L102", f"MERGER_OUT on {day} has no MERGER_IN in {account}",
                                _source_span(lots[0].origin), "add the row for the units received, or the units vanish"))
    lots = tuple(lot for key in sorted(queues) for lot in queues[key])
    return Ledger(lots=lots, disposals=tuple(
        Disposal(d.tx, d.matched, True) if (d.tx.key, d.tx.date) in acquired_on else d for d in disposals))


def _take(queue: deque[Lot], tx: Transaction, held: Decimal) -> list[Matched]:
    if tx.units > held:
        raise _fail(tx, f"{tx.type.value} of {tx.units} units of {tx.security}, but {tx.investor} holds "
                        f"{held} in {tx.account} on {tx.date}",
                    "check the units, the account and the date; or import the earlier purchases")
    need, taken = tx.units, []
    while need:
        lot = queue[0]
        if lot.units <= need:
            queue.popleft()
            taken.append(Matched(lot.id, lot.acquired, lot.units, lot.cost, lot.fmv_security, lot.fmv_ratio))
            need -= lot.units
        else:
            cost = (lot.cost * need / lot.units).quantize(PAISA, rounding=ROUND_HALF_EVEN)
            taken.append(Matched(lot.id, lot.acquired, need, cost, lot.fmv_security, lot.fmv_ratio))
            queue[0] = lot._replace(units=lot.units - need, cost=lot.cost - cost)
            need = Decimal(0)
    return taken


def _converted(pool: list[Lot], tx: Transaction) -> list[Lot]:
    """Units received in a merger: each old lot becomes a new one with its cost and date,
    its units scaled by received / given up and rounded to 0.001 unit (half-even); the last
    takes the remainder, so the units received are exactly the units on the row."""
    given = sum((lot.units for lot in pool), Decimal(0))
    out, assigned = [], Decimal(0)
    for i, lot in enumerate(pool):
        units = (tx.units - assigned if i == len(pool) - 1
                 else (lot.units * tx.units / given).quantize(FUND_UNIT, rounding=ROUND_HALF_EVEN))
        assigned += units
        ratio = lot.fmv_ratio * Fraction(lot.units) / Fraction(units) if units else lot.fmv_ratio
        out.append(Lot((lot.ident[0] if lot.how == "MERGER_OUT" else lot.id, tx.security), tx.investor,
                       tx.account, tx.security, lot.acquired, units, lot.cost, tx.source, "MERGER_IN",
                       lot.fmv_security, ratio))
    return out
