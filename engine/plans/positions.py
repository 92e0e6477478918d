"""What a month plan reads of the holdings: the value of each asset, the folios or demat accounts
each investor holds each security in, and the valued lots of the assets it sells, asked for only
then (a month plan sells from one or two assets, and a book of 60,000 lots need not value them
all one by one to add up five totals).

`Positions.of(holdings)` wraps lots already valued (engine/tax/unrealised.py). `from_book` reads
the ledger the book keeps (engine/book/kept_ledger.py): the values are summed straight from the kept
queues, lot by lot, each lot's value rounded to the paisa as value_lots rounds it, so the totals
are the same to the paisa; lots are built and valued only for the assets asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from engine.diagnostics import Diagnostic
from engine.policy.model import Policy, Security
from engine.tax.complete import law_of, portfolio_of
from engine.tax.realised import paise
from engine.tax.unrealised import Holding, no_price, not_in_policy, stale_price, value_lots
from engine.transactions import Price

if TYPE_CHECKING:  # the book is opened by the caller; importing it here would load SQLite's layer for nothing
    from engine.book.kept_ledger import KeptRow
    from engine.book.store import Book



@dataclass(frozen=True)
class Positions:
    values: Mapping[str, Decimal]  # asset -> value on as_of
    accounts: Mapping[tuple[str, str], tuple[str, ...]]  # (investor, security) -> accounts, sorted
    lots_of: Callable[[set[str]], list[Holding]]  # the valued lots of these assets, in ledger order

    @staticmethod
    def of(holdings: Sequence[Holding]) -> Positions:
        values: dict[str, Decimal] = {}
        for h in holdings:
            values[h.asset] = values.get(h.asset, Decimal(0)) + h.value
        return Positions(values, accounts_of(holdings), lambda assets: [h for h in holdings if h.asset in assets])


def accounts_of(holdings: Sequence[Holding]) -> dict[tuple[str, str], tuple[str, ...]]:
    found: dict[tuple[str, str], set[str]] = {}
    for investor, security, account in {(h.lot.investor, h.lot.security, h.lot.account) for h in holdings}:
        found.setdefault((investor, security), set()).add(account)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def from_book(book: Book, policy: Policy, price_of: Callable[[str, date], Price | None], fmv: Mapping[str, Decimal],
              as_of: date) -> tuple[Positions, list[Diagnostic]] | None:
    """Positions from the kept ledger; None when the book does not keep a ledger that covers
    `as_of` (the caller then replays and values every lot). A kept row that cannot be read
    raises BookDamaged (engine/book/rows.py) naming it."""
    try:
        return _from_book(book, policy, price_of, fmv, as_of)
    except (ArithmeticError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        from engine.book.kept_ledger import open_lots

        open_lots(book)  # the kept queues read with every row checked: BookDamaged names the damaged one
        raise


def _from_book(book: Book, policy: Policy, price_of: Callable[[str, date], Price | None], fmv: Mapping[str, Decimal],
               as_of: date) -> tuple[Positions, list[Diagnostic]] | None:
    from engine.ledger.fifo import Ledger
    from engine.book.kept_ledger import is_kept, last_date, open_lots, queues_held_on

    from engine.tax.intraday import intraday_securities

    if not is_kept(book, intraday_securities(policy)):
        return None
    last = last_date(book)
    if last is not None and as_of < last:
        return None
    values: dict[str, Decimal] = {}
    accounts: dict[tuple[str, str], set[str]] = {}
    asset_of_queue: dict[tuple[str, str, str], str] = {}
    problems: list[Diagnostic] = []
    prices: dict[str, Decimal | None] = {}
    missing: set[str] = set()
    for investor, account, security, rows in queues_held_on(book, as_of):
        declared = portfolio_of(policy).security(security)
        if declared is None:
            problems.append(not_in_policy(security, rows[0][4]))
            continue
        if security not in prices:
            priced = price_of(security, as_of)
            prices[security] = priced.price if priced is not None else None
            if priced is None:
                problems.append(no_price(security, as_of))
            elif (stale := stale_price(security, priced.date, as_of)) is not None:
                problems.append(stale)
        price = prices[security]
        if price is None:
            continue
        _missing_fmv(policy, declared, security, rows, fmv, missing, problems)
        total = values.get(declared.asset, Decimal(0))
        for row in rows:
            total += paise(Decimal(row[2]) * price)
        values[declared.asset] = total
        accounts.setdefault((investor, security), set()).add(account)
        asset_of_queue[(investor, account, security)] = declared.asset

    def lots_of(assets: set[str]) -> list[Holding]:
        keys = [k for k, a in asset_of_queue.items() if a in assets]
        if not keys:
            return []
        holdings, _ = value_lots(Ledger(tuple(open_lots(book, keys)), ()), policy, price_of, fmv, as_of)
        return holdings

    return Positions(values, {k: tuple(sorted(v)) for k, v in accounts.items()}, lots_of), problems


def _missing_fmv(policy: Policy, declared: Security, security: str, rows: list[KeptRow], fmv: Mapping[str, Decimal],
                 missing: set[str], problems: list[Diagnostic]) -> None:
    """T104, as value_lots gives it, for kept lots (rows) acquired on or before the class's
    grandfathering date whose FMV is missing: the values summed here do not need the FMV, but
    a plan that sells these lots does, and says so once per security."""
    from engine.ledger.fifo import held_on
    from engine.book.kept_ledger import steps_of
    from engine.tax.realised import missing_fmv

    cls = law_of(policy).tax_class(declared.tax_class)
    until = cls.grandfather_on_or_before if cls is not None else None
    if until is None:
        return
    day = until.isoformat()
    for row in rows:
        if row[1] > day:  # ISO dates compare as text
            continue
        held, _ = held_on(security, steps_of(row[6]), until) if row[6] else (security, 1)
        if held not in fmv and held not in missing:
            missing.add(held)
            problems.append(missing_fmv(held, until))
