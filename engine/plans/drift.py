"""Drift: how far the portfolio's weights are from its targets.

Per asset, drift = weight - target (a fraction; 0.05 is 5 percentage points). Total
drift by the policy's measure (`drift is ...` in the sell rule):
  half-absolute     half the sum of |drift|  (the default; equals sum-positive when
                    weights and targets both sum to 100%)
  sum-positive      the sum of the positive drifts
  largest-absolute  the largest |drift|
An asset is outside its band when |drift| > band.

Weights and drifts are exact fractions (fractions.Fraction of Decimal values): a weight
like 25,000 / 1,20,000 has no finite decimal form, and the sell rule must decide "at or
below 5%" exactly. They are rounded only for display (`as_decimal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.vocabulary import DriftMeasure

ZERO = Fraction(0)


def as_decimal(value: Fraction, places: int = 6) -> Decimal:
    """A fraction for display, rounded half-even to `places` decimal places."""
    quantum = Decimal(1).scaleb(-places)
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum, rounding=ROUND_HALF_EVEN)
    return shown.copy_abs() if shown.is_zero() else shown  # -0.000001 rounds to 0, not to -0.000000


def percent(value: Fraction | Decimal) -> str:
    """A weight or drift as a percentage to 2 places: 0.0482... -> '4.82%'."""
    return f"{as_decimal(Fraction(value) * 100, 2)}%"


def points(value: Fraction | Decimal) -> str:
    """A drift in percentage points, signed: 0.011 -> '+1.10 pp'."""
    shown = as_decimal(Fraction(value) * 100, 2)
    return f"{'+' if shown > 0 else ''}{shown} pp"


@dataclass(frozen=True)
class AssetDrift:
    asset: str
    value: Decimal
    weight: Fraction
    target: Decimal
    drift: Fraction
    band: Decimal | None

    @property
    def outside_band(self) -> bool:
        return self.band is not None and abs(self.drift) > Fraction(self.band)

    def to_json(self) -> dict[str, object]:  # JSON (docs/json.md): fractions rounded for display (as_decimal)
        return {"asset": self.asset, "value": str(self.value), "weight": str(as_decimal(self.weight)),
                "target": str(self.target), "drift": str(as_decimal(self.drift)),
                "band": None if self.band is None else str(self.band), "outside_band": self.outside_band}


def asset_drifts(values: Mapping[str, Decimal], targets: Mapping[str, Decimal],
                 bands: Mapping[str, Decimal | None]) -> list[AssetDrift]:
    """Per asset, in the targets' order; assets held but without a target count with target 0."""
    total = sum(values.values(), Decimal(0))
    names = list(targets) + [a for a in values if a not in targets]
    out = []
    for name in names:
        value = values.get(name, Decimal(0))
        weight = Fraction(value) / Fraction(total) if total else ZERO
        target = targets.get(name, Decimal(0))
        out.append(AssetDrift(name, value, weight, target, weight - Fraction(target), bands.get(name)))
    return out


def total_drift(drifts: Sequence[AssetDrift], measure: DriftMeasure = DriftMeasure.HALF_ABSOLUTE) -> Fraction:
    if measure == DriftMeasure.SUM_POSITIVE:
        return sum((d.drift for d in drifts if d.drift > 0), ZERO)
    if measure == DriftMeasure.LARGEST_ABSOLUTE:
        return max((abs(d.drift) for d in drifts), default=ZERO)
    return sum((abs(d.drift) for d in drifts), ZERO) / 2
