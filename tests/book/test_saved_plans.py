"""One plan id, one plan (issue 11.2), through the command as a user runs it (real processes).

A saved plan's id is the hash of its inputs (engine/book/saved_plans.py). These tests check that the
id covers every input the plan read and nothing it did not:
- the grandfathering FMVs it read, with their source: the same book gives another id when
  casparser-isin's table fills an FMV the book lacks (its NAV changes the basis of the legacy
  fund's lots, so the plan differs), and the plan says where each FMV came from;
- only the transactions on or before `as_of`: a later import does not change a past plan's id;
- one snapshot of the book: a plan racing an import never carries the new inputs' id over the
  old inputs' body;
and that the book keeps the policy the plan applied, file by file (`lotwise plans --policy-of`).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # the family's year-end plan through processes, several times

FAMILY = Path(__file__).resolve().parents[2] / "examples" / "family"
AS_OF = "2026-11-21"
LEGACY = "INF179K01BE2"  # HDFC Large Cap Fund - Regular Growth, bought before 2018


def family_book(directory: Path, fmv_rows=None) -> None:
    for name in ("family.rules", "transactions.csv", "prices.csv"):
        shutil.copy(FAMILY / name, directory)
    lines = (FAMILY / "fmv.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [l for l in lines[1:] if fmv_rows is None or l.split(",")[0] in fmv_rows]
    (directory / "fmv.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert lotwise(directory, "init", "--policy", "family.rules").returncode == 0
    done = lotwise(directory, "import", "transactions.csv", "prices.csv", "fmv.csv")
    assert done.returncode == 0, done.stderr


def plan(directory: Path, *more: str, env: dict | None = None) -> dict:
    done = lotwise(directory, "plan", "year-end", "--as-of", AS_OF, "--json", *more, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def isin_db(tmp_path_factory) -> Path:
    """A stand-in for casparser-isin's offline database: its table of NAVs on 31-01-2018."""
    path = tmp_path_factory.mktemp("isin") / "isin.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE nav20180131 (isin TEXT PRIMARY KEY, nav TEXT)")
    db.execute("INSERT INTO nav20180131 VALUES (?, ?)", (LEGACY, "520.5"))
    db.commit()
    db.close()
    return path


def test_fmvs_from_casparser_isin_give_another_id_and_are_named(tmp_path, isin_db):
    """The book lacks the legacy fund's FMV. Without casparser-isin its pre-2018 lots are taxed
    on cost (T104 names the fund); with it, their basis is max(cost, min(520.5 x units, value)):
    another plan, so another id, and the plan names the source of that FMV."""
    family_book(tmp_path, fmv_rows={"INF789F01XA0", "INF109K01Y80", "INF247L01916", "INF247L01932"})
    without = plan(tmp_path, "--no-save", env={"CASPARSER_ISIN_DB": str(tmp_path / "none.db")})
    with_isin = plan(tmp_path, "--no-save", env={"CASPARSER_ISIN_DB": str(isin_db)})
    assert without["plan_id"] != with_isin["plan_id"]
    assert without["inputs"]["fmv"] != with_isin["inputs"]["fmv"]
    assert [f for f in with_isin["fmv"] if f["security"] == LEGACY] == [
        {"security": LEGACY, "fmv": "520.5", "source": "casparser-isin", "from": "casparser-isin"}]
    assert {f["source"] for f in without["fmv"]} == {"book"}
    assert all(f["from"] == "the book (fmv.csv)" for f in without["fmv"])
    text = lotwise(tmp_path, "plan", "year-end", "--as-of", AS_OF, "--no-save",
                   env={"CASPARSER_ISIN_DB": str(isin_db)})
    assert f"FMVs on 31-01-2018 from casparser-isin, not the book (grandfathering, s.55(2)(ac)): {LEGACY} 520.5" \
        in text.stdout
    # `why` says where the FMV of a security it explains came from.
    saved = lotwise(tmp_path, "plan", "year-end", "--as-of", AS_OF, env={"CASPARSER_ISIN_DB": str(isin_db)})
    assert saved.returncode == 0
    why = lotwise(tmp_path, "why", "--investor", "asha", "--security", LEGACY).stdout
    assert f"FMV for grandfathering (s.55(2)(ac)) of {LEGACY}: 520.5 a unit, from casparser-isin" in why
    why = lotwise(tmp_path, "why", "--investor", "asha", "--security", "INF789F01XA0").stdout
    assert "FMV for grandfathering (s.55(2)(ac)) of INF789F01XA0" in why and "from the book (fmv.csv)" in why


