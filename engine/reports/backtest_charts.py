"""The charts of `lotwise backtest --html/--png`, drawn by matplotlib (docs/backtest.md, The report).

With engine/reports/paths_charts.py (Monte Carlo's charts, which use this module's style, palette
and saving) the only modules that import matplotlib; the CLI imports them only when --html or --png is given,
so no other command (and no backtest without them) loads it. matplotlib runs headless: its Agg
backend, figures made directly (`matplotlib.figure.Figure`, never pyplot, so no GUI toolkit is
ever looked for), and its log quietened before it is imported (a first import on a fresh machine
builds the font cache and says so on stderr; the command's stderr is the user's).

Each chart is a `Chart` in `CHARTS`, in the report's order: its name (the PNG's file name, the
HTML section's id), its title and caption, and the function that draws it from the Backtest and
the policy's targets (None when it has nothing to show, and it is left out). A chart is one more
entry (Monte Carlo's charts, drawn from its record rather than a Backtest, are paths_charts.py's table).

  value       each strategy's portfolio value on each month day (lots and cash), and the money
              put in so far as a dashed line;
  allocation  one panel per asset: its weight (share of the assets' value) under each strategy,
              its target as a line and its band shaded;
  tax         the tax each strategy has paid so far (stepping on each FY's day of payment);
  drift       each strategy's total drift on each month day, by the policy's measure.

Floats: money, weights and drifts are Decimal and Fraction everywhere in lotwise; `plotted` is the
plotting boundary, the one place they become floats, for matplotlib's coordinates only. Nothing
drawn here is read back as a number.

Output is deterministic: text is drawn as paths (`svg.fonttype = "path"`: no font is referenced,
so the SVG looks the same in any browser without any font file), the SVG's ids are salted with
the chart's name (stable, and distinct between the charts of one HTML page), and no date or
software name is written into the files' metadata (nothing here reads the clock).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, cast

logging.getLogger("matplotlib").setLevel(logging.ERROR)  # before the import: no font-cache notice on stderr

import matplotlib  # noqa: E402
import numpy  # noqa: E402  (matplotlib's own dependency)

matplotlib.use("Agg")

from matplotlib import dates  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from engine.reports.backtest_html import Drawn  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from engine.backtesting import Backtest, StrategyResult
    from engine.policy.model import Policy

# Okabe and Ito's palette (distinguishable with the common colour-blindnesses), then line styles:
# strategy k gets COLOURS[k % 8] and STYLES[k // 8 % 4], the same in every chart.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STYLES = ("-", "--", ":", "-.")
INVESTED_COLOUR = "#7F7F7F"
WIDTH, HEIGHT = 9.0, 4.6  # inches; the PNGs at DPI dots an inch
DPI = 100
STYLE: dict[str, Any] = {
    "svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 9.0, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#DDDDDD", "grid.linewidth": 0.6,
    "legend.frameon": False, "figure.facecolor": "white", "axes.facecolor": "white",
    "text.parse_math": False,  # a `$` in an asset's name is a dollar sign, not TeX
}
NO_METADATA = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}


@dataclass(frozen=True)
class Target:
    """An asset of the policy: its target and band (the run's band for an asset that states none)."""

    asset: str
    target: Decimal
    band: Decimal


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    caption: str
    draw: Callable[[Backtest, Sequence[Target]], Figure | None]


class Named(Protocol):
    """A chart's name, title and caption (a `Chart` here, or Monte Carlo's: engine/reports/paths_charts.py)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def caption(self) -> str: ...


def plotted(value: Decimal | Fraction | int) -> float:
    """The plotting boundary: a Decimal, Fraction or int as matplotlib's float coordinate."""
    return float(value)


def on_days(days: Sequence[date]) -> NDArray[numpy.datetime64]:
    """Days as numpy's datetime64 (matplotlib's date axis takes them; no float is involved)."""
    return numpy.array(list(days), dtype="datetime64[D]")


def targets_of(policy: Policy, band: Decimal | None = None) -> tuple[Target, ...]:
    """The policy's assets in its order; `band` (None: the backtest's default, Options.band) for an
    asset whose policy states none, as the run's drift measures take it."""
    from engine.backtest.strategies import Options

    default = Options().band if band is None else band
    assert policy.portfolio is not None
    return tuple(Target(a.name, a.target, a.band if a.band is not None else default) for a in policy.portfolio.assets)


def rupees_tick(value: float, _: object = None) -> str:
    """An axis's rupees, short and Indian: Rs 50,000, Rs 12.5 L (lakh), Rs 1.2 Cr (crore)."""
    if abs(value) >= 1e7:
        return f"Rs {value / 1e7:.4g} Cr"
    if abs(value) >= 1e5:
        return f"Rs {value / 1e5:.4g} L"
    from engine.literals import format_inr

    return format_inr(Decimal(round(value)))


def name_of(result: StrategyResult) -> str:
    return result.run.label


def line_style(k: int) -> dict[str, Any]:
    return {"color": COLOURS[k % len(COLOURS)], "linestyle": STYLES[k // len(COLOURS) % len(STYLES)],
            "linewidth": 1.4}


def new_figure(height: float = HEIGHT) -> Figure:
    return Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")


def finish_time_axis(axes: Axes) -> None:
    """Dates on the x axis (years, or months in a short run), a little margin either side."""
    untyped: Any = dates  # matplotlib.dates has no type hints (3.8 to 3.11)
    locator = untyped.AutoDateLocator(minticks=3, maxticks=9)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(untyped.ConciseDateFormatter(locator))
    axes.margins(x=0.01)


def value_chart(found: Backtest, _: Sequence[Target]) -> Figure | None:
    if not found.results or not found.results[0].run.months:
        return None
    figure = new_figure()
    axes = figure.add_subplot()
    for k, result in enumerate(found.results):
        months = result.run.months
        axes.plot(on_days([m.day for m in months]), [plotted(m.value) for m in months], label=name_of(result),
                  **line_style(k))
    months = found.results[0].run.months  # every strategy is given the same money on the same days
    axes.plot(on_days([m.day for m in months]), [plotted(m.invested) for m in months], label="money put in",
              color=INVESTED_COLOUR, linestyle="--", linewidth=1.2)
    axes.yaxis.set_major_formatter(FuncFormatter(rupees_tick))
    axes.set_ylabel("value on the month day")
    axes.legend(loc="upper left")
    finish_time_axis(axes)
    return figure


def weight(values: Mapping[str, Decimal], asset: str) -> float:
    """The asset's share of the assets' value (cash left out, as the drift measure counts it)."""
    total = sum(values.values(), Decimal(0))
    return plotted(Fraction(values.get(asset, Decimal(0))) / Fraction(total) * 100) if total else float("nan")


def allocation_chart(found: Backtest, targets: Sequence[Target]) -> Figure | None:
    if not targets or not found.results:
        return None
    columns = 1 if len(targets) == 1 else 2 if len(targets) <= 4 else 3
    rows = -(-len(targets) // columns)
    figure = new_figure(height=2.4 * rows + 0.6)
    panels = figure.subplots(rows, columns, sharex=True, squeeze=False)
    for index, target in enumerate(targets):
        axes = panels[index // columns][index % columns]
        low, high = plotted(target.target - target.band) * 100, plotted(target.target + target.band) * 100
        axes.axhspan(low, high, color="#BBBBBB", alpha=0.25, linewidth=0)
        axes.axhline(plotted(target.target) * 100, color="#444444", linewidth=1.0)
        for k, result in enumerate(found.results):
            months = result.run.months
            axes.plot(on_days([m.day for m in months]), [weight(m.values, target.asset) for m in months],
                      label=name_of(result), **(line_style(k) | {"linewidth": 1.1}))
        axes.set_title(f"{target.asset}: target {plotted(target.target) * 100:g}%, band "
                       f"{plotted(target.band) * 100:g}%", fontsize=9.0, loc="left")
        axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        finish_time_axis(axes)
    for index in range(len(targets), rows * columns):
        panels[index // columns][index % columns].set_visible(False)
    handles, labels = panels[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6))
    return figure


def paid_so_far(result: StrategyResult) -> tuple[list[date], list[float]]:
    """The tax paid by each day it is paid, summed over the investors, from the run's first day to its last."""
    by_day: dict[date, Decimal] = {}
    for tax in result.run.taxes:
        by_day[tax.paid_on] = by_day.get(tax.paid_on, Decimal(0)) + tax.tax
    days, totals, total = [result.run.first], [0.0], Decimal(0)
    for day in sorted(by_day):
        total += by_day[day]
        days.append(day)
        totals.append(plotted(total))
    days.append(result.run.last)
    totals.append(plotted(total))
    return days, totals


def tax_chart(found: Backtest, _: Sequence[Target]) -> Figure | None:
    if not found.results:
        return None
    figure = new_figure(height=3.8)
    axes = figure.add_subplot()
    for k, result in enumerate(found.results):
        days, totals = paid_so_far(result)
        axes.step(on_days(days), totals, where="post", label=name_of(result), **line_style(k))
    if not any(r.measures.tax for r in found.results):
        axes.text(0.5, 0.5, "no strategy paid any tax in this run", transform=axes.transAxes, ha="center",
                  va="center", color="#555555")
        axes.set_ylim(-1, 10)
    axes.yaxis.set_major_formatter(FuncFormatter(rupees_tick))
    axes.set_ylabel("tax paid so far")
    axes.legend(loc="upper left")
    finish_time_axis(axes)
    return figure


def drift_chart(found: Backtest, _: Sequence[Target]) -> Figure | None:
    if not found.results or not found.results[0].run.months:
        return None
    figure = new_figure(height=3.8)
    axes = figure.add_subplot()
    for k, result in enumerate(found.results):
        months = result.run.months
        axes.plot(on_days([m.day for m in months]), [plotted(m.drift * 100) for m in months], label=name_of(result),
                  **(line_style(k) | {"linewidth": 1.1}))
    axes.yaxis.set_major_formatter(PercentFormatter(decimals=1))
    axes.set_ylabel("total drift (share of the portfolio)")
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left")
    finish_time_axis(axes)
    return figure


CHARTS: tuple[Chart, ...] = (
    Chart("value", "Value over time", "Each strategy's portfolio on each month day after its orders (its lots at "
          "the day's prices and its cash not invested); the dashed line is the money put in so far.", value_chart),
    Chart("allocation", "Allocation against the targets", "One panel per asset: its share of the assets' value "
          "under each strategy on each month day; the dark line is its target and the shading its band.",
          allocation_chart),
    Chart("tax", "Tax paid", "The tax each strategy has paid so far, all investors, stepping on the day each FY's "
          "tax is paid (paid from outside the portfolio).", tax_chart),
    Chart("drift", "Drift", "Each strategy's total drift on each month day after its orders, by the policy's "
          "measure, as a share of the portfolio.", drift_chart),
)


def saved(figure: Figure, kind: str, salt: str) -> bytes:
    """The figure as SVG or PNG bytes, deterministic (module docstring)."""
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": f"lotwise-{salt}"}):
        figure.savefig(out, format=kind, dpi=DPI, metadata=NO_METADATA[kind])
    return out.getvalue()


def drawn(found: Backtest, targets: Sequence[Target], kinds: Sequence[str]) -> list[tuple[Chart, dict[str, bytes]]]:
    """Every chart that has something to show, drawn once and saved in each of `kinds` ("svg", "png")."""
    out = []
    for chart in CHARTS:
        with matplotlib.rc_context(cast(Any, STYLE)):  # its keys are rcParams' (typed as literals)
            figure = chart.draw(found, targets)
            if figure is not None:
                out.append((chart, {kind: saved(figure, kind, chart.name) for kind in kinds}))
    return out


def svg_charts(charts: Sequence[tuple[Named, dict[str, bytes]]]) -> list[Drawn]:
    """The charts for the HTML page (engine/reports/backtest_html.py)."""
    return [Drawn(c.name, c.title, c.caption, files["svg"].decode("utf-8")) for c, files in charts]


def png_files(charts: Sequence[tuple[Named, dict[str, bytes]]]) -> list[tuple[str, bytes]]:
    """The charts as PNG files: NAME.png (value.png, allocation.png, tax.png, drift.png)."""
    return [(f"{c.name}.png", files["png"]) for c, files in charts]
