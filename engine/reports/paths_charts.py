"""The charts of `lotwise backtest --paths N --html/--png` (docs/backtest.md, Monte Carlo), drawn by
matplotlib as the single run's are (engine/reports/backtest_charts.py: its style, palette, plotting
boundary and deterministic saving; loaded only when --html or --png is given).

Each chart is drawn from the MonteCarlo record alone (its percentiles, nearest rank):

  paths-value    a fan chart: one panel per run (strategy or compared policy), all on one scale: the
                 median value on each month day as a line, the 25th to 75th percentiles shaded
                 darker, the 5th to 95th lighter, and the money put in so far dashed;
  paths-outcome  the spread of the outcome per run: the value after selling all and, when there is
                 one, the XIRR after tax: a box from the 25th to the 75th percentile, the median a
                 black tick, a whisker from the 5th to the 95th.

A band is of each month day's values over the paths (each day's percentiles apart): a path is not
a line inside it. Floats only at the plotting boundary (`plotted`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from engine.reports.backtest_charts import (COLOURS, DPI, INVESTED_COLOUR, STYLE, WIDTH, finish_time_axis,
                                            on_days, plotted, rupees_tick, saved)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from engine.backtest.monte_carlo import MonteCarlo, MonthBand, Percentiles, StrategyPaths


@dataclass(frozen=True)
class PathsChart:
    name: str
    title: str
    caption: str
    draw: Callable[[MonteCarlo], Figure | None]


@dataclass(frozen=True)
class Fan:
    """A run's month bands as the fan chart plots them: the days, and the 5th, 25th, 50th, 75th and
    95th percentiles' values on them (floats: the plotting boundary)."""

    days: tuple[date, ...]
    p5: tuple[float, ...]
    p25: tuple[float, ...]
    p50: tuple[float, ...]
    p75: tuple[float, ...]
    p95: tuple[float, ...]


@dataclass(frozen=True)
class Box:
    """One outcome's box (floats): whisker from `low` (5th) to `high` (95th), box from `q1` (25th) to
    `q3` (75th), median `mid`."""

    low: float
    q1: float
    mid: float
    q3: float
    high: float


def fan_of(bands: Sequence[MonthBand]) -> Fan:
    columns = [[plotted(b.value.as_tuple()[i]) for b in bands] for i in range(5)]
    return Fan(tuple(b.day for b in bands), *(tuple(c) for c in columns))


def box_of(found: Percentiles, scale: int = 1) -> Box:
    """The percentiles as a box, each times `scale` (100: a rate as a percentage)."""
    return Box(*(plotted(v * scale) for v in found.as_tuple()))


def grid(n: int) -> tuple[int, int]:
    """Rows and columns of panels for n runs: one column for one, two up to four, three beyond."""
    columns = 1 if n == 1 else 2 if n <= 4 else 3
    return -(-n // columns), columns


def colour(k: int) -> str:
    return COLOURS[k % len(COLOURS)]


def value_fan(found: MonteCarlo) -> Figure | None:
    if not found.strategies or not found.strategies[0].bands:
        return None
    rows, columns = grid(len(found.strategies))
    figure = Figure(figsize=(WIDTH, 2.6 * rows + 0.7), dpi=DPI, layout="constrained")
    panels = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    days = on_days([b.day for b in found.strategies[0].bands])
    for k, result in enumerate(found.strategies):
        axes: Axes = panels[k // columns][k % columns]
        fan = fan_of(result.bands)
        axes.fill_between(days, fan.p5, fan.p95, color=colour(k), alpha=0.16, linewidth=0, label="5th to 95th")
        axes.fill_between(days, fan.p25, fan.p75, color=colour(k), alpha=0.38, linewidth=0, label="25th to 75th")
        axes.plot(days, fan.p50, color=colour(k), linewidth=1.6, label="median")
        if len(found.invested) == len(days):
            axes.plot(days, [plotted(v) for v in found.invested], color=INVESTED_COLOUR, linestyle="--",
                      linewidth=1.1, label="money put in")
        axes.set_title(result.label, fontsize=9.0, loc="left")
        axes.yaxis.set_major_formatter(FuncFormatter(rupees_tick))
        finish_time_axis(axes)
    for index in range(len(found.strategies), rows * columns):
        panels[index // columns][index % columns].set_visible(False)
    handles, labels = panels[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return figure


def box_panel(axes: Axes, boxes: Sequence[Box | None], names: Sequence[str], label: str) -> None:
    for k, box in enumerate(boxes):
        if box is None:
            continue
        axes.hlines(k, box.low, box.high, color="#444444", linewidth=1.0)
        axes.vlines([box.low, box.high], k - 0.15, k + 0.15, color="#444444", linewidth=1.0)
        axes.barh(k, box.q3 - box.q1, left=box.q1, height=0.5, color=colour(k), alpha=0.55, edgecolor=colour(k))
        axes.vlines(box.mid, k - 0.25, k + 0.25, color="black", linewidth=2.0)
    axes.set_yticks(range(len(names)), list(names))
    axes.set_ylim(len(names) - 0.5, -0.5)  # the first run on top
    axes.set_xlabel(label)
    axes.grid(axis="y", visible=False)


def outcome_chart(found: MonteCarlo) -> Figure | None:
    if not found.strategies:
        return None
    names = [r.label for r in found.strategies]
    rates = [box_of(r.xirr_after_tax, 100) if r.xirr_after_tax is not None else None for r in found.strategies]
    with_rates = any(b is not None for b in rates)
    figure = Figure(figsize=(WIDTH, 0.45 * len(names) + 1.4), dpi=DPI, layout="constrained")
    panels = figure.subplots(1, 2 if with_rates else 1, sharey=True, squeeze=False)[0]
    box_panel(panels[0], [box_of(r.after_selling_all) for r in found.strategies], names,
              "value after selling all on the last day")
    panels[0].xaxis.set_major_formatter(FuncFormatter(rupees_tick))
    if with_rates:
        box_panel(panels[1], rates, names, "XIRR after tax")
        panels[1].xaxis.set_major_formatter(PercentFormatter(decimals=1))
    return figure


PATHS_CHARTS: tuple[PathsChart, ...] = (
    PathsChart("paths-value", "Value over time, over the paths", "One panel per strategy: on each month day, the "
               "median of the paths' values (the line), the 25th to 75th percentiles (dark shading) and the 5th to "
               "95th (light); the dashed line is the money put in so far. Each day's percentiles are taken apart: "
               "no path is a line of the chart.", value_fan),
    PathsChart("paths-outcome", "Outcome over the paths", "Per strategy: the box spans the 25th to the 75th "
               "percentile over the paths, the black tick is the median, the whisker runs from the 5th to the "
               "95th; left the value after selling all on the last day, right the XIRR after tax.", outcome_chart),
)


def drawn_paths(found: MonteCarlo, kinds: Sequence[str]) -> list[tuple[PathsChart, dict[str, bytes]]]:
    """Every chart that has something to show, drawn once and saved in each of `kinds` ("svg", "png")."""
    out = []
    for chart in PATHS_CHARTS:
        with matplotlib.rc_context(cast(Any, STYLE)):
            figure = chart.draw(found)
            if figure is not None:
                out.append((chart, {kind: saved(figure, kind, chart.name) for kind in kinds}))
    return out

