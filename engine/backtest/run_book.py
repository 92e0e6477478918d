"""A run's book, in memory: the transactions the simulation records, the lots they leave (the
engine's FIFO replay, engine/ledger/fifo.py) and each investor's cash not yet invested.

The lots of the days before the current one are kept replayed, per FIFO queue (`replay(...,
opening=lots)` with the new rows only, and the open lots of only the queues they sell from: a
purchase's lot does not depend on its queue); the rows of the current day are replayed over them whenever the ledger is
asked for, so that every row of one day is replayed together, as a fresh book importing the
exported rows replays them (a sale and a purchase of one day in one folio, `bought_same_day`).
Rows dated later (an exchange-traded rebuy on the next trading day) wait for their day.

Orders become rows (`sell_row`, `buy_row`): a sale at the plan's price with its exit load as
its charges (a transfer expense, s.48(i)), STT apart (never deductible); a purchase of the
rupees ordered, less the stamp duty the law charges on it (part of the cost, s.48(ii)), in units
of 0.001 (funds) or whole units (exchange-traded), rounded down; what the rounding leaves
stays in the investor's cash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from engine.ledger.fifo import Disposal, IntradayTrade, Key, Ledger, Lot, purchase_cost, replay
from engine.plans.sell_choice import FUND_UNIT, SHARE, SellOrder
from engine.policy.model import Policy
from engine.tax.complete import law_of, security_of
from engine.tax.realised import paise
from engine.transactions import Transaction, TxType
from engine.vocabulary import ChargedOn, ChargeKind

SOURCE = "backtest"
NEW_ACCOUNT = "backtest"  # the folio of a purchase the plan marks "new" (the investor holds none yet)


class Replayed(NamedTuple):
    """Rows replayed over a run's open lots: the open lots per queue after them, their disposals
    and intraday trades."""

    queues: dict[Key, tuple[Lot, ...]]
    disposals: tuple[Disposal, ...]
    intraday: tuple[IntradayTrade, ...]


def lots_of(queues: Mapping[Key, tuple[Lot, ...]]) -> tuple[Lot, ...]:
    """The open lots in a replay's order: by queue, FIFO within each."""
    return tuple(lot for key in sorted(queues) for lot in queues[key])


