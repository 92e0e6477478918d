"""`lotwise plan year-end`, `plans` and `why` through the CLI, with hand-derived numbers.

The law (rules/india.rules, shared/reference/india-tax.md beside the repository): FY 2025-26, every sale after
23-07-2024, so equity STCG 20%, LTCG 12.5% above the exemption of Rs 1,25,000 per investor,
cess 4% (so 20% x 1.04 = 20.8% and 12.5% x 1.04 = 13% with cess); long-term after 12 months,
a sale on the anniversary is short-term; grandfathering at 31-01-2018: cost = max(cost,
min(FMV, sale value)); a short-term loss meets short- or long-term gains, a long-term loss only
long-term gains; brought-forward losses are set off first. STT 0.001% on the sale of equity
fund units, 0.1% each side on stocks; stamp duty 0.005% on fund purchases, 0.015% on stock
purchases.

The objective (engine/harvest/optimizer.py): tax value = tax saved this FY + step-up (each gain realised
x its future rate, 13% for equity; a loss counts -13%) - exit loads; ties then broken by the
policy's preference order, then by STT + stamp duty (charges = proceeds x (sale STT + rebuy
stamp duty [+ rebuy STT]); for an equity fund 0.001% + 0.005% = 0.006% of the proceeds); value
= tax value - charges. Rebuys: each sale's proceeds less STT and exit load, in whole rupees,
into the same fund and folio (a legacy fund's into its replacement), units rounded down to
0.001 (funds) or whole (exchange-traded); funds bought on the day, exchange-traded on the next
trading day of the NSE (engine/calendar.py).

Every book is built through the CLI in tmp_path (check, init, import); plans are as of Friday
2026-03-20 (FY 2025-26) unless said otherwise.
"""

from __future__ import annotations

import pytest
import json
from datetime import date
from decimal import Decimal as D

from engine.cli.main import main
from helpers.year_end_books import (AS_OF, ASHA_RAVI, HARVEST, TX_HEADER, buys, decision, four_lots_book, investor,
                                    lot_ids, make_book, money, policy_text, run_json, sells, year_end)

pytestmark = pytest.mark.slow  # each case builds a book and plans through the CLI; the same cases run quickly through the API in tests/api/test_year_end_cases.py

# ----------------------------------------------------------------------------------------
# 1. Long-term gains only: up to the exemption less the margin, FIFO, the decisions


def test_long_term_gains_are_realised_up_to_the_exemption_less_the_margin(tmp_path, monkeypatch, capsys):
    four_lots_book(tmp_path, monkeypatch)
    ids = lot_ids(capsys)
    l1, l2, l3, l4 = (ids[("asha", "F1", "EQFUND", d)] for d in ("2023-04-10", "2023-06-12", "2023-09-11",
                                                                   "2024-01-10"))
    plan = year_end(capsys)
    asha = investor(plan, "asha")
    # Every lot is long-term on 2026-03-20 (the last was bought 2024-01-10, > 12 months).
    # At 150 each lot's gain is 1,000 x (150 - 100) = 50,000. Allowance = 1,25,000 - 1,000 =
    # 1,24,000 = 50,000 (L1) + 50,000 (L2) + 24,000 (24,000 / 50 = 480 units of L3).
    assert (money(asha["exemption"]), money(asha["allowance"])) == (D(125000), D(124000))
    after = asha["after"]
    assert abs(money(after["net_ltcg"]) - D(124000)) <= 1
    assert money(after["exemption_used"]) == money(after["net_ltcg"])
    assert money(after["total_tax"]) == 0 == money(asha["before"]["total_tax"])
    (sell,) = sells(plan)
    assert (sell["account"], sell["security"], D(sell["units"]), D(sell["amount"])) == (
        "F1", "EQFUND", D(2480), D(372000))  # 1,000 + 1,000 + 480 units x 150 = 3,72,000
    assert D(sell["stt"]) == D("3.72")  # 0.001% x 3,72,000
    # FIFO: the lots in the order bought, the last one partly.
    assert [(l["lot"], D(l["units"]), D(l["basis"]), D(l["gain"]), l["term"]) for l in sell["lots"]] == [
        (l1, D(1000), D(100000), D(50000), "long-term"),
        (l2, D(1000), D(100000), D(50000), "long-term"),
        (l3, D(480), D(48000), D(24000), "long-term")]  # basis 1,00,000 x 480 / 1,000
    # Value: step-up 1,24,000 x 13% = 16,120; charges 0.006% x 3,72,000 = 22.32.
    assert (D(asha["tax_saved"]), D(asha["step_up"]), D(asha["charges"]), D(asha["value"])) == (
        D(0), D(16120), D("22.32"), D("16097.68"))
    # Rebuy: 3,72,000 - 3.72 = 3,71,996.28 -> 3,71,996 into F1 at 150: 2,479.973 units (rounded down).
    (buy,) = buys(plan)
    assert (buy["date"], buy["account"], buy["security"], buy["amount"], D(buy["units"])) == (
        AS_OF, "F1", "EQFUND", "371996", D("2479.973"))
    # The decisions: SOLD-GAIN, SOLD-GAIN, SOLD-GAIN partly (the rest kept: exemption full), KEPT-BEHIND.
    codes = [(d["lot"], d["action"], d["code"], D(d["units_sold"])) for d in plan["decisions"]]
    assert codes == [(l1, "SOLD", "SOLD-GAIN", D(1000)), (l2, "SOLD", "SOLD-GAIN", D(1000)),
                     (l3, "SOLD", "SOLD-GAIN", D(480)), (l4, "KEPT", "KEPT-BEHIND", D(0))]
    assert decision(plan, l3)["numbers"]["kept_code"] == "KEPT-EXEMPTION-FULL"
    assert "the other 520.000 units kept" in decision(plan, l3)["reason"]  # 1,000 - 480
    assert decision(plan, l4)["numbers"] == {"behind": l3}
    assert "net LTCG Rs 1,24,000 after set-off" in decision(plan, l1)["reason"]
    assert plan["notes"] == []


