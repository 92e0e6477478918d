"""Generated prices: a seeded model of monthly NAVs for a backtest without history (issue 15 item 4).

The model (docs/backtest.md, "Generated scenarios"). Each asset's level moves once a month by a
lognormal factor exp(r), r = drift + s * e, where
  s      = volatility / sqrt(12)              (the yearly volatility of log returns, made monthly)
  drift  = ln(1 + mean) / 12 - s^2 / 2        (so that a year's expected growth is `mean`)
  e      = (L z)_asset, z independent standard normals, L the Cholesky factor of the assets'
           correlation matrix (lower triangular, L L^T = the matrix), so that the assets' e have
           exactly the stated correlations.
A regime (a bull run or a crash: `change` over `months` from a month, for some assets) replaces an
asset's drift in the months it covers by ln(1 + change) / months - s^2 / 2, s from the regime's
own volatility when it states one: with no volatility the level moves by exactly `change`. A fund's
NAV is its asset's level times its start NAV, with its own tracking noise when one is stated: a
further factor exp(t * z' - t^2 / 2) a month, t = tracking / sqrt(12), from a stream of its own
(so adding a fund changes no other fund's path).

Random numbers come from `random.Random` (the Mersenne Twister, the same stream on every platform
and Python version for an int or str seed): `prices` seeds it with the seed itself, path k of
`paths` with the string "{seed}/{k}", a fund's tracking noise with "{seed}/{k}/{security}".
Normals are this module's own Box-Muller (`normals`), not `random.gauss`, so the stream depends on
nothing but `random()`. The correlation's Cholesky factor is computed here in plain Python.

Floats are allowed in this module only, and only inside the generation (tests/project/
test_structure.py, FLOATS_ALLOWED): the scenario's numbers are Decimal, made floats to draw the path,
and each NAV becomes Decimal again at one named rounding point, `nav`: start NAV x exp(level),
exactly (a float is an exact binary fraction), quantized to 4 places half-even (ROUND_HALF_EVEN).
math.exp, log, cos and sin are the platform's; they agree to the last bit or so, far below 4 places.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import TYPE_CHECKING, Iterator, Mapping, Sequence

from engine.transactions import Price

if TYPE_CHECKING:
    from engine.policy.model import Portfolio

NAV_PLACES = Decimal("0.0001")  # a NAV's 4 places, as AMFI publishes them
DEFAULT_START_NAV = Decimal(100)
TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class AssetModel:
    """One asset's monthly lognormal returns: `mean` the expected yearly growth (0.12 is 12%),
    `volatility` the yearly standard deviation of log returns, `tracking` each of its funds' own
    yearly tracking noise (standard deviation of log returns), `start_nav` its funds' first NAV."""

    name: str
    mean: Decimal
    volatility: Decimal
    tracking: Decimal = Decimal(0)
    start_nav: Decimal | None = None


@dataclass(frozen=True)
class Fund:
    """One security's own settings, over its asset's: a start NAV, a tracking noise."""

    security: str
    start_nav: Decimal | None = None
    tracking: Decimal | None = None


@dataclass(frozen=True)
class Regime:
    """A scripted move: `assets` change by `change` (-0.35 is a 35% crash) over `months` monthly
    steps from the month `start` (its 1st), with `volatility` in place of the asset's when stated."""

    assets: tuple[str, ...]
    start: date
    months: int
    change: Decimal
    volatility: Decimal | None = None
    name: str | None = None


@dataclass(frozen=True)
class Scenario:
    """What a scenario file says (engine/backtest/scenario_file.py reads and checks it): `months`
    monthly prices from the month `start` (its 1st), each on day `day` of its month moved to the
    next weekday; `correlations` the full matrix in the order of `assets` (empty: independent)."""

    start: date
    months: int
    assets: tuple[AssetModel, ...]
    day: int = 1
    start_nav: Decimal = DEFAULT_START_NAV
    correlations: tuple[tuple[Decimal, ...], ...] = ()
    regimes: tuple[Regime, ...] = ()
    funds: tuple[Fund, ...] = ()
    seed: int = 0
    name: str | None = None

    def asset(self, name: str) -> AssetModel | None:
        return next((a for a in self.assets if a.name == name), None)

    def fund(self, security: str) -> Fund:
        return next((f for f in self.funds if f.security == security), Fund(security))


def securities_of(portfolio: Portfolio) -> dict[str, str]:
    """Each security of a policy's portfolio (its id) -> its asset's name, in the policy's order:
    every security gets its asset's path."""
    return {s.id: s.asset for s in portfolio.securities}


