"""The holdings a month plan reads, from the run's lots: engine/plans/positions.py `Positions`, as
`from_book` builds them from a book's kept ledger. Each asset's value is summed lot by lot, each
lot's value rounded to the paisa as `value_lots` rounds it, so the totals are the same to the
paisa; lots are valued with the tax engine (`value_lots`: term, basis, rate, exit load) only for
the assets a plan sells. A month of a textbook strategy without a rebalance, or of the policy
that sells nothing, values no lot one by one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from engine.backtest.taxes import NO_FMV
from engine.backtest.refusal import BacktestRefused
from engine.ledger.fifo import Ledger, Lot
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

    def positions(self, ledger: Ledger, day: date) -> Positions:
        """The holdings a month plan reads (module docstring): the lots acquired on or before `day`."""
        lots = tuple(lot for lot in ledger.lots if lot.acquired <= day)
        accounts: dict[tuple[str, str], set[str]] = {}
        for investor, account, security in dict.fromkeys(lot[1:4] for lot in lots):
            accounts.setdefault((investor, security), set()).add(account)
        policy, price_of = self.policy, self.price_of

        def lots_of(assets: set[str]) -> list[Holding]:
            chosen = tuple(lot for lot in lots if security_of(policy, lot.security).asset in assets)
            holdings, problems = value_lots(Ledger(chosen, ()), policy, price_of, NO_FMV, day)
            if any(d.is_error for d in problems):
                raise BacktestRefused(diagnostics=[d for d in problems if d.is_error])
            return holdings

        return Positions(self.values(lots, day), {k: tuple(sorted(v)) for k, v in accounts.items()}, lots_of)


def positions_of(ledger: Ledger, policy: Policy, price_of: Callable[[str, date], Price | None],
                 day: date) -> Positions:
    return Valuer(policy, price_of).positions(ledger, day)
