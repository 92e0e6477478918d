"""What the harvest's money buys (issue 14, item 1; docs/harvesting.md, "What the money buys"),
with numbers derived by hand.

The book: asha holds two equity assets, targets 50% / 50%, every lot long-term on 2026-03-20
(FY 2025-26: LTCG 12.5% above Rs 1,25,000, cess 4%, so each rupee of gain realised within the
exemption is worth 13% of future tax; STT 0.001% on a fund's redemption):
  EQ ("Equity"): 4,800 units bought 2023-04-10 at 100, worth 125 now: 6,00,000, gain 25 a unit
  OT ("Other"):  2,000 units bought 2023-04-10 at 50, worth 100 now:   2,00,000, gain 50 a unit
so Equity weighs 75% (drift +25 pp) and Other 25% (-25 pp); total drift (half the absolute
drifts) 25 pp. The policy realises gains up to the exemption less Rs 1,000: 1,24,000 of gain.
Every rupee of gain is worth the same 13% in either fund, so the tax value (1,24,000 x 13% =
16,120) does not choose which fund; the ties do (docs/harvesting.md, "Ties and preferences").
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from conftest import lotwise
from engine.harvest.year_end import plan
from engine.ledger.fifo import Ledger, Lot
from engine.plans.sell_choice import TaxPosition
from engine.policy import check_file
from engine.tax.unrealised import value_lots
from engine.transactions import Price

AS_OF = date(2026, 3, 20)
POLICY = '''use "india"
portfolio "P" {{
    investor asha "Asha"
    asset "Equity" 50% class equity
    asset "Other" 50% class equity
    fund EQ "Equity fund" holds "Equity"
    fund OT "Other fund" holds "Other"
}}
harvest at year end {{
    realise gains up to the exemption, keep Rs 1,000 margin
{more}}}
'''
PRICES = {"EQ": D(125), "OT": D(100)}
REALLOCATE = "    reallocate proceeds by the buying rule\n"


def _plan(tmp_path: Path, more: str, money: dict[str, int] | None = None):
    path = tmp_path / "p.rules"
    path.write_text(POLICY.format(more=more), encoding="utf-8")
    policy = check_file(path).policy
    lots = (Lot((0,), "asha", "F1", "EQ", date(2023, 4, 10), D(4800), D(480000), "t:0", "BUY"),
            Lot((1,), "asha", "F2", "OT", date(2023, 4, 10), D(2000), D(100000), "t:1", "BUY"))
    price = lambda s, d: Price(d, s, PRICES[s])  # noqa: E731
    holdings, problems = value_lots(Ledger(lots, ()), policy, price, {}, AS_OF)
    assert not problems
    return plan(policy, holdings, TaxPosition(policy, 2025, {"asha": []}, {}), AS_OF, money or {}, price)


def _sells(p):
    return [(o.security, o.units, o.amount, o.stt) for ip in p.harvest.investors for o in ip.outcome.orders]


def _buys(p):
    return [(b.investor, b.account, b.security, b.amount, b.units) for b in p.buys]


def test_reallocation_sends_the_harvest_to_the_underweight_asset_by_the_buying_rule(tmp_path):
    p = _plan(tmp_path, REALLOCATE)
    # Overweight first (the preference reallocation implies): all of EQ, 4,800 x 25 = 1,20,000 of
    # gain, then 4,000 / 50 = 80 units of OT: net LTCG 1,24,000, no tax.
    assert _sells(p) == [("EQ", D(4800), D(600000), D("6.00")), ("OT", D(80), D(8000), D("0.08"))]
    (ip,) = p.harvest.investors
    assert (ip.outcome.after.net_ltcg, ip.outcome.after.total_tax, ip.outcome.tax_value) == (
        D(124000), D(0), D(16120))
    # The money, net of STT, in whole rupees (down): 5,99,994 + 7,999 (7,999.92) = 6,07,993.
    # After the sales Equity is 0 and Other 2,00,000 - 8,000 = 1,92,000; with the money the
    # portfolio is 7,99,993, half of it 3,99,996.5: shortfalls 3,99,996.5 (Equity) and
    # 3,99,996.5 - 1,92,000 = 2,07,996.5 (Other), which add up to the money; in whole rupees by
    # the largest remainder (a tie of .5, the earlier asset first): 3,99,997 and 2,07,996.
    # Units at the day's prices, rounded down: 3,99,997 / 125 = 3,199.976; 2,07,996 / 100 = 2,079.96.
    assert _buys(p) == [("asha", "F1", "EQ", 399997, D("3199.976")), ("asha", "F2", "OT", 207996, D("2079.960"))]
    assert p.drift is not None
    before = [(d.asset, d.value, float(d.weight), float(d.drift)) for d in p.drift.before]
    assert before == [("Equity", D(600000), 0.75, 0.25), ("Other", D(200000), 0.25, -0.25)]
    # After: Equity 3,99,997, Other 1,92,000 + 2,07,996 = 3,99,996: drift 0.5 / 7,99,993, +0.000001.
    after = [(d.asset, d.value) for d in p.drift.after]
    assert after == [("Equity", D(399997)), ("Other", D(399996))]
    body = p.drift.to_json()
    assert (body["measure"], body["before"]["total_drift"], body["after"]["total_drift"]) == (
        "half-absolute", "0.250000", "0.000001")
    assert body["after"]["assets"][0] == {"asset": "Equity", "value": "399997.00", "weight": "0.500001",
                                          "target": "0.50", "drift": "0.000001", "band": None, "outside_band": False}
    assert ("the buying rule (proportional) places Rs 6,07,993: Rs 6,07,993 from the sales (net of STT and exit "
            "load, whole rupees) and Rs 0 of new money") in p.notes[0]


def test_rebuy_the_same_funds_keeps_the_behaviour_of_a_policy_that_states_nothing(tmp_path):
    stated, unstated = _plan(tmp_path, "    rebuy the same funds\n"), _plan(tmp_path, "")
    # No preference: among plans of equal tax value the lower STT wins, so OT first (50 of gain per
    # 100 of proceeds, against 25 per 125): all 2,000 units (1,00,000 of gain), then 24,000 / 25
    # = 960 units of EQ. Each sale rebought in its fund and folio: 1,20,000 - 1.20 and
    # 2,00,000 - 2.00, in whole rupees. No drift is shown: the weights stay as they were.
    for p in (stated, unstated):
        assert _sells(p) == [("EQ", D(960), D(120000), D("1.20")), ("OT", D(2000), D(200000), D("2.00"))]
        assert _buys(p) == [("asha", "F1", "EQ", 119998, D("959.984")), ("asha", "F2", "OT", 199998, D("1999.980"))]
        assert p.drift is None
    assert stated.notes == unstated.notes


def test_new_money_with_reallocation_is_placed_with_the_proceeds(tmp_path):
    p = _plan(tmp_path, REALLOCATE, {"asha": 7})
    # The same sales; 6,07,993 + 7 = 6,08,000; the portfolio 8,00,000 after, half 4,00,000:
    # shortfalls 4,00,000 and 2,08,000, exact.
    assert _buys(p) == [("asha", "F1", "EQ", 400000, D("3200.000")), ("asha", "F2", "OT", 208000, D("2080.000"))]
    assert p.drift is not None and [d.drift for d in p.drift.after] == [0, 0]


TX = ("date,investor,account,security,type,units,price,charges\n"
      "2023-04-10,asha,F1,EQ,BUY,4800,100,0\n"
      "2023-04-10,asha,F2,OT,BUY,2000,50,0\n")


def test_the_plan_and_why_say_so_through_the_cli(tmp_path):
    (tmp_path / "p.rules").write_text(POLICY.format(more=REALLOCATE), encoding="utf-8")
    (tmp_path / "tx.csv").write_text(TX, encoding="utf-8")
    (tmp_path / "prices.csv").write_text("date,security,price\n2026-03-20,EQ,125\n2026-03-20,OT,100\n")
    assert lotwise(tmp_path, "init", "--policy", "p.rules", "--book", "b.db").returncode == 0
    assert lotwise(tmp_path, "import", "tx.csv", "prices.csv", "--book", "b.db").returncode == 0
    run = lotwise(tmp_path, "plan", "year-end", "--as-of", "2026-03-20", "--book", "b.db")
    assert run.returncode == 0 and not run.stderr, run.stderr
    text = run.stdout
    assert "Drift before and after the plan (all investors, at the plan's prices)\n" in text
    # Drifts to 2 places: +0.000001 after shows as 0.00 pp.
    assert "Equity   50.00%    75.00%           +25.00 pp       50.00%          0.00 pp\n" in text
    assert "Other    50.00%    25.00%           -25.00 pp       50.00%          0.00 pp\n" in text
    assert "Total drift (half absolute): +25.00 pp before, 0.00 pp after" in text
    ident = next(w for w in text.split() if w.startswith("YE-"))
    why = lotwise(tmp_path, "why", ident, "--json", "--book", "b.db")
    assert why.returncode == 0, why.stderr
    decisions = {d["security"]: d for d in json.loads(why.stdout)["decisions"]}
    eq, ot = decisions["EQ"], decisions["OT"]
    assert eq["code"] == "SOLD-GAIN" and eq["numbers"]["preferred"] == "overweight-assets"
    assert eq["numbers"]["overweight_asset"] == "Equity"
    # OT keeps 1,920 units in gain (all but 80): the room went to EQ first, and the reason says why.
    assert eq["reason"].endswith("; its asset, Equity, is overweight: where the tax value is equal the plan sells "
                                 "overweight assets before the lots in gain it keeps elsewhere (`reallocate proceeds "
                                 "by the buying rule`: selling an overweight asset is part of the rebalance)")
    assert "preferred" not in ot["numbers"] and "overweight" not in ot["reason"]
    said = lotwise(tmp_path, "why", ident, "--book", "b.db").stdout
    assert "its asset, Equity, is overweight: where the tax value is equal" in said


def test_the_family_examples_proceeds_follow_the_buying_rule_from_its_drift_numbers():
    """The family example (`use "perpetual"`: it reallocates), from its golden plan
    (tests/golden/commands/family/year-end-unsaved.json.txt). Before the plan, per asset:
      Nifty 50 43,87,172.42; Nifty Next 50 18,84,482.93; Midcap 150 22,46,011.82;
      Smallcap 250 17,14,974.79: 1,02,32,641.96 in all (weights 42.87%, 18.42%, 21.95%, 16.76%).
    The sales: the legacy HDFC fund (Nifty 50) of both, 2,15,405.96 + 1,70,796.18 = 3,86,202.14, and
    ravi's Midcap 150 fund (overweight too) 34,881.83: 4,21,083.97. Net of STT, whole rupees per order:
    asha 2,15,403 (2,15,405.96 - 2.15); ravi 1,70,794 + 34,881 (34,881.83 - 0.35) = 2,05,675; money
    4,21,078. After the sales Nifty 50 40,00,970.28, Midcap 150 22,11,129.99; the portfolio with the
    money 1,02,32,635.99. Shortfalls (target x that - value): Nifty 50 92,084.116; Next 50 1,62,044.268;
    Midcap 150 none (still over its 20%); Smallcap 250 3,31,552.408; sum 5,85,680.792. Rupees =
    4,21,078 x shortfall / sum: 66,204.31..., 1,16,502.49..., 2,38,371.18...; by the largest remainder
    (the one rupee left goes to Next 50's .4997) 66,204 + 1,16,503 + 2,38,371 = 4,21,078. asha's
    2,15,403 pays for the first assets (66,204 + 1,16,503 + 32,696), ravi's 2,05,675 for the rest of
    Smallcap 250. (Until issue 14's runs the plan sold ravi's UTI units (Nifty 50) instead of his
    Midcap 150 fund, a tie of equal tax value: drift 1.95 pp after, now 1.61.)"""
    from fractions import Fraction

    text = (Path(__file__).resolve().parents[1] / "golden" / "commands" / "family" /
            "year-end-unsaved.json.txt").read_text(encoding="utf-8")
    body = json.loads(text.splitlines()[2])
    before = {a["asset"]: Fraction(D(a["value"])) for a in body["drift"]["before"]["assets"]}
    assert sum(before.values()) == Fraction(D("10232641.96"))
    sold = {}
    for o in body["orders"]:
        if o["side"] == "SELL":
            sold[o["asset"]] = sold.get(o["asset"], 0) + Fraction(D(o["amount"]))
    assert sold == {"Nifty 50": Fraction(D("386202.14")), "Midcap 150": Fraction(D("34881.83"))}
    after = {a: v - sold.get(a, 0) for a, v in before.items()}
    money = 421078
    whole = sum(after.values()) + money
    targets = {"Nifty 50": Fraction(2, 5), "Nifty Next 50": Fraction(1, 5), "Midcap 150": Fraction(1, 5),
               "Smallcap 250": Fraction(1, 5)}
    short = {a: max(Fraction(0), t * whole - after[a]) for a, t in targets.items()}
    assert short["Midcap 150"] == 0 and sum(short.values()) == Fraction(D("585680.792"))
    exact = {a: money * s / sum(short.values()) for a, s in short.items()}
    assert [int(v) for v in exact.values()] == [66204, 116502, 0, 238371]  # Next 50's .4997: the rupee left
    buys = [(o["investor"], o["asset"], int(o["amount"])) for o in body["orders"] if o["side"] == "BUY"]
    assert buys == [("asha", "Nifty 50", 66204), ("asha", "Nifty Next 50", 116503), ("asha", "Smallcap 250", 32696),
                    ("ravi", "Smallcap 250", 205675)]
    assert (body["drift"]["before"]["total_drift"], body["drift"]["after"]["total_drift"]) == ("0.048238", "0.016086")
