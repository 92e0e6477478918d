"""Everyday defaults (issue 11.10), through a real process: what the terminal shows and the
exit codes. `gains` without --fy, over a range of FYs or all of them; `why` without a plan id;
`plan` alone; the language's amounts for --invest; SIP amounts in the policy; `lots --policy`;
a remembered policy that has moved."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import MINI_LAW as MINI, REPO, lotwise

pytestmark = pytest.mark.slow  # every default through a real process

FAMILY = REPO / "examples" / "family"


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


@pytest.mark.parametrize("command", [("plan", "month", "--dry-run"), ("plan", "year-end", "--no-save"),
                                     ("rebalance", "--method", "cash")])
def test_from_naming_an_investor_twice_is_a_usage_error(family, command):
    """`--from asha=1L,asha=2L` (a typo for ravi) put Rs 2,00,000 on asha and Rs 0 on ravi without
    a word: the last amount won. An investor named twice is an error, never a guess."""
    done = lotwise(family, *command, "--from", "asha=1L,Asha=2L", "--as-of", "2026-11-21")
    assert done.returncode == 2, done.stdout
    assert "asha" in done.stderr and "twice" in done.stderr and "Traceback" not in done.stderr


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


# ----------------------------------------------------------------------------------------
# SIP amounts in the policy: `investor asha "Asha Sharma" sip Rs 30,000`

SIPS = {"pan ABCPS1234K": "pan ABCPS1234K sip Rs 30,000", "pan ABCPS5678L": "pan ABCPS5678L sip 20k"}


def family_with_sips(where: Path) -> Path:
    text = (FAMILY / "family.rules").read_text(encoding="utf-8")
    for old, new in SIPS.items():
        assert old in text
        text = text.replace(old, new)
    (where / "sip.rules").write_text(text, encoding="utf-8")
    return where / "sip.rules"


def test_sip_amounts_are_read_checked_formatted_and_shown(check, tmp_path):
    from engine.policy.fmt import format_source

    from conftest import error_codes

    result = check(f'{MINI}portfolio {{\n    investor asha "Asha" sip Rs 30,000 slab 30%\n'
                   '    investor ravi "Ravi" sip 1.5L\n    investor om "Om"\n    asset "A" 100% class equity\n}\n')
    assert result.ok, result.diagnostics
    assert [i.sip for i in result.policy.portfolio.investors] == [30000, 150000, None]
    for amount, hint in (("0", "e.g. sip Rs 30,000"), ("Rs 10.50", "sip Rs 10"), ("0.5", "e.g. sip Rs 30,000")):
        bad = check(f'{MINI}portfolio {{\n    investor asha "Asha" sip {amount}\n    asset "A" 100% class equity\n}}\n')
        assert error_codes(bad) == ["V344"], amount
        d = next(x for x in bad.diagnostics if x.code == "V344")
        assert d.message == f"a SIP amount is whole rupees above zero, not {amount}" and hint in d.hint
        assert (d.span.line, d.span.column) == (len(MINI.splitlines()) + 2, 30)
    twice = check(f'{MINI}portfolio {{\n    investor asha "Asha" sip 10k sip 20k\n    asset "A" 100% class equity\n}}\n')
    assert error_codes(twice) == ["V320"] and "`sip` is given twice" in twice.diagnostics[0].message
    messy = 'portfolio {\n  investor asha "Asha"   sip   Rs 30,000\n}\n'
    out, _ = format_source(messy, "x.rules")
    assert out == 'portfolio {\n    investor asha "Asha" sip Rs 30,000\n}\n'
    assert format_source(out, "x.rules")[0] == out
    shown = lotwise(tmp_path, "show", str(family_with_sips(tmp_path)), "--as-of", "2026-01-01")
    assert shown.returncode == 0
    assert "SIP a month" in shown.stdout and "Rs 30,000" in shown.stdout and "Rs 20,000" in shown.stdout
    plain = lotwise(tmp_path, "show", str(FAMILY / "family.rules"), "--as-of", "2026-01-01", "--json").stdout
    assert '"sip"' not in plain  # a policy without SIP amounts dumps, and hashes, as before




@pytest.fixture(scope="module")
def sip_family(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("sip-family")
    family_with_sips(where)
    assert lotwise(where, "init", "--policy", "sip.rules").returncode == 0
    done = lotwise(where, "import", *(str(FAMILY / n) for n in ("transactions.csv", "prices.csv", "fmv.csv")))
    assert done.returncode == 0, done.stderr
    return where


def test_plan_month_without_money_uses_the_sip_amounts_and_says_so(sip_family):
    done = lotwise(sip_family, "plan", "month", "--as-of", "2026-11-21", "--dry-run")
    assert done.returncode == 0, done.stderr
    plan = json.loads(lotwise(sip_family, "plan", "month", "--as-of", "2026-11-21", "--dry-run", "--json").stdout)
    assert done.stdout.splitlines()[:2] == [
        f"Month plan {plan['plan_id']} for 2026-11 (as of 2026-11-21); money: asha Rs 30,000, ravi Rs 20,000",
        "(the policy's SIP amounts: no --invest or --from given)"]
    given = json.loads(lotwise(sip_family, "plan", "month", "--from", "asha=30000,ravi=20000", "--as-of",
                               "2026-11-21", "--dry-run", "--json").stdout)
    assert (plan["money"], plan["money_source"], given["money_source"]) == \
        ({"asha": "30000", "ravi": "20000"}, "sip", "--from")
    assert plan["orders"] == given["orders"]  # the same plan as the money given per investor


def test_invest_for_a_family_is_split_by_the_sip_amounts(sip_family):
    # 10,001 in proportion 30,000 : 20,000 = 6,000.6 : 4,000.4; the odd rupee to the larger remainder, asha's.
    done = lotwise(sip_family, "plan", "month", "--invest", "10001", "--as-of", "2026-11-21", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert (plan["money"], plan["money_source"]) == ({"asha": "6001", "ravi": "4000"}, "--invest split by sip")
    text = lotwise(sip_family, "plan", "month", "--invest", "1L", "--as-of", "2026-11-21", "--dry-run").stdout
    assert [re.sub(r" MP-[0-9a-f]{12} ", " ", line) for line in text.splitlines()[:2]] == [
        "Month plan for 2026-11 (as of 2026-11-21); money: asha Rs 60,000, ravi Rs 40,000",
        "(--invest Rs 1,00,000 split in proportion to the policy's SIP amounts: asha Rs 30,000, ravi Rs 20,000)"]
    cash = json.loads(lotwise(sip_family, "rebalance", "--method", "cash", "--cash", "50k", "--as-of", "2026-11-21",
                              "--json").stdout)
    assert cash["money_source"] == "--cash split by sip" and cash["cash"] == "50000"


def test_plan_month_without_money_or_sip_amounts_says_how_to_give_it(family):
    done = lotwise(family, "plan", "month", "--as-of", "2026-11-21", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert [re.sub(r" MP-[0-9a-f]{12} ", " ", line) for line in done.stdout.splitlines()[:2]] == [
        "Month plan for 2026-11 (as of 2026-11-21); money: asha Rs 0, ravi Rs 0",
        "(no money this month: give --invest AMOUNT or --from ID=AMOUNT,..., or write each investor's monthly "
        "SIP in the policy (sip Rs 30,000))"]


def test_invest_for_a_family_without_sip_amounts_says_how_to_split_it(family):
    done = lotwise(family, "plan", "month", "--invest", "50k", "--as-of", "2026-11-21")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("lotwise: whose money is the Rs 50,000? the policy has 2 investors: say so with "
                           "--from asha=AMOUNT,ravi=AMOUNT, or write each investor's monthly SIP in the policy "
                           "(investor asha \"...\" sip Rs 30,000) and --invest is split in proportion to them\n")
