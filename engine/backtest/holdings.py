"""The holdings a month plan reads, from the run's lots: engine/plans/positions.py `Positions`, as
`from_book` builds them from a book's kept ledger. Each asset's value is summed lot by lot, each
lot's value rounded to the paisa as `value_lots` rounds it, so the totals are the same to the
paisa; lots are valued with the tax engine (`value_lots`: term, basis, rate, exit load) only for
the assets a plan sells. A month of a textbook strategy without a rebalance, or of the policy
that sells nothing, values no lot one by one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from engine.backtest.taxes import NO_FMV
from engine.backtest.refusal import BacktestRefused
from engine.ledger.fifo import Key, Ledger, Lot
from engine.plans.positions import Positions
from engine.policy.model import Policy
from engine.tax.complete import security_of
from engine.tax.realised import PAISA
from engine.tax.unrealised import Holding, no_price, value_lots
from engine.transactions import Price


def asset_values(lots: tuple[Lot, ...], policy: Policy, price_of: Callable[[str, date], Price | None],
                 day: date) -> dict[str, Decimal]:
    """Each asset's value on `day`: its lots' units at the last price on or before it, each to the paisa."""
    return Valuer(policy, price_of).values(lots, day)


class Valuer:
    """Each asset's value from lots (`values`) and a plan's Positions (`positions`), for one run.
    Each lot's value is its units x the day's price to the paisa (half-even, `paise`); the
    values of the day are remembered per security and units, so that lots valued before the day's
    orders are not valued again after them. Sums of paise are exact: the order they are added in
    does not matter."""

    def __init__(self, policy: Policy, price_of: Callable[[str, date], Price | None]):
        self.policy, self.price_of = policy, price_of
        self.asset: dict[str, str] = {}
        self.day: date | None = None
        self.known: dict[str, tuple[Decimal, dict[Decimal, Decimal]]] = {}  # security -> (price, units -> value)
        self.scaled: dict[Key, tuple[tuple[Lot, ...], Any]] = {}  # a queue's lots -> their units x 1,000

    def values(self, lots: Iterable[Lot], day: date) -> dict[str, Decimal]:
        if day != self.day:
            self.day, self.known = day, {}
        units: dict[str, list[Decimal]] = {}
        for lot in lots:
            found = units.get(lot.security)
            if found is None:
                found = units[lot.security] = []
            found.append(lot.units)
        values: dict[str, Decimal] = {}
        for security, held in units.items():
            price, seen = self.of(security, day)
            total = Decimal(0)
            for u in held:
                value = seen.get(u)
                if value is None:
                    value = seen[u] = (u * price).quantize(PAISA, rounding=ROUND_HALF_EVEN)  # `paise`
                total += value
            asset = self.asset[security]
            values[asset] = values[asset] + total if asset in values else total
        return values

    def queue_values(self, queues: Mapping[Key, tuple[Lot, ...]], day: date) -> dict[str, Decimal]:
        """`values` of the lots of a run book's FIFO queues (in the order of their keys, as a ledger
        lists them), computed in whole numbers at once (`scaled_values`) when every unit is in
        thousandths; else lot by lot."""
        if day != self.day:
            self.day, self.known = day, {}
        keys = [k for k in sorted(queues) if queues[k]]
        units = [self.scaled_units(k, queues[k]) for k in keys]
        prices = [self.of(k[2], day)[0] for k in keys]
        totals = scaled_values(units, prices) if keys and all(u is not None for u in units) else None
        if totals is None:
            return self.values([lot for k in keys for lot in queues[k]], day)
        values: dict[str, Decimal] = {}
        for key, total in zip(keys, totals):
            asset = self.asset[key[2]]
            values[asset] = values[asset] + total if asset in values else total
        return values

    def scaled_units(self, key: Key, lots: tuple[Lot, ...]) -> Any:
        """The queue's units x 1,000 as a numpy array of int64 (None: a unit finer than 0.001);
        kept per queue, and extended when the queue only grew at its back since (a purchase)."""
        import numpy as np

        known = self.scaled.get(key)
        if known is not None and known[0] is lots:
            return known[1]
        if known is not None and known[1] is not None and 0 < len(known[0]) < len(lots) and \
                lots[0] is known[0][0] and lots[len(known[0]) - 1] is known[0][-1]:
            more = thousandths(lots[len(known[0]):])
            found = None if more is None else np.concatenate((known[1], np.array(more, dtype=np.int64)))
        else:
            whole = thousandths(lots)
            found = None if whole is None else np.array(whole, dtype=np.int64)
        self.scaled[key] = (lots, found)
        return found

    def of(self, security: str, day: date) -> tuple[Decimal, dict[Decimal, Decimal]]:
        """The security's price on `day` and its lot values known so far; BacktestRefused without a price."""
        known = self.known.get(security)
        if known is None:
            price = self.price_of(security, day)
            if price is None:
                raise BacktestRefused(diagnostics=[no_price(security, day)])
            if security not in self.asset:
                self.asset[security] = security_of(self.policy, security).asset
            known = self.known[security] = (price.price, {})
        return known

    def positions(self, ledger: Ledger, day: date, queues: Mapping[Key, tuple[Lot, ...]] | None = None
                  ) -> Positions:
        """The holdings a month plan reads (module docstring): the lots acquired on or before `day`;
        `queues`: the same open lots per FIFO queue, when they are those of a run book's ledger on
        `day` (every lot acquired by then), valued queue by queue."""
        lots = ledger.lots if queues is not None else tuple(lot for lot in ledger.lots if lot.acquired <= day)
        keys = [k for k in queues if queues[k]] if queues is not None else dict.fromkeys(lot.key for lot in lots)
        accounts: dict[tuple[str, str], set[str]] = {}
        for investor, account, security in keys:
            accounts.setdefault((investor, security), set()).add(account)
        policy, price_of = self.policy, self.price_of

        def lots_of(assets: set[str]) -> list[Holding]:
            chosen = tuple(lot for lot in lots if security_of(policy, lot.security).asset in assets)
            holdings, problems = value_lots(Ledger(chosen, ()), policy, price_of, NO_FMV, day)
            if any(d.is_error for d in problems):
                raise BacktestRefused(diagnostics=[d for d in problems if d.is_error])
            return holdings

        values = self.queue_values(queues, day) if queues is not None else self.values(lots, day)
        return Positions(values, {k: tuple(sorted(v)) for k, v in accounts.items()}, lots_of)


