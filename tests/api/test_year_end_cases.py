"""The hand-derived year-end cases of tests/harvest/test_year_end_plan.py through the API
(`api.plan_year_end`, engine/api.py), asserted on its typed records rather than the command's JSON.

The law and the objective are those of that file's docstring (rules/india.rules, FY 2025-26):
equity STCG 20% and LTCG 12.5% above the exemption of Rs 1,25,000, cess 4% (20.8% and 13% with
cess); long-term after 12 months, the anniversary short-term; grandfathering cost = max(cost,
min(FMV, sale value)); STT 0.001% on the sale of fund units, 0.1% each side on stocks; stamp duty
0.005% on fund purchases, 0.015% on stocks. Tax value = tax saved this FY + step-up (13% of each
gain realised: future tax avoided) - exit loads; value = tax value - charges. The policy (from
tests/helpers/year_end_books.py): realise gains up to the exemption keeping Rs 1,000 margin (an
allowance of 1,24,000), harvest losses larger than Rs 5,000, never realise short-term gains, never
pay exit load. Every book is built through the CLI (check, init, import) in tmp_path; plans are
as of Friday 2026-03-20 and not saved unless said.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from engine import api
from engine.cli.main import main
from helpers.year_end_books import ASHA_RAVI, HARVEST, TX_HEADER, four_lots_book, make_book, policy_text

AS_OF = date(2026, 3, 20)
ALLOWANCE = D(124000)  # 1,25,000 - the 1,000 margin


def plan(tmp_path, *, save: bool = False, as_of: date = AS_OF) -> api.YearEnd:
    with api.open_book(tmp_path / "book.db", access=api.Access.OWN) as book:
        policy = api.load_policy(tmp_path / "policy.rules").policy
        return api.plan_year_end(book, policy, as_of, save=save)


def lot_ids(tmp_path) -> dict[tuple[str, str, str, str], str]:
    """(investor, account, security, acquired) -> lot id, from `api.lots`."""
    with api.open_book(tmp_path / "book.db") as book:
        return {(lot.investor, lot.account, lot.security, lot.acquired.isoformat()): lot.id for lot in api.lots(book)}


def investor(made: api.YearEnd, ident: str):
    return next(i for i in made.plan.harvest.investors if i.investor == ident)


def sells(made: api.YearEnd):
    return [order for i in made.plan.harvest.investors for order in i.outcome.orders]


def decision(made: api.YearEnd, lot: str):
    return next(d for d in made.plan.decisions if d.lot == lot)


def numbers(made: api.YearEnd, lot: str) -> dict[str, str]:
    return dict(decision(made, lot).numbers)


# ----------------------------------------------------------------------------------------
# 1. Long-term gains only: up to the exemption less the margin, FIFO, the decisions


def test_case_1_long_term_gains_up_to_the_exemption_less_the_margin(tmp_path, monkeypatch):
    """Four lots of 1,000 units bought at 100, at 150: gains of 50,000 a lot; the allowance
    1,25,000 - 1,000 = 1,24,000 = L1 + L2 + 480 units of L3."""
    four_lots_book(tmp_path, monkeypatch)
    ids = lot_ids(tmp_path)
    l1, l2, l3, l4 = (ids[("asha", "F1", "EQFUND", d)] for d in ("2023-04-10", "2023-06-12", "2023-09-11",
                                                                 "2024-01-10"))
    made = plan(tmp_path)
    (asha,) = made.plan.harvest.investors
    assert (asha.exemption, asha.allowance) == (D(125000), ALLOWANCE)
    assert abs(asha.outcome.after.net_ltcg - ALLOWANCE) <= 1
    assert asha.outcome.after.total_tax == 0 == asha.outcome.before.total_tax
    (sell,) = asha.outcome.orders
    assert (sell.account, sell.units, sell.amount, sell.stt) == ("F1", D(2480), D(372000), D("3.72"))
    assert [(s.lot_id, s.units, s.gain) for s in sell.lots] == [(l1, D(1000), D(50000)), (l2, D(1000), D(50000)),
                                                                (l3, D(480), D(24000))]
    # step-up 1,24,000 x 13% = 16,120; charges 0.006% x 3,72,000 = 22.32
    assert (asha.outcome.tax_saved, asha.outcome.step_up, asha.outcome.charges, asha.outcome.value) == (
        D(0), D(16120), D("22.32"), D("16097.68"))
    (buy,) = made.plan.buys  # 3,72,000 - 3.72 -> 3,71,996 at 150: 2,479.973 units
    assert (buy.account, buy.amount, buy.units) == ("F1", 371996, D("2479.973"))
    assert made.plan.buy_dates == (AS_OF,) and made.plan.orders_on == AS_OF
    assert [(d.lot, d.code) for d in made.plan.decisions] == [
        (l1, "SOLD-GAIN"), (l2, "SOLD-GAIN"), (l3, "SOLD-GAIN"), (l4, "KEPT-BEHIND")]
    # The rest of L3, 520 units, would realise 26,000 over the room left: kept for the exemption.
    assert numbers(made, l3)["kept_code"] == "KEPT-EXEMPTION-FULL"


# ----------------------------------------------------------------------------------------
# 2. A long-term loss lot in front of gain lots in one folio, a clean second folio


def test_case_2_the_clean_folio_is_preferred_to_one_behind_a_loss(tmp_path, monkeypatch):
    """A tie in tax value (16,120) between F2 alone and F1's loss lot with its gains; STT and
    stamp duty decide: 0.006% x 3,72,000 = 22.32 < 0.006% x 4,17,000 = 25.02."""
    make_book(tmp_path, monkeypatch, policy_text(),
              "2024-01-10,asha,F1,EQFUND,BUY,100,250,0\n"
              "2024-02-12,asha,F1,EQFUND,BUY,1000,100,0\n"
              "2024-03-11,asha,F2,EQFUND,BUY,3000,100,0\n",
              "2026-03-20,EQFUND,150\n")
    peak = lot_ids(tmp_path)[("asha", "F1", "EQFUND", "2024-01-10")]
    made = plan(tmp_path)
    (asha,) = made.plan.harvest.investors
    (sell,) = asha.outcome.orders
    assert (sell.account, sell.units, sell.amount) == ("F2", D(2480), D(372000))
    assert [s.gain for s in sell.lots] == [D(124000)]
    assert (asha.outcome.tax_value, asha.outcome.charges, asha.outcome.value) == (D(16120), D("22.32"),
                                                                                  D("16097.68"))
    assert [d.code for d in made.plan.decisions][:2] == ["KEPT-LOSS-NO-USE", "KEPT-BEHIND"]
    # The loss (100 x (150 - 250) = -10,000) saves no tax this year and adds 10,000 x 13% = 1,300.
    assert numbers(made, peak) == {"loss": "10000.00", "tax_saved_now": "0.00", "future_tax_added": "1300.00",
                                   "worth": "-1300.00"}


# ----------------------------------------------------------------------------------------
# 3. A brought-forward long-term loss is set off first


def test_case_3_a_brought_forward_long_term_loss_is_set_off_first(tmp_path, monkeypatch):
    four_lots_book(tmp_path, monkeypatch, losses_csv="investor,fy,term,amount\nasha,FY 2023-24,long-term,50000\n")
    made = plan(tmp_path)
    asha = investor(made, "asha")
    before, after = asha.outcome.before, asha.outcome.after
    # Before: nothing realised, the LTCL of FY 2023-24 (within 8 years) carried forward.
    assert [(loss.fy, loss.term, loss.amount) for loss in before.carry_forward] == [(2023, "long-term", D(50000))]
    # The set-off is mandatory: 1,24,000 + 50,000 = 1,74,000 gross, L1 + L2 + L3 (1,50,000) and
    # 24,000 / 50 = 480 units of L4.
    (sell,) = asha.outcome.orders
    assert [s.units for s in sell.lots] == [D(1000), D(1000), D(1000), D(480)]
    gross = sum(s.gain for s in sell.lots)
    assert abs(gross - D(174000)) <= 1 and after.lt_gains == gross
    # After: all 50,000 set off (brought forward), nothing carried; net 1,24,000, tax 0.
    assert sum(s.amount for s in after.set_offs if s.brought_forward) == D(50000)
    assert all((s.loss_fy, s.loss_term) == (2023, "long-term") for s in after.set_offs)
    assert after.carry_forward == []
    assert abs(after.net_ltcg - ALLOWANCE) <= 1 and after.exemption_used == after.net_ltcg
    assert after.total_tax == 0
    # Step-up 13% x 1,74,000 = 22,620; charges 0.006% x 3,480 x 150 = 0.006% x 5,22,000 = 31.32.
    assert (asha.outcome.step_up, asha.outcome.charges) == (D(22620), D("31.32"))
    # Rebuy 5,22,000 - 5.22 = 5,21,994.78 -> 5,21,994 / 150 = 3,479.96 units.
    (buy,) = made.plan.buys
    assert (buy.amount, buy.units) == (521994, D("3479.960"))


# ----------------------------------------------------------------------------------------
# 4. A short-term loss harvested against STCG realised earlier in the FY; the loss threshold


STCG_EARLIER = ("2025-05-02,asha,F1,EQFUND,BUY,1000,100,0\n"
                "2025-09-15,asha,F1,EQFUND,SELL,1000,130,0\n")  # STCG 1,000 x 30 = 30,000 (held 4 months)


def test_case_4_a_short_term_loss_is_harvested_against_the_years_stcg(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(), STCG_EARLIER + "2025-10-01,asha,F2,EQFUND,BUY,500,160,0\n",
              "2026-03-20,EQFUND,120\n")
    loss_lot = lot_ids(tmp_path)[("asha", "F2", "EQFUND", "2025-10-01")]
    made = plan(tmp_path)
    asha = investor(made, "asha").outcome
    # Before: STCG 30,000 x 20% = 6,000 + 4% cess 240 = 6,240.
    assert (asha.before.net_stcg, asha.before.total_tax) == (D(30000), D(6240))
    # The F2 lot at 120: 500 x (120 - 160) = -20,000, above the Rs 5,000 threshold. Harvested:
    # STCG 10,000, tax 2,000 + 80 = 2,080. Tax saved 20,000 x 20.8% = 4,160 > the step-down
    # 20,000 x 13% = 2,600: tax value 1,560.
    (sell,) = asha.orders
    assert (sell.account, sell.units, sell.amount) == ("F2", D(500), D(60000))
    assert [(s.lot_id, s.basis, s.gain, s.term) for s in sell.lots] == [(loss_lot, D(80000), D(-20000), "short-term")]
    assert (asha.after.net_stcg, asha.after.total_tax) == (D(10000), D(2080))
    assert [(s.loss_fy, s.loss_term, s.against, s.amount, s.brought_forward) for s in asha.after.set_offs] == [
        (2025, "short-term", "short-term 20%", D(20000), False)]
    assert (asha.tax_saved, asha.step_up, asha.tax_value) == (D(4160), D(-2600), D(1560))
    # Charges 0.006% x 60,000 = 3.60; value 1,556.40. Rebuy 60,000 - 0.60 -> 59,999 / 120 = 499.991.
    assert (asha.charges, asha.value) == (D("3.60"), D("1556.40"))
    (buy,) = made.plan.buys
    assert (buy.account, buy.amount, buy.units) == ("F2", 59999, D("499.991"))
    d = decision(made, loss_lot)
    assert (d.action, d.code, d.gain) == ("SOLD", "SOLD-LOSS", D(-20000))


def test_case_4_a_short_term_loss_below_the_threshold_is_kept(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(), STCG_EARLIER + "2025-10-01,asha,F2,EQFUND,BUY,500,128,0\n",
              "2026-03-20,EQFUND,120\n")
    loss_lot = lot_ids(tmp_path)[("asha", "F2", "EQFUND", "2025-10-01")]
    made = plan(tmp_path)
    # 500 x (120 - 128) = -4,000: worth 4,000 x (20.8% - 13%) = 312, but the order would realise
    # a net loss not larger than Rs 5,000: kept, no orders, the tax stays 6,240.
    assert sells(made) == [] and made.plan.buys == ()
    outcome = investor(made, "asha").outcome
    assert outcome.after.total_tax == outcome.before.total_tax == D(6240)
    d = decision(made, loss_lot)
    assert (d.action, d.code, dict(d.numbers)) == ("KEPT", "KEPT-LOSS-BELOW-THRESHOLD", {
        "order_net_loss": "4000.00", "threshold": "5000", "worth": "312.00"})


def test_case_4_a_loss_of_exactly_the_threshold_is_kept(tmp_path, monkeypatch):
    # 500 x (120 - 130) = -5,000, not larger than Rs 5,000: kept, the tax stays 30,000 x 20.8% = 6,240.
    make_book(tmp_path, monkeypatch, policy_text(), STCG_EARLIER + "2025-10-01,asha,F2,EQFUND,BUY,500,130,0\n",
              "2026-03-20,EQFUND,120\n")
    loss_lot = lot_ids(tmp_path)[("asha", "F2", "EQFUND", "2025-10-01")]
    made = plan(tmp_path)
    assert sells(made) == []
    assert investor(made, "asha").outcome.after.total_tax == D(6240)
    assert decision(made, loss_lot).code == "KEPT-LOSS-BELOW-THRESHOLD"


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


def test_case_5_legacy_lots_are_sold_first_with_the_fmv_rule(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(securities=LEGACY, harvest=HARVEST + "\n    sell legacy funds first"),
              LEGACY_TX, LEGACY_PRICES, fmv_csv="security,fmv\nLEGACY,80\n")
    made = plan(tmp_path)
    # Grandfathered (bought before 2018-02-01), FMV 80, sale at 120:
    #   bought at 50: cost max(50, min(80, 120)) = 80 -> basis 80,000, gain 40,000;
    #   bought at 90: cost max(90, min(80, 120)) = 90 -> basis 90,000, gain 30,000.
    # INDEX (long-term) at 200: 100 a unit of gain. Legacy first: all 70,000, then
    # 1,24,000 - 70,000 = 54,000 / 100 = 540 units of INDEX.
    legacy, index = sells(made)
    assert (legacy.account, legacy.security, legacy.units, legacy.amount) == ("F1", "LEGACY", D(2000), D(240000))
    assert [(s.units, s.basis, s.gain) for s in legacy.lots] == [(D(1000), D(80000), D(40000)),
                                                                 (D(1000), D(90000), D(30000))]
    assert (index.account, index.security, index.units, index.amount) == ("F2", "INDEX", D(540), D(108000))
    assert [s.gain for s in index.lots] == [D(54000)]
    outcome = investor(made, "asha").outcome
    assert abs(outcome.after.net_ltcg - ALLOWANCE) <= 1 and outcome.after.total_tax == 0
    # Charges 0.006% x (2,40,000 + 1,08,000) = 20.88; value 16,120 - 20.88 = 16,099.12.
    assert (outcome.charges, outcome.value) == (D("20.88"), D("16099.12"))
    # LEGACY's 2,40,000 - 2.40 -> 2,39,997 goes to its replacement INDEX in asha's INDEX folio F2,
    # with INDEX's own 1,08,000 - 1.08 -> 1,07,998: one BUY of 3,47,995 / 200 = 1,739.975 units.
    assert [(b.account, b.security, b.amount, b.units) for b in made.plan.buys] == [
        ("F2", "INDEX", 347995, D("1739.975"))]
    assert made.fmv is not None


def test_case_5_without_the_legacy_preference_the_cheaper_index_fund_is_sold(tmp_path, monkeypatch):
    # A tie in tax value (16,120 either way), so STT + stamp decide: INDEX needs 1,24,000 / 100 x
    # 200 = 2,48,000 of proceeds, the legacy-first plan 3,48,000.
    make_book(tmp_path, monkeypatch, policy_text(securities=LEGACY), LEGACY_TX, LEGACY_PRICES,
              fmv_csv="security,fmv\nLEGACY,80\n")
    made = plan(tmp_path)
    (sell,) = sells(made)
    assert (sell.security, sell.units, sell.amount) == ("INDEX", D(1240), D(248000))
    assert investor(made, "asha").outcome.charges == D("14.88")  # 0.006% x 2,48,000


# ----------------------------------------------------------------------------------------
# 6. Two investors, two exemptions


def test_case_6_each_investor_uses_only_their_own_exemption(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(investors=ASHA_RAVI),
              "2023-04-10,asha,A1,EQFUND,BUY,1000,100,0\n"
              "2023-06-12,asha,A1,EQFUND,BUY,1000,100,0\n"
              "2023-09-11,asha,A1,EQFUND,BUY,1000,100,0\n"
              "2023-04-10,ravi,R1,EQFUND,BUY,1000,100,0\n"
              "2023-06-12,ravi,R1,EQFUND,BUY,600,100,0\n"
              "2025-06-02,ravi,R1,EQFUND,SELL,600,150,0\n",
              "2026-03-20,EQFUND,150\n")
    made = plan(tmp_path)
    asha, ravi = investor(made, "asha").outcome, investor(made, "ravi").outcome
    # Ravi's June sale took 600 units of his first lot: LTCG 30,000, room 1,24,000 - 30,000 =
    # 94,000; he holds only 400 x 50 + 600 x 50 = 50,000 of gains: all sold, net LTCG 80,000.
    # His unused 44,000 is not Asha's: she stays at 1,24,000 (2,480 units, as in case 1).
    assert (ravi.before.net_ltcg, ravi.before.exemption_used) == (D(30000), D(30000))
    assert abs(asha.after.net_ltcg - ALLOWANCE) <= 1
    assert ravi.after.net_ltcg == D(80000) == ravi.after.exemption_used
    assert asha.after.total_tax == ravi.after.total_tax == 0
    assert [(o.investor, o.account, o.units, o.amount) for o in sells(made)] == [
        ("asha", "A1", D(2480), D(372000)), ("ravi", "R1", D(1000), D(150000))]
    # Each rebuys into their own folio: ravi 1,50,000 - 1.50 -> 1,49,998 / 150 = 999.986 units.
    assert [(b.investor, b.account, b.amount, b.units) for b in made.plan.buys] == [
        ("asha", "A1", 371996, D("2479.973")), ("ravi", "R1", 149998, D("999.986"))]
    # Ravi's value: step-up 50,000 x 13% = 6,500, charges 0.006% x 1,50,000 = 9.
    assert (ravi.step_up, ravi.charges, ravi.value) == (D(6500), D(9), D(6491))


# ----------------------------------------------------------------------------------------
# 7. Nothing to harvest: short-term gains only


def test_case_7_only_short_term_gains_give_an_empty_plan(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(),
              "2025-03-20,asha,F1,EQFUND,BUY,1000,100,0\n"
              "2025-06-10,asha,F2,EQFUND,BUY,1000,100,0\n"
              "2025-08-01,asha,F2,EQFUND,BUY,1000,100,0\n",
              "2026-03-20,EQFUND,150\n")
    ids = lot_ids(tmp_path)
    anniversary, june, august = (ids[("asha", acc, "EQFUND", d)] for acc, d in (
        ("F1", "2025-03-20"), ("F2", "2025-06-10"), ("F2", "2025-08-01")))
    made = plan(tmp_path)
    assert sells(made) == [] and made.plan.buys == ()
    outcome = investor(made, "asha").outcome
    assert outcome.value == 0 and outcome.after == outcome.before
    # STCG 50,000 at 20.8% = 10,400 of tax now, against 50,000 x 13% = 6,500 of future tax
    # avoided: worth -3,900. 2025-03-20 is still short-term on its anniversary 2026-03-20
    # (long-term from 2026-03-21, held 365 days).
    assert decision(made, anniversary).code == "KEPT-GAIN-NO-USE"
    assert numbers(made, anniversary) == {"gain": "50000.00", "tax_added_now": "10400.00",
                                          "future_tax_avoided": "6500.00", "worth": "-3900.00",
                                          "long_term_from": "2026-03-21", "held_days": "365",
                                          "also": "KEPT-SHORT-TERM,KEPT-TAXED"}
    # 2025-06-10: long-term from 2026-06-11, held 283 days; the August lot is behind it.
    assert (numbers(made, june)["long_term_from"], numbers(made, june)["held_days"]) == ("2026-06-11", "283")
    assert (decision(made, august).code, numbers(made, august)) == ("KEPT-BEHIND", {"behind": june})
    assert made.plan.notes == ("asha: nothing to harvest: 2 holdings (folio or demat account and security) stop at a "
                               "gain whose tax now would be no less than the future tax it avoids",)


# ----------------------------------------------------------------------------------------
# 8. Idempotence: execute the plan, plan again; a year already past the exemption


def test_case_8_after_executing_the_plan_nothing_more_is_sold(tmp_path, monkeypatch):
    four_lots_book(tmp_path, monkeypatch, price="160")
    first = plan(tmp_path)
    # At 160 a lot's gain is 60,000: L1 + L2 = 1,20,000, then 4,000 / 60 = 66.666 units (a gain
    # lot's part rounded down): 66.666 x 60 = 3,999.96; net LTCG 1,23,999.96. Proceeds 2,066.666 x
    # 160 = 3,30,666.56, STT 3.31; rebuy 3,30,663 / 160 = 2,066.643 units.
    after1 = investor(first, "asha").outcome.after
    assert after1.net_ltcg == D("123999.96")
    (sell,) = sells(first)
    (buy,) = first.plan.buys
    assert (sell.units, sell.amount, sell.stt) == (D("2066.666"), D("330666.56"), D("3.31"))
    assert (buy.amount, buy.units) == (330663, D("2066.643"))
    # Execute: the SELL and the BUY as transactions on the plan's day at the plan's prices.
    executed = (f"{first.plan.orders_on},asha,F1,EQFUND,SELL,{sell.units},{sell.price},0\n"
                f"{first.plan.buy_dates[0]},asha,F1,EQFUND,BUY,{buy.units},{buy.price},0\n")
    (tmp_path / "executed.csv").write_text(TX_HEADER + executed, encoding="utf-8")
    assert main(["import", "executed.csv", "--book", "book.db"]) == 0
    second = plan(tmp_path)
    assert second.plan_id != first.plan_id  # the transactions changed
    assert sells(second) == []
    # The exemption shows as used, 1,23,999.96; the 0.04 left is less than one 0.001 unit's gain
    # of 0.06, so nothing can be sold.
    outcome = investor(second, "asha").outcome
    assert (outcome.before.net_ltcg, outcome.before.exemption_used) == (D("123999.96"), D("123999.96"))
    assert outcome.after == outcome.before
    assert [d.code for d in second.plan.decisions] == ["KEPT-EXEMPTION-FULL", "KEPT-BEHIND", "KEPT-BEHIND"]
    # The year's gains through the API agree with the first plan's `after`.
    with api.open_book(tmp_path / "book.db") as book:
        policy = api.load_policy(tmp_path / "policy.rules").policy
        (year,) = api.gains(book, policy, first=2025, last=2025).years
    (asha,) = year.investors
    assert (asha.year.net_ltcg, asha.year.exemption_used, asha.year.total_tax) == (D("123999.96"), D("123999.96"),
                                                                                   D(0))


def test_case_8_a_year_already_past_the_exemption_keeps_everything(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(),
              "2023-04-10,asha,F1,EQFUND,BUY,3000,100,0\n"
              "2025-07-01,asha,F1,EQFUND,SELL,1000,250,0\n",
              "2026-03-20,EQFUND,150\n")
    made = plan(tmp_path)
    # The July sale: 1,000 x (250 - 100) = 1,50,000 LTCG, 25,000 above the exemption: tax
    # 25,000 x 13% = 3,250. The allowance is the year's own net LTCG, 1,50,000: nothing is sold.
    asha = investor(made, "asha")
    assert (asha.allowance, asha.outcome.before.total_tax) == (D(150000), D(3250))
    assert sells(made) == [] and made.plan.buys == ()


# ----------------------------------------------------------------------------------------
# 9. Determinism, saved plans, why


def test_case_9_the_same_inputs_give_the_same_plan_and_why_explains_a_lot(tmp_path, monkeypatch):
    four_lots_book(tmp_path, monkeypatch)
    ids = lot_ids(tmp_path)
    l3, l4 = ids[("asha", "F1", "EQFUND", "2023-09-11")], ids[("asha", "F1", "EQFUND", "2024-01-10")]
    first, second = plan(tmp_path, save=True), plan(tmp_path, save=True)
    assert (first.plan_id, first.body) == (second.plan_id, second.body)
    assert first.plan_id.startswith("YE-") and len(first.plan_id) == 15  # YE- and 12 hex digits
    assert first.saved and first.save_error is None
    with api.open_book(tmp_path / "book.db") as book:
        (saved,) = api.plans(book)  # saved once: the same id
        assert (saved.plan_id, saved.kind, saved.as_of, saved.sells) == (first.plan_id, "year-end", AS_OF.isoformat(), 1)
        assert saved.value == D("16097.68")  # as in case 1
        behind = api.why(book, first.plan_id[:8], lot=l4)  # a prefix of the id is enough
        sold = api.why(book, first.plan_id, lot=l3)
    assert behind.plan_id == first.plan_id
    assert [(d["lot"], d["code"]) for d in behind.chosen] == [(l4, "KEPT-BEHIND")]
    assert [(d["lot"], d["code"], d["units_sold"]) for d in sold.chosen] == [(l3, "SOLD-GAIN", "480.000")]


# ----------------------------------------------------------------------------------------
# 10. A stock: whole shares, rebought the next trading day


def test_case_10_a_stock_in_whole_shares_rebought_the_next_trading_day(tmp_path, monkeypatch):
    make_book(tmp_path, monkeypatch, policy_text(securities='    stock ACME "Acme Industries Ltd" holds "Equity"'),
              "2023-05-15,asha,D1,ACME,BUY,100,1000,0\n"
              "2024-01-10,asha,D1,ACME,BUY,100,1000,0\n",
              "2026-03-20,ACME,2500\n")
    ids = lot_ids(tmp_path)
    first, second = ids[("asha", "D1", "ACME", "2023-05-15")], ids[("asha", "D1", "ACME", "2024-01-10")]
    made = plan(tmp_path)
    # 1,500 of gain a share; floor(1,24,000 / 1,500) = 82 shares (83 would be 1,24,500 > 1,24,000).
    # Proceeds 82 x 2,500 = 2,05,000, STT 0.1% = 205.
    (sell,) = sells(made)
    assert (made.plan.orders_on, sell.account, sell.units, sell.amount, sell.stt) == (
        AS_OF, "D1", D(82), D(205000), D(205))
    assert [(s.lot_id, s.units, s.gain) for s in sell.lots] == [(first, D(82), D(123000))]
    outcome = investor(made, "asha").outcome
    assert outcome.after.exemption_used == D(123000)
    # Charges: STT 0.1% on the sale + STT 0.1% and stamp 0.015% on the rebuy = 0.215% x 2,05,000
    # = 440.75; step-up 1,23,000 x 13% = 15,990; value 15,549.25.
    assert (outcome.step_up, outcome.charges, outcome.value) == (D(15990), D("440.75"), D("15549.25"))
    # Friday 2026-03-20 -> Monday 2026-03-23; 2,05,000 - 205 = 2,04,795 -> 81 whole shares at 2,500.
    (buy,) = made.plan.buys
    assert (made.plan.buy_dates, buy.account, buy.security, buy.amount, buy.units) == (
        (date(2026, 3, 23),), "D1", "ACME", 204795, D(81))
    assert (numbers(made, first)["kept_code"], numbers(made, first)["room_left"]) == ("KEPT-EXEMPTION-FULL", "1000.00")
    assert decision(made, second).code == "KEPT-BEHIND"