def test_the_kept_rest_of_a_partly_sold_lot_names_the_gain_of_the_rest(tmp_path, monkeypatch, capsys):
    four_lots_book(tmp_path, monkeypatch)
    l3 = lot_ids(capsys)[("asha", "F1", "EQFUND", "2023-09-11")]
    plan = year_end(capsys)
    d = decision(plan, l3)
    # 480 of L3's 1,000 units are sold; the 520 kept would realise 520 x (150 - 100) = 26,000,
    # not the whole lot's 50,000.
    assert d["numbers"]["gain"] == "26000.00"
    assert "the other 520.000 units kept: selling would realise LTCG Rs 26,000;" in d["reason"]


# ----------------------------------------------------------------------------------------
# 2. A long-term loss lot in front of gain lots in one folio, a clean second folio


def test_a_loss_lot_in_front_of_a_folio_costs_more_proceeds_so_the_clean_folio_is_preferred(
        tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(),
              "2024-01-10,asha,F1,EQFUND,BUY,100,250,0\n"  # bought at a peak
              "2024-02-12,asha,F1,EQFUND,BUY,1000,100,0\n"
              "2024-03-11,asha,F2,EQFUND,BUY,3000,100,0\n",
              "2026-03-20,EQFUND,150\n")
    ids = lot_ids(capsys)
    peak, behind, clean = (ids[("asha", "F1", "EQFUND", "2024-01-10")], ids[("asha", "F1", "EQFUND", "2024-02-12")],
                           ids[("asha", "F2", "EQFUND", "2024-03-11")])
    plan = year_end(capsys)
    # All long-term. F1: the peak lot 100 x (150 - 250) = -10,000, then 1,000 x 50 = +50,000.
    # F2: 3,000 x 50 = +1,50,000. No tax before the plan, so tax saved is 0 either way and the
    # tax value is 13% x (gains - losses realised) = 13% x the net LTCG, at most 1,24,000:
    #   A: F2 alone, 1,24,000 / 50 = 2,480 units, proceeds 3,72,000: tax value 16,120.
    #   B: through F1: the loss (proceeds 15,000) needs 1,34,000 of gains to net 1,24,000, i.e.
    #      1,34,000 / 50 x 150 = 4,02,000 of proceeds: 4,17,000 in all; tax value
    #      13% x 1,34,000 - 13% x 10,000 = 16,120, the same.
    # A tie in tax value (no preference order in this policy), so STT + stamp decide:
    # A 0.006% x 3,72,000 = 22.32 < B 0.006% x 4,17,000 = 25.02. The plan sells F2 only.
    (sell,) = sells(plan)
    assert (sell["account"], D(sell["units"]), D(sell["amount"])) == ("F2", D(2480), D(372000))
    assert [(l["lot"], D(l["gain"])) for l in sell["lots"]] == [(clean, D(124000))]
    asha = investor(plan, "asha")
    assert abs(money(asha["after"]["net_ltcg"]) - D(124000)) <= 1
    assert (D(asha["tax_value"]), D(asha["charges"]), D(asha["value"])) == (D(16120), D("22.32"), D("16097.68"))
    # The loss saves no tax this year (nothing is taxed), so it is kept; the gain lot behind it too.
    # Selling it would add 10,000 x 13% = 1,300 of future tax (the rebought units' lower cost).
    assert decision(plan, peak)["code"] == "KEPT-LOSS-NO-USE"
    assert decision(plan, peak)["numbers"] == {"loss": "10000.00", "tax_saved_now": "0.00",
                                               "future_tax_added": "1300.00", "worth": "-1300.00"}
    assert decision(plan, behind)["code"] == "KEPT-BEHIND"
    assert decision(plan, clean)["numbers"]["kept_code"] == "KEPT-EXEMPTION-FULL"


def test_plan_b_through_the_loss_folio_lands_at_the_allowance_with_the_same_tax_value(tmp_path):
    # The alternative of the test above, evaluated exactly by the engine: F1 whole (the loss lot
    # and the 1,000-unit gain lot: net +40,000) and 84,000 / 50 = 1,680 units of F2.
    from engine.harvest.optimizer import evaluate, queues_of
    from engine.ledger.fifo import Ledger, Lot
    from engine.policy import check_file
    from engine.plans.sell_choice import TaxPosition
    from engine.tax.unrealised import value_lots
    from engine.transactions import Price

    path = tmp_path / "policy.rules"
    path.write_text(policy_text(), encoding="utf-8")
    policy = check_file(path).policy
    lots = [Lot(("a",), "asha", "F1", "EQFUND", date(2024, 1, 10), D(100), D(25000), "t:1", "BUY"),
            Lot(("b",), "asha", "F1", "EQFUND", date(2024, 2, 12), D(1000), D(100000), "t:2", "BUY"),
            Lot(("c",), "asha", "F2", "EQFUND", date(2024, 3, 11), D(3000), D(300000), "t:3", "BUY")]
    as_of = date(2026, 3, 20)
    holdings, problems = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, D(150)), {}, as_of)
    assert not problems
    asha = policy.portfolio.investors[0]
    position = TaxPosition(policy, 2025, {}, {})
    queues = queues_of(policy, asha, holdings, as_of, 2025, set())
    a = evaluate(policy, asha, position, queues, {("asha", "F2", "EQFUND"): D(2480)}, as_of, 2025)
    b = evaluate(policy, asha, position, queues, {("asha", "F1", "EQFUND"): D(1100),
                                                   ("asha", "F2", "EQFUND"): D(1680)}, as_of, 2025)
    # Both net LTCG 1,24,000 (B: 50,000 + 84,000 - 10,000), no tax, tax value 16,120.
    assert a.after.net_ltcg == b.after.net_ltcg == D(124000)
    assert a.after.total_tax == b.after.total_tax == 0
    assert a.tax_value == b.tax_value == D(16120)
    # Charges: A 22.32, B 0.006% x (15,000 + 1,50,000 + 2,52,000) = 25.02: A's value is 2.70 higher.
    assert (a.charges, b.charges) == (D("22.32"), D("25.02"))
    assert a.value - b.value == D("2.70")