def test_a_later_import_does_not_change_a_past_plans_id(tmp_path):
    """Transactions dated after `as_of` are not inputs of the plan: importing next month's SIPs
    leaves the id (and the plan) of 21 November as it was."""
    family_book(tmp_path)
    before = plan(tmp_path)
    (tmp_path / "later.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                        "2026-12-07,asha,5177894/31,INF789F01XA0,BUY,10,190,0\n", encoding="utf-8")
    assert lotwise(tmp_path, "import", "later.csv").returncode == 0
    after = plan(tmp_path)
    assert after == before


def test_the_book_keeps_the_policy_the_plan_applied(tmp_path):
    family_book(tmp_path)
    ident = plan(tmp_path)["plan_id"]
    done = lotwise(tmp_path, "plans", "--policy-of", ident, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    names = [Path(f["file"]).name for f in record["files"]]
    assert names[0] == "family.rules" and {"lotwise:india.rules", "lotwise:presets/perpetual.rules"} <= {
        f["file"] for f in record["files"]}
    assert record["files"][0]["text"] == (FAMILY / "family.rules").read_text(encoding="utf-8")
    assert record["resolved"]["portfolio"]["name"] == "Sharma family"
    text = lotwise(tmp_path, "plans", "--policy-of", ident[:6]).stdout
    assert 'portfolio "Sharma family" {' in text and 'tax "India" {' in text
    # Changing the policy file afterwards does not change what the plan kept.
    (tmp_path / "family.rules").write_text((tmp_path / "family.rules").read_text() + "\n# edited\n")
    again = json.loads(lotwise(tmp_path, "plans", "--policy-of", ident, "--json").stdout)
    assert again == record


def test_a_plan_racing_an_import_never_names_other_inputs(tmp_path):
    """Three times: an import of purchases dated before `as_of` starts while the plan runs.
    Whichever commits first, the saved plan's id and body are those of one state of the book:
    planning again afterwards either gives the same id with the same body, or another id."""
    family_book(tmp_path)
    for n in range(3):
        rows = "".join(f"2026-11-{10 + n:02d},ravi,7095025/93,INF789F01XA0,BUY,{k + 1},190,0\n" for k in range(200))
        (tmp_path / f"more{n}.csv").write_text("date,investor,account,security,type,units,price,charges\n" + rows)
        planner = subprocess.Popen([sys.executable, "-m", "engine", "plan", "year-end", "--as-of", AS_OF, "--json"],
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        importer = lotwise(tmp_path, "import", f"more{n}.csv")
        out, err = planner.communicate(timeout=120)
        assert planner.returncode == 0 and importer.returncode == 0, (err, importer.stderr)
        raced = json.loads(out.strip().splitlines()[-1])
        now = plan(tmp_path, "--no-save")
        if now["plan_id"] == raced["plan_id"]:
            assert now == raced


def test_a_command_that_finds_the_book_busy_says_so(tmp_path):
    """Another process holds the book's write lock past the busy timeout (here: an exclusive
    transaction held open, and a timeout of 0 would be unkind, so the command waits its 10 s):
    a command that saves says the book is busy, not that it is not a book; one that only
    reads does not wait (WAL mode, issue 12.3; tests/end_to_end/test_concurrency.py)."""
    family_book(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect('lotwise.db', isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n")], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        read = lotwise(tmp_path, "lots")
        done = lotwise(tmp_path, "plan", "year-end", "--as-of", AS_OF)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert read.returncode == 0, read.stderr
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "the book is busy: another lotwise command (an import, or a plan being saved)" in done.stderr


def test_a_year_end_plan_whose_sales_would_fall_in_the_next_fy_is_refused(tmp_path):
    """31 March 2026 was an NSE holiday (Mahavir Jayanti): sales would be dated 1 April 2026, in
    FY 2026-27, while the plan computes FY 2025-26. The plan is refused and names the FY's last
    trading day, 30 March 2026 (a Monday); that plan works."""
    family_book(tmp_path)
    done = lotwise(tmp_path, "plan", "year-end", "--as-of", "2026-03-31", "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["diagnostics"][0]["code"] == "C106"  # --json: JSON
    assert ("2026-03-31 is not a trading day and the next one, 2026-04-01, is in FY 2026-27: a year-end plan "
            "for FY 2025-26 must sell within it; plan as of 2026-03-30, its last trading day") in done.stderr
    assert plan(tmp_path, "--no-save", "--as-of", "2026-03-30")["as_of"] == "2026-03-30"