class RunBook:
    """The run's rows, lots and cash (mutable: the one working state of a run)."""

    def __init__(self, policy: Policy, investors: Iterable[str]):
        from engine.tax.intraday import intraday_securities

        self.policy = policy
        self.intraday = intraday_securities(policy)
        self.rows: list[Transaction] = []
        self.queues: dict[Key, tuple[Lot, ...]] = {}  # the open lots of the days replayed, per FIFO queue
        self.disposals: tuple[Disposal, ...] = ()
        self.trades: tuple[IntradayTrade, ...] = ()
        self.cash: dict[str, Decimal] = {i: Decimal(0) for i in investors}
        self.stt: Decimal = Decimal(0)
        self.pending: list[Transaction] = []  # rows not yet replayed into `queues`
        self._view: tuple[date, int, Replayed] | None = None
        self._settled: Ledger | None = None  # the ledger of `queues` alone, while no row is added to it
        self.seen: dict[Key, tuple[Lot, ...]] = {}  # the open lots per queue of the last ledger given

    def record(self, rows: Iterable[Transaction]) -> None:
        for row in rows:
            self.rows.append(row._replace(seq=len(self.rows) + 1))
            self.pending.append(self.rows[-1])

    def over(self, rows: list[Transaction]) -> Replayed:
        """`rows` replayed over the open lots: only the queues they sell from are given as opening
        lots (`replay`'s `opening`); a purchase makes the same lot whatever its queue holds, so the
        new lots of the other queues go after theirs."""
        selling = {r.key for r in rows if r.type is not TxType.BUY}
        done = replay(rows, opening=[lot for key in sorted(selling) for lot in self.queues.get(key, ())],
                      intraday=self.intraday)
        queues = dict(self.queues)
        made: dict[Key, list[Lot]] = {}
        for lot in done.lots:
            made.setdefault(lot.key, []).append(lot)
        for key in selling:
            queues.pop(key, None)
        for key, lots in made.items():
            queues[key] = tuple(lots) if key in selling else queues.get(key, ()) + tuple(lots)
        return Replayed(queues, done.disposals, done.intraday)

    def ledger(self, day: date) -> Ledger:
        """The ledger on `day`: the open lots with every row dated on or before it."""
        before = [r for r in self.pending if r.date < day]
        if before:
            view = self._view
            if view is not None and len(before) == view[1] and all(r.date == view[0] for r in before):
                done = view[2]  # the day's rows were replayed for its view already: the same replay
            else:
                done = self.over(before)
            self.queues = done.queues
            self.disposals += done.disposals
            self.trades += done.intraday
            self.pending = [r for r in self.pending if r.date >= day]
            self._view = None
            self._settled = None
        today = [r for r in self.pending if r.date == day]
        if not today:
            self.seen = self.queues
            if self._settled is None:
                self._settled = Ledger(lots_of(self.queues), self.disposals, self.trades)
            return self._settled
        if self._view is None or self._view[:2] != (day, len(today)):
            self._view = (day, len(today), self.over(today))
        seen = self._view[2]
        self.seen = seen.queues
        return Ledger(lots_of(seen.queues), self.disposals + seen.disposals, self.trades + seen.intraday)

    def queues_on(self, day: date) -> dict[Key, tuple[Lot, ...]]:
        """The open lots of `ledger(day)` per FIFO queue."""
        self.ledger(day)
        return self.seen

    def close(self) -> Ledger:
        """Every row replayed: the run's final ledger."""
        return self.ledger(date.max)

    def add_cash(self, money: Mapping[str, int]) -> None:
        for investor, rupees in money.items():
            self.cash[investor] = self.cash.get(investor, Decimal(0)) + rupees

    def whole_cash(self) -> dict[str, int]:
        """Each investor's cash in whole rupees (down; none when below zero): what a plan may spend."""
        return {i: max(0, int(c.to_integral_value(rounding=ROUND_DOWN))) for i, c in self.cash.items()}

    def sell(self, order: SellOrder, day: date) -> Transaction:
        """The row of a sale, its proceeds less exit load and STT into the seller's cash. The proceeds are
        the row's units x price to the paisa, what the fund pays (a plan's `amount` sums its lots'
        parts, each to the paisa, and may differ by a few paise)."""
        row = Transaction(day, order.investor, order.account, order.security, TxType.SELL, order.units, order.price,
                          order.exit_load, SOURCE)
        self.record([row])
        self.cash[order.investor] += net_proceeds(order)
        self.stt += order.stt
        return row

    def buy(self, investor: str, account: str, security: str, rupees: int, price: Decimal,
            day: date) -> Transaction | None:
        """The row of a purchase of `rupees` at `price` (None: less than one unit), paid from cash."""
        rates = purchase_rates(self.policy, security, day)
        stamp = paise(rupees * rates[0] / (1 + rates[0] + rates[1]))
        stt = paise(rupees * rates[1] / (1 + rates[0] + rates[1]))
        unit = SHARE if security_of(self.policy, security).exchange_traded else FUND_UNIT
        units = ((rupees - stamp - stt) / price).quantize(unit, rounding=ROUND_DOWN)
        if units <= 0:
            return None
        row = Transaction(day, investor, NEW_ACCOUNT if account == "new" else account, security, TxType.BUY, units,
                          price, stamp, SOURCE)
        self.record([row])
        self.cash[investor] -= purchase_cost(row) + stt  # the cost the ledger books (s.48(ii)), rounded once
        self.stt += stt
        return row


def net_proceeds(order: SellOrder) -> Decimal:
    """What a sale puts in the seller's cash: units x price to the paisa, less exit load and STT."""
    return paise(order.units * order.price) - order.exit_load - order.stt


def purchase_rates(policy: Policy, security: str, day: date) -> tuple[Decimal, Decimal]:
    """(stamp duty, STT) per rupee of a purchase of `security` on `day`, as the rules file dates them."""
    charges = law_of(policy).charges_on(security_of(policy, security), ChargedOn.PURCHASE, day)
    stamp = sum((c.rate for c in charges if c.kind == ChargeKind.STAMP_DUTY), Decimal(0))
    stt = sum((c.rate for c in charges if c.kind == ChargeKind.STT), Decimal(0))
    return stamp, stt
