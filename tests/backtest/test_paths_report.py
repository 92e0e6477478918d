"""`lotwise backtest --paths N --html FILE --png DIR` (engine/reports/paths_html.py, paths_charts.py),
and --tax-from and --compare reaching Monte Carlo runs (api.monte_carlo).

Through real processes on the toy policy (tests/backtest/toy.py: 3 assets, Rs 10,000 a month) and a
13-month scenario from April 2018 (as test_monte_carlo.py's), 3 paths. The chart pieces with logic
are tested in process, by hand: the fan's series, the outcome boxes, the panels' grid.

The PNGs' sizes, by hand: 9 inches wide at 100 dots an inch (900 pixels); the fan chart 2.6 inches
a row of panels plus 0.7 (5 strategies: 3 columns, 2 rows: 5.9 inches, 590 pixels); the outcome
chart 0.45 inches a run plus 1.4 (5 runs: 3.65 inches, 365 pixels).
"""

from __future__ import annotations

import json
import re
import struct
import sys
from datetime import date
from decimal import Decimal as D
from html import unescape
from pathlib import Path

import pytest

from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

ASSETS = ("Large", "Mid", "Small")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def scenario(volatility: str, months: int = 13, seed: int = 7) -> str:
    return (f'start = "2018-04"\nmonths = {months}\nseed = {seed}\n'
            + "".join(f'[assets.{a}]\nmean = "10%"\nvolatility = "{volatility}"\n' for a in ASSETS))


