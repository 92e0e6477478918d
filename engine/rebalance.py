"""Textbook rebalancing (NISM Series X-A; seeds 001 and 004): full, partial (threshold) and
cash-driven, with calendar and threshold triggers.

Amount per asset = (target - current weight) x portfolio value = target x V - value, where V
includes any new cash; positive buys, negative sells. Amounts are rounded to the nearest
rupee and made to balance (buys - sells = the cash) by giving the rounding's odd rupees to
the largest remainders.
  full     every asset back to target.
  partial  only assets outside their band, back to target. What they free (or need) is
           bought into (or sold from) the assets inside their band in proportion to their
           shortfall (or overweight), so the trades still balance. In the seed example
           (3,30,000 / 1,20,000 / 50,000 against 55 / 35 / 10 with 5% bands) equity and
           debt are outside and balance each other: sell Rs 55,000 equity, buy Rs 55,000
           debt, gold untouched. (The source text's 55,500 is an arithmetic slip: 66% of
           5,00,000 is 3,30,000 and 55% is 2,75,000; the difference is 55,000.)
  cash     new money only, by the buying rule (engine/allocator.py); nothing is sold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.allocator import allocate
from engine.drift import AssetDrift, total_drift
from engine.policy.model import Policy


def round_balanced(exact: Mapping[str, Fraction], total: int) -> dict[str, int]:
    """Each exact amount to a whole rupee, the rounded amounts summing to `total` (the exact
    ones must): floors, then one rupee more to the largest remainders (earlier first)."""
    floors = {a: v.numerator // v.denominator for a, v in exact.items()}
    left = total - sum(floors.values())
    order = sorted(exact, key=lambda a: -(exact[a] - floors[a]))  # stable: earlier first on ties
    for a in order[:left]:
        floors[a] += 1
    return floors


def amounts(drifts: Sequence[AssetDrift], method: str, cash: int = 0, buy_method: str = "proportional") -> dict[str, int]:
    """Rupees per asset (+ buy, - sell), in the drifts' order."""
    values = {d.asset: d.value for d in drifts}
    targets = {d.asset: d.target for d in drifts}
    if method == "cash":
        return allocate(values, targets, cash, buy_method)
    whole = Fraction(sum(values.values(), Decimal(0)) + cash)
    gap = {d.asset: Fraction(d.target) * whole - Fraction(d.value) for d in drifts}
    if method == "full":
        exact = gap
    else:
        outside = {d.asset for d in drifts if d.outside_band}
        exact = {a: (g if a in outside else Fraction(0)) for a, g in gap.items()}
        need = sum(exact.values(), Fraction(0)) - cash  # > 0: the outside assets need money
        inside = [a for a in gap if a not in outside]
        pool = {a: (-gap[a] if need > 0 else gap[a]) for a in inside}
        pool = {a: p for a, p in pool.items() if p > 0}
        room = sum(pool.values(), Fraction(0))
        if need and room:
            take = min(abs(need), room)
            for a, p in pool.items():
                exact[a] = (-1 if need > 0 else 1) * take * p / room
    return round_balanced(exact, cash + round(sum(exact.values(), Fraction(0)) - cash))


@dataclass(frozen=True)
class Due:
    due: bool
    reasons: tuple[str, ...]


def months_since(last: date, on: date) -> int:
    months = (on.year - last.year) * 12 + on.month - last.month
    return months - (1 if on.day < last.day else 0)


PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "semi-annually": 6, "annually": 12}


def due(policy: Policy, drifts: Sequence[AssetDrift], measure: str, as_of: date, last: date | None) -> Due:
    """Whether a rebalance is due on `as_of` by the policy's triggers (`any` or `all` of them):
    a calendar trigger when its period has passed since the last rebalance the book records
    (or none is recorded); `band-breached` when an asset is outside its band; `drift-exceeds`
    when total drift is above the level."""
    rule = policy.rebalance
    if rule is None or not rule.triggers:
        return Due(True, ("the policy gives no trigger: a rebalance is always allowed",))
    results = []
    drift = total_drift(list(drifts), measure)
    for trigger in rule.triggers:
        if trigger.kind in PERIOD_MONTHS:
            n = PERIOD_MONTHS[trigger.kind]
            if last is None:
                results.append((True, f"{trigger.kind}: no rebalance recorded yet"))
            else:
                gone = months_since(last, as_of)
                results.append((gone >= n, f"{trigger.kind}: {gone} month(s) since the last rebalance on {last}"
                                           f" ({'due' if gone >= n else f'due after {n}'})"))
        elif trigger.kind == "band-breached":
            out = [d for d in drifts if d.outside_band]
            results.append((bool(out), "band breached: " + ", ".join(
                f"{d.asset} {float(d.drift * 100):+.2f} pp beyond +/-{float(d.band * 100):g}%" for d in out)
                if out else "no asset is outside its band"))
        else:
            level = Fraction(trigger.level)
            results.append((drift > level, f"total drift {float(drift * 100):.2f}% "
                                           f"{'exceeds' if drift > level else 'does not exceed'} "
                                           f"{float(level * 100):g}%"))
    verdict = any(r for r, _ in results) if rule.combine == "any" else all(r for r, _ in results)
    return Due(verdict, tuple(text for _, text in results))
