"""Transactions and prices as the book stores them: frozen records, Decimal throughout.

The meaning of each field by type (docs/file-formats.md):
  BUY, SWITCH_IN, DIVIDEND_REINVEST  units acquired at `price`; `charges` (stamp duty,
                                     brokerage) are part of the cost (s.48(ii))
  SELL, SWITCH_OUT                   units transferred at `price`; `charges` are transfer
                                     expenses other than STT (STT is never deductible, s.48)
  BONUS                              units allotted at nil cost, held from allotment (s.55(2)(aa))
  SPLIT                              `units` is the ratio: units after the split per unit before
  MERGER_OUT / MERGER_IN             units of a merged scheme given up / received on the same
                                     day in the same account; cost and holding carry over (s.47)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

from engine.vocabulary import Term


class TxType(str, Enum):
    BUY = "BUY"
    SELL = "SELL"
    SWITCH_IN = "SWITCH_IN"
    SWITCH_OUT = "SWITCH_OUT"
    DIVIDEND_REINVEST = "DIVIDEND_REINVEST"
    BONUS = "BONUS"
    SPLIT = "SPLIT"
    MERGER_IN = "MERGER_IN"
    MERGER_OUT = "MERGER_OUT"

    @property
    def acquires(self) -> bool:
        return self in _ACQUIRES

    @property
    def transfers(self) -> bool:
        return self in _TRANSFERS


_ACQUIRES = frozenset({TxType.BUY, TxType.SWITCH_IN, TxType.DIVIDEND_REINVEST})
_TRANSFERS = frozenset({TxType.SELL, TxType.SWITCH_OUT})
TX_TYPES = {t.value: t for t in TxType}  # value -> member, faster than TxType(value)
TYPE_VALUE = {t: t.value for t in TxType}  # member -> value, faster than .value (a descriptor)
ACQUIRES, TRANSFERS = _ACQUIRES, _TRANSFERS


class Transaction(NamedTuple):
    """Immutable (a NamedTuple: built in C, which matters at 100,000 rows)."""

    date: datetime.date
    investor: str
    account: str
    security: str
    type: TxType
    units: Decimal
    price: Decimal
    charges: Decimal
    source: str  # where it came from: "file.csv:12"
    seq: int = 0  # order in the book (ties on one date keep file order)

    @property
    def key(self) -> tuple[str, str, str]:
        """The FIFO queue it belongs to: (investor, account or folio, security)."""
        return (self.investor, self.account, self.security)


class Price(NamedTuple):
    date: datetime.date
    security: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Fmv:
    """Fair market value per unit on 31-01-2018, for grandfathering (s.55(2)(ac))."""

    security: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class BroughtForwardLoss:
    """A capital loss carried forward, as the investor's return states it (s.74).

    `fy` is the calendar year in which the financial year of origin starts (FY 2022-23 ->
    2022); `term` is short-term or long-term; `amount` is what was still to be set off
    at the start of FY `into` (by default the year after the year of origin), zero or more:
    zero says nothing of that loss was carried into that year (a late return, s.80)."""

    investor: str
    fy: int
    term: Term
    amount: Decimal
    into: int = 0  # 0: the year after `fy`

    def __post_init__(self) -> None:
        if not self.into:
            object.__setattr__(self, "into", self.fy + 1)


# What an importer reads and the book keeps, one table each (engine/book/importers: STORES).
Record = Transaction | Price | Fmv | BroughtForwardLoss
