"""The holdings a month plan reads, from the run's lots: engine/plans/positions.py `Positions`, as
`from_book` builds them from a book's kept ledger. Each asset's value is summed lot by lot, each
lot's value rounded to the paisa as `value_lots` rounds it, so the totals are the same to the
paisa; lots are valued with the tax engine (`value_lots`: term, basis, rate, exit load) only for
the assets a plan sells. A month of a textbook strategy without a rebalance, or of the policy
that sells nothing, values no lot one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from engine.backtest.taxes import NO_FMV
from engine.backtest.refusal import BacktestRefused
from engine.ledger.fifo import Ledger, Lot
from engine.plans.positions import Positions
from engine.policy.model import Policy
from engine.tax.complete import security_of
from engine.tax.realised import paise
from engine.tax.unrealised import Holding, no_price, value_lots
from engine.transactions import Price


def asset_values(lots: tuple[Lot, ...], policy: Policy, price_of: Callable[[str, date], Price | None],
                 day: date) -> dict[str, Decimal]:
    """Each asset's value on `day`: its lots' units at the last price on or before it, each to the paisa."""
    values: dict[str, Decimal] = {}
    prices: dict[str, tuple[str, Decimal]] = {}
    for lot in lots:
        known = prices.get(lot.security)
        if known is None:
            price = price_of(lot.security, day)
            if price is None:
                raise BacktestRefused(diagnostics=[no_price(lot.security, day)])
            known = prices[lot.security] = (security_of(policy, lot.security).asset, price.price)
        values[known[0]] = values.get(known[0], Decimal(0)) + paise(lot.units * known[1])
    return values


def positions_of(ledger: Ledger, policy: Policy, price_of: Callable[[str, date], Price | None],
                 day: date) -> Positions:
    lots = tuple(lot for lot in ledger.lots if lot.acquired <= day)
    accounts: dict[tuple[str, str], set[str]] = {}
    for lot in lots:
        accounts.setdefault((lot.investor, lot.security), set()).add(lot.account)

    def lots_of(assets: set[str]) -> list[Holding]:
        chosen = tuple(lot for lot in lots if security_of(policy, lot.security).asset in assets)
        holdings, problems = value_lots(Ledger(chosen, ()), policy, price_of, NO_FMV, day)
        if any(d.is_error for d in problems):
            raise BacktestRefused(diagnostics=[d for d in problems if d.is_error])
        return holdings

    return Positions(asset_values(lots, policy, price_of, day), {k: tuple(sorted(v)) for k, v in accounts.items()},
                     lots_of)
