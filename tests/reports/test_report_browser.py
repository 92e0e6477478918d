"""`lotwise report`'s page in a real browser and its PDF read back as text: the Sharma family's
rebalance (`rebalance --method full --json`, reported with --plan-file: no year-end solve needed),
its policy with a `report` block.

1. Headless Chromium (Debian's `chromium`, driven as tests/backtest/test_backtest_report_browser.py
   drives it) renders a copy of the page with a probe script appended (test-only: the report has
   none): the allocation chart is laid out at its size and its SVG drew bars (paths with a box);
   then a screenshot: the chart's box holds ink in the bars' colours (the blue of "after" among them).
   The policy's appendix is in the DOM, collapsed, with the lexer's spans.
2. The PDF (WeasyPrint, the `pdf` extra) through poppler's `pdftotext`: the names, the adviser, the
   disclaimer and the orders are text in it, and at its end the policy the plan applied (open, its
   long lines wrapped); two runs give the same bytes.

Skipped without chromium, WeasyPrint or pdftotext, except in CI (the CI environment variable set),
where .ci/run installs them and their absence fails the test.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # the family's book, the report as processes, a browser and a PDF (some 20 s)

REPO = Path(__file__).resolve().parents[2]
WIDTH = 1400
PROBE = """<script>
addEventListener("load", () => {
  const svg = document.querySelector("#chart-allocation svg"), box = svg.getBoundingClientRect(), drawn = svg.getBBox();
  const paths = [...svg.querySelectorAll("path")].filter(p => !p.closest("defs"));
  const sized = paths.filter(p => { const b = p.getBBox(); return b.width > 0 && b.height > 0; });
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({left: box.left + scrollX, top: box.top + scrollY, width: box.width,
    height: box.height, drawn_width: drawn.width, drawn_height: drawn.height, paths: paths.length,
    sized: sized.length, page_height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});
</script>
"""


def needed(what: str, found: object, how: str) -> None:
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed: .ci/run installs it before the tests")
        pytest.skip(f"{what} is not installed ({how})")


def weasyprint_works() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("family-report")
    for name in ("transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(REPO / "examples" / "family" / name, where / name)
    text = (REPO / "examples" / "family" / "family.rules").read_text(encoding="utf-8")
    (where / "family.rules").write_text(text + '\nreport {\n    adviser "Priya Mehta" registration INA000012345\n'
                                        '    disclaimer "Past performance is not a guide to the future."\n}\n',
                                        encoding="utf-8")
    assert lotwise(where, "init", "--policy", "family.rules").returncode == 0
    assert lotwise(where, "import", "transactions.csv", "prices.csv", "fmv.csv").returncode == 0
    done = lotwise(where, "rebalance", "--method", "full", "--as-of", "2026-11-21", "--json")
    assert done.returncode == 0, done.stderr
    (where / "rebalance.json").write_text(done.stdout, encoding="utf-8")
    return where


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(shutil.which("chromium")), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}",
               "--virtual-time-budget=5000", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_chart_renders_in_chromium(family: Path, tmp_path: Path):
    needed("chromium", shutil.which("chromium"), "Debian: apt-get install chromium")
    import numpy
    from PIL import Image  # matplotlib's own dependencies

    done = lotwise(family, "report", "--plan-file", "rebalance.json", "--html", "report.html")
    assert done.returncode == 0, done.stderr
    page = family / "report.html"
    probed_page = tmp_path / "probed.html"
    probed_page.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = browse(probed_page, tmp_path / "profile-dom", f"--window-size={WIDTH},1000", "--dump-dom")
    assert done.returncode == 0, done.stderr
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found is not None, done.stdout[-2000:]
    chart = json.loads(html.unescape(found[1]))
    # the appendix (the rebalance the book saved: its policy as applied), collapsed, its spans in the DOM
    assert '<details id="policy" class="policy-applied">' in done.stdout
    assert '<span class="kd">portfolio</span>' in done.stdout
    assert chart["width"] > 600 and chart["height"] > 200  # laid out at (nearly) its size: 648 x 282 pt
    assert chart["drawn_width"] > 500 and chart["drawn_height"] > 150
    assert chart["sized"] >= 8 + 4  # 4 assets x (before, after) bars and the 4 target lines, with the axes'
    shot = tmp_path / "page.png"
    done = browse(page, tmp_path / "profile-shot", f"--window-size={WIDTH},{int(chart['page_height']) + 20}",
                  f"--screenshot={shot}")
    assert done.returncode == 0 and shot.exists(), done.stderr
    with Image.open(shot) as opened:
        pixels = numpy.asarray(opened.convert("RGB"), dtype=numpy.int16)
    box = pixels[int(chart["top"]):int(chart["top"] + chart["height"]),
                 int(chart["left"]):int(chart["left"] + chart["width"])]
    ink = box[(box != 255).any(axis=2)]
    assert len(ink) > 0.10 * box.shape[0] * box.shape[1]  # eight bars: much ink
    blue = ink[(ink[:, 2] > 150) & (ink[:, 0] < 40)]  # the "after" bars' #0072B2
    assert len(blue) > 0.03 * box.shape[0] * box.shape[1]


def test_the_pdf_has_the_report_as_text(family: Path, tmp_path: Path):
    needed("WeasyPrint", weasyprint_works(), "pip install 'lotwise[pdf]'")
    needed("pdftotext", shutil.which("pdftotext"), "Debian: apt-get install poppler-utils")
    for name in ("one.pdf", "two.pdf"):
        done = lotwise(family, "report", "--plan-file", "rebalance.json", "--pdf", name)
        assert (done.returncode, done.stderr) == (0, f"wrote {name}\n"), done.stderr
    assert (family / "one.pdf").read_bytes() == (family / "two.pdf").read_bytes()
    assert (family / "one.pdf").read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(family / "one.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    words = " ".join(text.split())
    assert "Rebalance" in words and "for Asha Sharma, Ravi Sharma" in words
    assert "Method: full (every asset back to its target)." in words
    assert "Prepared by Priya Mehta, SEBI registered investment adviser, registration INA000012345." in words
    assert "Past performance is not a guide to the future." in words
    body = json.loads((family / "rebalance.json").read_text(encoding="utf-8"))
    assert words.count("2026-11-23") >= len(body["orders"]) == 7
    report = words[:words.index("The policy this plan applied")]  # the appendix, open in the PDF, ends it
    assert "UTI Nifty 50 Index Fund - Direct Growth" in report and "INF789F01XA0" not in report
    appendix = words[len(report):]
    assert appendix.startswith("The policy this plan applied family.rules sha256 ")
    assert 'fund INF789F01XA0 "UTI Nifty 50 Index Fund - Direct Growth" holds "Nifty 50"' in appendix
    assert 'disclaimer "Past performance is not a guide to the future."' in appendix
    assert "With the rules shipped with lotwise" in appendix
