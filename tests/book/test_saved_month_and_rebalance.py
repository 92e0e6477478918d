"""Every plan saved (issue 16.5), through the command as a user runs it (real processes).

A month plan (MP-) and a rebalance (RB-) are saved like a year-end plan (YE-): the id is the hash
of the plan's inputs (engine/book/saved_plans.py, engine/plan_results.py), so it is the same in
every process and on every run, a later import leaves a past plan's id as it was, and saving the
same plan again adds nothing. The JSON a plan prints is, byte for byte, the body the book keeps
(the client report renders a saved plan from it). A month plan's inputs include the selling state
remembered from the month before, a rebalance's the day of the last one recorded. `lotwise plans`
lists every kind; `lotwise why` gives each order of a month plan or a rebalance its reason.
`plan year-end --investor ID` plans one family member, with an id of its own.

The family of examples/family on 21 November 2026 (a Saturday: orders for Monday the 23rd).
Its drifts (tests/golden/commands/family/status.txt): Nifty 50 42.87% against 40% (+2.87 pp),
Nifty Next 50 18.42% (-1.58 pp), Midcap 150 21.95% (+1.95 pp), Smallcap 250 16.76% (-3.24 pp);
a total drift of 4.82% is below the selling start of 10%, so the month plan only buys.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # the family's plans through processes, several times

FAMILY = Path(__file__).resolve().parents[2] / "examples" / "family"
AS_OF = "2026-11-21"
MONEY = ("--from", "asha=30000,ravi=20000")
README_PLAN = "YE-11ab1d88d326"  # the family's year-end plan in the README's quickstart


def family_book(directory: Path) -> None:
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, directory)
    assert lotwise(directory, "init", "--policy", "family.rules").returncode == 0
    done = lotwise(directory, "import", "transactions.csv", "prices.csv", "fmv.csv")
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    """The family's book as imported; each test copies it (`book`) to save into its own."""
    where = tmp_path_factory.mktemp("family")
    family_book(where)
    return where


@pytest.fixture
def book(family, tmp_path) -> Path:
    for file in family.iterdir():
        if file.is_file():
            shutil.copy(file, tmp_path / file.name)
    return tmp_path