# ----------------------------------------------------------------------------------------
# 3. A brought-forward long-term loss is set off first


def test_a_brought_forward_long_term_loss_is_consumed_and_that_much_more_gain_realised(
        tmp_path, monkeypatch, capsys):
    four_lots_book(tmp_path, monkeypatch, losses_csv="investor,fy,term,amount\nasha,FY 2023-24,long-term,50000\n")
    ids = lot_ids(capsys)
    plan = year_end(capsys)
    asha = investor(plan, "asha")
    before, after = asha["before"], asha["after"]
    # Before: nothing realised, the LTCL of FY 2023-24 (within 8 years) carried forward.
    assert before["carry_forward"] == [{"fy": "FY 2023-24", "term": "long-term", "amount": "50000"}]
    # The set-off is mandatory, so the plan may realise 1,24,000 + 50,000 = 1,74,000 gross:
    # L1 + L2 + L3 = 1,50,000, and 24,000 / 50 = 480 units of L4.
    (sell,) = sells(plan)
    gross = sum(D(l["gain"]) for l in sell["lots"])
    assert abs(gross - D(174000)) <= 1
    assert money(after["lt_gains"]) == gross
    assert [(l["lot"], D(l["units"])) for l in sell["lots"]] == [
        (ids[("asha", "F1", "EQFUND", "2023-04-10")], D(1000)), (ids[("asha", "F1", "EQFUND", "2023-06-12")], D(1000)),
        (ids[("asha", "F1", "EQFUND", "2023-09-11")], D(1000)), (ids[("asha", "F1", "EQFUND", "2024-01-10")], D(480))]
    # After: all 50,000 set off (brought forward), nothing carried; net 1,24,000, tax 0.
    assert sum(D(s["amount"]) for s in after["set_offs"] if s["brought_forward"]) == D(50000)
    assert all(s["loss_fy"] == "FY 2023-24" and s["loss_term"] == "long-term" for s in after["set_offs"])
    assert after["carry_forward"] == []
    assert abs(money(after["net_ltcg"]) - D(124000)) <= 1
    assert money(after["exemption_used"]) == money(after["net_ltcg"])
    assert money(after["total_tax"]) == 0
    # Step-up 13% x 1,74,000 = 22,620; charges 0.006% x 3,480 x 150 = 0.006% x 5,22,000 = 31.32.
    assert (D(asha["step_up"]), D(asha["charges"])) == (D(22620), D("31.32"))
    # Rebuy 5,22,000 - 5.22 = 5,21,994.78 -> 5,21,994 / 150 = 3,479.96 units.
    (buy,) = buys(plan)
    assert (buy["amount"], D(buy["units"])) == ("521994", D("3479.960"))


# ----------------------------------------------------------------------------------------
# 4. A short-term loss harvested against STCG realised earlier in the FY


STCG_EARLIER = ("2025-05-02,asha,F1,EQFUND,BUY,1000,100,0\n"
                "2025-09-15,asha,F1,EQFUND,SELL,1000,130,0\n")  # STCG 1,000 x 30 = 30,000 (held 4 months)


def test_a_short_term_loss_is_harvested_against_the_years_stcg(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(), STCG_EARLIER + "2025-10-01,asha,F2,EQFUND,BUY,500,160,0\n",
              "2026-03-20,EQFUND,120\n")
    loss_lot = lot_ids(capsys)[("asha", "F2", "EQFUND", "2025-10-01")]
    plan = year_end(capsys)
    asha = investor(plan, "asha")
    # Before: STCG 30,000 x 20% = 6,000 + 4% cess 240 = 6,240.
    assert (D(asha["before"]["net_stcg"]), D(asha["before"]["total_tax"])) == (D(30000), D(6240))
    # The F2 lot (bought 2025-10-01, short-term) at 120: 500 x (120 - 160) = -20,000, above the
    # Rs 5,000 threshold. Harvested: STCG 10,000, tax 2,000 + 80 = 2,080.
    # Tax saved 20,000 x 20% x 1.04 = 4,160 > the step-down 20,000 x 13% = 2,600: tax value 1,560.
    (sell,) = sells(plan)
    assert (sell["account"], D(sell["units"]), D(sell["amount"])) == ("F2", D(500), D(60000))
    assert [(l["lot"], D(l["basis"]), D(l["gain"]), l["term"]) for l in sell["lots"]] == [
        (loss_lot, D(80000), D(-20000), "short-term")]
    after = asha["after"]
    assert (D(after["net_stcg"]), D(after["total_tax"])) == (D(10000), D(2080))
    assert after["set_offs"] == [{"loss_fy": "FY 2025-26", "loss_term": "short-term", "against": "short-term 20%",
                                  "amount": "20000.00", "brought_forward": False}]
    assert (D(asha["tax_saved"]), D(asha["step_up"]), D(asha["tax_value"])) == (D(4160), D(-2600), D(1560))
    assert D(asha["tax_saved"]) > -D(asha["step_up"])
    # Charges 0.006% x 60,000 = 3.60; value 1,556.40. Rebuy 60,000 - 0.60 -> 59,999 / 120 = 499.991.
    assert (D(asha["charges"]), D(asha["value"])) == (D("3.60"), D("1556.40"))
    (buy,) = buys(plan)
    assert (buy["account"], buy["amount"], D(buy["units"])) == ("F2", "59999", D("499.991"))
    d = decision(plan, loss_lot)
    assert (d["action"], d["code"], D(d["gain"])) == ("SOLD", "SOLD-LOSS", D(-20000))
    assert "tax this year Rs 6,240 before the plan, Rs 2,080 after" in d["reason"]


