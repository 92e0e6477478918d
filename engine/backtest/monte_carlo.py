"""Monte Carlo over a scenario's paths: what each path's run left (`PathResult`, what a worker
sends back: its measures and its month values, not the whole run) and, over all paths, the
percentiles of each measure per strategy (`MonteCarlo`, the record `lotwise backtest --paths`
prints; docs/backtest.md, "Monte Carlo").

Percentiles are by the nearest-rank method: the p-th percentile of n values is the value of rank
ceil(p x n / 100) in ascending order (rank 1 the smallest; p = 0 is rank 1). It is always one of
the paths' own values, so it needs no rounding: the figures are exact Decimals, computed in
integer arithmetic on the ranks. A measure that has no value on some paths (an XIRR where no rate
exists) takes its percentiles over the paths that have one; none when no path has.

A strategy "beat the policy" on a path when its value after selling all is higher than the
policy's on that path; `beat_policy` counts those paths (None when the policy was not run, and
for the policy itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from engine.backtest.strategies import Strategy, TaxFrom

PERCENTILES = (5, 25, 50, 75, 95)
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PathResult:
    """One strategy on one path: its measures (engine/backtest/measures.py) and the value of each
    month after its orders (run.Month.value), in the run's month order."""

    strategy: Strategy
    final_value: Decimal
    after_selling_all: Decimal
    xirr: Decimal | None
    xirr_after_tax: Decimal | None
    tax: Decimal
    turnover: Decimal
    drift_mean: Decimal
    values: tuple[Decimal, ...]
    label: str = ""  # the run's label (run.Run.label: a compared policy's file stem); "" = the strategy's

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.strategy.value)


@dataclass(frozen=True)
class Percentiles:
    """The 5th, 25th, 50th, 75th and 95th percentiles (nearest rank) of one measure over the paths."""

    p5: Decimal
    p25: Decimal
    p50: Decimal
    p75: Decimal
    p95: Decimal

    def as_tuple(self) -> tuple[Decimal, ...]:
        return (self.p5, self.p25, self.p50, self.p75, self.p95)


@dataclass(frozen=True)
class MonthBand:
    """The percentiles of the value of one month (after its orders) over the paths."""

    day: date
    value: Percentiles


@dataclass(frozen=True)
class StrategyPaths:
    """One strategy over all the paths: each measure's percentiles, how many paths it beat the
    policy on, and the bands of its month values (for a fan chart)."""

    strategy: Strategy
    final_value: Percentiles
    after_selling_all: Percentiles
    xirr: Percentiles | None
    xirr_after_tax: Percentiles | None
    tax: Percentiles
    turnover: Percentiles
    drift_mean: Percentiles
    beat_policy: int | None
    bands: tuple[MonthBand, ...]
    label: str = ""  # as PathResult.label; "" = the strategy's

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.strategy.value)


@dataclass(frozen=True)
class MonteCarlo:
    """`lotwise backtest --paths N`: the days run, the scenario file and seed, the number of paths,
    each investor's money a month, and each run's figures over the paths, in the order asked (the
    strategies, then the compared policies); where each FY's tax was paid from, and the money put
    in by each month day (all investors; the same on every path)."""

    first: date
    last: date
    source: str
    seed: int
    paths: int
    money: Mapping[str, int]
    strategies: tuple[StrategyPaths, ...]
    tax_from: TaxFrom = TaxFrom.OUTSIDE
    invested: tuple[Decimal, ...] = ()

    def beat_share(self, found: StrategyPaths) -> Decimal | None:
        """The share of the paths on which `found` beat the policy, 4 places half-even."""
        if found.beat_policy is None:
            return None
        return (Decimal(found.beat_policy) / self.paths).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)


def rank(p: int, n: int) -> int:
    """The nearest rank of the p-th percentile among n values: ceil(p x n / 100), at least 1."""
    return max(1, -(-p * n // 100))


def percentiles(values: Sequence[Decimal]) -> Percentiles:
    """The nearest-rank percentiles of `values` (at least one)."""
    ordered = sorted(values)
    p5, p25, p50, p75, p95 = (ordered[rank(p, len(ordered)) - 1] for p in PERCENTILES)
    return Percentiles(p5, p25, p50, p75, p95)


def some_percentiles(values: Sequence[Decimal | None]) -> Percentiles | None:
    """The percentiles of the values there are; None when there is none."""
    found = [v for v in values if v is not None]
    return percentiles(found) if found else None


def gather(strategies: Sequence[Strategy], paths: Sequence[Sequence[PathResult]], days: Sequence[date]
           ) -> tuple[StrategyPaths, ...]:
    """Each run's figures over `paths` (each path: one PathResult per run, the `strategies` in their
    order, then any compared policy's); `days`: the run's month days, those of each PathResult's
    `values`. A strategy beats the run labelled `policy` (the policy as written)."""
    labels = [r.label for r in paths[0]] if paths else [s.value for s in strategies]
    policy_at = labels.index(Strategy.POLICY.value) if Strategy.POLICY.value in labels else None
    out = []
    for n, label in enumerate(labels):
        mine = [path[n] for path in paths]
        strategy = mine[0].strategy if mine else strategies[n]

        def of(get: Callable[[PathResult], Decimal]) -> Percentiles:
            return percentiles([get(r) for r in mine])

        beat = None if policy_at is None or n == policy_at else \
            sum(1 for path in paths if path[n].after_selling_all > path[policy_at].after_selling_all)
        bands = tuple(MonthBand(day, percentiles([r.values[m] for r in mine])) for m, day in enumerate(days))
        out.append(StrategyPaths(strategy, of(lambda r: r.final_value), of(lambda r: r.after_selling_all),
                                 some_percentiles([r.xirr for r in mine]),
                                 some_percentiles([r.xirr_after_tax for r in mine]), of(lambda r: r.tax),
                                 of(lambda r: r.turnover), of(lambda r: r.drift_mean), beat, bands, label))
    return tuple(out)
