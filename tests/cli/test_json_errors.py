"""`--json` always prints JSON, errors included (issue 13 item 6): a command given --json that
fails prints on stdout one JSON object, `{"ok": false, "diagnostics": [...]}` (each diagnostic
coded, docs/diagnostics.md), and nothing else; its exit code and what it says on stderr are as
without --json. Run as a user runs them: a new process each."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # every error through a real process

REPO = Path(__file__).resolve().parents[2]
FAMILY = REPO / "examples" / "family"
AS_OF = "2026-11-21"


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("family")
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, cwd / name)
    for args in (("init", "--policy", "family.rules"), ("import", "transactions.csv", "prices.csv", "fmv.csv")):
        done = lotwise(cwd, *args)
        assert done.returncode == 0, done.stderr
    return cwd


def failed(done: subprocess.CompletedProcess, code: str, exit_code: int = 1) -> dict:
    """The failure's JSON, after checking its shape: stdout is that one object, the code is the
    first diagnostic's, stderr still says it in words."""
    assert done.returncode == exit_code, (done.stdout, done.stderr)
    data = json.loads(done.stdout)
    assert data["ok"] is False and data["diagnostics"], data
    assert data["diagnostics"][0]["code"] == code, data
    assert all(set(d) >= {"code", "severity", "message", "span", "hint", "notes"} for d in data["diagnostics"])
    assert done.stderr.strip() and "Traceback" not in done.stderr
    return data


def test_a_missing_book(tmp_path):
    for command in (["status"], ["lots"], ["gains"], ["plans"], ["why"], ["doctor"], ["import", "x.csv"]):
        data = failed(lotwise(tmp_path, *command, "--book", "none.db", "--json"), "B111")
        assert "no book at `none.db`" in data["diagnostics"][0]["message"]


def test_a_file_that_is_not_a_book(tmp_path):
    (tmp_path / "junk.db").write_text("not a book " * 100)
    failed(lotwise(tmp_path, "status", "--book", "junk.db", "--json"), "B113")


def test_a_damaged_book(family, tmp_path):
    for item in family.iterdir():
        shutil.copy(item, tmp_path / item.name)
    db = sqlite3.connect(tmp_path / "lotwise.db")
    for statement in ("DROP TRIGGER transactions_updated", "UPDATE transactions SET units = 'abc' WHERE id = 7"):
        db.execute(statement)
    db.commit()
    db.close()
    text = lotwise(tmp_path, "lots")
    data = failed(lotwise(tmp_path, "lots", "--json"), "B120")
    assert text.returncode == 1 and text.stderr == "lotwise: " + data["diagnostics"][0]["message"] + "\n"


def test_a_bad_policy_gives_its_diagnostics_with_their_spans(family):
    (family / "bad.rules").write_text('use "india"\nbogus\n')
    data = failed(lotwise(family, "status", "--policy", "bad.rules", "--json"), "P101")
    assert data["diagnostics"][0]["span"]["path"] == "bad.rules" and data["diagnostics"][0]["span"]["line"] == 2


def test_a_bad_argument_is_a_usage_error_in_json(family):
    done = lotwise(family, "gains", "--fy", "2025-27", "--json")
    data = failed(done, "C100", exit_code=2)
    assert "argument --fy" in data["diagnostics"][0]["message"]
    assert done.stderr.startswith("usage: lotwise gains")  # as argparse says it


def test_a_refused_plan_names_the_option(family):
    data = failed(lotwise(family, "plan", "year-end", "--fy", "2025-26", "--as-of", "2024-01-01", "--no-save",
                          "--json"), "C104")
    assert data["diagnostics"][0]["message"] == "--as-of 2024-01-01 is in FY 2023-24, not FY 2025-26"
    failed(lotwise(family, "rebalance", "--method", "cash", "--as-of", AS_OF, "--json"), "C102")
    failed(lotwise(family, "why", "YE-nosuch", "--json"), "C120")


def test_an_unwritable_report_file(family):
    data = failed(lotwise(family, "plan", "year-end", "--as-of", AS_OF, "--no-save", "--csv",
                          str(family / "no" / "such" / "orders.csv"), "--json"), "F101")
    assert "orders.csv" in data["diagnostics"][0]["message"]


def test_an_import_the_ledger_rejects_points_at_its_row(family):
    (family / "sell.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                     "2014-01-02,asha,4078405/77,INF179K01BE2,SELL,5,1,0\n")
    data = failed(lotwise(family, "import", "sell.csv", "--json"), "L101")
    span = data["diagnostics"][0]["span"]
    assert (span["path"], span["line"]) == ("sell.csv", 2)


def test_an_internal_error_in_json(tmp_path):
    script = ("import sys\nimport engine.cli.main as cli\n"
              "def status(args):\n    return 1 / 0\n"
              "cli.cmd_status = status\nsys.exit(cli.main(['status', '--book', 'nowhere.db', '--json']))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "LOTWISE_NO_CACHE": "1", "XDG_CACHE_HOME": str(tmp_path / "cache"),
                               "LOTWISE_DEBUG": ""})
    data = failed(done, "X001", exit_code=3)
    assert "ZeroDivisionError" in data["diagnostics"][0]["message"]


def test_the_codes_are_documented():
    """Every code the shell and the API give is in docs/diagnostics.md."""
    import re

    documented = set(re.findall(r"^\| `?([A-Z]\d{3})`? \|", (REPO / "docs" / "diagnostics.md").read_text(),
                                re.MULTILINE))
    given = set()
    for path in [*(REPO / "engine" / "cli").glob("*.py"), *(REPO / "engine").glob("*.py"),
                 REPO / "engine" / "book" / "store.py", REPO / "engine" / "book" / "rows.py"]:
        given |= set(re.findall(r'"([BCFX]\d{3})"', path.read_text()))
    assert given and given <= documented, sorted(given - documented)
