"""The client's report built in process from small hand-written documents (engine/reports/client.py,
client_build.py, client_html.py): the kind told from the document, ids and ISINs replaced by the
policy's names, the user's text escaped, the tax and exemption rows as the plan gives them."""

from __future__ import annotations

from decimal import Decimal as D

from engine.reports.client import Names, kind_of
from engine.reports.client_build import client_report
from engine.reports.client_html import client_html

NAMES = Names({"asha": "Asha <b>Sharma</b>"}, {"EQ": "Equity & Co fund", "INE0000EQ001": "Equity & Co fund"})


def year_end_doc() -> dict:
    """One investor, one sale: 1,000 units of EQ at Rs 150 bought at Rs 100 realise a long-term gain of
    Rs 50,000 within the Rs 1,25,000 exemption; no tax before or after."""
    zero = {"total_tax": "0", "exemption_used": "0"}
    return {
        "plan_id": "YE-0123456789ab", "kind": "year-end", "as_of": "2026-03-20", "fy": "FY 2025-26",
        "inputs": {"policy": "ab" * 32, "as_of": "2026-03-20"},
        "investors": [{"investor": "asha", "exemption": "125000", "value": "3125.00", "tax_saved": "0.00",
                       "step_up": "3150.00", "exit_loads": "0.00", "charges": "25.00", "before": zero,
                       "after": {"total_tax": "0", "exemption_used": "50000.00"}}],
        "orders": [{"date": "2026-03-20", "investor": "asha", "account": "F1", "security": "EQ", "asset": "Equity",
                    "side": "SELL", "amount": "150000.00", "units": "1000.000", "price": "150", "tax": "0.00"}],
        "decisions": [{"action": "SOLD", "code": "SOLD-GAIN", "reason": "Lot L1 (1000 units of EQ in F1) sold"},
                      {"action": "KEPT", "code": "KEPT-BEHIND", "reason": "Lot L2 of INE0000EQ001 kept"}],
        "notes": ["<script>alert(1)</script> a note"], "unplaced": [],
    }


def test_the_kind_is_told_from_the_document():
    assert kind_of({"kind": "year-end"}) == "year-end" and kind_of({"kind": "harvest"}) == "harvest"
    assert kind_of({"month": "2026-03", "orders": []}) == "month"  # `plan month --json`
    assert kind_of({"method": "full", "orders": []}) == "rebalance"  # `rebalance --json`
    assert kind_of({"total_drift": "0", "assets": []}) == "status"  # `status --json`
    assert kind_of({"kind": "month", "method": "full"}) == "month"  # a saved plan's own kind wins
    assert kind_of({"kind": "backtest"}) is None and kind_of({}) is None


def test_ids_and_isins_become_names_only_as_whole_words():
    assert NAMES.in_text("Lot L1 of EQ in F1; INE0000EQ001 too; EQUITY stays") == \
        "Lot L1 of Equity & Co fund in F1; Equity & Co fund too; EQUITY stays"
    assert NAMES.investor("ravi") == "ravi" and NAMES.security("X") == "X"  # not in the policy: the id


def test_the_year_end_report_and_its_page(monkeypatch):
    from engine.reports import client_build

    monkeypatch.setattr(client_build, "names_of", lambda policy: NAMES)
    report = client_report(year_end_doc(), None)
    (tax,) = report.taxes
    assert (tax.tax_before, tax.tax_after, tax.exemption_before, tax.exemption_after, tax.exemption_limit) == (
        D(0), D(0), D(0), D("50000.00"), D(125000))
    assert report.reasons == ("Lot L1 (1000 units of Equity & Co fund in F1) sold.",)  # the sales' reasons only
    assert report.summary[1] == ("Every one of the 2 lots held was considered; 1 is sold. 1 sold to realise a "
                                 "long-term gain tax-free within the exemption (and bought back, raising its cost); "
                                 "1 kept because an older lot of the same fund is kept (units are sold oldest "
                                 "first).")
    page = client_html(report, None, "9.9")
    assert "<td>Asha &lt;b&gt;Sharma&lt;/b&gt;</td><td>Equity &amp; Co fund</td><td>SELL</td>" \
           "<td>Rs 1,50,000</td><td>1000.000</td><td>Rs 0</td>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; a note" in page
    assert "<tr><td>Asha &lt;b&gt;Sharma&lt;/b&gt;</td><td>Rs 0</td><td>Rs 0</td><td>Rs 0</td><td>Rs 50,000</td>" \
           "<td>Rs 1,25,000</td></tr>" in page
    assert "This plan does not change the allocation" in page  # no drift record: no chart, said so
    assert "Plan <strong>YE-0123456789ab</strong>, made by lotwise 9.9." in page
    assert f"<tr><td>policy</td><td><code>{'ab' * 32}</code></td></tr>" in page
    assert "Prepared by" not in page  # no report block: no adviser line