def run(directory: Path, *args: str) -> str:
    done = lotwise(directory, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def saved(directory: Path) -> list[tuple[str, str, str, str]]:
    """(id, kind, as_of, body) of every row of the plans table, in the order they were saved."""
    db = sqlite3.connect(directory / "lotwise.db")
    try:
        return list(db.execute("SELECT id, kind, as_of, body FROM plans ORDER BY rowid"))
    finally:
        db.close()


def rows(directory: Path, table: str) -> list[tuple]:
    db = sqlite3.connect(directory / "lotwise.db")
    try:
        return list(db.execute(f"SELECT * FROM {table}"))
    finally:
        db.close()


def test_a_month_plan_is_saved_with_its_id_and_the_json_it_prints(book):
    printed = run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--json")
    plan = json.loads(printed)
    assert plan["plan_id"].startswith("MP-") and len(plan["plan_id"]) == 15 and plan["kind"] == "month"
    assert set(plan["inputs"]) == {"policy", "transactions", "prices", "fmv", "losses", "calendar", "as_of",
                                   "options", "engine", "sell_state"}
    assert plan["inputs"]["sell_state"] == "null"  # no month before this one remembered a state
    assert json.loads(plan["inputs"]["options"]) == {"money": {"asha": "30000", "ravi": "20000"},
                                                     "money_source": "--from"}
    ((ident, kind, as_of, body),) = saved(book)
    assert (ident, kind, as_of) == (plan["plan_id"], "month", AS_OF)
    assert body + "\n" == printed  # the document printed is the one kept, byte for byte
    # One commit with the month's selling state (the family's policy sells: not selling, drift 4.82%).
    assert [r[:3] for r in rows(book, "sell_states")] == [("2026-11", 0, None)]
    # The text says the same id on its first line, and saving it again adds nothing.
    text = run(book, "plan", "month", "--as-of", AS_OF, *MONEY)
    assert text.splitlines()[0] == (f"Month plan {ident} for 2026-11 (as of {AS_OF}); money: asha Rs 30,000, "
                                    "ravi Rs 20,000")
    assert saved(book) == [(ident, kind, as_of, body)]
    # The policy as applied is kept with it, file by file.
    record = json.loads(run(book, "plans", "--policy-of", ident, "--json"))
    assert record["files"][0]["text"] == (FAMILY / "family.rules").read_text(encoding="utf-8")


def test_ids_are_the_same_in_every_process_and_other_money_is_another_plan(book):
    """The same inputs in two processes: one id. The same rupees said another way (`--invest`
    split by nothing: the family states no SIP amounts, so it is refused; `--from` with other
    amounts) are other options: another id."""
    first = json.loads(run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--dry-run", "--json"))
    second = json.loads(run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--no-save", "--json"))
    assert first == second
    other = json.loads(run(book, "plan", "month", "--as-of", AS_OF, "--from", "asha=30000,ravi=20001",
                           "--dry-run", "--json"))
    assert other["plan_id"] != first["plan_id"] and other["inputs"]["prices"] == first["inputs"]["prices"]
    full = json.loads(run(book, "rebalance", "--method", "full", "--as-of", AS_OF, "--no-save", "--json"))
    again = json.loads(run(book, "rebalance", "--method", "full", "--as-of", AS_OF, "--no-save", "--json"))
    partial = json.loads(run(book, "rebalance", "--method", "partial", "--as-of", AS_OF, "--no-save", "--json"))
    assert full == again and full["plan_id"].startswith("RB-") and partial["plan_id"] != full["plan_id"]
    assert saved(book) == [] and rows(book, "sell_states") == []  # --dry-run, --no-save: the book unchanged


def test_a_later_import_does_not_change_a_past_plans_id(book):
    """A purchase and a price dated after 21 November are not inputs of that day's plans."""
    month = run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--json")
    rebalance = run(book, "rebalance", "--method", "full", "--as-of", AS_OF, "--json")
    (book / "later.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                    "2026-12-07,asha,5177894/31,INF789F01XA0,BUY,10,190,0\n", encoding="utf-8")
    (book / "later-prices.csv").write_text("date,security,price\n2026-12-07,INF789F01XA0,190\n", encoding="utf-8")
    assert lotwise(book, "import", "later.csv", "later-prices.csv").returncode == 0
    assert run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--json") == month
    assert run(book, "rebalance", "--method", "full", "--as-of", AS_OF, "--json") == rebalance
    assert len(saved(book)) == 2  # each saved once


def test_the_month_before_is_an_input_of_a_month_plan(book):
    """December's plan reads the selling state November's plan remembered: before November is
    planned, December's inputs say none; after, they carry November's (not selling), another id."""
    december = ("plan", "month", "--as-of", "2026-12-01", *MONEY, "--dry-run", "--json")
    before = json.loads(run(book, *december))
    run(book, "plan", "month", "--as-of", AS_OF, *MONEY)
    after = json.loads(run(book, *december))
    assert before["inputs"]["sell_state"] == "null"
    assert json.loads(after["inputs"]["sell_state"]) == [False, None, "2026-11"]
    assert after["plan_id"] != before["plan_id"] and after["selling"]["previous_month"] == "2026-11"


def test_a_rebalance_recorded_is_an_input_of_the_next(book):
    """`--record` remembers the rebalance of 21 November (calendar triggers count from it): a
    rebalance planned that day afterwards reads it, so it is another plan; `--no-save` with
    `--record` records without saving the plan."""
    args = ("rebalance", "--method", "full", "--as-of", AS_OF, "--json")
    first = json.loads(run(book, *args, "--record", "--no-save"))
    assert saved(book) == [] and rows(book, "rebalances") == [(AS_OF, "full")]
    second = json.loads(run(book, *args))
    assert first["inputs"]["last_rebalance"] == "" and second["inputs"]["last_rebalance"] == AS_OF
    assert second["plan_id"] != first["plan_id"]
    assert [r[0] for r in saved(book)] == [second["plan_id"]]


def test_plans_lists_every_kind_by_day_then_id(book):
    run(book, "plan", "year-end", "--as-of", AS_OF)
    run(book, "rebalance", "--method", "full", "--as-of", AS_OF)
    run(book, "plan", "month", "--as-of", AS_OF, *MONEY)
    run(book, "rebalance", "--method", "partial", "--as-of", "2026-11-20")
    listed = json.loads(run(book, "plans", "--json"))["plans"]
    assert [(p["plan_id"][:3], p["kind"], p["as_of"]) for p in listed] == [
        ("RB-", "rebalance", "2026-11-20"), ("MP-", "month", AS_OF), ("RB-", "rebalance", AS_OF),
        (README_PLAN[:3], "year-end", AS_OF)]
    assert listed[3]["plan_id"] == README_PLAN  # --investor not given: the year-end id as it was
    # The full rebalance sells Nifty 50 and Midcap 150 for both (4 sales); the partial one on the
    # 20th sells nothing (no asset outside its 5% band); the month plan only buys, for both; the
    # year-end plan sells the legacy fund of each and ravi's Midcap 150 (3 sales).
    assert [(p["sells"], p["investors"], p["value"], p["fy"]) for p in listed] == [
        (0, [], None, "FY 2026-27"), (0, ["asha", "ravi"], None, "FY 2026-27"),
        (4, ["asha", "ravi"], None, "FY 2026-27"), (3, ["asha", "ravi"], "38532.97", "FY 2026-27")]
    text = run(book, "plans").splitlines()
    assert text[0].split() == ["plan", "kind", "as", "of", "FY", "sells", "value"]
    assert [line.split()[1] for line in text[2:]] == ["rebalance", "month", "rebalance", "year-end"]
    assert text[-1].endswith("Rs 38,532.97")  # 20,546.55 + 17,986.42, the README's values


def test_why_gives_each_order_of_a_rebalance_its_reason(book):
    """The full rebalance sells Nifty 50 (42.87% against 40%, +2.87 pp) down to its target; asha's
    sale is of her 7 oldest lots in 5177894/31, all long-term, the first bought 2016-12-05."""
    plan = json.loads(run(book, "rebalance", "--method", "full", "--as-of", AS_OF, "--json"))
    ident = plan["plan_id"]
    text = run(book, "why", ident[:8]).splitlines()
    assert text[0] == f"Plan {ident} (full rebalance, as of {AS_OF})"
    assert text[1] == "Due: yes (the policy gives no trigger: a rebalance is always allowed)"
    sells = [line for line in text if line.startswith("SELL")]
    buys = [line for line in text if line.startswith("BUY")]
    assert len(sells) == 4 and len(buys) == 3
    assert sells[0] == ("SELL Rs 1,97,042.54 of INF789F01XA0 (Nifty 50) for asha in 5177894/31 on 2026-11-23: "
                        "the full rebalance moves Rs 2,94,116 out of Nifty 50; Nifty 50 was 42.87% of the "
                        "portfolio against its target 40.00% (+2.87 pp), 40.00% after the plan; tax Rs 0, STT and "
                        "exit load Rs 1.97: FIFO lots")
    lots = text[text.index(sells[0]) + 1:text.index(sells[1])]
    assert len(lots) == 7 and lots[0] == "  Ladcb7d64 (bought 2016-12-05, long-term, gain Rs 19,022.93, tax Rs 0)"
    # Ravi's Midcap 150 sale: its tax is its lots' (412.14 + 684.91 + 667.81 + 654.43 + 671.44 = 3,090.73).
    assert "; tax Rs 3,090.73, STT and exit load Rs 1.29: FIFO lots" in sells[3]
    assert buys[0].endswith("Nifty Next 50 was 18.42% of the portfolio against its target 20.00% (-1.58 pp), "
                            "20.00% after the plan.")
    assert text[-1].startswith("note: the buys are Rs 1 less than planned")
    # One lot: the sale that sells it, with its reason (JSON).
    found = json.loads(run(book, "why", ident, "--lot", "Ladcb7d64", "--json"))
    assert found["kind"] == "rebalance" and [o["security"] for o in found["orders"]] == ["INF789F01XA0"]
    assert found["orders"][0]["reason"].startswith("the full rebalance moves Rs 2,94,116 out of Nifty 50")
    assert [o["investor"] for o in json.loads(run(book, "why", ident, "--investor", "ravi", "--json"))["orders"]] \
        == ["ravi"] * 3
    missing = lotwise(book, "why", ident, "--security", "INF179K01BE2")
    assert missing.returncode == 1 and missing.stderr == (
        f"lotwise: plan {ident} has no order for security INF179K01BE2\n")


def test_why_on_a_month_plan_says_what_decided(book):
    ident = json.loads(run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--json"))["plan_id"]
    text = run(book, "why").splitlines()  # the plan saved last
    assert text[:2] == [f"Plan {ident} (month plan for 2026-11, as of {AS_OF}): the plan saved last; "
                        "`lotwise plans` lists the others",
                        "Selling: drift 4.82% is not above the start level 10%: no selling"]
    assert text[2] == ("BUY Rs 16,749 of INF109K01Y80 (Nifty Next 50) for asha in 1815648/48 on 2026-11-23: the "
                       "month's money (and any sale's proceeds) buys toward the targets, by the buying rule; Nifty "
                       "Next 50 was 18.42% of the portfolio against its target 20.00% (-1.58 pp), 18.49% after the "
                       "plan.")
    assert len([line for line in text if line.startswith("BUY")]) == 3


def test_a_failed_save_keeps_neither_the_plan_nor_the_selling_state(book):
    """The plan and the month's selling state are one commit: when the state cannot be written
    (here a trigger refuses it, as a full disk would), the plan is not kept either (B105)."""
    db = sqlite3.connect(book / "lotwise.db")
    db.execute("CREATE TRIGGER no_state BEFORE INSERT ON sell_states BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    db.commit()
    db.close()
    done = lotwise(book, "plan", "month", "--as-of", AS_OF, *MONEY)
    assert done.returncode == 1 and done.stdout.startswith("Month plan MP-")
    assert done.stderr == ("lotwise: the plan (and the selling state) of this month was not saved: disk full; "
                           "the book is unchanged\n")
    assert saved(book) == [] and rows(book, "sell_states") == []


def test_a_year_end_plan_for_one_investor(book):
    """`--investor ravi`: ravi's harvest alone. The optimizer solves each investor on their own
    (docs/harvesting.md), so ravi's sales are the family plan's sales of ravi, to the paisa: the
    legacy fund (142.281 units, Rs 1,70,796.18) and Midcap 150 (1164.984 units, Rs 34,881.83).
    The proceeds are then bought by the buying rule against the family's holdings after ravi's
    sales only, so the buys differ from the family plan's. Asha's lots are not touched."""
    family_plan = json.loads(run(book, "plan", "year-end", "--as-of", AS_OF, "--no-save", "--json"))
    ravi = json.loads(run(book, "plan", "year-end", "--as-of", AS_OF, "--investor", "ravi", "--json"))
    assert family_plan["plan_id"] == README_PLAN and ravi["plan_id"] not in (README_PLAN, "")
    assert json.loads(ravi["inputs"]["options"]) == {"invest": {}, "investor": "ravi"}
    assert [i["investor"] for i in ravi["investors"]] == ["ravi"]
    assert ravi["investors"][0] == family_plan["investors"][1]
    sells = [(o["security"], o["units"], o["amount"]) for o in ravi["orders"] if o["side"] == "SELL"]
    assert sells == [(o["security"], o["units"], o["amount"]) for o in family_plan["orders"]
                     if o["side"] == "SELL" and o["investor"] == "ravi"]
    assert sells == [("INF179K01BE2", "142.281", "170796.18"), ("INF247L01916", "1164.984", "34881.83")]
    assert {o["investor"] for o in ravi["orders"]} == {"ravi"}
    assert {d["investor"] for d in ravi["decisions"]} == {"ravi"}
    assert [(p["plan_id"], p["investors"]) for p in json.loads(run(book, "plans", "--json"))["plans"]] == [
        (ravi["plan_id"], ["ravi"])]
    harvest = json.loads(run(book, "plan", "harvest", "--as-of", AS_OF, "--investor", "asha", "--no-save", "--json"))
    assert [i["investor"] for i in harvest["investors"]] == ["asha"]
    assert harvest["investors"][0] == family_plan["investors"][0]


def test_an_investor_not_in_the_policy_is_refused(book):
    done = lotwise(book, "plan", "year-end", "--as-of", AS_OF, "--investor", "meera")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "lotwise: --investor meera: not an investor of the policy (asha, ravi)\n"
    said = json.loads(lotwise(book, "plan", "year-end", "--as-of", AS_OF, "--investor", "meera", "--json").stdout)
    assert [d["code"] for d in said["diagnostics"]] == ["C170"]
    assert saved(book) == []
    other = lotwise(book, "plan", "year-end", "--as-of", AS_OF, "--investor", "ravi", "--from", "asha=1000,ravi=500")
    assert (other.returncode, other.stdout) == (1, "")
    assert other.stderr == "lotwise: --from gives money to asha, but --investor plans for ravi only\n"
    assert saved(book) == []


def test_a_plan_made_again_is_the_one_why_and_report_take_by_default(book):
    """A month plan, then the year-end plan, then the same month plan again (the same inputs: the
    same id, saved once): the plan made last is the month plan, so `why` and `report` without an
    id take it, not the year-end plan saved after its first run (a reviewer's case)."""
    month = json.loads(run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--json"))["plan_id"]
    run(book, "plan", "year-end", "--as-of", AS_OF)
    again = json.loads(run(book, "plan", "month", "--as-of", AS_OF, *MONEY, "--json"))["plan_id"]
    assert again == month and [row[0] for row in saved(book)] == [README_PLAN, month]  # one row each
    assert run(book, "why").startswith(f"Plan {month} (month plan for 2026-11")
    run(book, "report", "--html", "page.html")
    assert month in (book / "page.html").read_text(encoding="utf-8")