def thousandths(lots: Iterable[Lot]) -> list[int] | None:
    """Each lot's units x 1,000, or None when one is not a whole number of thousandths."""
    out = []
    for lot in lots:
        scaled = lot.units.scaleb(3)
        whole = int(scaled)
        if whole != scaled:
            return None
        out.append(whole)
    return out


def scaled_values(units: Sequence[Any], prices: Sequence[Decimal]) -> list[Decimal] | None:
    """For each queue, the sum of its lots' units x its price, each to the paisa half-even as `paise`
    rounds it, in whole numbers: `units` the queues' units in thousandths (int64 arrays, none
    empty), the prices in units of 10^-k (k the most places of any); each product, in units of
    10^-(3 + k), divided by 10^(1 + k) to paise with the remainder rounded half to even. None when
    a product or a sum of them might not fit in 63 bits (then lot by lot)."""
    import numpy as np

    places = max(max(0, -int(p.as_tuple().exponent)) for p in prices)
    wholes = [int(p.scaleb(places)) for p in prices]
    lengths = [len(u) for u in units]
    together = np.concatenate(units)
    if places > 15 or min(wholes) < 0 or int(together.max()) * max(wholes) * len(together) >= 2**62:
        return None  # the divisor, a product or a queue's sum of them might not fit: lot by lot in Decimal
    divisor = 10 ** (1 + places)
    quotient, remainder = np.divmod(together * np.repeat(np.array(wholes, dtype=np.int64), lengths), divisor)
    half = divisor // 2
    quotient += (remainder > half) | ((remainder == half) & (quotient % 2 == 1))
    sums = np.add.reduceat(quotient, np.cumsum([0] + lengths[:-1]))
    return [Decimal(int(s)).scaleb(-2) for s in sums]


def positions_of(ledger: Ledger, policy: Policy, price_of: Callable[[str, date], Price | None],
                 day: date) -> Positions:
    return Valuer(policy, price_of).positions(ledger, day)
