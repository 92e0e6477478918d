"""`lotwise backtest --html FILE --png DIR` through real processes on the toy history
(tests/backtest/toy.py, run to March 2020 as test_backtest_cli.py runs it).

By hand (test_backtest_cli.py's docstring): buy-and-hold's final value is Rs 3,02,925 and after
selling all Rs 3,02,785.48; the report shows them as the table does. The charts are PNGs of
9 x 4.6 inches at 100 dots an inch (900 x 460 pixels; the allocation chart's height is 2.4 inches a
row of panels plus 0.6: the toy's 3 assets make 2 rows, 5.4 inches, 540 pixels).
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import struct
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

pytestmark = pytest.mark.slow  # whole backtests as processes
CHARTS = ["value.png", "allocation.png", "tax.png", "drift.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("report")
    return toy.book(cwd)


@pytest.fixture(scope="module")
def made(book: Path) -> subprocess.CompletedProcess:
    """One run that writes both: the page into a directory that is there, the charts into one --png makes
    (two levels of it)."""
    (book / "out").mkdir()
    done = lotwise(book, "backtest", "--to", "2020-03", "--html", "out/report.html", "--png", "out/charts/toy")
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def html(made: subprocess.CompletedProcess, book: Path) -> str:
    return (book / "out" / "report.html").read_text(encoding="utf-8")


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height from its IHDR chunk (the first, right after the signature)."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_the_files_are_written_and_said_on_stderr_and_the_table_is_unchanged(made, book: Path):
    assert made.stderr.splitlines() == [f"wrote {Path('out/charts/toy') / n}" for n in CHARTS] + \
        [f"wrote {Path('out/report.html')}"]
    plain = lotwise(book, "backtest", "--to", "2020-03")
    assert made.stdout == plain.stdout and not plain.stderr
    assert sorted(p.name for p in (book / "out").iterdir()) == ["charts", "report.html"]  # one file, and the charts
    assert sorted(p.name for p in (book / "out" / "charts" / "toy").iterdir()) == sorted(CHARTS)


def test_the_pngs_are_valid_pngs_of_the_stated_sizes(made, book: Path):
    sizes = {n: png_size((book / "out" / "charts" / "toy" / n).read_bytes()) for n in CHARTS}
    assert sizes == {"value.png": (900, 460), "allocation.png": (900, 540), "tax.png": (900, 380),
                     "drift.png": (900, 380)}
    from PIL import Image  # matplotlib's own dependency: the file decodes as a whole

    with Image.open(book / "out" / "charts" / "toy" / "value.png") as image:
        image.load()
        assert image.size == (900, 460)


def test_the_page_is_self_contained(html: str):
    """No script, stylesheet, image, frame or font fetched; the only URLs are the SVGs' namespaces."""
    urls = re.findall(r"https?://[^\s\"'<>)]+", html)
    assert urls and set(urls) == {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert all(f'xmlns="{u}"' in html or f'xmlns:xlink="{u}"' in html for u in urls)
    lowered = html.lower()
    for fetching in ("<script", "<link", "<img", "<iframe", "@import", "@font-face", "src=", "url(http",
                     "<?xml", "<!doctype svg", "<metadata"):
        assert fetching not in lowered, fetching
    assert lowered.startswith("<!doctype html>") and lowered.count("<svg") == 4


def test_the_svgs_ids_are_unique_on_the_page(html: str):
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    referenced = set(re.findall(r'href="#([^"]+)"', html)) | set(re.findall(r"url\(#([^)]+)\)", html))
    assert referenced and referenced <= set(ids)  # every reference finds its element


def test_the_summary_shows_the_jsons_numbers_as_the_table_formats_them(html: str, book: Path):
    from engine.literals import format_inr
    from engine.reports.backtest import rate

    data = json.loads(lotwise(book, "backtest", "--to", "2020-03", "--json").stdout)
    summary = html[html.index('id="summary"'):html.index("</table>")]
    rows = {re.findall(r"<td>([^<]*)</td>", row)[0]: re.findall(r"<td>([^<]*)</td>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", summary) if "<td>" in row}
    assert list(rows) == [s["strategy"] for s in data["strategies"]]
    for s in data["strategies"]:
        assert rows[s["strategy"]] == [
            s["strategy"], format_inr(D(s["final_value"])), format_inr(D(s["after_selling_all"])),
            rate(None if s["xirr"] is None else D(s["xirr"])),
            rate(None if s["xirr_after_tax"] is None else D(s["xirr_after_tax"])), format_inr(D(s["tax"])),
            str(s["orders"]), rate(D(s["turnover"])), rate(D(s["drift_mean"])), rate(D(s["drift_max"])),
            str(s["months_outside"]),
            "" if s["harvest_value"] is None else
            f'{format_inr(D(s["harvest_value"]["saved"]))} / {format_inr(D(s["harvest_value"]["deferred"]))}']
    assert rows["buy-and-hold"][1:3] == ["Rs 3,02,925", "Rs 3,02,785.48"]  # by hand (module docstring)
    assert "<dd>2018-04-02 to 2020-03-31</dd>" in html and "<dd>Rs 10,000 (asha Rs 10,000)</dd>" in html


def test_the_tax_and_exemption_per_fy_tables_have_every_fy(html: str, book: Path):
    data = json.loads(lotwise(book, "backtest", "--to", "2020-03", "--json").stdout)
    for title, key in (("tax_by_fy", "tax_by_fy"), ("exemption_by_fy", "exemption_used_by_fy")):
        section = html[html.index(f'id="{title}"'):]
        section = section[:section.index("</table>")]
        for fy in ("FY 2018-19", "FY 2019-20"):
            row = re.search(rf"<tr><td>{fy}</td>(.*?)</tr>", section)
            assert row is not None
            from engine.literals import format_inr

            assert re.findall(r"<td>([^<]*)</td>", row[1]) == [format_inr(D(s[key][fy])) for s in data["strategies"]]


def test_the_report_is_the_same_bytes_every_time(book: Path, html: str):
    """No date, no random id: the same run writes the same page and the same PNGs."""
    again = lotwise(book, "backtest", "--to", "2020-03", "--html", "again.html", "--png", "again")
    assert again.returncode == 0, again.stderr
    assert (book / "again.html").read_text(encoding="utf-8") == html
    for n in CHARTS:
        assert (book / "again" / n).read_bytes() == (book / "out" / "charts" / "toy" / n).read_bytes()


def test_a_png_target_that_is_a_file_is_refused_before_anything_is_written(book: Path):
    (book / "afile").write_text("mine\n", encoding="utf-8")
    done = lotwise(book, "backtest", "--to", "2020-03", "--html", "never.html", "--png", "afile")
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert done.stderr == "lotwise: cannot write the charts into afile: it is a file, not a directory\n"
    assert (book / "afile").read_text(encoding="utf-8") == "mine\n" and not (book / "never.html").exists()
    as_json = lotwise(book, "backtest", "--to", "2020-03", "--png", "afile", "--json")
    assert as_json.returncode == 1
    assert [d["code"] for d in json.loads(as_json.stdout)["diagnostics"]] == ["F101"]


@pytest.mark.parametrize("target, said", [
    ("no/such/dir/report.html", "cannot write no/such/dir/report.html: there is no directory no/such/dir"),
    (".", "cannot write .: it is a directory"),
])
def test_an_html_target_that_cannot_be_written_is_refused(book: Path, target: str, said: str):
    done = lotwise(book, "backtest", "--to", "2020-03", "--html", target, "--png", "not-made")
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert done.stderr == f"lotwise: {said}\n"
    assert not (book / "not-made").exists()


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_file(book: Path):
    """A file-size limit of 20,000 bytes (as a full disk: every write past it fails with EFBIG): the
    page (some 100 KB) cannot be written, the old page stays byte for byte, no .tmp is left."""
    (book / "kept.html").write_text("the old report\n", encoding="utf-8")

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run([sys.executable, "-m", "engine", "backtest", "--to", "2020-03", "--html", "kept.html"],
                          cwd=book, capture_output=True, text=True, preexec_fn=limited)
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert done.stderr.startswith("lotwise: cannot write kept.html: File too large; kept.html is unchanged")
    assert (book / "kept.html").read_text(encoding="utf-8") == "the old report\n"
    assert not [p for p in os.listdir(book) if p.endswith(".tmp")]


def test_hostile_names_are_text_on_the_page(tmp_path: Path):
    """An asset and a scenario file named with markup: escaped in the page's text; in the charts
    they are drawn as paths (no text element), so nothing of them runs or renders as markup."""
    hostile = toy.POLICY.replace('"Large"', '"<script>alert(1)</script> $x$ --> &"')
    (tmp_path / "h.rules").write_text(hostile, encoding="utf-8")
    (tmp_path / "<b>s.toml").write_text('start = "2018-04"\nmonths = 4\n' + "".join(
        f'[assets."{a}"]\nmean = "10%"\nvolatility = "0%"\n'
        for a in ("<script>alert(1)</script> $x$ --> &", "Mid", "Small")), encoding="utf-8")
    done = lotwise(tmp_path, "backtest", "--scenario", "<b>s.toml", "--policy", "h.rules", "--strategy",
                   "buy-and-hold", "--html", "h.html")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "h.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<b>" not in page and "&lt;b&gt;s.toml" in page


def test_without_html_or_png_matplotlib_is_never_imported(book: Path):
    """The CLI's start-up and a plain backtest load no matplotlib (nor numpy); --png does."""
    start = subprocess.run([sys.executable, "-c", "import sys, engine.cli.main; "
                            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy')))"],
                           capture_output=True, text=True, cwd=book)
    assert start.returncode == 0 and start.stdout == "[]\n", start.stderr
    for extra, loaded in (((), False), (("--png", "imported"), True)):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine", "backtest", "--to", "2019-03",
                               *extra], capture_output=True, text=True, cwd=book)
        assert done.returncode == 0
        modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
        assert ("matplotlib" in modules) is loaded


@pytest.mark.parametrize("config", ["fresh", "unusable"])
def test_matplotlib_says_nothing_of_its_font_cache_or_config_directory(book: Path, tmp_path: Path, config: str):
    """A first run on a fresh machine: an empty MPLCONFIGDIR, where matplotlib builds its font cache
    (and says so on stderr when that takes a while); an unusable one (/dev/null/mpl), where it makes
    a temporary one and says so. Either way the command's stderr is only the files written."""
    fresh = tmp_path / "mpl"
    fresh.mkdir()
    done = lotwise(book, "backtest", "--to", "2019-03", "--png", str(tmp_path / "charts"),
                   env={"MPLCONFIGDIR": str(fresh) if config == "fresh" else "/dev/null/mpl"})
    assert done.returncode == 0
    assert done.stderr.splitlines() == [f"wrote {tmp_path / 'charts' / n}" for n in CHARTS]
    if config == "fresh":
        assert list(fresh.glob("fontlist*.json"))  # the cache was built in this run
