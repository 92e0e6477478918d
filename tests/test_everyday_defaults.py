"""Everyday defaults (issue 11.10), through a real process: what the terminal shows and the
exit codes. `gains` without --fy, over a range of FYs or all of them; `why` without a plan id;
`plan` alone; the language's amounts for --invest; SIP amounts in the policy; `lots --policy`;
a remembered policy that has moved."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import REPO

FAMILY = REPO / "examples" / "family"


def lotwise(cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    """A book of the family example, its policy copied beside it (remembered by `init`)."""
    where = tmp_path_factory.mktemp("family")
    shutil.copy(FAMILY / "family.rules", where / "family.rules")
    assert lotwise(where, "init", "--policy", "family.rules").returncode == 0
    done = lotwise(where, "import", *(str(FAMILY / n) for n in ("transactions.csv", "prices.csv", "fmv.csv")))
    assert done.returncode == 0, done.stderr
    return where


def test_lots_takes_policy_like_every_book_command(family):
    done = lotwise(family, "lots", "--policy", "family.rules", "--investor", "asha")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("lot(s)") and "asha" in done.stdout


def test_plan_alone_lists_its_kinds_as_a_usage_error(family):
    done = lotwise(family, "plan")
    assert done.returncode == 2
    assert "month" in done.stdout and "year-end" in done.stdout and "usage: lotwise plan" in done.stdout


@pytest.mark.parametrize("amount, rupees", [("50k", "50000"), ("1.25L", "125000"), ("Rs 50,000", "50000"),
                                            ("₹50,000", "50000"), ("50000", "50000")])
def test_invest_takes_the_languages_amounts(family, amount, rupees):
    done = lotwise(family, "plan", "month", "--from", f"asha={amount},ravi=0", "--as-of", "2026-11-21",
                   "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["money"] == {"asha": rupees, "ravi": "0"}


@pytest.mark.parametrize("amount, said", [("50.5", "not whole rupees"), ("0", "above zero"),
                                          ("fifty", "not an amount"), ("1,2,500", "misplaced comma")])
def test_invest_rejects_what_is_not_whole_rupees_above_zero(family, amount, said):
    done = lotwise(family, "plan", "month", "--invest", amount, "--as-of", "2026-11-21")
    assert done.returncode == 2 and said in done.stderr and "50k" in done.stderr
    assert "Traceback" not in done.stderr


def test_why_without_a_plan_explains_the_plan_saved_last(tmp_path):
    shutil.copy(FAMILY / "family.rules", tmp_path / "family.rules")
    assert lotwise(tmp_path, "init", "--policy", "family.rules").returncode == 0
    none = lotwise(tmp_path, "why")
    assert none.returncode == 1 and "no saved plans" in none.stderr and "plan year-end" in none.stderr
    assert lotwise(tmp_path, "import", *(str(FAMILY / n) for n in ("transactions.csv", "prices.csv",
                                                                   "fmv.csv"))).returncode == 0
    first = lotwise(tmp_path, "plan", "year-end", "--as-of", "2026-03-20")
    second = lotwise(tmp_path, "plan", "year-end", "--as-of", "2025-03-20")  # saved last, listed first
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    plans = json.loads(lotwise(tmp_path, "plans", "--json").stdout)["plans"]
    last = next(p["plan_id"] for p in plans if p["as_of"] == "2025-03-20")
    assert plans[-1]["plan_id"] != last
    done = lotwise(tmp_path, "why")
    assert done.returncode == 0, done.stderr
    head = done.stdout.splitlines()[0]
    assert head.startswith(f"Plan {last} (FY 2024-25, as of 2025-03-20)") and "saved last" in head
    assert json.loads(lotwise(tmp_path, "why", "--json").stdout)["plan_id"] == last


def test_a_moved_policy_says_so_and_how_to_point_the_book_at_it(tmp_path):
    shutil.copy(FAMILY / "family.rules", tmp_path / "family.rules")
    assert lotwise(tmp_path, "init", "--policy", "family.rules").returncode == 0
    (tmp_path / "family.rules").rename(tmp_path / "moved.rules")
    remembered = (tmp_path / "family.rules").resolve()
    for argv in (["status"], ["gains", "--fy", "2025-26"], ["lots"], ["plan", "month", "--from", "asha=1000"],
                 ["import", str(FAMILY / "prices.csv")]):
        done = lotwise(tmp_path, *argv)
        assert done.returncode == 1, argv
        assert done.stderr == (f"lotwise: the book remembers the policy at {remembered}, which no longer exists; "
                               "give --policy FILE, or run `lotwise init --policy NEWPATH` to point the book "
                               "at it\n"), argv
    assert lotwise(tmp_path, "lots", "--policy", "moved.rules").returncode == 0
    assert lotwise(tmp_path, "init", "--policy", "moved.rules").returncode == 0
    assert lotwise(tmp_path, "status", "--as-of", "2026-01-01").returncode == 0


# ----------------------------------------------------------------------------------------
# gains: today's FY by default; a range of FYs or all of them in one run

MULTI_YEAR = REPO / "examples" / "multi-year"


@pytest.fixture(scope="module")
def meera(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("multi-year")
    for f in MULTI_YEAR.iterdir():
        shutil.copy(f, where)
    assert lotwise(where, "init", "--policy", "meera.rules").returncode == 0
    done = lotwise(where, "import", "transactions.csv", "prices.csv", "fmv.csv", "losses.csv")
    assert done.returncode == 0, done.stderr
    return where


def test_gains_without_fy_reports_the_fy_of_today(meera):
    today = date.today()  # as the CLI reads it; the policy's year starts April 1
    fy = today.year if (today.month, today.day) >= (4, 1) else today.year - 1
    asked = lotwise(meera, "gains", "--fy", f"{fy}-{(fy + 1) % 100:02d}")
    default = lotwise(meera, "gains")
    assert default.returncode == 0 and default.stdout == asked.stdout and default.stderr == asked.stderr
    assert default.stdout.startswith(f"meera, FY {fy}-{(fy + 1) % 100:02d}\n")


def test_a_range_of_fys_is_each_fy_in_one_run(meera):
    fys = ["2016-17", "2017-18", "2018-19", "2019-20"]
    each = [lotwise(meera, "gains", "--fy", fy) for fy in fys]
    assert all(done.returncode == 0 for done in each)
    ranged = lotwise(meera, "gains", "--fy", "2016-17..2019-20")
    assert ranged.returncode == 0 and ranged.stderr == ""
    assert ranged.stdout == "".join(done.stdout for done in each)
    # JSON: {"years": [today's object of each FY, ...], "diagnostics": [...]}
    data = json.loads(lotwise(meera, "gains", "--fy", "FY 2016-17..FY 2019-20", "--json").stdout)
    singles = [json.loads(lotwise(meera, "gains", "--fy", fy, "--json").stdout) for fy in fys]
    assert data == {"years": singles, "diagnostics": []}


def test_all_fys_run_from_the_first_loss_brought_in_to_the_last_sale(meera):
    data = json.loads(lotwise(meera, "gains", "--fy", "all", "--json").stdout)
    # The return's loss of FY 2013-14 is brought into FY 2014-15; the last sale is in FY 2024-25.
    assert [y["fy"] for y in data["years"]] == [f"FY {y}-{(y + 1) % 100:02d}" for y in range(2014, 2025)]
    last = json.loads(lotwise(meera, "gains", "--fy", "2024-25", "--json").stdout)
    assert data["years"][-1] == last
    text = lotwise(meera, "gains", "--fy", "all").stdout
    assert [line for line in text.splitlines() if line.startswith("meera, FY")] == \
        [f"meera, FY {y}-{(y + 1) % 100:02d}" for y in range(2014, 2025)]


def test_all_fys_of_a_book_without_sales(tmp_path):
    shutil.copy(MULTI_YEAR / "meera.rules", tmp_path)
    assert lotwise(tmp_path, "init", "--policy", "meera.rules").returncode == 0
    done = lotwise(tmp_path, "gains", "--fy", "all")
    assert done.returncode == 0 and "no financial year to report" in done.stdout
    assert json.loads(lotwise(tmp_path, "gains", "--fy", "all", "--json").stdout) == {"years": [], "diagnostics": []}


@pytest.mark.parametrize("text, said", [("2019-20..2016-17", "the first FY comes after the last"),
                                        ("2016-17..", "not a financial year"), ("every", "")])
def test_a_range_the_wrong_way_round_is_a_usage_error(meera, text, said):
    done = lotwise(meera, "gains", "--fy", text)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
