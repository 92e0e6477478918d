"""The prices a backtest runs on (from the book or a generated scenario) and the days it acts on.

`PriceHistory` answers what the engine's planners ask of a book (`Book.latest_price`): the
price of a security on a day, the last one quoted on or before it (None before its first).
`run_days` are the run's month days: in each month from the first to the last, the day of the
month the options name (a shorter month's last day past its end), moved to the next trading
day of the Indian exchanges (engine/calendar.py) when the exchanges are closed, as a plan's
orders are (month_plan.orders_day); and the year-end day of each FY, its last trading day.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from engine.transactions import Price


@dataclass(frozen=True)
class PriceHistory:
    """Each security's prices in date order (a later price of the same day replaces an earlier one)."""

    days: dict[str, tuple[date, ...]]
    prices: dict[str, tuple[Price, ...]]
    _cache: dict[tuple[str, date], Price | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, prices: Iterable[Price]) -> PriceHistory:
        by_security: dict[str, dict[date, Price]] = {}
        for p in prices:
            by_security.setdefault(p.security, {})[p.date] = p
        days = {s: tuple(sorted(found)) for s, found in by_security.items()}
        return cls(days, {s: tuple(by_security[s][d] for d in days[s]) for s in days})

    def price_of(self, security: str, day: date) -> Price | None:
        """The last price of `security` on or before `day` (Book.latest_price's contract)."""
        key = (security, day)
        try:
            return self._cache[key]
        except KeyError:
            pass
        days = self.days.get(security)
        found = None
        if days:
            n = bisect_right(days, day)
            found = self.prices[security][n - 1] if n else None
        self._cache[key] = found
        return found

    def first_day(self, security: str) -> date | None:
        days = self.days.get(security)
        return days[0] if days else None

    def last_day(self) -> date | None:
        return max((d[-1] for d in self.days.values() if d), default=None)

    def all_prices(self) -> Sequence[Price]:
        return [p for s in sorted(self.prices) for p in self.prices[s]]


def month_day(year: int, month: int, day: int) -> date:
    """`day` of the month, or the month's last day when it is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def run_days(first: date, last: date, day: int) -> list[date]:
    """The trading day on or after `day` of each month from `first`'s to `last`'s, those within
    [first, last] (engine/calendar.py: weekends and NSE holidays move it forward)."""
    from engine.calendar import trading_day_on_or_after

    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        on = trading_day_on_or_after(month_day(year, month, day))
        if first <= on <= last:
            out.append(on)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
