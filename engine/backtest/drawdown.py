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

Most month days no trigger can fire, and valuing every lot to find that out is most of a check's
time: `quiet` first asks, from the lots and the prices alone, whether one could, and the lots
are valued (and the triggers checked, as before) only when one could. An asset's drawdown is a
weighted mean of its securities' own (1 - now / at the highs = the sum of units x high x (1 -
price / high) over the sum of units x high), so no asset is X below its highs when each held
security's price now is above (1 - X) times its high: `quiet` asks that with a margin of 10^-12
of the high, far more than the 28-digit division's rounding. An investor's unrealised long-term
losses (each lot's cost less its value, the value rounded to the paisa, over the losing
long-term lots) are at most the sum over all their lots of the cost less units x price, plus
half a paisa, where positive: when that is not more than the amount, the loss trigger cannot
fire. What valuing the lots would have said (value_lots: a stale price, T121, once per security
in the lots' order) `quiet` says too; where valuing could say more (a security outside the
policy or without a price, a lot the law grandfathers), it answers None: value them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date

from decimal import Decimal

from engine.backtest.history import PriceHistory
from engine.diagnostics import Diagnostic
from engine.harvest.triggers import Fired, PricesBetween, fired_triggers, window_start
from engine.ledger.fifo import Lot
from engine.policy.model import Policy
from engine.tax.complete import law_of
from engine.tax.unrealised import Holding, stale_price
from engine.transactions import Price
from engine.vocabulary import HarvestTriggerKind

MARGIN = Decimal("1E-12")  # of a high: far above the rounding of a drawdown's division (28 digits)
HALF_PAISA = Decimal("0.005")  # the most a lot's value rounded to the paisa is below units x price


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


def quiet(policy: Policy, day: date, lots: Sequence[Lot], history: PriceHistory) -> list[Diagnostic] | None:
    """What valuing `lots` on `day` would say, when no trigger of the policy can fire on `day`;
    None when one could, or when valuing could say more (module docstring)."""
    law = law_of(policy)
    assert policy.portfolio is not None
    prices: dict[str, Price] = {}
    grandfathered: dict[str, date] = {}  # per security: the last purchase date its class grandfathers
    said: list[Diagnostic] = []
    bound: dict[str, Decimal] = {}  # per investor: at least their unrealised long-term losses
    for lot in lots:
        if lot.acquired > day:
            continue
        price = prices.get(lot.security)
        if price is None:
            security = policy.portfolio.security(lot.security)
            found = history.price_of(lot.security, day)
            cls = law.tax_class(security.tax_class) if security is not None else None
            if security is None or found is None or cls is None:
                return None
            if cls.grandfather_on_or_before is not None:
                grandfathered[lot.security] = cls.grandfather_on_or_before
            stale = stale_price(lot.security, found.date, day)
            if stale is not None:
                said.append(stale)
            price = prices[lot.security] = found
        if lot.security in grandfathered and lot.acquired <= grandfathered[lot.security]:
            return None
        loss = lot.cost - lot.units * price.price + HALF_PAISA
        if loss > 0:
            bound[lot.investor] = bound.get(lot.investor, Decimal(0)) + loss
    between = prices_between(history)
    for trigger in policy.harvest.triggers:
        if trigger.kind == HarvestTriggerKind.DRAWDOWN:
            assert trigger.window is not None and trigger.below is not None
            since, floor = window_start(day, trigger.window), (1 - trigger.below) * (1 + MARGIN)
            for held, price in prices.items():
                high = max((p.price for p in between(held, since, day)), default=price.price)
                if price.price <= floor * max(high, price.price):
                    return None
        else:
            assert trigger.amount is not None
            if any(b > trigger.amount for b in bound.values()):
                return None
    return said
