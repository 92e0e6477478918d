"""The report opened in a real browser: headless Chromium (Debian's package, `chromium`) renders the
page `lotwise backtest --html` writes for the toy history (tests/backtest/toy.py) and draws its
four charts; and the Monte Carlo page (`--paths 3` of a 13-month scenario of the toy policy) and
its two charts (the fan of values, the outcome boxes).

Two runs of the browser, each in a fresh profile, with nothing fetched (no network flag needed:
the page has no URL to fetch; the background services are switched off):
1. a copy of the page with a small probe script appended (test-only; the report has no script)
   that writes into the DOM, for each chart, its rendered box (getBoundingClientRect), the box of
   what the SVG drew (getBBox), how many paths it has and how many of them have a drawn box and
   span most of the chart (the strategies' lines run the whole time axis); `--dump-dom` gives it back;
2. a `--screenshot` of the page at a device scale of 1: inside each chart's box the pixels are not
   all background (white), and they carry several colours (the strategies' lines); the strip
   right of the page's column is background.

Skipped when chromium is not installed, except in CI (the CI environment variable set), where
.ci/run installs it and its absence fails the test.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

pytestmark = pytest.mark.slow  # a backtest as a process and two browser runs (some 6 s)
WIDTH = 1600  # wider than the page's column (80em): a strip either side is background
PROBE = """<script>
addEventListener("load", () => {
  const charts = [...document.querySelectorAll("section.chart")].map(section => {
    const svg = section.querySelector("svg"), box = svg.getBoundingClientRect(), drawn = svg.getBBox();
    const paths = [...svg.querySelectorAll("path")].filter(p => !p.closest("defs"));
    const sized = paths.filter(p => { const b = p.getBBox(); return b.width > 0 || b.height > 0; });
    const spanning = sized.filter(p => p.getBBox().width > 0.5 * drawn.width);
    return {name: section.id, left: box.left + scrollX, top: box.top + scrollY, width: box.width,
            height: box.height, drawn_width: drawn.width, drawn_height: drawn.height, paths: paths.length,
            sized: sized.length, spanning: spanning.length, uses: svg.querySelectorAll("use").length};
  });
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({charts, page_height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's package before the tests")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return found


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}",
               "--virtual-time-budget=5000", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()  # skip (or fail in CI) before the backtest runs
    cwd = tmp_path_factory.mktemp("browser")
    toy.book(cwd)
    done = lotwise(cwd, "backtest", "--to", "2020-03", "--html", "report.html")
    assert done.returncode == 0, done.stderr
    return cwd / "report.html"


@pytest.fixture(scope="module")
def probed(report: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    copy = report.with_name("probed.html")
    copy.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = browse(copy, tmp_path_factory.mktemp("profile"), f"--window-size={WIDTH},1000", "--dump-dom")
    assert done.returncode == 0, done.stderr
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found is not None, done.stdout[-2000:]
    return json.loads(html.unescape(found[1]))


def probe(page: Path, profile: Path) -> dict:
    copy = page.with_name("probed-" + page.name)
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = browse(copy, profile, f"--window-size={WIDTH},1000", "--dump-dom")
    assert done.returncode == 0, done.stderr
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found is not None, done.stdout[-2000:]
    return json.loads(html.unescape(found[1]))


@pytest.fixture(scope="module")
def paths_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()
    cwd = tmp_path_factory.mktemp("browser-paths")
    (cwd / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (cwd / "wild.toml").write_text('start = "2018-04"\nmonths = 13\nseed = 7\n' + "".join(
        f'[assets.{a}]\nmean = "10%"\nvolatility = "30%"\n' for a in ("Large", "Mid", "Small")), encoding="utf-8")
    done = lotwise(cwd, "backtest", "--policy", "toy.rules", "--scenario", "wild.toml", "--paths", "3", "--jobs", "1",
                   "--html", "paths.html")
    assert done.returncode == 0, done.stderr
    return cwd / "paths.html"


def test_the_monte_carlo_page_renders_its_charts(paths_report: Path, tmp_path: Path):
    """The fan chart: 5 panels, each with its two shaded bands, its median and the money put in across
    the time axis (a quarter of the chart's width: a panel is a third of it); the outcome chart: a box
    and whisker per strategy. Then the screenshot: each chart's box is inked, in several colours."""
    import numpy
    from PIL import Image

    probed = probe(paths_report, tmp_path / "profile-dom")
    charts = {c["name"]: c for c in probed["charts"]}
    assert list(charts) == ["chart-paths-value", "chart-paths-outcome"]
    for name, c in charts.items():
        assert c["width"] > 600 and c["height"] > 250, name
        assert c["drawn_width"] > 500 and c["drawn_height"] > 200, name
        assert c["sized"] >= 10 and c["uses"] > 20, name
    assert charts["chart-paths-value"]["sized"] >= 5 * 4  # per panel: two bands, the median, the money put in
    height = int(probed["page_height"]) + 20
    shot = tmp_path / "page.png"
    done = browse(paths_report, tmp_path / "profile-shot", f"--window-size={WIDTH},{height}", f"--screenshot={shot}")
    assert done.returncode == 0 and shot.exists(), done.stderr
    with Image.open(shot) as opened:
        pixels = numpy.asarray(opened.convert("RGB"), dtype=numpy.int16)
    for c in probed["charts"]:
        box = pixels[int(c["top"]):int(c["top"] + c["height"]), int(c["left"]):int(c["left"] + c["width"])]
        ink = box[(box != 255).any(axis=2)]
        assert len(ink) > 0.05 * box.shape[0] * box.shape[1], c["name"]  # shaded bands and boxes: much ink
        saturated = ink[(ink.max(axis=1) - ink.min(axis=1)) > 60]
        assert len({tuple(p) for p in saturated}) > 20, c["name"]


def test_every_chart_is_rendered_with_its_lines(probed: dict):
    charts = {c["name"]: c for c in probed["charts"]}
    assert list(charts) == ["chart-value", "chart-allocation", "chart-tax", "chart-drift"]
    for name, c in charts.items():
        assert c["width"] > 600 and c["height"] > 250, name  # laid out at (nearly) its size: 864 pt-px wide
        assert c["drawn_width"] > 500 and c["drawn_height"] > 200, name  # the SVG drew across its box
        assert c["sized"] >= 10 and c["uses"] > 20, name  # the axes, ticks and lines; the glyphs of the text
    assert charts["chart-value"]["spanning"] >= 6  # 5 strategies and the money put in run the whole time axis
    assert charts["chart-drift"]["spanning"] >= 5


def test_the_screenshot_shows_the_charts(report: Path, probed: dict, tmp_path: Path):
    import numpy
    from PIL import Image  # matplotlib's own dependencies

    height = int(probed["page_height"]) + 20
    shot = tmp_path / "page.png"
    done = browse(report, tmp_path / "profile", f"--window-size={WIDTH},{height}", f"--screenshot={shot}")
    assert done.returncode == 0 and shot.exists(), done.stderr
    with Image.open(shot) as opened:
        image = opened.convert("RGB")
    assert image.size == (WIDTH, height)
    pixels = numpy.asarray(image, dtype=numpy.int16)  # rows x columns x RGB
    for c in probed["charts"]:
        box = pixels[int(c["top"]):int(c["top"] + c["height"]), int(c["left"]):int(c["left"] + c["width"])]
        ink = box[(box != 255).any(axis=2)]  # the pixels that are not the white background
        assert len(ink) > 0.02 * box.shape[0] * box.shape[1], c["name"]  # lines, axes, text: not a blank box
        saturated = ink[(ink.max(axis=1) - ink.min(axis=1)) > 60]  # the strategies' colours, not the grey axes
        assert len({tuple(p) for p in saturated}) > 20, c["name"]
    assert (pixels[:, WIDTH - 20:] == 255).all()  # right of the page's column: background only
