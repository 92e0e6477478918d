"""Issue 12.6: the year-end plan's --csv and --markdown carry hostile names as text. A spreadsheet
runs no formula from a CSV cell (OWASP: a leading `'`), and a Markdown renderer keeps the table's
columns and runs no HTML. Through a real process, as an adviser exports a plan."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conftest import lotwise
from engine.reports.escape import csv_text, md_text

pytestmark = pytest.mark.slow  # the year-end plan exported through a process

HOSTILE_ACCOUNTS = ['=HYPERLINK("http://x")', "a|b<script>alert(1)</script>", "@SUM(1+1)", "+1-2", "-cmd"]
POLICY = '''use "india"
portfolio "t" {
    investor asha "=HYPERLINK(\\"http://x\\") a|b <script>alert(1)</script>"
    asset "<script>alert(1)</script> a|b" 100% class equity
    fund EQFUND "=cmd|' /C calc'!A0 <b>" holds "<script>alert(1)</script> a|b"
}
harvest at year end {
    realise gains up to the exemption, keep Rs 1,000 margin
    never realise short-term gains
}
'''


def _cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[str, str]:
    d: Path = tmp_path_factory.mktemp("hostile")
    (d / "policy.rules").write_text(POLICY, encoding="utf-8")
    rows = "".join(f"2023-0{4 + i}-10,asha,{_cell(a)},EQFUND,BUY,1000,100,0\n" for i, a in enumerate(HOSTILE_ACCOUNTS))
    (d / "tx.csv").write_text("date,investor,account,security,type,units,price,charges\n" + rows, encoding="utf-8")
    (d / "prices.csv").write_text("date,security,price\n2026-03-20,EQFUND,150\n", encoding="utf-8")
    for args in (("init", "--policy", "policy.rules", "--book", "b.db"), ("import", "--book", "b.db", "tx.csv", "prices.csv"),
                 ("plan", "year-end", "--book", "b.db", "--as-of", "2026-03-20", "--csv", "o.csv",
                  "--markdown", "r.md")):
        run = lotwise(d, *args)
        assert run.returncode == 0, run.stderr
    return (d / "o.csv").read_text(encoding="utf-8"), (d / "r.md").read_text(encoding="utf-8")


def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(exported):
    rows = list(csv.DictReader(io.StringIO(exported[0])))
    assert rows, "the plan has orders"
    formula = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for column in ("investor", "account", "security", "asset"):
            assert not row[column].startswith(formula), (column, row[column])
    accounts = {row["account"] for row in rows}
    assert "'=HYPERLINK(\"http://x\")" in accounts and len(accounts) >= 3
    assert accounts <= {csv_text(a) for a in HOSTILE_ACCOUNTS}
    assert all(row["asset"] == "<script>alert(1)</script> a|b" for row in rows)  # CSV is not HTML


def test_csv_numbers_stay_numbers():
    assert csv_text("-1200.50") == "'-1200.50"  # text from the user's data is escaped...
    # ...but lotwise's own amounts are never passed through csv_text: a SELL row's amount is a number
    assert csv_text("EQFUND") == "EQFUND" and csv_text("") == "" and csv_text(None) == ""


def test_markdown_tables_keep_their_columns_and_no_html_runs(exported):
    report = exported[1]
    assert "<script>" not in report and "<b>" not in report
    table = None
    for line in report.splitlines():
        if not line.startswith("|"):
            table = None
            continue
        pipes = line.replace("\\|", "").count("|")
        table = table or pipes
        assert pipes == table, line
    assert "a\\|b&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_markdown_escaping_rules():
    assert md_text("a|b") == "a\\|b"
    assert md_text("a\\|b") == "a\\\\\\|b"  # a backslash cannot un-escape the pipe after it
    assert md_text("<script>&") == "&lt;script&gt;&amp;"
    assert md_text("one\ntwo\r\nthree") == "one two three"