def month_start(start: date, index: int) -> date:
    """The 1st of the month `index` months after `start`'s month."""
    months = start.year * 12 + start.month - 1 + index
    return date(months // 12, months % 12 + 1, 1)


def price_day(scenario: Scenario, index: int) -> date:
    """The day of the month `index`'s price: the scenario's day of that month, or the next weekday."""
    day = month_start(scenario.start, index).replace(day=scenario.day)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def cholesky(matrix: Sequence[Sequence[float]]) -> list[list[float]] | None:
    """The lower-triangular L with L L^T = matrix, or None when the matrix is not positive definite
    (a pivot at or below 1e-12: such a matrix cannot be the correlations of independent draws)."""
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            total = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                if total <= 1e-12:
                    return None
                lower[i][i] = math.sqrt(total)
            else:
                lower[i][j] = total / lower[j][j]
    return lower


def normals(rng: random.Random, count: int) -> list[float]:
    """`count` independent standard normals by Box-Muller, two from each pair of uniforms (the
    last one of an odd count is dropped): u1 in (0, 1], so the logarithm is finite."""
    out: list[float] = []
    while len(out) < count:
        radius = math.sqrt(-2.0 * math.log(1.0 - rng.random()))
        angle = TWO_PI * rng.random()
        out += (radius * math.cos(angle), radius * math.sin(angle))
    return out[:count]


def asset_levels(scenario: Scenario, rng: random.Random) -> list[list[float]]:
    """Each asset's log level in each month (0.0 in the first), in the order of `scenario.assets`.
    Every step draws one normal per asset whatever the regimes, so a regime moves no other draw."""
    count = len(scenario.assets)
    factor = cholesky([[float(v) for v in row] for row in scenario.correlations]) if scenario.correlations else None
    if scenario.correlations and factor is None:
        raise ValueError("the correlation matrix is not positive definite")  # scenario_file checks it first
    steps = [_steps(scenario, a) for a in scenario.assets]
    levels = [[0.0] for _ in range(count)]
    for t in range(1, scenario.months):
        z = normals(rng, count)
        e = z if factor is None else [sum(factor[i][k] * z[k] for k in range(i + 1)) for i in range(count)]
        for i in range(count):
            drift, scale = steps[i][t - 1]
            levels[i].append(levels[i][-1] + drift + scale * e[i])
    return levels


def _steps(scenario: Scenario, asset: AssetModel) -> list[tuple[float, float]]:
    """(drift, monthly volatility) of each step of `asset`: step t moves month t-1 to month t, and
    belongs to a regime when month t-1 is one of the regime's months."""
    plain = _step(math.log1p(float(asset.mean)) / 12, asset.volatility)
    found = [plain] * max(scenario.months - 1, 0)
    first = scenario.start.year * 12 + scenario.start.month
    for regime in scenario.regimes:
        if asset.name not in regime.assets:
            continue
        volatility = asset.volatility if regime.volatility is None else regime.volatility
        step = _step(math.log1p(float(regime.change)) / regime.months, volatility)
        begin = regime.start.year * 12 + regime.start.month - first
        for t in range(max(begin, 0), min(begin + regime.months, len(found))):
            found[t] = step
    return found


def _step(log_growth: float, yearly_volatility: Decimal) -> tuple[float, float]:
    scale = float(yearly_volatility) / math.sqrt(12.0)
    return log_growth - scale * scale / 2.0, scale


def nav(start_nav: Decimal, level: float) -> Decimal:
    """The named rounding point: start NAV x exp(level), exact, to 4 places half-even."""
    with localcontext() as context:
        context.prec = 120  # a float's exact decimal form has at most 53 significant digits here
        return (start_nav * Decimal(math.exp(level))).quantize(NAV_PLACES, rounding=ROUND_HALF_EVEN)


def generate(scenario: Scenario, rng: random.Random, seed_text: str,
             securities: Mapping[str, str] | None = None) -> tuple[Price, ...]:
    """One path's prices: per month (in order), per security (in the order of `securities`: a
    security's id -> its asset's name; None: one security per asset, named as the asset)."""
    held = securities if securities is not None else {a.name: a.name for a in scenario.assets}
    index = {a.name: i for i, a in enumerate(scenario.assets)}
    missing = sorted({asset for asset in held.values() if asset not in index})
    if missing:
        raise ValueError(f"the scenario has no asset {', '.join(missing)}")  # scenario_file checks it first
    levels = asset_levels(scenario, rng)
    columns: list[tuple[str, Decimal, list[float]]] = []
    for security, asset in held.items():
        model, fund = scenario.assets[index[asset]], scenario.fund(security)
        start_nav = fund.start_nav or model.start_nav or scenario.start_nav
        tracking = model.tracking if fund.tracking is None else fund.tracking
        columns.append((security, start_nav, _tracked(levels[index[asset]], tracking, f"{seed_text}/{security}")))
    days = [price_day(scenario, t) for t in range(scenario.months)]
    return tuple(Price(days[t], security, nav(start_nav, path[t]))
                 for t in range(scenario.months) for security, start_nav, path in columns)


def _tracked(levels: list[float], tracking: Decimal, seed_text: str) -> list[float]:
    """An asset's log levels with a fund's own tracking noise added (none when `tracking` is 0)."""
    if not tracking:
        return levels
    drift, scale = _step(0.0, tracking)
    noise = normals(random.Random(seed_text), len(levels))
    out, extra = [levels[0]], 0.0
    for t in range(1, len(levels)):
        extra += drift + scale * noise[t]
        out.append(levels[t] + extra)
    return out


def prices(scenario: Scenario, securities: Mapping[str, str] | None = None,
           seed: int | None = None) -> tuple[Price, ...]:
    """The scenario's prices, seeded with `seed` (default: the scenario's), one per security
    (`securities`: id -> asset name; None: one per asset, named as the asset) per month."""
    seed = scenario.seed if seed is None else seed
    return generate(scenario, random.Random(seed), str(seed), securities)


def path(scenario: Scenario, k: int, seed: int | None = None,
         securities: Mapping[str, str] | None = None) -> tuple[Price, ...]:
    """Path k of a Monte Carlo run, seeded from (seed, k) alone: a worker makes its own paths."""
    seed = scenario.seed if seed is None else seed
    text = f"{seed}/{k}"
    return generate(scenario, random.Random(text), text, securities)


def paths(scenario: Scenario, n: int, seed: int | None = None,
          securities: Mapping[str, str] | None = None) -> Iterator[tuple[Price, ...]]:
    """N independent paths for Monte Carlo, path k as `path(scenario, k, seed, securities)`."""
    return (path(scenario, k, seed, securities) for k in range(n))