def test_a_short_term_loss_below_the_threshold_is_kept(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(), STCG_EARLIER + "2025-10-01,asha,F2,EQFUND,BUY,500,128,0\n",
              "2026-03-20,EQFUND,120\n")
    loss_lot = lot_ids(capsys)[("asha", "F2", "EQFUND", "2025-10-01")]
    plan = year_end(capsys)
    # 500 x (120 - 128) = -4,000: worth 4,000 x (20.8% - 13%) = 312, but the order (the F2 lot
    # alone) would realise a net loss not larger than Rs 5,000: kept, no orders, the tax stays 6,240.
    assert plan["orders"] == []
    asha = investor(plan, "asha")
    assert D(asha["after"]["total_tax"]) == D(asha["before"]["total_tax"]) == D(6240)
    d = decision(plan, loss_lot)
    assert (d["action"], d["code"], d["numbers"]) == ("KEPT", "KEPT-LOSS-BELOW-THRESHOLD", {
        "order_net_loss": "4000.00", "threshold": "5000", "worth": "312.00"})
    assert "not larger than the policy's threshold of Rs 5,000" in d["reason"]
    # The one holding, F2's loss lot, stops the plan there.
    assert plan["notes"] == ["asha: nothing to harvest: 1 holding (folio or demat account and security) stops at an "
                             "order whose net loss would be no larger than the policy's threshold"]


def test_a_queue_of_small_long_term_losses_nothing_absorbs_is_not_kept_for_the_threshold(tmp_path, monkeypatch,
                                                                                         capsys):
    # Issue 11.4's repro, small: three long-term lots of 100 units bought at 190, now at 150: a loss
    # of 100 x 40 = 4,000 each, 12,000 together. Each lot is below the Rs 5,000 threshold, the
    # queue is well above it; the threshold applies to an order (what is sold from a queue), so
    # it is not what keeps the first lot. What keeps it: nothing this year would absorb a loss
    # (no gains realised, no gain lots), so selling it saves 0 of tax now and adds 4,000 x 13% =
    # 520 of future tax (the rebought units' lower cost): worth -520. Selling the whole queue
    # would be worth -12,000 x 13% = -1,560, no better.
    make_book(tmp_path, monkeypatch, policy_text(),
              "2024-04-10,asha,F1,EQFUND,BUY,100,190,0\n"
              "2024-05-10,asha,F1,EQFUND,BUY,100,190,0\n"
              "2024-06-10,asha,F1,EQFUND,BUY,100,190,0\n",
              "2026-03-20,EQFUND,150\n")
    ids = lot_ids(capsys)
    first, second, third = (ids[("asha", "F1", "EQFUND", d)] for d in ("2024-04-10", "2024-05-10", "2024-06-10"))
    plan = year_end(capsys)
    assert plan["orders"] == []
    d = decision(plan, first)
    assert d["code"] != "KEPT-LOSS-BELOW-THRESHOLD"
    assert (d["code"], d["numbers"]) == ("KEPT-LOSS-NO-USE", {
        "loss": "4000.00", "tax_saved_now": "0.00", "future_tax_added": "520.00", "worth": "-520.00",
        "also": "KEPT-LOSS-BELOW-THRESHOLD"})  # it would break the threshold too, which is not what decided
    assert "so selling would leave the plan Rs 520 worse" in d["reason"]
    assert [decision(plan, lot)["code"] for lot in (second, third)] == ["KEPT-BEHIND", "KEPT-BEHIND"]
    assert plan["notes"] == ["asha: nothing to harvest: 1 holding (folio or demat account and security) stops at a "
                             "loss that would save no tax this year"]


def test_a_loss_of_exactly_the_threshold_is_not_larger_than_it_and_is_kept(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(), STCG_EARLIER + "2025-10-01,asha,F2,EQFUND,BUY,500,130,0\n",
              "2026-03-20,EQFUND,120\n")
    loss_lot = lot_ids(capsys)[("asha", "F2", "EQFUND", "2025-10-01")]
    plan = year_end(capsys)
    # 500 x (120 - 130) = -5,000, not larger than Rs 5,000 (docs/rules-language.md 4.5: "only
    # those larger than the amount"; engine/harvest/optimizer.py: "realises more than the loss threshold").
    # Kept, the year's tax stays 30,000 x 20.8% = 6,240.
    assert sells(plan) == []
    assert D(investor(plan, "asha")["after"]["total_tax"]) == D(6240)
    assert decision(plan, loss_lot)["code"] == "KEPT-LOSS-BELOW-THRESHOLD"


# ----------------------------------------------------------------------------------------
# 5. A grandfathered legacy fund migrated within the exemption


LEGACY = ('    fund INDEX "Nifty 50 index fund" holds "Equity"\n'
          '    fund LEGACY "Old active large-cap fund" holds "Equity"\n'
          '        legacy, replace with INDEX')
LEGACY_TX = ("2017-06-15,asha,F1,LEGACY,BUY,1000,50,0\n"
             "2017-09-01,asha,F1,LEGACY,BUY,1000,90,0\n"
             "2023-05-10,asha,F2,INDEX,BUY,1000,100,0\n"
             "2023-08-10,asha,F2,INDEX,BUY,1000,100,0\n")
