"""The chart of `lotwise report`: the allocation before and after the plan against the targets, drawn by
matplotlib as engine/reports/backtest_charts.py draws the backtest's (its style, its palette, its
deterministic SVG: text as paths, ids salted, no date in the metadata). Imported only by `lotwise
report`, so no other command loads matplotlib.

One horizontal bar pair per asset (before in grey, after in blue; a status has only "now"), the
target as a dark tick across them. Weights are Decimal in the report; `plotted` makes them floats
for matplotlib's coordinates only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from engine.reports.backtest_charts import COLOURS, STYLE, new_figure, plotted, saved  # matplotlib set up there

import matplotlib  # noqa: E402  (headless, quiet: engine/reports/backtest_charts.py)
from engine.reports.client import Weight

BEFORE, AFTER, TARGET = "#9A9A9A", COLOURS[0], "#222222"


def allocation_svg(weights: Sequence[Weight]) -> str | None:
    """The chart as SVG text; None when there is no asset to draw."""
    if not weights:
        return None
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    with matplotlib.rc_context(cast(Any, STYLE)):  # its keys are rcParams' (typed as literals)
        figure = new_figure(height=0.62 * len(weights) + 1.2)
        axes = figure.add_subplot()
        after = any(w.after is not None for w in weights)
        rows = list(range(len(weights)))[::-1]  # the first asset at the top
        height = 0.38 if after else 0.6
        offset = height / 2 if after else 0.0
        axes.barh([r + offset for r in rows], [plotted(w.before * 100) for w in weights], height=height,
                  color=BEFORE if after else AFTER, label="before the plan" if after else "now")
        if after:
            axes.barh([r - offset for r in rows], [plotted((w.after or w.before) * 100) for w in weights],
                      height=height, color=AFTER, label="after the plan")
        for r, w in zip(rows, weights):
            axes.plot([plotted(w.target * 100)] * 2, [r - 0.45, r + 0.45], color=TARGET, linewidth=2.0)
        axes.set_yticks(rows, [w.asset for w in weights])
        axes.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        axes.set_xlabel("share of the portfolio")
        axes.grid(axis="y", visible=False)
        handles, labels = axes.get_legend_handles_labels()
        handles.append(Line2D([], [], color=TARGET, linewidth=2.0))
        labels.append("target")
        axes.legend(handles, labels, loc="lower right")
        return saved(figure, "svg", "allocation").decode("utf-8")
