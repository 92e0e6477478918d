"""engine/api.py: the script of docs/api.md run as written, and the API's promises: it never
prints, it refuses with a message or diagnostics, it keeps the Decimal precision whatever the
caller's context. (The hand-derived year-end cases through the API: tests/api/test_year_end_cases.py.)"""

from __future__ import annotations

import decimal
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import lotwise
from engine import api
from helpers.year_end_books import FOUR_LOTS, four_lots_book

pytestmark = pytest.mark.slow  # the family example's book and plans, made by processes

REPO = Path(__file__).resolve().parents[2]
FAMILY = REPO / "examples" / "family"
AS_OF = date(2026, 3, 20)


@pytest.fixture(scope="module")
def family_book(tmp_path_factory) -> Path:
    """The family example's book, made by `lotwise init` and `import` in a new directory."""
    where = tmp_path_factory.mktemp("family")
    assert lotwise(where, "init", "--policy", str(FAMILY / "family.rules"), "--book", "family.db").returncode == 0
    files = [str(FAMILY / name) for name in ("transactions.csv", "prices.csv", "fmv.csv")]
    assert lotwise(where, "import", *files, "--book", "family.db").returncode == 0
    return where / "family.db"


def doc_script() -> str:
    """The first Python block of docs/api.md."""
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_the_script_of_the_docs_runs_on_the_family_example(family_book):
    script = doc_script()
    assert len(script.splitlines()) <= 25
    done = subprocess.run([sys.executable, "-c", script, str(family_book)], capture_output=True, text=True,
                          cwd=family_book.parent, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("value on 2026-11-21: Rs ")
    assert any(line.startswith("buy ") and " for asha: Rs " in line for line in lines)
    # The README's plan (tests/harvest/test_year_end_plan.py, the demo): the same inputs, the same id.
    assert "year-end plan YE-11ab1d88d326 for FY 2026" in lines
    assert [line.split(":")[0] for line in lines if "tax saved" in line] == ["asha", "ravi"]


def test_the_api_gives_what_the_commands_print(family_book):
    """status, month and year end through the API: the numbers of the CLI's JSON."""
    import json

    as_of = date(2026, 11, 21)
    with api.open_book(family_book) as book:
        policy = api.load_policy(book.get("policy")).policy
        status = api.status(book, policy, as_of)
    shown = json.loads(lotwise(family_book.parent, "status", "--as-of", "2026-11-21", "--book", "family.db",
                               "--json").stdout)
    assert str(status.value) == shown["value"]
    assert [i.investor for i in status.investors] == [i["investor"] for i in shown["investors"]]
    assert [str(i.exemption_left) for i in status.investors] == [i["exemption_left"] for i in shown["investors"]]
    with api.open_book(family_book, access=api.Access.OWN) as book:
        made = api.plan_year_end(book, policy, as_of, save=False)
    assert made.plan_id == "YE-11ab1d88d326" and not made.saved


def test_the_api_never_prints(family_book, capfd):
    as_of = date(2026, 11, 21)
    capfd.readouterr()
    with api.open_book(family_book) as book:
        policy = api.load_policy(book.get("policy")).policy
        api.status(book, policy, as_of)
        api.plan_month(book, policy, as_of, remember=False)
        api.rebalance(book, policy, as_of, method="full")
    with api.open_book(family_book, access=api.Access.OWN) as book:
        made = api.plan_year_end(book, policy, as_of)
    with api.open_book(family_book) as book:
        assert api.why(book, made.plan_id).plan_id == made.plan_id
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_the_api_keeps_its_precision_and_leaves_the_callers(family_book):
    as_of = date(2026, 11, 21)
    with decimal.localcontext(prec=10):  # a caller's narrow context: the plan is the same
        with api.open_book(family_book, access=api.Access.OWN) as book:
            policy = api.load_policy(book.get("policy")).policy
            made = api.plan_year_end(book, policy, as_of, save=False)
        assert decimal.getcontext().prec == 10
    assert made.plan_id == "YE-11ab1d88d326"


def test_the_api_refuses_with_a_message_or_diagnostics(family_book):
    with api.open_book(family_book) as book:
        policy = api.load_policy(book.get("policy")).policy
        with pytest.raises(api.Refused) as refused:
            api.why(book, "YE-nosuchplan")
        assert refused.value.message.startswith("no saved plan 'YE-nosuchplan' in this book")
    with api.open_book(family_book, access=api.Access.OWN) as book:
        with pytest.raises(api.Refused) as refused:
            api.plan_year_end(book, policy, date(2026, 11, 21), fy=2024)
        assert refused.value.message == "2026-11-21 is in FY 2026-27, not FY 2024-25"  # the CLI names --as-of
        assert refused.value.code == "C104" and refused.value.values["as_of"] == "2026-11-21"
    with pytest.raises(api.Refused, match="no such financial year|--fy"):
        api.year_end_day(policy, fy=9999, today=date(2026, 1, 1))
    assert api.year_end_day(policy, fy=2024, today=date(2026, 11, 21)) == date(2025, 3, 31)  # clamped into FY


def test_lots_that_cannot_be_valued_are_refused_with_their_diagnostics(tmp_path, monkeypatch):
    four_lots_book(tmp_path, monkeypatch)  # one price, on 2026-03-20: none a year before
    with api.open_book(tmp_path / "book.db") as book:
        policy = api.load_policy(tmp_path / "policy.rules").policy
        with pytest.raises(api.Refused) as refused:
            api.status(book, policy, date(2025, 3, 20))
    assert refused.value.message is None and any(d.is_error for d in refused.value.diagnostics)


def test_plan_inputs_are_loaded_once_with_the_fmvs_and_money(tmp_path, monkeypatch):
    four_lots_book(tmp_path, monkeypatch)
    assert FOUR_LOTS.count("\n") == 4
    from engine.inputs import MoneyAsked

    with api.open_book(tmp_path / "book.db") as book:
        policy = api.load_policy(tmp_path / "policy.rules").policy
        inputs = api.load_plan_inputs(book, policy, AS_OF, money=MoneyAsked(total=50000))
    assert len(inputs.holdings) == 4 and inputs.history.fy == 2025
    assert dict(inputs.money.by_investor) == {"asha": 50000}
    assert inputs.problems == ()


def test_lots_gains_and_saved_plans_through_the_api(family_book):
    import json

    with api.open_book(family_book) as book:
        policy = api.load_policy(book.get("policy")).policy
        lots = api.lots(book, policy, investor="asha")
        everything = api.gains(book, policy, first=None, last=None)
        saved = api.plans(book)
    shown = json.loads(lotwise(family_book.parent, "lots", "--investor", "asha", "--book", "family.db",
                               "--json").stdout)
    assert lots and [lot.id for lot in lots] == [lot["lot"] for lot in shown["lots"]]
    years = json.loads(lotwise(family_book.parent, "gains", "--fy", "all", "--book", "family.db",
                               "--json").stdout)["years"]
    assert len(everything.years) == len(years) > 0
    assert [str(i.year.total_tax) for y in everything.years for i in y.investors] == [
        i["total_tax"] for y in years for i in y["investors"]]
    listed = json.loads(lotwise(family_book.parent, "plans", "--book", "family.db", "--json").stdout)["plans"]
    assert [p.plan_id for p in saved] == [p["plan_id"] for p in listed]