LEGACY_PRICES = "2026-03-20,LEGACY,120\n2026-03-20,INDEX,200\n"


def test_legacy_lots_are_sold_first_with_the_fmv_rule_and_rebought_in_the_replacement(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(securities=LEGACY, harvest=HARVEST + "\n    sell legacy funds first"),
              LEGACY_TX, LEGACY_PRICES, fmv_csv="security,fmv\nLEGACY,80\n")
    ids = lot_ids(capsys)
    g1, g2 = ids[("asha", "F1", "LEGACY", "2017-06-15")], ids[("asha", "F1", "LEGACY", "2017-09-01")]
    i1, i2 = ids[("asha", "F2", "INDEX", "2023-05-10")], ids[("asha", "F2", "INDEX", "2023-08-10")]
    plan = year_end(capsys)
    # Grandfathered (bought before 2018-02-01), FMV 80, sale at 120:
    #   bought at 50: cost max(50, min(80, 120)) = 80 -> basis 80,000, gain 40,000;
    #   bought at 90: cost max(90, min(80, 120)) = 90 -> basis 90,000, gain 30,000.
    # INDEX (long-term) at 200: 100 a unit of gain. Legacy first: all 70,000, then
    # 1,24,000 - 70,000 = 54,000 / 100 = 540 units of INDEX.
    legacy, index = sells(plan)
    assert (legacy["account"], legacy["security"], D(legacy["units"]), D(legacy["amount"])) == (
        "F1", "LEGACY", D(2000), D(240000))
    assert [(l["lot"], D(l["units"]), D(l["basis"]), D(l["gain"])) for l in legacy["lots"]] == [
        (g1, D(1000), D(80000), D(40000)), (g2, D(1000), D(90000), D(30000))]
    assert (index["account"], index["security"], D(index["units"]), D(index["amount"])) == (
        "F2", "INDEX", D(540), D(108000))
    assert [(l["lot"], D(l["gain"])) for l in index["lots"]] == [(i1, D(54000))]
    asha = investor(plan, "asha")
    assert abs(money(asha["after"]["net_ltcg"]) - D(124000)) <= 1
    assert money(asha["after"]["total_tax"]) == 0
    # Charges 0.006% x (2,40,000 + 1,08,000) = 20.88; value 16,120 - 20.88 = 16,099.12.
    assert (D(asha["charges"]), D(asha["value"])) == (D("20.88"), D("16099.12"))
    # The rebuy: LEGACY 2,40,000 - 2.40 -> 2,39,997 to its replacement INDEX, in asha's INDEX folio
    # F2, with INDEX's own 1,08,000 - 1.08 -> 1,07,998: one BUY of 3,47,995 / 200 = 1,739.975 units.
    assert [(b["date"], b["account"], b["security"], b["amount"], D(b["units"])) for b in buys(plan)] == [
        (AS_OF, "F2", "INDEX", "347995", D("1739.975"))]
    codes = {d["lot"]: d["code"] for d in plan["decisions"]}
    assert codes == {g1: "SOLD-GAIN", g2: "SOLD-GAIN", i1: "SOLD-GAIN", i2: "KEPT-BEHIND"}


def test_without_the_legacy_preference_the_cheaper_index_fund_is_sold(tmp_path, monkeypatch, capsys):
    # The control for the test above: the same book, the policy without `sell legacy funds first`.
    # A tie in tax value (16,120 either way), so STT + stamp decide: INDEX needs 1,24,000 / 100 x
    # 200 = 2,48,000 of proceeds, the legacy-first plan 3,48,000. 1,000 units of I1 (1,00,000) and
    # 240 of I2 (24,000).
    make_book(tmp_path, monkeypatch, policy_text(securities=LEGACY), LEGACY_TX, LEGACY_PRICES,
              fmv_csv="security,fmv\nLEGACY,80\n")
    plan = year_end(capsys)
    (sell,) = sells(plan)
    assert (sell["security"], D(sell["units"]), D(sell["amount"])) == ("INDEX", D(1240), D(248000))
    assert D(investor(plan, "asha")["charges"]) == D("14.88")  # 0.006% x 2,48,000


# ----------------------------------------------------------------------------------------
# 6. Two investors, two exemptions


def test_each_investor_uses_only_their_own_exemption(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(investors=ASHA_RAVI),
              "2023-04-10,asha,A1,EQFUND,BUY,1000,100,0\n"
              "2023-06-12,asha,A1,EQFUND,BUY,1000,100,0\n"
              "2023-09-11,asha,A1,EQFUND,BUY,1000,100,0\n"
              "2023-04-10,ravi,R1,EQFUND,BUY,1000,100,0\n"
              "2023-06-12,ravi,R1,EQFUND,BUY,600,100,0\n"
              "2025-06-02,ravi,R1,EQFUND,SELL,600,150,0\n",
              "2026-03-20,EQFUND,150\n")
    plan = year_end(capsys)
    asha, ravi = investor(plan, "asha"), investor(plan, "ravi")
    # Asha: 3 x 50,000 of gains in reach, 1,24,000 of room: 2,480 units (as in case 1).
    # Ravi: the June sale took 600 units of his first lot, LTCG 600 x 50 = 30,000, so his room
    # is 1,24,000 - 30,000 = 94,000; he holds only 400 x 50 + 600 x 50 = 50,000 of gains: all
    # sold, net LTCG 80,000. His unused 44,000 is not Asha's: she stays at 1,24,000.
    assert (D(ravi["before"]["net_ltcg"]), D(ravi["before"]["exemption_used"])) == (D(30000), D(30000))
    assert abs(money(asha["after"]["net_ltcg"]) - D(124000)) <= 1
    assert D(ravi["after"]["net_ltcg"]) == D(80000) == D(ravi["after"]["exemption_used"])
    assert D(asha["after"]["total_tax"]) == D(ravi["after"]["total_tax"]) == 0
    assert [(o["investor"], o["account"], D(o["units"]), D(o["amount"])) for o in sells(plan)] == [
        ("asha", "A1", D(2480), D(372000)), ("ravi", "R1", D(1000), D(150000))]
    # Each rebuys into their own folio: ravi 1,50,000 - 1.50 -> 1,49,998 / 150 = 999.986 units.
    assert [(b["investor"], b["account"], b["amount"], D(b["units"])) for b in buys(plan)] == [
        ("asha", "A1", "371996", D("2479.973")), ("ravi", "R1", "149998", D("999.986"))]
    # Ravi's value: step-up 50,000 x 13% = 6,500, charges 0.006% x 1,50,000 = 9.
    assert (D(ravi["step_up"]), D(ravi["charges"]), D(ravi["value"])) == (D(6500), D(9), D(6491))
    assert all(d["investor"] == "asha" for d in plan["decisions"][:3])
    assert {d["code"] for d in plan["decisions"] if d["investor"] == "ravi"} == {"SOLD-GAIN"}


