"""Migration and consolidation as a user sees them (issue 14, items 2 and 3): `plan year-end` (text
and JSON), `why`, `fmt`, `show` and `check`, each through a real process (`python -m engine`).

The book, on 2026-03-20 (FY 2025-26: LTCG 12.5% above Rs 1,25,000, cess 4%: 13%; STT 0.001% on a
fund's redemption, stamp duty 0.005% on a purchase), nothing realised yet:
  OLD (legacy, replaced with IDX; 1.6%): 300 units bought 2023-01-02 at 500, worth 1,000: Rs 3,00,000,
      a long-term gain of Rs 1,50,000;
  ACT (1%; its asset consolidates into IDX, 0.2%): 100 units bought 2023-01-02 at 400, worth 1,000:
      Rs 1,00,000, a long-term gain of Rs 60,000.
`value expense savings over 5 years`, at face value (no discount rate): a rupee moved out of OLD saves
1.4% x 5 = 7%, out of ACT 0.8% x 5 = 4%. Per rupee of gain: OLD saves 7% / 0.5 = 14% against a tax
of 13% (worth moving even taxed), ACT 4% / 0.6 = 6.67% (only within the exemption). The exemption
(1,25,000, no margin) goes to OLD's gain; its other 25,000 is taxed: 25,000 x 13% = Rs 3,250.
  expense saved: 3,00,000 x 7% = Rs 21,000; the step-up of the taxed 25,000 not credited: Rs 3,250;
  the migration term 21,000 - 3,250 = Rs 17,750; future tax avoided 1,50,000 x 13% = Rs 19,500;
  charges: STT 3,00,000 x 0.001% = 3 + stamp duty on the rebuy 2,99,997 x 0.005% = 15: Rs 18;
  value -3,250 + 19,500 + 17,750 - 18 = Rs 33,982.
  Break-even: 3,00,000 x 1.4% = Rs 4,200 a year, Rs 350 a month: 3,250 / 350 = 9.29 -> 10 months.
Moving ACT as well instead would tax its whole 60,000 (the exemption is used): Rs 7,800 of tax now,
Rs 7,800 of step-up, Rs 4,000 saved and its step-up of Rs 7,800 not credited: Rs 3,800 worse.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import lotwise

POLICY = '''use "india"
portfolio "P" {
    investor asha "Asha"
    asset "Nifty 50" 100% class equity consolidate into IDX
    fund OLD "Old Bluechip Regular" holds "Nifty 50" legacy, replace with IDX expense ratio 1.6%
    fund IDX "Nifty 50 Index Direct" holds "Nifty 50" expense ratio 0.2%
    fund ACT "Active Nifty fund" holds "Nifty 50" expense ratio 1%
}
harvest at year end {
    realise gains up to the exemption, keep Rs 0 margin
    value expense savings over 5 years
}
'''
TX = ("date,investor,account,security,type,units,price,charges\n"
      "2023-01-02,asha,F1,OLD,BUY,300,500,0\n"
      "2023-01-02,asha,F2,ACT,BUY,100,400,0\n")
PRICES = "date,security,price\n2026-03-20,OLD,1000\n2026-03-20,IDX,10\n2026-03-20,ACT,1000\n"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "p.rules").write_text(POLICY, encoding="utf-8")
    (tmp_path / "tx.csv").write_text(TX, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(PRICES, encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "p.rules", "--book", "b.db").returncode == 0
    assert lotwise(tmp_path, "import", "tx.csv", "prices.csv", "--book", "b.db").returncode == 0
    return tmp_path


def test_the_plan_moves_the_legacy_fund_and_says_its_break_even(book):
    run = lotwise(book, "plan", "year-end", "--as-of", "2026-03-20", "--book", "b.db")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    text = run.stdout
    assert ("value of the plan: Rs 33,982 = tax saved -Rs 3,250 + future tax avoided Rs 19,500 + expense saved by "
            "moving, net Rs 17,750 - exit loads Rs 0 - STT and stamp duty Rs 18") in text
    assert ("moving Rs 3,00,000 from OLD into IDX saves Rs 4,200 a year: the tax of Rs 3,250 is recovered in 10 "
            "months by the 1.4% lower expense ratio\n") in text
    assert ("expense saved over 5 years Rs 21,000, less the step-up of the gains moved past the allowance Rs 3,250 "
            "(not credited): Rs 17,750\n") in text
    assert "2026-03-20  asha        F1         OLD         SELL    Rs 3,00,000  300.000" in text
    assert "2026-03-20  asha        new        IDX         BUY     Rs 2,99,997" in text
    assert " ACT " not in text  # kept
    ident = next(w for w in text.split() if w.startswith("YE-"))
    assert lotwise(book, "plan", "year-end", "--as-of", "2026-03-20", "--book", "b.db", "--no-save", "--markdown",
                   "r.md").returncode == 0
    report = (book / "r.md").read_text(encoding="utf-8")
    assert "future tax avoided Rs 19,500, expense saved by moving, net Rs 17,750, exit loads Rs 0" in report
    assert ("\n- moving Rs 3,00,000 from Old Bluechip Regular into Nifty 50 Index Direct saves Rs 4,200 a year: the "
            "tax of Rs 3,250 is recovered") in report  # the funds by the policy's names

    body = json.loads(lotwise(book, "plan", "year-end", "--as-of", "2026-03-20", "--book", "b.db", "--no-save",
                              "--json").stdout)
    (inv,) = body["investors"]
    assert inv["migration"] == {
        "value": "17750.00", "years": 5, "expense_saved": "21000.00", "step_up_not_credited": "3250.00",
        "moves": [{"account": "F1", "security": "OLD", "into": "IDX", "amount": "300000.00",
                   "expense_ratio_gap": "0.014", "saving_a_year": "4200.00", "tax": "3250.00",
                   "break_even_months": 10}]}
    (sell,) = [o for o in body["orders"] if o["side"] == "SELL"]
    assert (sell["security"], sell["units"], sell["tax"]) == ("OLD", "300.000", "3250.00")  # the move's tax
    assert D(inv["value"]) == D(inv["tax_saved"]) + D(inv["step_up"]) + D(inv["migration"]["value"]) \
        - D(inv["exit_loads"]) - D(inv["charges"]) == D("33982.00")

    why = lotwise(book, "why", ident, "--json", "--book", "b.db")
    assert why.returncode == 0, why.stderr
    decisions = {d["security"]: d for d in json.loads(why.stdout)["decisions"]}
    old, act = decisions["OLD"], decisions["ACT"]
    assert old["code"] == "SOLD-MOVED"
    assert old["reason"].endswith("tax this year Rs 3,250; moved into IDX (the legacy fund's replacement): the 1.4% "
                                  "lower expense ratio saves Rs 4,200 a year on the order's Rs 3,00,000, and the "
                                  "order's tax of Rs 3,250 is recovered in 10 months (expense savings valued over 5 "
                                  "years)")
    assert {k: old["numbers"][k] for k in ("moved_into", "saving_a_year", "move_tax", "break_even_months")} == \
        {"moved_into": "IDX", "saving_a_year": "4200.00", "move_tax": "3250.00", "break_even_months": "10"}
    assert act["code"] == "KEPT-GAIN-NO-USE"
    assert act["numbers"]["expense_saved"] == "4000.00" and act["numbers"]["step_up_not_credited"] == "7800.00"
    assert ("it would add Rs 7,800 of tax this year (rate 12.5%) and avoid Rs 7,800 of future tax, and save Rs 4,000 "
            "of expense over 5 years by moving, less the step-up of the gain taxed now, Rs 7,800, not credited, so "
            "selling would leave the plan Rs 3,800 worse") in act["reason"]
    said = lotwise(book, "why", ident, "--book", "b.db")
    assert said.returncode == 0 and "SOLD-MOVED: Lot " in said.stdout


def test_without_the_statement_the_legacy_fund_moves_only_within_the_exemption(book):
    """The same book without `value expense savings`: the exemption's 1,25,000 of OLD's gain only,
    250 of its 300 units (Rs 500 of gain each); no tax, no migration key, no migration line."""
    (book / "p.rules").write_text(POLICY.replace("    value expense savings over 5 years\n", ""), encoding="utf-8")
    assert lotwise(book, "init", "--policy", "p.rules", "--book", "c.db").returncode == 0
    assert lotwise(book, "import", "tx.csv", "prices.csv", "--book", "c.db").returncode == 0
    body = json.loads(lotwise(book, "plan", "year-end", "--as-of", "2026-03-20", "--book", "c.db", "--no-save",
                              "--json").stdout)
    (inv,) = body["investors"]
    assert "migration" not in inv and D(inv["after"]["total_tax"]) == 0
    (sell,) = [o for o in body["orders"] if o["side"] == "SELL"]
    assert (sell["security"], sell["units"]) == ("OLD", "250.000")


def test_the_statements_round_trip_through_fmt_and_show(tmp_path):
    path = tmp_path / "p.rules"
    path.write_text(POLICY.replace("class equity consolidate into IDX", "class equity consolidate   into IDX")
                    .replace("    value expense savings over 5 years", "  value  expense savings over 5 years"),
                    encoding="utf-8")
    assert lotwise(tmp_path, "fmt", str(path)).returncode == 0
    formatted = path.read_text(encoding="utf-8")
    assert '    asset "Nifty 50" 100% class equity\n        consolidate into IDX\n' in formatted
    assert "\n    value expense savings over 5 years\n" in formatted
    assert lotwise(tmp_path, "fmt", str(path)).returncode == 0 and path.read_text(encoding="utf-8") == formatted
    shown = lotwise(tmp_path, "show", str(path))
    assert shown.returncode == 0
    assert "Harvesting: realise gains up to the exemption less Rs 0; expense savings valued over 5 years" in shown.stdout
    assert "legacy -> IDX\n" in shown.stdout  # OLD moves to its replacement, not said twice
    assert "Active Nifty fund      Nifty 50  equity   consolidate -> IDX" in shown.stdout
    data = json.loads(lotwise(tmp_path, "show", "--json", str(path)).stdout)
    policy = data.get("policy", data)
    assert policy["harvest"]["savings_years"] == 5
    assert policy["portfolio"]["assets"][0]["consolidate_into"] == "IDX"


@pytest.mark.parametrize("line, code, where", [
    ("value expense savings over 5", "P132", "3:1"),
    ("value expense savings for 5 years", "P132", "2:27"),
    ("value expense savings over 5 yrs", "P132", "2:34"),
    ("value expense saving over 5 years", "P111", "2:19"),
    ("value expenses over 5 years", "P111", "2:11"),
    ("value expense savings over 0 years", "V362", "2:32"),
    ("value expense savings over 101 years", "V362", "2:32"),
])
def test_near_misses_get_a_clear_error_with_its_place(tmp_path, line, code, where):
    path = tmp_path / "p.rules"
    path.write_text(f"harvest {{\n    {line}\n}}\n", encoding="utf-8")
    result = lotwise(tmp_path, "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"p.rules:{where}: error[{code}]" in result.stderr + result.stdout


@pytest.mark.parametrize("into, message", [
    ("IDY", "the fund to consolidate into, IDY, is not declared"),
    ("OLD", "OLD is legacy: the asset cannot consolidate into it"),
])
def test_consolidating_into_a_fund_not_declared_or_legacy_is_an_error_at_its_place(tmp_path, into, message):
    path = tmp_path / "p.rules"
    path.write_text(POLICY.replace("consolidate into IDX", f"consolidate into {into}"), encoding="utf-8")
    result = lotwise(tmp_path, "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"p.rules:4:57: error[V363]: {message}" in result.stderr
