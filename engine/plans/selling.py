"""Controlled selling in bull runs (seed 000, section 2): a hysteresis, month by month.

State: selling or not, and the month selling started. For month M, from the state of the
latest earlier month the book remembers (not selling when there is none) and the drift now:
  not selling: start when drift > `start above`
  selling:     go on while drift > `stop at or below`; stop when drift <= it
So a month at 7% drift keeps selling if selling started at 11%, and does not start if it had
not (with the shipped 10% / 5%).

How much, in a month that sells (V = the portfolio's value before this month's money):
  `sell R% of portfolio per month`: R x V
  `ceiling steps down from A% to B% over N months`: the ceiling in the k-th month since
     selling started (k = 0 that month) is A - (A - B) x min(k, N) / N, and the sale is
     (drift - ceiling) x V when drift is above it, else nothing that month
never more than the source assets' overweight (nothing is sold below its target). The sale is
split between the source assets in proportion to their overweight (t x V below value), or for
named assets in proportion to their value; whole rupees by the largest remainder. Selling x
from overweight assets and buying with it lowers half-absolute (and sum-positive) drift by
x / V exactly; with the largest-absolute measure the ceiling's amount is an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Sequence

from engine.plans.allocator import split_rupees
from engine.plans.drift import AssetDrift, percent
from engine.literals import format_percent
from engine.policy.model import SellRule
from engine.vocabulary import SellSourceKind


@dataclass(frozen=True)
class SellState:
    selling: bool
    started: str | None = None  # "YYYY-MM", the month selling started

    def to_json(self) -> dict[str, Any]:  # JSON
        return {"selling": self.selling, "started": self.started}


def months_between(first: str, later: str) -> int:
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, later.split("-")))
    return (y2 - y1) * 12 + (m2 - m1)


def decide(previous: SellState | None, drift: Fraction, rule: SellRule, month: str) -> tuple[SellState, str]:
    """This month's state and the reason, in words."""
    was = previous or SellState(False)
    now, start, stop = percent(drift), format_percent(rule.start_above), format_percent(rule.stop_at_or_below)
    if not was.selling:
        if drift > Fraction(rule.start_above):
            return SellState(True, month), f"drift {now} is above the start level {start}: selling starts"
        return SellState(False), f"drift {now} is not above the start level {start}: no selling"
    if drift > Fraction(rule.stop_at_or_below):
        return SellState(True, was.started), f"selling since {was.started}; drift {now} is still above the stop level {stop}"
    return SellState(False), f"drift {now} is at or below the stop level {stop}: selling stops"


def ceiling(rule: SellRule, state: SellState, month: str) -> Fraction | None:
    if rule.ceiling is None or not state.selling or state.started is None:
        return None
    c = rule.ceiling
    k = min(months_between(state.started, month), c.months)
    return Fraction(c.start) - (Fraction(c.start) - Fraction(c.stop)) * k / c.months


def sell_amounts(drifts: Sequence[AssetDrift], total: Decimal, drift: Fraction, rule: SellRule,
                 state: SellState, month: str) -> dict[str, int]:
    """Whole rupees to sell per asset this month (empty when not selling)."""
    if not state.selling or total <= 0:
        return {}
    over = {d.asset: d.value - (d.target * total) for d in drifts if d.value - d.target * total > 0}
    if rule.source.kind == SellSourceKind.OUTSIDE_BAND:
        over = {a: v for a, v in over.items() if next(d for d in drifts if d.asset == a).outside_band}
    if rule.source.kind == SellSourceKind.NAMED:  # the named assets that are over their target
        over = {a: v for a, v in over.items() if a in rule.source.assets}
    weights = over
    cap = sum(over.values(), Decimal(0))
    if not weights:
        return {}
    if rule.ceiling is not None:
        limit = ceiling(rule, state, month)
        assert limit is not None  # a selling state knows the month it started (decide() sets it)
        wanted = max(Fraction(0), (drift - limit) * Fraction(total))
    else:
        assert rule.rate_per_month is not None  # validation: a sell rule has a pace or a ceiling
        wanted = Fraction(rule.rate_per_month) * Fraction(total)
    amount = min(wanted, Fraction(cap))
    rupees = int((Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(Decimal(1), ROUND_HALF_EVEN))
    rupees = min(rupees, int(cap))  # whole rupees, never more than the overweight
    if rupees <= 0:
        return {}
    names = list(weights)
    return {a: r for a, r in zip(names, split_rupees(rupees, [Fraction(weights[a]) for a in names])) if r}