# ----------------------------------------------------------------------------------------
# 7. Nothing to harvest: short-term gains only


def test_only_short_term_gains_give_an_empty_plan_with_the_date_each_turns_long_term(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(),
              "2025-03-20,asha,F1,EQFUND,BUY,1000,100,0\n"
              "2025-06-10,asha,F2,EQFUND,BUY,1000,100,0\n"
              "2025-08-01,asha,F2,EQFUND,BUY,1000,100,0\n",
              "2026-03-20,EQFUND,150\n")
    ids = lot_ids(capsys)
    anniversary, june, august = (ids[("asha", "F1", "EQFUND", "2025-03-20")], ids[("asha", "F2", "EQFUND", "2025-06-10")],
                                 ids[("asha", "F2", "EQFUND", "2025-08-01")])
    plan = year_end(capsys)
    assert sells(plan) == [] and plan["orders"] == []
    asha = investor(plan, "asha")
    assert D(asha["value"]) == 0 and asha["after"] == asha["before"]
    # Two holdings (F1 and F2), each with a short-term lot in gain at its front. What keeps each is
    # not the policy's `never realise short-term gains` alone: selling the lot would not pay even
    # without it. STCG 50,000 at 20% x 1.04 = 10,400 of tax now, against 50,000 x 13% = 6,500 of
    # future tax avoided by the step-up: worth 6,500 - 10,400 = -3,900. (One 0.001 unit step:
    # gain 0.05, tax 0.01, step-up 0.0065 -> 0.01 after rounding to the paisa: worth 0, not more
    # than MATERIAL.) The constraints it would break are named too (`also`): the policy's rule and
    # no new tax.
    assert plan["notes"] == ["asha: nothing to harvest: 2 holdings (folio or demat account and security) stop at a "
                             "gain whose tax now would be no less than the future tax it avoids"]
    # 2025-03-20: on 2026-03-20, its anniversary, still short-term (`anniversary sale is
    # short-term`): long-term from 2026-03-21; held 365 days (no 29 February in between).
    d = decision(plan, anniversary)
    assert (d["code"], d["term"], D(d["gain"])) == ("KEPT-GAIN-NO-USE", "short-term", D(50000))
    assert d["numbers"] == {"gain": "50000.00", "tax_added_now": "10400.00", "future_tax_avoided": "6500.00",
                            "worth": "-3900.00", "long_term_from": "2026-03-21", "held_days": "365",
                            "also": "KEPT-SHORT-TERM,KEPT-TAXED"}
    assert "short-term, long-term from 2026-03-21 (held 365 days)" in d["reason"]
    # 2025-06-10: long-term from 2026-06-11; held 30 + 31 + 31 + 30 + 31 + 30 + 31 + 31 + 28
    # (to 2026-03-10) + 10 = 283 days.
    d = decision(plan, june)
    assert (d["numbers"]["long_term_from"], d["numbers"]["held_days"]) == ("2026-06-11", "283")
    assert ("short-term, long-term from 2026-06-11 (held 283 days); selling would realise a short-term gain of "
            "Rs 50,000: it would add Rs 10,400 of tax this year (rate 20%) and avoid Rs 6,500 of future tax, so selling would "
            "leave the plan Rs 3,900 worse (and it would break short-term gains, no new tax)") in d["reason"]
    d = decision(plan, august)
    assert (d["code"], d["numbers"]) == ("KEPT-BEHIND", {"behind": june})


# ----------------------------------------------------------------------------------------
# 8. Idempotence: execute the plan, plan again


