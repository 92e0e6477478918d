"""The pieces of the backtest report (engine/reports/backtest_charts.py, backtest_html.py) in
process, on numbers derived by hand; the whole report through real processes and in a browser is
tests/backtest/test_backtest_report*.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from fractions import Fraction
from types import SimpleNamespace

import pytest

from engine.backtest.run import FyTax
from engine.reports.backtest_html import inline_svg

pytestmark = pytest.mark.slow  # the chart module imports matplotlib: about 1 s of CPU the first time


def test_an_svg_inlined_loses_its_prolog_doctype_metadata_and_comments_and_its_ids_are_prefixed():
    svg = ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
           '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg">\n'
           ' <metadata>\n  <rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/"/>\n </metadata>\n'
           ' <defs><path id="DejaVuSans-31" d="M 0 0"/><clipPath id="p1"><rect/></clipPath></defs>\n'
           ' <!-- Rs 1 -->\n <use xlink:href="#DejaVuSans-31"/><g clip-path="url(#p1)" id="line2d_1"/>\n</svg>\n')
    assert inline_svg(svg, "tax") == (
        '<svg xmlns="http://www.w3.org/2000/svg">\n <defs><path id="tax-DejaVuSans-31" d="M 0 0"/>'
        '<clipPath id="tax-p1"><rect/></clipPath></defs>\n <use xlink:href="#tax-DejaVuSans-31"/>'
        '<g clip-path="url(#tax-p1)" id="tax-line2d_1"/>\n</svg>')


@pytest.mark.parametrize("value, shown", [
    (0.0, "Rs 0"), (50_000.0, "Rs 50,000"), (99_999.4, "Rs 99,999"), (1_25_000.0, "Rs 1.25 L"),
    (20_00_000.0, "Rs 20 L"), (1_00_00_000.0, "Rs 1 Cr"), (1_75_00_000.0, "Rs 1.75 Cr"),
])
def test_an_axis_shows_rupees_in_lakhs_and_crores(value: float, shown: str):
    from engine.reports.backtest_charts import rupees_tick

    assert rupees_tick(value) == shown


def test_the_tax_paid_so_far_steps_on_each_fys_day_of_payment():
    """FY 2018-19: asha Rs 100, ravi Rs 50, paid on 31 March 2019; FY 2019-20: asha Rs 25.50 and
    ravi nothing, paid on the run's last day: 0 from the first day, 150 from 31 March 2019, 175.50
    from 31 March 2020 to the end."""
    from engine.reports.backtest_charts import paid_so_far

    taxes = (FyTax(2018, "asha", D("100"), D(0), date(2019, 3, 31)), FyTax(2018, "ravi", D("50"), D(0), date(2019, 3, 31)),
             FyTax(2019, "asha", D("25.50"), D(0), date(2020, 3, 31)), FyTax(2019, "ravi", D(0), D(0), date(2020, 3, 31)))
    result = SimpleNamespace(run=SimpleNamespace(taxes=taxes, first=date(2018, 4, 2), last=date(2020, 3, 31)))
    days, totals = paid_so_far(result)  # type: ignore[arg-type]
    assert days == [date(2018, 4, 2), date(2019, 3, 31), date(2020, 3, 31), date(2020, 3, 31)]
    assert totals == [0.0, 150.0, 175.5, 175.5]


def test_a_weight_is_the_assets_share_of_the_assets_value_without_cash():
    """Large Rs 5,000 of Rs 12,500 held in assets: 40%; an asset not held: 0%; nothing held: no point."""
    import math

    from engine.reports.backtest_charts import weight

    values = {"Large": D("5000"), "Mid": D("7500")}
    assert weight(values, "Large") == 40.0 and weight(values, "Small") == 0.0
    assert math.isnan(weight({}, "Large"))


def test_targets_take_the_runs_band_for_an_asset_without_one():
    from engine.backtest.strategies import Options
    from engine.policy.model import Asset, Policy, Portfolio
    from engine.reports.backtest_charts import Target, targets_of

    policy = Policy(portfolio=Portfolio(assets=(Asset(name="A", target=D("0.6"), band=D("0.03")), Asset(name="B", target=D("0.4")))))
    assert targets_of(policy) == (Target("A", D("0.6"), D("0.03")), Target("B", D("0.4"), Options().band))
    assert Options().band == D("0.05")
    assert targets_of(policy, D("0.1"))[1].band == D("0.1")


def test_plotted_is_the_one_float_boundary():
    from engine.reports.backtest_charts import plotted

    assert plotted(D("12.5")) == 12.5 and plotted(Fraction(1, 4)) == 0.25 and plotted(3) == 3.0


def test_the_runs_warnings_are_listed_escaped_and_nothing_when_there_are_none():
    from engine.diagnostics import Diagnostic, Severity
    from engine.reports.backtest_html import warnings

    said = Diagnostic("T104", Severity.WARNING, "no FMV for <fund>")
    found = SimpleNamespace(results=[SimpleNamespace(run=SimpleNamespace(strategy="policy", label="policy", problems=(said,))),
                                     SimpleNamespace(run=SimpleNamespace(strategy="band", label="band", problems=()))])
    assert warnings(found) == '<h2 id="warnings">Warnings</h2>\n<ul>\n<li>policy: T104: no FMV for &lt;fund&gt;</li>\n</ul>'
    assert warnings(SimpleNamespace(results=[found.results[1]])) == ""
