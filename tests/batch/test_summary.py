"""The totals (engine/batch/summary.py) and their three renderings (engine/reports/batch.py)."""

import json
from decimal import Decimal as D

from engine.batch.jobs import Outcome, OutcomeStatus
from engine.batch.summary import totals
from engine.reports.batch import summary_csv, summary_json, summary_text
from engine.reports.json import dumps

OUTCOMES = [
    Outcome("a", OutcomeStatus.OK, "YE-1", D("1742.00"), D("1742.00"), D("125000"), D("0.00"), 0),
    Outcome("b", OutcomeStatus.SKIPPED, "YE-2", D("0.00"), D("0.00"), D("248000.19"), D("38940.72"), 7,
            warnings=("T121",)),
    Outcome("c", OutcomeStatus.FAILED, codes=("P101",), errors=("c.rules:1:1: error[P101]: unexpected `oops`",)),
]


def test_totals_sum_what_the_clients_state():
    """1,742 + 0; 1,25,000 + 2,48,000.19 = 3,73,000.19; 0 + 38,940.72; 0 + 7 orders; nothing of c."""
    t = totals(OUTCOMES)
    assert (t.clients, t.ok, t.skipped, t.failed) == (3, 1, 1, 1)
    assert (t.tax_before, t.tax_after, t.exemption_used, t.value, t.orders, t.worth) == \
        (D("1742.00"), D("1742.00"), D("373000.19"), D("38940.72"), 7, None)
    assert totals([]).tax_before is None and totals([]).orders is None


def test_the_table_csv_and_json():
    t = totals(OUTCOMES)
    text = summary_text("plan year-end", OUTCOMES, t)
    lines = text.splitlines()
    assert lines[0].split() == ["client", "status", "plan", "tax", "before", "tax", "after", "exemption", "used",
                                "value", "orders", "errors", "warnings"]  # no portfolio or report: no client states one
    assert "Rs 3,73,000.19" in lines[-2] and lines[-2].startswith("total")
    assert lines[-1] == "plan year-end: 3 clients: 1 done, 1 skipped (saved already), 1 failed"
    rows = summary_csv(OUTCOMES, t).splitlines()
    assert rows[0] == "client,status,plan_id,tax_before,tax_after,exemption_used,value,orders,worth,report,codes,warnings"
    assert rows[2] == "b,skipped,YE-2,0.00,0.00,248000.19,38940.72,7,,,,T121"
    assert rows[3] == "c,failed,,,,,,,,,P101,"
    assert rows[4] == "total,,,1742.00,1742.00,373000.19,38940.72,7,,,,"
    data = json.loads(dumps(summary_json("plan year-end", OUTCOMES, t)))
    assert data["ok"] is False and data["totals"]["exemption_used"] == "373000.19"
    assert data["clients"][2]["errors"] == ["c.rules:1:1: error[P101]: unexpected `oops`"]
