"""`lotwise report` as a user runs it (a new process each): the Sharma family's book (examples/family)
under its policy with a `report` block added, its year-end plan for 2026-11-21 saved, then the page
of that plan, of its month plan and rebalance (from `plan month --json` and `rebalance --json`), of
the status; the Markdown with names; and every refusal (docs/report.md, docs/diagnostics.md C18x).

The figures the page shows are the plan's (tests/golden/commands/family/year-end.txt is the same
plan: the report block changes the policy's hash, so the id, but not one number): Asha's exemption
used goes from Rs 0 to Rs 1,23,999.71 and Ravi's to Rs 1,24,000.01, each within the Rs 1,24,000 the
plan may use (the Rs 1,25,000 exemption of s.112A less the perpetual preset's Rs 1,000 margin; the
one paisa over is rounding of units to 3 decimals), no tax before or after; the legacy HDFC Large
Cap fund (INF179K01BE2) is sold for Rs 2,15,405.96 (Asha) and Rs 1,70,796.18 (Ravi)."""

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # a year-end plan and some twenty processes (about a minute)

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-21"
REPORT_BLOCK = """
report {
    adviser "Priya Mehta & Co. <Advisers>" registration INA000012345
    disclaimer "Investments in securities are subject to market risks. Read all scheme documents carefully."
}
"""


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("family")
    for name in ("transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(REPO / "examples" / "family" / name, where / name)
    text = (REPO / "examples" / "family" / "family.rules").read_text(encoding="utf-8")
    (where / "family.rules").write_text(text + REPORT_BLOCK, encoding="utf-8")
    assert lotwise(where, "init", "--policy", "family.rules").returncode == 0
    assert lotwise(where, "import", "transactions.csv", "prices.csv", "fmv.csv").returncode == 0
    # before any plan is saved: nothing to report (C180)
    done = lotwise(where, "report", "--html", "none.html")
    assert (done.returncode, done.stdout) == (1, "")
    assert ("lotwise: no saved plans in this book: `lotwise plan year-end`, `plan month` or `rebalance` saves one "
            "(or report the status with `--status`)") in done.stderr
    assert not (where / "none.html").exists()
    plan = lotwise(where, "plan", "year-end", "--as-of", AS_OF, "--json")
    assert plan.returncode == 0, plan.stderr
    (where / "year-end.json").write_text(plan.stdout, encoding="utf-8")
    return where


@pytest.fixture(scope="module")
def plan(family: Path) -> dict:
    return json.loads((family / "year-end.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(family: Path) -> str:
    done = lotwise(family, "report", "--html", "report.html")
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "wrote report.html\n")
    return (family / "report.html").read_text(encoding="utf-8")


def test_the_page_names_the_investors_and_funds(page: str, plan: dict):
    assert "<h1>Year-end plan for FY 2026-27</h1>" in page
    assert "for Asha Sharma, Ravi Sharma" in page and "portfolio Sharma family" in page
    assert "<td>HDFC Large Cap Fund - Regular Growth</td>" in page
    assert "<td>UTI Nifty 50 Index Fund - Direct Growth</td>" in page
    report = page[:page.index('<details id="policy"')]  # the policy's own text, in the appendix, has them
    for isin in ("INF179K01BE2", "INF789F01XA0", "INF109K01Y80", "INF247L01916", "INF247L01932"):
        assert isin not in report  # not in the orders, the summary or the reasons
    assert "<td>asha</td>" not in page and "<td>ravi</td>" not in page


def test_the_page_gives_the_orders_tax_and_exemption_of_the_plan(page: str, plan: dict):
    # the orders: the legacy fund sold for each (module docstring), every order of the plan a row
    assert page.count("<tr><td>2026-11-23</td>") == len(plan["orders"]) == 7
    assert ("<td>2026-11-23</td><td>Asha Sharma</td><td>HDFC Large Cap Fund - Regular Growth</td><td>SELL</td>"
            "<td>Rs 2,15,405.96</td><td>179.443</td><td>Rs 0</td>") in page
    # tax before and after, the exemption used before and after, the exemption
    assert ("<tr><td>Asha Sharma</td><td>Rs 0</td><td>Rs 0</td><td>Rs 0</td><td>Rs 1,23,999.71</td>"
            "<td>Rs 1,25,000</td></tr>") in page
    assert ("<tr><td>Ravi Sharma</td><td>Rs 0</td><td>Rs 0</td><td>Rs 0</td><td>Rs 1,24,000.01</td>"
            "<td>Rs 1,25,000</td></tr>") in page


def test_the_allocation_before_and_after_is_the_plans(page: str, plan: dict):
    """Nifty 50: 42.87% of the portfolio before, 39.75% after, against 40%: its value over the four
    assets' (the plan's drift record), to two decimals."""
    before = {a["asset"]: Decimal(a["value"]) for a in plan["drift"]["before"]["assets"]}
    share = before["Nifty 50"] / sum(before.values()) * 100
    assert f"{share:.2f}" == "42.87"
    assert "<tr><td>Nifty 50</td><td>40.00%</td><td>42.87%</td><td>39.75%</td></tr>" in page
    assert page.count('<section id="chart-allocation" class="chart">') == 1 and "<svg" in page


def test_the_summary_and_the_reasons_say_why_in_words(page: str, plan: dict):
    sold = sum(1 for d in plan["decisions"] if d["action"] != "KEPT")
    assert sold == 22
    assert f"Every one of the {len(plan['decisions'])} lots held was considered; 22 are sold." in page
    assert ("Asha Sharma: the plan is worth Rs 20,546.55: tax saved this year Rs 0, future tax avoided Rs 8,194.57"
            in page)
    assert page.count("</li>", page.index('<h2 id="reasons">')) == sold
    assert "Lot L3f40d66e (2.472 units of HDFC Large Cap Fund - Regular Growth in 4078405/77, bought 2015-04-15) sold" \
        in page


def test_the_adviser_and_disclaimer_come_from_the_policy_escaped(page: str):
    assert ("Prepared by <strong>Priya Mehta &amp; Co. &lt;Advisers&gt;</strong>, SEBI registered investment "
            "adviser, registration INA000012345.") in page
    assert "Investments in securities are subject to market risks. Read all scheme documents carefully." in page
    assert "<Advisers>" not in page


def test_the_foot_has_the_plan_id_and_every_input_hash(page: str, plan: dict):
    foot = page[page.index('<div class="foot">'):]
    assert f"Plan <strong>{plan['plan_id']}</strong>" in foot
    for name, value in plan["inputs"].items():
        assert f"<tr><td>{name}</td><td><code>" in foot
        if name != "options":  # JSON text, escaped
            assert f"<code>{value}</code>" in foot


def test_the_page_is_self_contained_and_the_same_every_run(family: Path, page: str, plan: dict):
    assert "<script" not in page and "<link" not in page and "<img" not in page and "@import" not in page
    assert 'href="http' not in page and "src=" not in page and "url(http" not in page
    again = lotwise(family, "report", plan["plan_id"][:6], "--html", "again.html")  # by a prefix of the id
    assert again.returncode == 0, again.stderr
    assert (family / "again.html").read_bytes() == (family / "report.html").read_bytes()


def test_month_and_rebalance_pages_from_their_json(family: Path):
    month = lotwise(family, "plan", "month", "--as-of", AS_OF, "--from", "asha=30000,ravi=20000", "--dry-run",
                    "--json")
    rebalance = lotwise(family, "rebalance", "--method", "full", "--as-of", AS_OF, "--no-save", "--json")  # the
    # year-end plan stays the one saved last, which the other tests report
    assert month.returncode == 0 and rebalance.returncode == 0
    (family / "month.json").write_text(month.stdout, encoding="utf-8")
    (family / "rebalance.json").write_text(rebalance.stdout, encoding="utf-8")
    for name in ("month", "rebalance"):
        done = lotwise(family, "report", "--plan-file", f"{name}.json", "--html", f"{name}.html")
        assert done.returncode == 0, done.stderr
    page = (family / "month.html").read_text(encoding="utf-8")
    body = json.loads(month.stdout)
    # the month's money: Rs 30,000 of Asha's, Rs 20,000 of Ravi's, all bought (no sale: drift under 10%)
    assert "<h1>Month plan for 2026-11</h1>" in page
    assert "This month&#x27;s money: Asha Sharma Rs 30,000, Ravi Sharma Rs 20,000" in page
    assert sum(Decimal(o["amount"]) for o in body["orders"]) == 50000
    assert page.count("<tr><td>2026-11-23</td>") == len(body["orders"]) == 3
    assert "<td>ICICI Pru Nifty Next 50 Index Fund - Direct Growth</td><td>BUY</td><td>Rs 16,749</td>" in page
    assert "<tr><td>Nifty 50</td><td>40.00%</td><td>42.87%</td><td>42.67%</td></tr>" in page
    assert "Priya Mehta" in page and f"Plan <strong>{body['plan_id']}</strong>" in page  # a month plan has an id
    page = (family / "rebalance.html").read_text(encoding="utf-8")
    body = json.loads(rebalance.stdout)
    assert "<h1>Rebalance</h1>" in page and "Method: full (every asset back to its target)." in page
    # full: every asset back to its target, so each weight after is its target
    assert "<tr><td>Smallcap 250</td><td>20.00%</td><td>16.76%</td><td>20.00%</td></tr>" in page
    from engine.literals import format_inr

    tax = {o["investor"]: Decimal(0) for o in body["orders"]}
    for o in body["orders"]:
        tax[o["investor"]] += Decimal(o.get("tax") or 0)  # the sells' tax (a buy has none)
    assert tax["asha"] > 0
    assert f"<tr><td>Asha Sharma</td><td>{format_inr(tax['asha'])}</td></tr>" in page


def test_the_status_page(family: Path):
    done = lotwise(family, "report", "--status", "--as-of", AS_OF, "--html", "status.html")
    assert done.returncode == 0, done.stderr
    page = (family / "status.html").read_text(encoding="utf-8")
    status = json.loads(lotwise(family, "status", "--as-of", AS_OF, "--json").stdout)
    assert "<h1>Status for FY 2026-27</h1>" in page and "As of 2026-11-21" in page
    assert "<tr><td>Nifty 50</td><td>40.00%</td><td>42.87%</td></tr>" in page  # as before the plan above
    asha = status["investors"][0]
    assert asha["investor"] == "asha"
    assert "Asha Sharma: long-term gains realised in FY 2026-27 Rs 0; Rs 1,25,000 of the exemption is left" in page
    assert "lotwise report --status" in page and "Orders" not in page


def test_the_markdown_has_names(family: Path, plan: dict):
    done = lotwise(family, "report", "--markdown", "plan.md")
    assert done.returncode == 0, done.stderr
    text = (family / "plan.md").read_text(encoding="utf-8")
    assert text.startswith(f"# Year-end plan {plan['plan_id']}\n")
    assert "## Asha Sharma\n" in text and "## Ravi Sharma\n" in text
    assert ("| 2026-11-23 | Asha Sharma | 4078405/77 | HDFC Large Cap Fund - Regular Growth | SELL | Rs 2,15,405.96 "
            "| 179.443 |") in text
    assert "INF179K01BE2" not in text


def test_refusals(family: Path, tmp_path: Path):
    def refused(*args: str) -> str:
        done = lotwise(family, "report", *args)
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert "Traceback" not in done.stderr
        return done.stderr

    assert refused("YE-000000000000", "--html", "x.html") == (
        "lotwise: no saved plan 'YE-000000000000' in this book (or more than one starts so); `lotwise plans` lists "
        "them\n")
    assert refused() == "lotwise: say what to write: --html FILE, --pdf FILE or --markdown FILE\n"
    assert refused("--html", "no/such/dir/x.html") == "lotwise: cannot write no/such/dir/x.html: there is no directory " \
        "no/such/dir\n"
    (family / "adir").mkdir(exist_ok=True)
    assert refused("--html", "adir") == "lotwise: cannot write adir: it is a directory\n"
    assert refused("--status", "--plan-file", "month.json", "--html", "x.html") == \
        "lotwise: report one thing: a saved PLAN, --status or --plan-file FILE\n"
    assert refused("--as-of", AS_OF, "--html", "x.html") == \
        "lotwise: --as-of is the day of a --status report; a plan has its own date\n"
    (family / "odd.json").write_text('{"kind": "backtest"}', encoding="utf-8")
    assert "cannot report a document of kind 'backtest'" in refused("--plan-file", "odd.json", "--html", "x.html")
    (family / "broken.json").write_text("{", encoding="utf-8")
    assert refused("--plan-file", "broken.json", "--html", "x.html").startswith("lotwise: cannot read the plan "
                                                                                "broken.json: ")
    assert refused("--plan-file", "month.json", "--markdown", "x.md") == \
        "lotwise: --markdown is the report of a year-end or harvest plan; write --html or --pdf\n"
    # a document of a plan's kind without what that kind has (here `why --json` of a month plan:
    # its kind, not its money): C183, no traceback, nothing written
    (family / "partial.json").write_text('{"kind": "month", "orders": []}', encoding="utf-8")
    assert refused("--plan-file", "partial.json", "--html", "x.html") == (
        "lotwise: partial.json is not a whole month document as `lotwise plan ... --json` prints it (KeyError: "
        "'money'); report the plan saved in the book by its id instead\n")
    assert not (family / "x.html").exists() and not (family / "x.md").exists()


def test_an_unwritable_directory_is_refused_before_anything_is_written(family: Path):
    import os

    locked = family / "locked"
    locked.mkdir(exist_ok=True)
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere (root)")
        done = lotwise(family, "report", "--html", "locked/r.html", "--markdown", "ok.md")
        assert done.returncode == 1 and "the directory locked is not writable" in done.stderr
        assert not (family / "ok.md").exists()
    finally:
        locked.chmod(0o700)


def test_pdf_without_weasyprint_says_to_install_the_extra(family: Path, tmp_path: Path):
    """A WeasyPrint that cannot be imported (as where the extra is not installed, or Pango is missing):
    a stand-in package first on the path that raises ImportError."""
    fake = tmp_path / "fake" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("No module named \'weasyprint\'")\n', encoding="utf-8")
    import os

    path = os.pathsep.join([str(fake.parent), os.environ.get("PYTHONPATH", "")])
    done = lotwise(family, "report", "--pdf", "r.pdf", "--html", "r-too.html", env={"PYTHONPATH": path})
    assert (done.returncode, done.stdout) == (1, "")
    assert "install lotwise[pdf]" in done.stderr and "Traceback" not in done.stderr
    assert not (family / "r.pdf").exists() and not (family / "r-too.html").exists()  # nothing written


def test_the_page_ends_with_the_policy_the_plan_applied_highlighted(family: Path, page: str, plan: dict):
    """The appendix (engine/reports/policy_html.py): collapsed, the client's own family.rules as the
    plan read it (its sha256 that of the file's UTF-8 text), highlighted by the lexer: `use` a
    namespace keyword (kn), `portfolio` before its `{` a declaration (kd), "india" a string (s2),
    the adviser's `<Advisers>` escaped inside its string. The shipped rules are only named, with
    the lotwise that made the plan (its `engine` input); india.rules's own text is not shown."""
    import hashlib

    text = (family / "family.rules").read_text(encoding="utf-8")
    appendix = page[page.index('<details id="policy" class="policy-applied">'):]
    assert appendix.startswith('<details id="policy" class="policy-applied">\n'
                               "<summary>The policy this plan applied</summary>\n<h3>family.rules</h3>\n")
    assert f"<code>{hashlib.sha256(text.encode('utf-8')).hexdigest()}</code>" in appendix
    assert '<span class="kn">use</span><span class="w"> </span><span class="s2">"india"</span>' in appendix
    assert '<span class="kd">portfolio</span>' in appendix
    assert '<span class="s2">"Priya Mehta &amp; Co. &lt;Advisers&gt;"</span>' in appendix
    assert 'class="err"' not in appendix
    assert (f"With the rules shipped with lotwise {plan['inputs']['engine']}: <code>india.rules</code>, "
            "<code>presets/perpetual.rules</code>") in appendix
    assert "lots fifo per account" not in page  # india.rules's words
    assert appendix.endswith("</details>\n</body>\n</html>\n")
    assert ".policy .kd {" in page  # the spans' style, in the page's own <style>
    # family.rules names asha's and ravi's PANs: masked, as `init --from-cas` writes them, since the page travels
    assert "ABCPS1234K" not in page and "ABCPS5678L" not in page
    assert '<span class="n">XXXXX1234X</span>' in appendix or "XXXXX1234X" in appendix
    assert "PANs are shown masked (XXXXX1234X)" in appendix


def test_no_appendix_without_a_saved_policy(family: Path, tmp_path: Path):
    """The status, a plan from a file that the book did not save (month.json, rebalance.json above:
    --dry-run, --no-save) and a plan saved before the book kept policies (its `policy` NULL, as a
    schema 7 book's plans are) have no appendix; the year-end plan's JSON from a file, which the
    book saved, has it."""
    import sqlite3

    for name in ("status", "month", "rebalance"):
        if (family / f"{name}.html").exists():
            assert "policy-applied" not in (family / f"{name}.html").read_text(encoding="utf-8")
    done = lotwise(family, "report", "--plan-file", "year-end.json", "--html", "from-file.html")
    assert done.returncode == 0, done.stderr
    assert '<details id="policy" class="policy-applied">' in (family / "from-file.html").read_text(encoding="utf-8")
    old = tmp_path / "old"
    shutil.copytree(family, old)
    with sqlite3.connect(old / "lotwise.db") as db:
        db.execute("UPDATE plans SET policy = NULL")
    db.close()
    done = lotwise(old, "report", "--html", "old.html")
    assert done.returncode == 0, done.stderr
    page = (old / "old.html").read_text(encoding="utf-8")
    assert "<h1>Year-end plan for FY 2026-27</h1>" in page and "policy-applied" not in page
    assert ".policy " not in page  # nor the spans' style