def test_after_executing_the_plan_nothing_more_is_sold_and_gains_agree(tmp_path, monkeypatch, capsys):
    four_lots_book(tmp_path, monkeypatch, price="160")
    first = year_end(capsys)
    # At 160 a lot's gain is 60,000: L1 + L2 = 1,20,000, then 4,000 / 60 = 66.6666... units,
    # rounded down to 66.666 (a gain lot's part is rounded down): 66.666 x 60 = 3,999.96.
    # Net LTCG 1,23,999.96, within Re 1 of 1,24,000. Proceeds 2,066.666 x 160 = 3,30,666.56,
    # STT 3.31 (3.3066656 to the paisa); rebuy 3,30,663 / 160 = 2,066.643 units.
    after1 = investor(first, "asha")["after"]
    assert D(after1["net_ltcg"]) == D("123999.96")
    (sell,) = sells(first)
    (buy,) = buys(first)
    assert (D(sell["units"]), D(sell["amount"]), D(sell["stt"])) == (D("2066.666"), D("330666.56"), D("3.31"))
    assert (buy["amount"], D(buy["units"])) == ("330663", D("2066.643"))
    # Execute: the SELL and the BUY as transactions on the plan's dates at the plan's prices.
    executed = "".join(f"{o['date']},{o['investor']},{o['account']},{o['security']},{o['side']},{o['units']},"
                       f"{o['price']},0\n" for o in first["orders"])
    (tmp_path / "executed.csv").write_text(TX_HEADER + executed, encoding="utf-8")
    assert main(["import", "executed.csv", "--book", "book.db"]) == 0
    second = year_end(capsys)
    assert second["plan_id"] != first["plan_id"]  # the transactions changed
    assert sells(second) == []
    before2 = investor(second, "asha")["before"]
    # The exemption shows as used: 1,23,999.96 of it; the 0.04 left is less than one 0.001 unit's
    # gain of 0.06, so nothing can be sold.
    assert (D(before2["net_ltcg"]), D(before2["exemption_used"])) == (D("123999.96"), D("123999.96"))
    assert investor(second, "asha")["after"] == before2
    codes = [d["code"] for d in second["decisions"]]
    assert codes == ["KEPT-EXEMPTION-FULL", "KEPT-BEHIND", "KEPT-BEHIND"]  # L3's rest, L4, the rebuy
    assert second["notes"][0].startswith("asha: nothing to harvest")
    # `lotwise gains` on the executed book agrees with the first plan's `after`.
    gains = run_json(capsys, "gains", "--fy", "2025-26")
    (g,) = gains["investors"]
    for key in ("net_ltcg", "exemption_used", "total_tax"):
        assert abs(D(g[key]) - D(after1[key])) <= 1, key
    assert (D(g["net_ltcg"]), D(g["exemption_used"]), D(g["total_tax"])) == (D("123999.96"), D("123999.96"), D(0))


def test_a_year_already_past_the_exemption_keeps_everything_and_says_so_in_rupees(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(),
              "2023-04-10,asha,F1,EQFUND,BUY,3000,100,0\n"
              "2025-07-01,asha,F1,EQFUND,SELL,1000,250,0\n",
              "2026-03-20,EQFUND,150\n")
    plan = year_end(capsys)
    asha = investor(plan, "asha")
    # The July sale: 1,000 x (250 - 100) = 1,50,000 LTCG; 25,000 above the exemption: tax
    # 25,000 x 13% = 3,250. The allowance is the year's own net LTCG (a plan cannot un-realise),
    # 1,50,000; every further rupee of gain would be taxed: nothing is sold.
    assert (D(asha["allowance"]), D(asha["before"]["total_tax"])) == (D(150000), D(3250))
    assert plan["orders"] == []
    assert plan["notes"] == ["asha: nothing to harvest: the year's net LTCG of Rs 1,50,000 already reaches the "
                             "Rs 1,50,000 the plan may use, and no loss would save tax"]


# ----------------------------------------------------------------------------------------
# 9. Determinism, `plans`, `why`


