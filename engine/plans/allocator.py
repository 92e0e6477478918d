"""The buying rule: where this month's money goes (seed 000, section 1).

With current values v_i, targets t_i and money C (all assets of the policy):
  V' = sum(v) + C
  shortfall_i = max(0, t_i x V' - v_i)
  proportional: buy_i = C x shortfall_i / sum(shortfall)       (the default)
  even drift:   buy_i = max(0, shortfall_i - D), D such that sum(buy) = C: the money
                lifts the most underweight assets first, until the assets bought share
                one drift (water-filling)
Overweight assets get nothing. When nothing is short (every asset at or above target
after the money, which needs targets summing to less than 100%), the money is spread by
target. Shares are exact fractions; they are rounded to whole rupees by the largest
remainder (`split_rupees`), so the parts always add up to the money: no rupee is lost or
invented.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.vocabulary import BuyMethod


def largest_remainder(exact: Sequence[Fraction], total: int) -> list[int]:
    """Exact amounts (summing to `total`, give or take the rounding) as whole rupees summing to
    `total` exactly: each is floored, and the rupees left go one each to the largest
    remainders, earlier first on ties."""
    parts = [e.numerator // e.denominator for e in exact]
    left = total - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def split_rupees(total: int, weights: Sequence[Fraction]) -> list[int]:
    """`total` whole rupees split in proportion to `weights` (not all zero), by the largest
    remainder: the parts add up to `total` exactly."""
    whole = sum(weights, Fraction(0))
    if not weights or whole <= 0:
        raise ValueError("nothing to split by")
    return largest_remainder([Fraction(total) * w / whole for w in weights], total)


def shortfalls(values: Mapping[str, Decimal], targets: Mapping[str, Decimal], money: Decimal) -> dict[str, Fraction]:
    """Per asset of `targets`: max(0, t x (V + money) - v), exact."""
    after = Fraction(sum(values.values(), Decimal(0)) + money)
    return {a: max(Fraction(0), Fraction(t) * after - Fraction(values.get(a, Decimal(0)))) for a, t in targets.items()}


def _even_drift(short: dict[str, Fraction], money: Fraction) -> dict[str, Fraction]:
    """max(0, s_i - D) with sum = money: water-filling from the largest shortfall down."""
    ordered = sorted(short.values(), reverse=True)
    level = Fraction(0)
    for k in range(1, len(ordered) + 1):
        level = (sum(ordered[:k], Fraction(0)) - money) / k
        if k == len(ordered) or ordered[k] <= level:
            break
    level = max(level, Fraction(0))
    return {a: max(Fraction(0), s - level) for a, s in short.items()}


def allocate(values: Mapping[str, Decimal], targets: Mapping[str, Decimal], money: int,
             method: BuyMethod = BuyMethod.PROPORTIONAL) -> dict[str, int]:
    """Whole rupees per asset (in the targets' order) for `money` whole rupees."""
    if money < 0:
        raise ValueError("money must not be negative")
    if money == 0 or not targets:
        return {a: 0 for a in targets}
    short = shortfalls(values, targets, Decimal(money))
    if sum(short.values(), Fraction(0)) <= 0:
        weights = [Fraction(t) for t in targets.values()]
    elif method == BuyMethod.EVEN_DRIFT:
        weights = list(_even_drift(short, Fraction(money)).values())
    else:
        weights = list(short.values())
    return dict(zip(targets, split_rupees(money, weights)))


def fill(amounts: Mapping[str, int], payers: Mapping[str, int]) -> list[tuple[str, str, int]]:
    """Who pays for what: (payer, asset, rupees), each asset's amount and each payer's money
    used exactly, taking payers and assets in order (so each payer funds as few orders as
    possible). The two totals must be equal."""
    if sum(amounts.values()) != sum(payers.values()):
        raise ValueError("the amounts and the money differ")
    out: list[tuple[str, str, int]] = []
    left = dict(payers)
    names = [p for p in payers if left[p] > 0]
    i = 0
    for asset, amount in amounts.items():
        need = amount
        while need > 0:
            payer = names[i]
            take = min(need, left[payer])
            out.append((payer, asset, take))
            need -= take
            left[payer] -= take
            if left[payer] == 0:
                i += 1
    return out