@pytest.fixture(scope="module")
def cwd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("paths-report")
    (cwd / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (cwd / "mine.rules").write_text(toy.POLICY, encoding="utf-8")  # the same policy, compared under its own name
    (cwd / "wild.toml").write_text(scenario("30%"), encoding="utf-8")
    (cwd / "calm.toml").write_text(scenario("0%"), encoding="utf-8")
    return cwd


RUN = ("backtest", "--policy", "toy.rules", "--scenario", "wild.toml", "--paths", "3")


@pytest.fixture(scope="module")
def made(cwd: Path):
    done = lotwise(cwd, *RUN, "--jobs", "1", "--html", "mc.html", "--png", "charts")
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def page(made, cwd: Path) -> str:
    return (cwd / "mc.html").read_text(encoding="utf-8")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.slow
def test_the_files_are_written_and_said_and_the_table_is_unchanged(made, cwd: Path):
    assert made.stderr.splitlines() == [f"wrote {Path('charts') / 'paths-value.png'}",
                                        f"wrote {Path('charts') / 'paths-outcome.png'}", "wrote mc.html"]
    plain = lotwise(cwd, *RUN, "--jobs", "1")
    assert made.stdout == plain.stdout and not plain.stderr
    sizes = {p.name: png_size(p.read_bytes()) for p in (cwd / "charts").iterdir()}
    assert sizes == {"paths-value.png": (900, 590), "paths-outcome.png": (900, 365)}
    from PIL import Image  # matplotlib's own dependency: each file decodes as a whole

    for name in sizes:
        with Image.open(cwd / "charts" / name) as image:
            image.load()


@pytest.mark.slow
def test_the_page_is_self_contained(page: str):
    urls = re.findall(r"https?://[^\s\"'<>)]+", page)
    assert set(urls) == {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    lowered = page.lower()
    for fetching in ("<script", "<link", "<img", "<iframe", "@import", "@font-face", "src=", "url(http",
                     "<?xml", "<metadata"):
        assert fetching not in lowered, fetching
    assert lowered.startswith("<!doctype html>") and lowered.count("<svg") == 2
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert '<section id="chart-paths-value"' in page and '<section id="chart-paths-outcome"' in page


@pytest.mark.slow
def test_the_percentile_cells_are_the_jsons_numbers_formatted(page: str, cwd: Path):
    """Each strategy's 7 measures, each a row of 5 percentiles: the page's cells are the --json's
    Decimals as the text table formats them (rupees Indian style, rates as percentages), and the
    what-was-run list and the beat counts say what the JSON says."""
    from engine.literals import format_inr
    from engine.reports.backtest import rate
    from engine.reports.backtest_paths import LABELS, MEASURES, RATES

    data = json.loads(lotwise(cwd, *RUN, "--json").stdout)
    table = page[page.index('<h2 id="percentiles">'):page.index("</table>")]
    rows = [[unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", table)]
    rows = [r for r in rows if r]  # the head's row has no <td>
    expected = []
    for s in data["strategies"]:
        for name in MEASURES:
            shown = rate if name in RATES else format_inr
            cells = ["-"] * 5 if s[name] is None else [shown(D(s[name][f"p{p}"])) for p in (5, 25, 50, 75, 95)]
            expected.append([s["strategy"] if name == MEASURES[0] else "", LABELS[name], *cells])
    assert rows == expected and len(rows) == 5 * 7
    assert "<dt>Paths</dt><dd>3</dd>" in page and "<dd>generated by the scenario file wild.toml, seed 7</dd>" in page
    for s in data["strategies"][1:]:
        assert f"<li>{s['strategy']}: {s['beat_policy']} of 3 (" in page


@pytest.mark.slow
def test_the_page_is_the_same_on_one_process_or_two(page: str, cwd: Path):
    done = lotwise(cwd, *RUN, "--jobs", "2", "--html", "again.html")
    assert done.returncode == 0, done.stderr
    assert (cwd / "again.html").read_text(encoding="utf-8") == page


@pytest.mark.slow
def test_tax_from_the_portfolio_reaches_the_paths(cwd: Path):
    """With 0% volatility every path is the file's own prices: each percentile of each measure is the
    single run's figure with the same --tax-from portfolio, and the JSON says where the tax came from."""
    base = ("backtest", "--policy", "toy.rules", "--scenario", "calm.toml", "--tax-from", "portfolio", "--json")
    single = json.loads(lotwise(cwd, *base).stdout)
    paths = json.loads(lotwise(cwd, *base, "--paths", "2").stdout)
    assert paths["tax_from"] == "portfolio" == single["tax_from"]
    for mine, one in zip(paths["strategies"], single["strategies"]):
        for name in ("final_value", "after_selling_all", "tax"):
            assert set(mine[name].values()) == {one[name]}, (mine["strategy"], name)
    table = lotwise(cwd, *base[:-1], "--paths", "2").stdout
    assert "each FY's tax is paid from the portfolio on the first month day after it" in table
    # calm's runs pay no tax; on 25 wild months calendar does (FY 2018-19's paid in April 2019): paid from
    # the portfolio, it leaves less after selling all than paid from outside, on the same paths
    (cwd / "wild25.toml").write_text(scenario("30%", months=25), encoding="utf-8")
    found = {}
    for paid in ("outside", "portfolio"):
        out = lotwise(cwd, "backtest", "--policy", "toy.rules", "--scenario", "wild25.toml", "--paths", "3",
                      "--strategy", "calendar", "--tax-from", paid, "--json")
        found[paid] = json.loads(out.stdout)["strategies"][0]
    assert D(found["outside"]["tax"]["p50"]) > 0
    assert D(found["portfolio"]["after_selling_all"]["p50"]) < D(found["outside"]["after_selling_all"]["p50"])


@pytest.mark.slow
def test_a_compared_policy_runs_on_every_path_under_its_label(cwd: Path):
    """mine.rules is toy.rules under another name: on every path it does what the policy does, so its
    percentiles are the policy's and it beats the policy on no path (a tie is not a win)."""
    done = lotwise(cwd, *RUN, "--strategy", "policy", "band", "--compare", "mine.rules", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["strategy"] for s in data["strategies"]] == ["policy", "band", "mine"]
    policy, _, mine = data["strategies"]
    for name in ("final_value", "after_selling_all", "xirr_after_tax", "tax", "months"):
        assert mine[name] == policy[name], name
    assert mine["beat_policy"] == 0
    table = lotwise(cwd, *RUN, "--strategy", "policy", "--compare", "mine.rules").stdout
    assert re.search(r"^mine +final value ", table, re.MULTILINE) and "  mine: 0 of 3 (0.00%)" in table


def test_the_fan_is_each_days_percentiles():
    """Two days, values over 3 paths given as their percentiles: the fan's five series are the
    percentiles day by day (floats at the plotting boundary)."""
    from engine.backtest.monte_carlo import MonthBand, Percentiles
    from engine.reports.paths_charts import fan_of

    days = (date(2020, 4, 1), date(2020, 5, 4))
    bands = [MonthBand(days[0], Percentiles(D(1), D(1), D(2), D(5), D(5))),
             MonthBand(days[1], Percentiles(D("3.5"), D(3), D(7), D(9), D("9.25")))]
    fan = fan_of(bands)
    assert fan.days == days
    assert (fan.p5, fan.p25, fan.p50, fan.p75, fan.p95) == ((1.0, 3.5), (1.0, 3.0), (2.0, 7.0), (5.0, 9.0),
                                                            (5.0, 9.25))


def test_an_outcome_box_and_a_rate_as_a_percentage():
    """A box is the percentiles in order (whisker 5th-95th, box 25th-75th, median); an XIRR of
    0.0731 is drawn at 7.31 (percent)."""
    from engine.backtest.monte_carlo import Percentiles
    from engine.reports.paths_charts import Box, box_of

    found = Percentiles(D("-0.0125"), D("0.02"), D("0.0731"), D("0.1"), D("0.155"))
    assert box_of(found, 100) == Box(-1.25, 2.0, 7.31, 10.0, 15.5)
    assert box_of(Percentiles(*(D(v) for v in (10, 20, 30, 40, 50)))) == Box(10.0, 20.0, 30.0, 40.0, 50.0)


@pytest.mark.parametrize("n, shape", [(1, (1, 1)), (2, (1, 2)), (3, (2, 2)), (4, (2, 2)), (5, (2, 3)),
                                      (6, (2, 3)), (7, (3, 3)), (10, (4, 3))])
def test_the_panels_grid(n: int, shape: tuple[int, int]):
    """One column for one run, two up to four (3 runs: 2 rows, one panel hidden), three beyond;
    rows the ceiling of n over the columns (10 runs: ceil(10 / 3) = 4)."""
    from engine.reports.paths_charts import grid

    assert grid(n) == shape


@pytest.mark.slow
def test_hostile_names_are_text_on_the_paths_page(cwd: Path):
    """A scenario file and a compared policy named with markup: escaped wherever the page says them
    (what was run, the table, the beat counts); the charts draw them as paths, not text."""
    (cwd / "<b>s.toml").write_text(scenario("30%", months=4), encoding="utf-8")
    (cwd / "<i>x&.rules").write_text(toy.POLICY, encoding="utf-8")
    done = lotwise(cwd, "backtest", "--policy", "toy.rules", "--scenario", "<b>s.toml", "--paths", "2",
                   "--strategy", "policy", "--compare", "<i>x&.rules", "--html", "hostile.html")
    assert done.returncode == 0, done.stderr
    page = (cwd / "hostile.html").read_text(encoding="utf-8")
    assert "<b>" not in page and "<i>" not in page
    assert "scenario file &lt;b&gt;s.toml, seed 7" in page and "<td>&lt;i&gt;x&amp;</td>" in page
    assert "<li>&lt;i&gt;x&amp;: 0 of 2 (0.00%)</li>" in page
    assert "<text" not in page


def test_a_target_that_cannot_be_written_is_refused_before_the_paths_run(cwd: Path):
    (cwd / "taken").write_text("a file\n", encoding="utf-8")
    done = lotwise(cwd, *RUN, "--png", "taken")
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert done.stderr.startswith("lotwise: cannot write the charts into taken: it is a file, not a directory")
    assert (cwd / "taken").read_text(encoding="utf-8") == "a file\n"
