"""Opportunity-driven harvesting (issue 14, item 5): the policy's `harvest when ...` triggers,
`plan month` saying a harvest is due, and `plan harvest` on a mid-year day.

The law (rules/india.rules, docs/tax-rules.md): equity is long-term after
12 months; from 23 July 2024 LTCG is taxed at 12.5% above an exemption of Rs 1,25,000 a FY
(s.112A), cess 4%.

Drawdown cases (one fund EQFUND, asset "Equity"; the window of `the last 12 months` on
2026-01-05 runs from 2025-01-05 to 2026-01-05, both included):
- prices 120 on 2024-11-04, 130 on 2024-12-02 (13 months before: outside the window), 80 on
  2025-01-10, 100 on 2025-06-02 (the high in the window), and on 2026-01-05 either 89 or 91;
- asha holds 1,000 units bought on 2024-11-04 at 120 and 100 bought on 2025-01-10 at 80.
- Now 89: value 1,100 x 89 = 97,900; at the high 1,100 x 100 = 1,10,000; drawdown
  1 - 97,900 / 1,10,000 = 11% >= 10%: fires. Were 130 counted (it must not be), the drawdown
  would be 1 - 89/130 = 31.5%.
- Now 91: 1 - 91/100 = 9% < 10%: does not fire.
- The long-term lot (1,000 bought 2024-11-04, long-term from 2025-11-05) loses
  1,000 x (120 - 89) = Rs 31,000 at 89, and 1,000 x (120 - 95) = Rs 25,000 at 95 (exactly the
  trigger's amount: `exceed` is strictly more, so it does not fire), Rs 25,010 at 94.99 (fires).
  The 100 units bought at 80 are short-term (bought 2025-01-10): not counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine import api
from helpers.year_end_books import ASHA, make_book, policy_text, run_json

ROOT = Path(__file__).resolve().parents[2]
TRIGGERS = ("    realise gains up to the exemption\n"
            "    never realise short-term gains\n"
            "    harvest when an asset is 10% below its high of the last 12 months\n"
            "    harvest when unrealised long-term losses exceed Rs 25,000")
EQFUND = '    fund EQFUND "Equity index fund" holds "Equity"'
TX = "2024-11-04,asha,F1,EQFUND,BUY,1000,120,0\n2025-01-10,asha,F1,EQFUND,BUY,100,80,0\n"


def prices(now: str) -> str:
    return ("2024-11-04,EQFUND,120\n2024-12-02,EQFUND,130\n2025-01-10,EQFUND,80\n2025-06-02,EQFUND,100\n"
            f"2026-01-05,EQFUND,{now}\n")


def due(tmp_path, monkeypatch, now: str, harvest: str = TRIGGERS, as_of: date = date(2026, 1, 5)) -> api.HarvestDue:
    tmp_path.mkdir(exist_ok=True)
    make_book(tmp_path, monkeypatch, policy_text(ASHA, EQFUND, harvest), TX, prices(now))
    policy = api.load_policy(tmp_path / "policy.rules").policy
    assert policy is not None
    with api.open_book(tmp_path / "book.db") as book:
        return api.harvest_due(book, policy, as_of)


def test_drawdown_of_11_percent_fires_at_10_and_the_high_13_months_ago_is_not_counted(tmp_path, monkeypatch):
    found = due(tmp_path, monkeypatch, "89")
    drawdown = next(f for f in found.fired if f.trigger.kind == "drawdown")
    assert (drawdown.subject, drawdown.level) == ("Equity", D("0.11"))
    assert (drawdown.value, drawdown.at_highs, drawdown.since) == (D("97900"), D("110000"), date(2025, 1, 5))
    (security,) = drawdown.securities
    assert (security.high, security.high_on, security.units) == (D("100"), date(2025, 6, 2), D("1100"))
    assert drawdown.reason.startswith("Equity is 11.0% below its high of the last 12 months (at least 10.0%): "
                                      "Rs 97,900 now against Rs 1,10,000 at its highs since 2025-01-05")


def test_drawdown_of_9_percent_does_not_fire(tmp_path, monkeypatch):
    found = due(tmp_path, monkeypatch, "91")  # 1 - 91/100 = 9%; the long-term loss 29,000 still fires
    assert [f.trigger.kind for f in found.fired] == ["long-term-losses"]
    assert found.fired[0].level == D("29000")


def test_a_price_outside_the_window_only_is_its_own_high(tmp_path, monkeypatch):
    """On 2026-01-05 with `the last 6 months` (from 2025-07-05) the window holds only
    2026-01-05's 89: the high is 89, no drawdown; with 8 months (from 2025-05-05) the 100 of
    2025-06-02 counts: 11%."""
    six = "    harvest when an asset is 10% below its high of the last 6 months"
    assert due(tmp_path / "six", monkeypatch, "89", six).fired == ()
    eight = "    harvest when an asset is 10% below its high of the last 8 months"
    (fired,) = due(tmp_path / "eight", monkeypatch, "89", eight).fired
    assert fired.level == D("0.11") and fired.since == date(2025, 5, 5)


@pytest.mark.parametrize("now, loss, fires", [("95", "25000", False), ("94.99", "25010", True)])
def test_unrealised_long_term_losses_must_exceed_the_amount(tmp_path, monkeypatch, now, loss, fires):
    harvest = "    harvest when unrealised long-term losses exceed Rs 25,000"
    found = due(tmp_path, monkeypatch, now, harvest)
    assert [(f.subject, f.level) for f in found.fired] == ([("asha", D(loss))] if fires else [])
    with api.open_book(tmp_path / "book.db") as book:  # the same number `status` says
        policy = api.load_policy(tmp_path / "policy.rules").policy
        assert api.status(book, policy, date(2026, 1, 5)).investors[0].unrealised_lt_losses == D(loss)


def lotwise(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "engine", *args, "--book", "book.db"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8")


def test_plan_month_says_a_harvest_is_due_and_why(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(ASHA, EQFUND, TRIGGERS), TX, prices("89"))
    done = lotwise(tmp_path, "plan", "month", "--as-of", "2026-01-05", "--invest", "1000", "--dry-run")
    assert done.returncode == 0 and done.stderr == ""
    tail = done.stdout.split("\nA harvest is due:\n")[1]
    assert tail == ("  Equity is 11.0% below its high of the last 12 months (at least 10.0%): Rs 97,900 now against "
                    "Rs 1,10,000 at its highs since 2025-01-05 (EQFUND Rs 89 on 2026-01-05, high Rs 100 on 2025-06-02)\n"
                    "  asha's unrealised long-term losses are Rs 31,000, more than Rs 25,000\n"
                    "plan it with `lotwise plan harvest --as-of 2026-01-05`\n")
    data = json.loads(lotwise(tmp_path, "plan", "month", "--as-of", "2026-01-05", "--invest", "1000", "--dry-run",
                              "--json").stdout)
    said = data["harvest_due"]
    assert said["plan_with"] == "lotwise plan harvest --as-of 2026-01-05"
    assert [(r["trigger"], r["subject"], r["level"]) for r in said["reasons"]] == [
        ("drawdown", "Equity", "0.11"), ("long-term-losses", "asha", "31000.00")]
    assert said["reasons"][0]["securities"][0]["high_on"] == "2025-06-02"


def test_plan_month_says_nothing_new_when_no_trigger_fires_or_none_is_stated(tmp_path, monkeypatch):
    quiet = "    harvest when unrealised long-term losses exceed Rs 50,000"  # 31,000: does not fire
    make_book(tmp_path, monkeypatch, policy_text(ASHA, EQFUND, quiet), TX, prices("89"))
    month = ["plan", "month", "--as-of", "2026-01-05", "--invest", "1000", "--dry-run"]
    text, data = lotwise(tmp_path, *month).stdout, json.loads(lotwise(tmp_path, *month, "--json").stdout)
    (tmp_path / "policy.rules").write_text(policy_text(ASHA, EQFUND, "    realise gains up to the exemption"),
                                           encoding="utf-8")
    # The same plan but for its id, which covers the policy (MP-: another policy, another id).
    other, other_data = lotwise(tmp_path, *month).stdout, json.loads(lotwise(tmp_path, *month, "--json").stdout)
    assert other_data["plan_id"] != data["plan_id"] and other_data["inputs"]["policy"] != data["inputs"]["policy"]
    assert text.replace(data["plan_id"], other_data["plan_id"]) == other and "harvest" not in text.lower()
    mine = {k: v for k, v in data.items() if k not in ("plan_id", "inputs")}
    assert mine == {k: v for k, v in other_data.items() if k not in ("plan_id", "inputs")} and "harvest_due" not in data


# ------------------------------------------------------------------ plan harvest, mid-year
MID_YEAR = ("2023-06-01,asha,F1,GAINER,BUY,1000,100,0\n2023-06-01,asha,F2,OTHER,BUY,1000,100,0\n"
            "2025-07-01,asha,F2,OTHER,SELL,1000,200,0\n")
MID_PRICES = "2023-06-01,GAINER,100\n2025-07-01,OTHER,200\n2025-10-06,GAINER,140\n"
TWO_FUNDS = ('    fund GAINER "Equity index fund" holds "Equity"\n'
             '    fund OTHER "Other equity fund" holds "Equity"')


def test_plan_harvest_mid_year_uses_the_room_left_by_the_gains_realised_so_far(tmp_path, monkeypatch, capsys):
    """FY 2025-26 on 2025-10-06: OTHER sold on 2025-07-01 realised a long-term gain of
    1,000 x (200 - 100) = Rs 1,00,000, so Rs 1,25,000 - 1,00,000 = Rs 25,000 of exemption is left.
    GAINER gains Rs 40 a unit (100 -> 140), long-term: the plan sells 25,000 / 40 = 625 units
    (Rs 87,500) and the year's net LTCG becomes Rs 1,25,000, tax still 0; the step-up is worth
    25,000 x 12.5% x 1.04 = Rs 3,250. No trigger fires (GAINER is at its high; no loss)."""
    make_book(tmp_path, monkeypatch, policy_text(ASHA, TWO_FUNDS, TRIGGERS), MID_YEAR, MID_PRICES)
    plan = run_json(capsys, "plan", "harvest", "--as-of", "2025-10-06")
    assert plan["plan_id"].startswith("HV-") and plan["kind"] == "harvest" and plan["due"] == []
    (inv,) = plan["investors"]
    assert (inv["before"]["net_ltcg"], inv["after"]["net_ltcg"]) == ("100000.00", "125000")
    assert inv["step_up"] == "3250.00"
    (sell,) = [o for o in plan["orders"] if o["side"] == "SELL"]
    assert (sell["security"], sell["units"], sell["amount"]) == ("GAINER", "625.000", "87500.00")
    done = lotwise(tmp_path, "plan", "harvest", "--as-of", "2025-10-06", "--no-save")
    assert done.returncode == 0
    assert done.stdout.startswith(f"Harvest plan {plan['plan_id']} for FY 2025-26, as of 2025-10-06\n"
                                  "no harvest trigger fired on this day (the plan is made as asked)\n")
    assert "losses harvested: none\n" in done.stdout
    listed = lotwise(tmp_path, "plans", "--json")
    assert [(p["plan_id"], p["kind"]) for p in json.loads(listed.stdout)["plans"]] == [(plan["plan_id"], "harvest")]


def test_plan_harvest_in_a_drawdown_says_why_and_what_of_the_loss_is_used(tmp_path, monkeypatch, capsys):
    """2026-01-05 (FY 2025-26): OTHER3, 1,000 units bought 2025-04-01 at 100 and sold
    2025-08-01 at 150, realised a short-term gain of Rs 50,000 (20%: tax 50,000 x 20% x 1.04 =
    Rs 10,400). Besides the lots above, asha bought 1,000 EQFUND in folio F2 on 2025-06-02 at
    the high, 100: a short-term loss of 1,000 x 11 = Rs 11,000 at 89. (The drawdown: 2,100
    units, 1 - 1,86,900 / 2,10,000 = 11%.) Set off against the STCG it saves
    11,000 x 20% x 1.04 = Rs 2,288 now and adds 11,000 x 12.5% x 1.04 = Rs 1,430 of future tax:
    the plan harvests it, and all of it is used this FY. The long-term lot's Rs 31,000 loss is
    not harvested: a long-term loss is set off only against long-term gains (s.70(3)), there are
    none, and carried forward it would be worth -31,000 x 13%."""
    tx = TX + ("2025-06-02,asha,F2,EQFUND,BUY,1000,100,0\n"
               "2025-04-01,asha,F3,OTHER3,BUY,1000,100,0\n2025-08-01,asha,F3,OTHER3,SELL,1000,150,0\n")
    funds = EQFUND + '\n    fund OTHER3 "Third fund" holds "Equity"'
    px = prices("89") + "2025-04-01,OTHER3,100\n2025-08-01,OTHER3,150\n"
    make_book(tmp_path, monkeypatch, policy_text(ASHA, funds, TRIGGERS), tx, px)
    plan = run_json(capsys, "plan", "harvest", "--as-of", "2026-01-05", "--no-save")
    assert [(d["subject"], d["level"]) for d in plan["due"]] == [("Equity", "0.11"), ("asha", "31000.00")]
    (sell,) = [o for o in plan["orders"] if o["side"] == "SELL"]
    assert (sell["account"], [lot["gain"] for lot in sell["lots"]]) == ("F2", ["-11000.00"])
    (inv,) = plan["investors"]
    assert (inv["before"]["total_tax"], inv["after"]["total_tax"]) == ("10400.00", "8112.00")
    assert inv["after"]["carry_forward"] == inv["before"]["carry_forward"] == []
    done = lotwise(tmp_path, "plan", "harvest", "--as-of", "2026-01-05", "--no-save")
    assert ("losses harvested: Rs 11,000, of which Rs 11,000 used this FY (against its gains, or gains realised "
            "tax-free with them) and Rs 0 carried forward (none needlessly)\n") in done.stdout
    assert "a harvest is due:\n  Equity is 11.0% below" in done.stdout


def test_two_funds_of_one_asset_are_weighted_by_their_value_at_their_highs(tmp_path, monkeypatch):
    """docs/harvesting.md's example: 1,000 units of A at 90 (high 100 in the window) and 500 of
    B at 200 (its high): 1 - (90,000 + 1,00,000) / (1,00,000 + 1,00,000) = 5%: exactly the
    trigger's 5%, which fires (X or more)."""
    funds = '    fund A "Fund A" holds "Equity"\n    fund B "Fund B" holds "Equity"'
    tx = "2025-06-02,asha,F1,A,BUY,1000,100,0\n2025-06-02,asha,F2,B,BUY,500,200,0\n"
    px = "2025-06-02,A,100\n2025-06-02,B,200\n2026-01-05,A,90\n2026-01-05,B,200\n"
    make_book(tmp_path, monkeypatch, policy_text(ASHA, funds, "    harvest when an asset is 5% below its high of the "
                                                 "last 12 months"), tx, px)
    policy = api.load_policy(tmp_path / "policy.rules").policy
    with api.open_book(tmp_path / "book.db") as book:
        (fired,) = api.harvest_due(book, policy, date(2026, 1, 5)).fired
    assert (fired.level, fired.value, fired.at_highs) == (D("0.05"), D("190000"), D("200000"))
    assert [(s.security, s.high) for s in fired.securities] == [("A", D("100")), ("B", D("200"))]