def test_the_same_inputs_give_the_same_plan_byte_for_byte_and_why_explains_a_lot(tmp_path, monkeypatch, capsys):
    four_lots_book(tmp_path, monkeypatch)
    ids = lot_ids(capsys)
    args = ["plan", "year-end", "--as-of", AS_OF, "--book", "book.db", "--json"]
    capsys.readouterr()
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    second = capsys.readouterr().out
    assert first == second
    ident = json.loads(first)["plan_id"]
    assert ident.startswith("YE-") and len(ident) == 15  # YE- and 12 hex digits
    listed = run_json(capsys, "plans")["plans"]
    assert [(p["plan_id"], p["kind"], p["as_of"], p["fy"], p["sells"]) for p in listed] == [
        (ident, "year-end", AS_OF, "FY 2025-26", 1)]
    assert D(listed[0]["value"]) == D("16097.68")  # as in case 1
    # The printed (not JSON) plan of the same inputs is the same plan.
    assert main(["plan", "year-end", "--as-of", AS_OF, "--book", "book.db"]) == 0
    assert f"Year-end plan {ident} for FY 2025-26, as of {AS_OF}" in capsys.readouterr().out
    assert len(run_json(capsys, "plans")["plans"]) == 1
    # why: the last lot is kept behind the partly sold third.
    l3, l4 = ids[("asha", "F1", "EQFUND", "2023-09-11")], ids[("asha", "F1", "EQFUND", "2024-01-10")]
    assert main(["why", ident, "--lot", l4, "--book", "book.db"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Plan {ident} (FY 2025-26, as of {AS_OF})"
    assert (f"KEPT-BEHIND: Lot {l4} (1000 units of EQFUND in F1, bought 2024-01-10) kept: behind {l3} in FIFO "
            "order, which is kept (KEPT-EXEMPTION-FULL); FIFO would sell that lot first.") in out
    why = run_json(capsys, "why", ident[:8], "--lot", l3)  # a prefix of the id is enough
    assert [(d["lot"], d["code"], d["units_sold"]) for d in why["decisions"]] == [(l3, "SOLD-GAIN", "480.000")]
    # An unknown plan id, or a lot the plan does not have: exit 1, a message, no traceback.
    assert main(["why", "YE-000000000000", "--book", "book.db"]) == 1
    err = capsys.readouterr().err
    assert "no saved plan 'YE-000000000000'" in err and "Traceback" not in err
    assert main(["why", ident, "--lot", "Lnothere", "--book", "book.db"]) == 1
    err = capsys.readouterr().err
    assert "has no decision for lot Lnothere" in err and "Traceback" not in err


# ----------------------------------------------------------------------------------------
# 10. A stock: whole shares, rebought the next trading day


def test_a_stock_is_harvested_in_whole_shares_and_rebought_the_next_trading_day(tmp_path, monkeypatch, capsys):
    make_book(tmp_path, monkeypatch, policy_text(securities='    stock ACME "Acme Industries Ltd" holds "Equity"'),
              "2023-05-15,asha,D1,ACME,BUY,100,1000,0\n"
              "2024-01-10,asha,D1,ACME,BUY,100,1000,0\n",
              "2026-03-20,ACME,2500\n")
    ids = lot_ids(capsys)
    first, second = ids[("asha", "D1", "ACME", "2023-05-15")], ids[("asha", "D1", "ACME", "2024-01-10")]
    plan = year_end(capsys)
    # 1,500 of gain a share; floor(1,24,000 / 1,500) = 82 shares (82 x 1,500 = 1,23,000; 83 would
    # be 1,24,500 > 1,24,000). Proceeds 82 x 2,500 = 2,05,000, STT 0.1% = 205.
    (sell,) = sells(plan)
    assert (sell["date"], sell["account"], sell["units"], D(sell["amount"]), D(sell["stt"])) == (
        AS_OF, "D1", "82", D(205000), D(205))
    assert [(l["lot"], l["units"], D(l["gain"])) for l in sell["lots"]] == [(first, "82", D(123000))]
    asha = investor(plan, "asha")
    used = D(asha["after"]["exemption_used"])
    assert used == D(123000)
    assert D(124000) - D(1500) < used <= D(124000)  # within one share's gain of the allowance
    # Charges: STT 0.1% on the sale + STT 0.1% and stamp 0.015% on the rebuy = 0.215% x 2,05,000
    # = 440.75; step-up 1,23,000 x 13% = 15,990; value 15,549.25.
    assert (D(asha["step_up"]), D(asha["charges"]), D(asha["value"])) == (D(15990), D("440.75"), D("15549.25"))
    # Friday 2026-03-20 -> Monday 2026-03-23 (a same-day rebuy in one demat would be intraday).
    # 2,05,000 - 205 = 2,04,795 -> floor(2,04,795 / 2,500) = 81 whole shares.
    (buy,) = buys(plan)
    assert (buy["date"], buy["account"], buy["security"], buy["amount"], buy["units"]) == (
        "2026-03-23", "D1", "ACME", "204795", "81")
    assert any("rebought on 2026-03-23, the next trading day after the sale on 2026-03-20:" in n
               for n in plan["notes"])
    assert decision(plan, first)["numbers"]["kept_code"] == "KEPT-EXEMPTION-FULL"
    assert decision(plan, first)["numbers"]["room_left"] == "1000.00"  # 1,24,000 - 1,23,000
    assert decision(plan, second)["code"] == "KEPT-BEHIND"


# ----------------------------------------------------------------------------------------
# Exports and the demo


def test_the_orders_csv_and_the_markdown_report_carry_the_same_plan(tmp_path, monkeypatch, capsys):
    four_lots_book(tmp_path, monkeypatch)
    plan = year_end(capsys, "--csv", "orders.csv", "--markdown", "report.md")
    # The orders of the plan above: SELL 2,480 units for 3,72,000, BUY 3,71,996 (2,479.973 units).
    rows = (tmp_path / "orders.csv").read_text(encoding="utf-8").splitlines()
    assert rows == ["plan_id,date,investor,account,security,asset,side,amount,units,price",
                    f"{plan['plan_id']},{AS_OF},asha,F1,EQFUND,Equity,SELL,372000.00,2480.000,150",
                    f"{plan['plan_id']},{AS_OF},asha,F1,EQFUND,Equity,BUY,371996,2479.973,150"]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert report.startswith(f"# Year-end plan {plan['plan_id']}\n")
    assert "| net LTCG | Rs 0 | Rs 1,24,000 |" in report  # before and after, as in the JSON
    # investors and funds by the policy's names (investor asha "Asha", fund EQFUND "Equity index fund")
    assert f"| {AS_OF} | Asha | F1 | Equity index fund | SELL | Rs 3,72,000 | 2480.000 |" in report
    assert "## Asha\n" in report and "EQFUND" not in report.split("## Inputs")[0]
    assert report.count("- **SOLD-GAIN**") == 3 and report.count("- **KEPT-BEHIND**") == 1
    assert f"| transactions | `{plan['inputs']['transactions']}` |" in report


def test_the_demo_walks_through_the_family_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for step in ("=== 1. A book", "=== 2. Where the family stands", "=== 3. This month's SIP",
                 "=== 4. The year-end harvest", "=== 5. Why?"):
        assert step in out
    # The README's plan: the same inputs, so the same id.
    assert "Year-end plan YE-11ab1d88d326 for FY 2026-27, as of 2026-11-21" in out
    assert "SOLD-GAIN: Lot L3f40d66e" in out and "KEPT-GAIN-NO-USE: Lot La4497209" in out
    assert list(tmp_path.iterdir()) == []  # the demo's book was temporary


def test_the_plan_id_does_not_depend_on_where_the_files_are(tmp_path, monkeypatch, capsys):
    # The same policy text, transactions and prices in two directories (the book remembers each
    # policy's absolute path): the same inputs, so the same plan id and the same JSON.
    bodies = []
    for place in ("one", "two/deeper"):
        where = tmp_path / place
        where.mkdir(parents=True)
        four_lots_book(where, monkeypatch)
        capsys.readouterr()
        bodies.append(year_end(capsys))
    assert bodies[0]["plan_id"] == bodies[1]["plan_id"] and bodies[0] == bodies[1]
