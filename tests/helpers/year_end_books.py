"""Books for the year-end plan's hand-derived cases (tests/harvest/test_year_end_plan.py), built
through the CLI in a test's tmp_path, and readers of the plan's JSON; also used by
tests/api/test_year_end_cases.py (the same cases through engine/api.py) and
tests/core/test_calendar.py. The law, the policy and the derivations: the docstring of
tests/harvest/test_year_end_plan.py."""

from __future__ import annotations

import json
from decimal import Decimal as D

from engine.cli.main import main

AS_OF = "2026-03-20"
TX_HEADER = "date,investor,account,security,type,units,price,charges\n"
PRICES_HEADER = "date,security,price\n"

POLICY = '''use "india"
portfolio "t" {{
{investors}
    asset "Equity" 100% class equity
{securities}
}}
harvest at year end {{
{harvest}
}}
'''
ASHA = '    investor asha "Asha"'
ASHA_RAVI = '    investor asha "Asha"\n    investor ravi "Ravi"'
EQFUND = '    fund EQFUND "Equity index fund" holds "Equity"'
HARVEST = ("    realise gains up to the exemption, keep Rs 1,000 margin\n"
           "    harvest losses larger than Rs 5,000\n"
           "    never realise short-term gains\n"
           "    never pay exit load")


def policy_text(investors=ASHA, securities=EQFUND, harvest=HARVEST) -> str:
    return POLICY.format(investors=investors, securities=securities, harvest=harvest)


def make_book(tmp_path, monkeypatch, policy, transactions, prices, **extra):
    """A book in tmp_path through the CLI: check, init, import (extra: name -> CSV text)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.rules").write_text(policy, encoding="utf-8")
    (tmp_path / "tx.csv").write_text(TX_HEADER + transactions, encoding="utf-8")
    (tmp_path / "prices.csv").write_text(PRICES_HEADER + prices, encoding="utf-8")
    for name, text in extra.items():
        (tmp_path / name.replace("_csv", ".csv")).write_text(text, encoding="utf-8")
    assert main(["check", "policy.rules"]) == 0
    assert main(["init", "--policy", "policy.rules", "--book", "book.db"]) == 0
    files = ["tx.csv", "prices.csv", *(name.replace("_csv", ".csv") for name in extra)]
    assert main(["import", *files, "--book", "book.db"]) == 0


def run_json(capsys, *args):
    capsys.readouterr()
    assert main([*args, "--book", "book.db", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def year_end(capsys, *more, as_of=AS_OF):
    return run_json(capsys, "plan", "year-end", "--as-of", as_of, *more)


def lot_ids(capsys):
    """(investor, account, security, acquired) -> lot id, from `lotwise lots --json`."""
    return {(l["investor"], l["account"], l["security"], l["acquired"]): l["lot"]
            for l in run_json(capsys, "lots")["lots"]}


def sells(plan):
    return [o for o in plan["orders"] if o["side"] == "SELL"]


def buys(plan):
    return [o for o in plan["orders"] if o["side"] == "BUY"]


def investor(plan, ident):
    return next(i for i in plan["investors"] if i["investor"] == ident)


def decision(plan, lot):
    return next(d for d in plan["decisions"] if d["lot"] == lot)


def money(text) -> D:
    return D(text)


# Four long-term lots of 1,000 units at Rs 100 in one folio (case 1, 3, 8, 9).
FOUR_LOTS = ("2023-04-10,asha,F1,EQFUND,BUY,1000,100,0\n"
             "2023-06-12,asha,F1,EQFUND,BUY,1000,100,0\n"
             "2023-09-11,asha,F1,EQFUND,BUY,1000,100,0\n"
             "2024-01-10,asha,F1,EQFUND,BUY,1000,100,0\n")


def four_lots_book(tmp_path, monkeypatch, price="150", **extra):
    make_book(tmp_path, monkeypatch, policy_text(), FOUR_LOTS, f"2026-03-20,EQFUND,{price}\n", **extra)

