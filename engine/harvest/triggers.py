"""Opportunity-driven harvesting: the policy's `harvest when ...` triggers checked on a day
(docs/harvesting.md, "Harvesting in a drawdown"). Nothing here reads the book: the caller
passes the valued holdings (engine/tax/unrealised.py, as `status` values them) and the book's
prices in a window (Book.prices_between).

A drawdown trigger (`harvest when an asset is X% below its high of the last N months`) looks
at each asset of the portfolio the family holds on `as_of`. The window is the days from
`as_of` less N months (by calendar: 31 March less 1 month is 28 or 29 February) to `as_of`,
both included. For each held security: its price now is the one its lots are valued at (the
latest on or before `as_of`); its high is the highest of its prices dated in the window and
its price now (a security without a price in the window is neither up nor down: its high is
its price now); the day of the high is the first day that price was seen. The asset's value
now is the sum over its securities of the units held (every investor's) times the price now,
its value at the highs the same units times each security's high, and its drawdown
1 - now / at the highs (the value-weighted drawdown of its securities). The trigger fires when
the drawdown is X or more. Exact Decimals; rounded only to be said (a percentage to 0.1%,
ROUND_HALF_UP; rupees to paise by format_inr).

A loss trigger (`harvest when unrealised long-term losses exceed AMOUNT`) looks at each
investor (each is a taxpayer): the sum of the losses of their long-term lots on `as_of`, as
`lotwise status` says them (unrealised_lt_losses), fires when it is strictly more than AMOUNT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from engine.vocabulary import HarvestTriggerKind, Term

if TYPE_CHECKING:
    from engine.policy.model import Duration, HarvestTrigger, Policy
    from engine.tax.unrealised import Holding
    from engine.transactions import Price

PricesBetween = Callable[[str, date, date], Sequence["Price"]]  # Book.prices_between


@dataclass(frozen=True)
class SecurityHigh:
    """One held security of an asset: the units held, its price now and its high in the window."""

    security: str
    units: Decimal
    price: Decimal
    priced_on: date
    high: Decimal
    high_on: date


@dataclass(frozen=True)
class Fired:
    """A trigger that fired on `as_of`: for an asset (DRAWDOWN: `level` the drawdown, a
    fraction; `value` now and `at_highs`, over the window from `since`, with its securities) or
    an investor (LONG_TERM_LOSSES: `level` the unrealised long-term losses)."""

    trigger: HarvestTrigger
    subject: str  # the asset, or the investor
    level: Decimal
    value: Decimal | None = None
    at_highs: Decimal | None = None
    since: date | None = None
    securities: tuple[SecurityHigh, ...] = ()

    @property
    def reason(self) -> str:
        """The sentence `plan month` and `plan harvest` say."""
        from engine.literals import format_inr

        if self.trigger.kind == HarvestTriggerKind.DRAWDOWN:
            assert self.value is not None and self.at_highs is not None and self.trigger.below is not None
            highs = "; ".join(f"{s.security} {format_inr(s.price)} on {s.priced_on}, high {format_inr(s.high)} on "
                              f"{s.high_on}" for s in self.securities)
            return (f"{self.subject} is {percent(self.level)} below its high of the last {self.trigger.window} "
                    f"(at least {percent(self.trigger.below)}): {format_inr(self.value)} now against "
                    f"{format_inr(self.at_highs)} at its highs since {self.since} ({highs})")
        assert self.trigger.amount is not None
        return (f"{self.subject}'s unrealised long-term losses are {format_inr(self.level)}, more than "
                f"{format_inr(self.trigger.amount)}")

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"trigger": self.trigger.kind.value, "subject": self.subject,
                                   "level": str(self.level)}
        if self.trigger.kind == HarvestTriggerKind.DRAWDOWN:
            data.update({"below": str(self.trigger.below), "window": str(self.trigger.window),
                         "since": self.since.isoformat() if self.since else None, "value": str(self.value),
                         "at_highs": str(self.at_highs),
                         "securities": [{"security": s.security, "units": str(s.units), "price": str(s.price),
                                         "priced_on": s.priced_on.isoformat(), "high": str(s.high),
                                         "high_on": s.high_on.isoformat()} for s in self.securities]})
        else:
            data["amount"] = str(self.trigger.amount)
        data["reason"] = self.reason
        return data


def percent(fraction: Decimal) -> str:
    """A fraction said as a percentage to 0.1% (ROUND_HALF_UP): 0.124 -> 12.4%."""
    return f"{(fraction * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def window_start(as_of: date, window: Duration) -> date:
    """The first day of the window that ends on `as_of`: `as_of` less the window, by calendar."""
    from dateutil.relativedelta import relativedelta

    if window.unit == "days":
        delta = relativedelta(days=window.count)
    else:
        delta = relativedelta(months=window.count * (12 if window.unit == "years" else 1))
    try:
        return as_of - delta
    except (OverflowError, ValueError):  # before year 1
        return date.min


def fired_triggers(policy: Policy, as_of: date, holdings: Sequence[Holding],
                   prices_between: PricesBetween) -> tuple[Fired, ...]:
    """Every trigger of the policy that fires on `as_of`, in the order stated; for each, the
    assets (in the portfolio's order) or the investors (in the policy's order) it fires for."""
    fired: list[Fired] = []
    for trigger in policy.harvest.triggers:
        if trigger.kind == HarvestTriggerKind.DRAWDOWN:
            fired += drawdowns(policy, trigger, as_of, holdings, prices_between)
        else:
            fired += losses(policy, trigger, holdings)
    return tuple(fired)


def drawdowns(policy: Policy, trigger: HarvestTrigger, as_of: date, holdings: Iterable[Holding],
              prices_between: PricesBetween) -> list[Fired]:
    """The assets `trigger` (DRAWDOWN) fires for on `as_of` (module docstring)."""
    assert trigger.window is not None and trigger.below is not None and policy.portfolio is not None
    since = window_start(as_of, trigger.window)
    units: dict[str, dict[str, Decimal]] = {}
    now: dict[str, Holding] = {}
    for h in holdings:
        by_security = units.setdefault(h.asset, {})
        by_security[h.lot.security] = by_security.get(h.lot.security, Decimal(0)) + h.lot.units
        now[h.lot.security] = h
    fired = []
    for asset in policy.portfolio.assets:
        highs = []
        for security, held in units.get(asset.name, {}).items():
            h = now[security]
            high, high_on = h.price, h.priced_on
            for p in prices_between(security, since, as_of):
                if p.price > high or (p.price == high and p.date < high_on):
                    high, high_on = p.price, p.date
            highs.append(SecurityHigh(security, held, h.price, h.priced_on, high, high_on))
        value = sum((s.units * s.price for s in highs), Decimal(0))
        at_highs = sum((s.units * s.high for s in highs), Decimal(0))
        if at_highs <= 0:
            continue
        level = 1 - value / at_highs
        if level >= trigger.below:
            fired.append(Fired(trigger, asset.name, level, value, at_highs, since, tuple(highs)))
    return fired


def losses(policy: Policy, trigger: HarvestTrigger, holdings: Iterable[Holding]) -> list[Fired]:
    """The investors `trigger` (LONG_TERM_LOSSES) fires for: long-term losses strictly more than its amount."""
    assert trigger.amount is not None and policy.portfolio is not None
    lost: dict[str, Decimal] = {}
    for h in holdings:
        if h.term == Term.LONG and h.gain < 0:
            lost[h.lot.investor] = lost.get(h.lot.investor, Decimal(0)) - h.gain
    return [Fired(trigger, i.id, lost[i.id]) for i in policy.portfolio.investors
            if lost.get(i.id, Decimal(0)) > trigger.amount]
