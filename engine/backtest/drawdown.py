"""Harvests between year ends: the policy's `harvest when ...` triggers (engine/harvest/triggers.py
`fired_triggers`, as `lotwise plan month` checks them and `api.harvest_due` answers) checked by
a harvesting strategy on each month day, after that day's month plan, on its lots valued that day
(engine/tax/unrealised.py `value_lots`) and the run's price history up to that day. When one
fires, the strategy runs the harvest plan that day, as `lotwise plan harvest` makes it (the
year-end optimizer on any day of its FY: engine/harvest/year_end.py `plan`, with no new money,
the month's money being invested already); its orders are `harvest` orders. The last trading day
of an FY has its year-end harvest anyway: the triggers are not checked on it.

A drawdown trigger reads each held security's prices in its window (`prices_between`, what
triggers.py asks of a book's `prices_between`): the history's prices dated from the window's
first day to the month day, both included, in date order; never a price after the day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date

from engine.backtest.history import PriceHistory
from engine.harvest.triggers import Fired, PricesBetween, fired_triggers
from engine.policy.model import Policy
from engine.tax.unrealised import Holding
from engine.transactions import Price


def prices_between(history: PriceHistory) -> PricesBetween:
    """`Book.prices_between` over the history: a security's prices dated from `start` to `end`, both included."""

    def between(security: str, start: date, end: date) -> Sequence[Price]:
        days = history.days.get(security, ())
        return history.prices[security][bisect_left(days, start):bisect_right(days, end)] if days else ()

    return between


def fired(policy: Policy, day: date, holdings: Sequence[Holding], history: PriceHistory) -> tuple[Fired, ...]:
    """The policy's triggers that fire on `day` (none stated: none)."""
    if not policy.harvest.triggers or not holdings:
        return ()
    return fired_triggers(policy, day, holdings, prices_between(history))
