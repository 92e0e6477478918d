"""Time has a value, and status changes have a price (issue 14, items 7 and 4): the objective's
future tax at its present value and the price of a rebuy that worsens the units' tax status
(engine/harvest/time_value.py, docs/harvesting.md "The objective"), each case derived by hand.

Law on 20 March 2026 (FY 2025-26, rules/india.rules): equity long 12.5%, short 20%, cess 4%, so
the future rate of an equity lot is 12.5% x 1.04 = 13%; a specified (debt) fund bought before
1 April 2023 is long-term after 24 months at 12.5% (13% with cess), one bought from 1 April 2023
is short-term at slab for good (s.50AA): 30% x 1.04 = 31.2% for a 30% slab.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import pytest
import test_optimizer_referee as exact  # the exhaustive referee (tests/harvest is on the path: rootdir-relative)

from engine.harvest.audit import Code, decisions
from engine.harvest.optimizer import evaluate, plan_year_end, queues_of
from engine.harvest.time_value import valuation_of
from engine.ledger.fifo import Ledger, Lot
from engine.plans.sell_choice import TaxPosition
from engine.policy import check_file
from engine.tax.realised import RealisedPart
from engine.tax.unrealised import value_lots
from engine.transactions import Price

REPO = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 3, 20)
FY = 2025
D10 = Fraction(100 ** 10, 107 ** 10)  # 1 / 1.07^10 = 0.50834 92921...
G10 = Fraction(107 ** 10, 100 ** 10) - 1  # 1.07^10 - 1 = 0.96715 13572...


def _policy(check, harvest, slab=""):
    text = f'''use "india"
portfolio "P" {{
    investor asha "Asha"{slab}
    asset "Equity" 100% class equity
    asset "Debt" 0% class specified-fund
    fund EQ "Equity fund" holds "Equity"
    fund DEBT "Debt fund" holds "Debt"
}}
harvest at year end {{
    {harvest}
}}
'''
    result = check(text)
    assert result.ok, [d.message for d in result.diagnostics]
    return result.policy


def _book(policy, lots, prices):
    built = [Lot((n,), "asha", "F1", security, day, D(units), D(cost), f"t:{n}", "BUY")
             for n, (security, day, units, cost) in enumerate(lots)]
    holdings, problems = value_lots(Ledger(tuple(built), ()), policy, lambda s, d: Price(d, s, D(prices[s])), {},
                                    AS_OF)
    assert not problems
    return holdings


def _part(gain, term, rate, tax_class="equity"):
    return RealisedPart("asha", "X", "S", tax_class, date(2025, 9, 1), "t", "R", date(2024, 1, 1), D(1), D(0), D(0),
                        D(0), D(0), D(gain), term, D(rate), term == "long-term", FY)


def _plan(policy, lots, prices, realised=()):
    holdings = _book(policy, lots, prices)
    position = TaxPosition(policy, FY, {"asha": list(realised)}, {})
    (ip,) = plan_year_end(policy, holdings, position, AS_OF).investors
    return ip, position


def test_the_discount_factor_is_exact_annual_compounding_from_as_of(check):
    policy = _policy(check, "value future tax at 7% a year over 10 years")
    v = valuation_of(policy, policy.portfolio.investors[0], AS_OF, FY)
    assert v.discount == D10 and round(float(v.discount), 5) == 0.50835
    assert v.growth == G10  # the default growth, 7% a year, over the stated horizon
    default = valuation_of(_policy(check, "never pay exit load"), policy.portfolio.investors[0], AS_OF, FY)
    assert default.discount == 1 and default.horizon == 10 and default.growth_rate == D("0.07")


def test_a_step_up_of_one_lakh_is_worth_its_present_value(check):
    # 200 units bought 2022 at 500, price 1,000: LTCG 1,00,000. A margin of Rs 25,000 leaves
    # exactly 1,00,000 of the exemption: all 200 units sold, no tax. The step-up avoids 1,00,000 x
    # 13% = Rs 13,000 of tax in 10 years, worth 13,000 / 1.07^10 = Rs 6,608.54 now (6,608.5408...).
    lots, prices = [("EQ", date(2022, 5, 10), 200, 100000)], {"EQ": "1000", "DEBT": "1000"}
    face, _ = _plan(_policy(check, "realise gains up to the exemption, keep Rs 25,000 margin"), lots, prices)
    assert face.outcome.step_up == D("13000.00") and face.outcome.tax_value == D("13000.00")
    ip, _ = _plan(_policy(check, "realise gains up to the exemption, keep Rs 25,000 margin\n"
                                 "    value future tax at 7% a year over 10 years"), lots, prices)
    assert ip.units == {("asha", "F1", "EQ"): D(200)} and ip.outcome.tax_saved == 0
    assert ip.outcome.step_up == D("6608.54") == round(D(13000) * D(D10.numerator) / D(D10.denominator), 2)
    assert ip.outcome.tax_value == D("6608.54")


def test_a_short_term_loss_against_stcg_is_worth_more_with_discounting(check):
    # STCG 50,000 realised this year at 20%. A lot bought 2025-12-15 (short-term) at a loss of
    # 10,000 (100 units, cost 1,10,000, price 1,000). Selling it saves 10,000 x 20% x 1.04 =
    # Rs 2,080 now and lowers the rebought units' cost, adding 10,000 x 13% = Rs 1,300 of tax
    # later: worth 780 at face value; at 7% over 10 years the 1,300 is worth 660.85 (660.8540...),
    # so the loss is worth 2,080 - 660.85 = Rs 1,419.15.
    lots, prices = [("EQ", date(2025, 12, 15), 100, 110000)], {"EQ": "1000", "DEBT": "1000"}
    realised = [_part(50000, "short-term", "0.2")]
    face, _ = _plan(_policy(check, "never realise short-term gains"), lots, prices, realised)
    assert face.outcome.tax_saved == D("2080.00") and face.outcome.step_up == D("-1300.00")
    assert face.outcome.tax_value == D("780.00")
    ip, _ = _plan(_policy(check, "never realise short-term gains\n    value future tax at 7% a year over 10 years"),
                  lots, prices, realised)
    assert ip.units == {("asha", "F1", "EQ"): D(100)}
    assert ip.outcome.step_up == D("-660.85") and ip.outcome.tax_value == D("1419.15")


def test_a_long_term_loss_against_taxed_ltcg_is_worth_harvesting_only_with_discounting(check):
    # LTCG 2,00,000 realised this year: 75,000 above the exemption, taxed at 13%. A long-term loss
    # of 20,000 saves 20,000 x 13% = 2,600 now and adds 2,600 later: worth nothing at face value
    # (less its charges: not sold). At 7% over 10 years the later 2,600 is worth 1,321.71
    # (1,321.7081...), so selling is worth 2,600 - 1,321.71 = Rs 1,278.29.
    lots, prices = [("EQ", date(2022, 5, 10), 100, 120000)], {"EQ": "1000", "DEBT": "1000"}
    realised = [_part(200000, "long-term", "0.125")]
    face, _ = _plan(_policy(check, "never realise short-term gains"), lots, prices, realised)
    assert face.units == {}
    ip, _ = _plan(_policy(check, "never realise short-term gains\n    value future tax at 7% a year over 10 years"),
                  lots, prices, realised)
    assert ip.units == {("asha", "F1", "EQ"): D(100)}
    assert ip.outcome.tax_saved == D("2600.00") and ip.outcome.tax_value == D("1278.29")


def test_rebuying_a_debt_fund_bought_before_april_2023_prices_its_s50aa_status(check):
    # A debt fund lot bought 2022-05-10: 100 units, price 1,000, proceeds 1,00,000. Kept, its gains
    # would bear 12.5% x 1.04 = 13% long-term; units bought back on 2026-03-20 are s.50AA units,
    # short-term at the 30% slab for good: 31.2%. On the default growth of 7% a year over the
    # default 10 years the 1,00,000 grows by 96,715.14 (1.07^10 - 1 = 0.9671513573), taxed
    # 18.2% more: 96,715.14 x 0.182 = Rs 17,602.15 (17,602.1547...), at face value (no discount stated).
    policy = _policy(check, "never realise short-term gains", slab=" slab 30%")
    holdings = _book(policy, [("DEBT", date(2022, 5, 10), 100, 120000)], {"EQ": "1000", "DEBT": "1000"})
    investor = policy.portfolio.investors[0]
    queues = queues_of(policy, investor, holdings, AS_OF, FY, set())
    position = TaxPosition(policy, FY, {"asha": []}, {})
    outcome = evaluate(policy, investor, position, queues, {("asha", "F1", "DEBT"): D(100)}, AS_OF, FY)
    v = outcome.valuation
    assert v is not None and v.rebuy_rate("DEBT") == D("0.312") and queues[0].future_rates == (D("0.13"),)
    assert v.status_costs(queues[0]) == (Fraction(182, 1000) * G10,)
    assert outcome.status_cost == D("17602.15")
    # With 7% a year over 10 years stated, the same cost is paid in 10 years: x 1/1.07^10.
    stated = _policy(check, "value future tax at 7% a year over 10 years", slab=" slab 30%")
    outcome = evaluate(stated, investor, TaxPosition(stated, FY, {"asha": []}, {}),
                       queues_of(stated, investor, holdings, AS_OF, FY, set()), {("asha", "F1", "DEBT"): D(100)},
                       AS_OF, FY)
    assert outcome.status_cost == D("8948.04")  # 17,602.1547... x 0.5083492921... = 8,948.0429...
    # A debt lot bought from 1 April 2023 is s.50AA already: rebuying changes nothing.
    later = _book(policy, [("DEBT", date(2023, 5, 10), 100, 120000)], {"EQ": "1000", "DEBT": "1000"})
    outcome = evaluate(policy, investor, position, queues_of(policy, investor, later, AS_OF, FY, set()),
                       {("asha", "F1", "DEBT"): D(100)}, AS_OF, FY)
    assert outcome.status_cost == 0


def test_the_objective_refuses_a_debt_loss_whose_rebuy_loses_more_than_it_saves(check):
    # The debt lot of the case above at a long-term loss of 20,000, LTCG 2,00,000 realised this
    # year (75,000 taxed at 13%). At 7% over 10 years selling is worth 1,278.29 (the equity case
    # above) less the status cost of 8,948.04: 1,278.29 - 8,948.04 = -7,669.75, so the lot is kept,
    # with KEPT-STATUS-COST. With `expect growth of
    # 0% a year` there is no growth to tax at the worse rate: sold, worth Rs 1,278.29.
    lots, prices = [("DEBT", date(2022, 5, 10), 100, 120000)], {"EQ": "1000", "DEBT": "1000"}
    realised = [_part(200000, "long-term", "0.125")]
    value = "value future tax at 7% a year over 10 years"
    policy = _policy(check, value, slab=" slab 30%")
    ip, position = _plan(policy, lots, prices, realised)
    assert ip.units == {}
    (d,) = decisions(policy, ip, AS_OF, position)
    numbers = dict(d.numbers)
    assert d.code == Code.KEPT_STATUS_COST and numbers["status_cost"] == "8948.04"
    assert numbers["rate_kept"] == "0.13" and numbers["rate_rebought"] == "0.312"
    assert numbers["worth"] == "-7669.75"
    assert "31.2%" in d.reason and "13%" in d.reason and "Rs 8,948.04" in d.reason and "Rs 1,278.29 better" in d.reason
    ip, _ = _plan(_policy(check, value + "\n    expect growth of 0% a year", slab=" slab 30%"), lots, prices, realised)
    assert ip.units == {("asha", "F1", "DEBT"): D(100)} and ip.outcome.tax_value == D("1278.29")
    assert ip.outcome.status_cost == 0


def test_why_says_what_a_worse_status_costs_for_a_lot_sold_and_a_lot_not_worth_selling(check):
    # The debt lot above with `expect growth of 0.5% a year`: 1,00,000 x (1.005^10 - 1) x 18.2% /
    # 1.07^10 = Rs 473.15 (473.1463...), less than the 1,278.29 the loss is worth: sold, with the
    # price in its sentence and numbers; the plan's tax value 1,278.29 - 473.15 = Rs 805.14.
    lots, prices = [("DEBT", date(2022, 5, 10), 100, 120000)], {"EQ": "1000", "DEBT": "1000"}
    value = "value future tax at 7% a year over 10 years"
    policy = _policy(check, value + "\n    expect growth of 0.5% a year", slab=" slab 30%")
    ip, position = _plan(policy, lots, prices, [_part(200000, "long-term", "0.125")])
    assert ip.units == {("asha", "F1", "DEBT"): D(100)}
    assert ip.outcome.status_cost == D("473.15") and ip.outcome.tax_value == D("805.14")
    (d,) = decisions(policy, ip, AS_OF, position)
    assert d.code == Code.SOLD_LOSS and dict(d.numbers)["status_cost"] == "473.15"
    assert "priced at Rs 473.15 (growth of 0.5% a year over 10 years) and still worth selling" in d.reason
    # No gain this year to set the loss against: it saves nothing now, adds 20,000 x 13% / 1.07^10 =
    # Rs 1,321.71 later and, at the default 7% growth, Rs 8,948.04 for the status: -10,269.75.
    policy = _policy(check, value, slab=" slab 30%")
    ip, position = _plan(policy, lots, prices)
    (d,) = decisions(policy, ip, AS_OF, position)
    assert d.code == Code.KEPT_LOSS_NO_USE and dict(d.numbers)["worth"] == "-10269.75"
    assert "Rs 8,948.04 more at today's value, so selling would leave the plan Rs 10,269.75 worse" in d.reason


def _run(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_statements_round_trip_through_fmt_and_show(tmp_path):
    path = tmp_path / "p.rules"
    path.write_text("harvest {\n  value  future tax at 7% a year over 1 year\nexpect growth of 8.5% a year }\n",
                    encoding="utf-8")
    assert _run("fmt", str(path), cwd=tmp_path).returncode == 0
    assert path.read_text(encoding="utf-8") == ("harvest {\n    value future tax at 7% a year over 1 year\n"
                                                "    expect growth of 8.5% a year\n}\n")
    shown = _run("show", str(path), cwd=tmp_path)
    assert shown.returncode == 0
    assert "future tax valued at 7% a year over 1 year; growth expected 8.5% a year" in shown.stdout
    data = json.loads(_run("show", "--json", str(path), cwd=tmp_path).stdout)
    harvest = data["policy"]["harvest"] if "policy" in data else data["harvest"]
    assert (harvest["discount_rate"], harvest["horizon_years"], harvest["growth_rate"]) == ("0.07", 1, "0.085")
    path.write_text("harvest {\n    never pay exit load\n}\n", encoding="utf-8")
    data = json.loads(_run("show", "--json", str(path), cwd=tmp_path).stdout)
    harvest = data["policy"]["harvest"] if "policy" in data else data["harvest"]
    assert not {"discount_rate", "horizon_years", "growth_rate"} & set(harvest)  # dumps (and hashes) as before


@pytest.mark.parametrize("line, code, where", [
    ("value future tax at 7% over 10 years", "P131", "2:28"),
    ("expect growth of 7%", "P131", "3:1"),
    ("value future tax at 7 a year over 10 years", "P110", "2:25"),
    ("value future tax at 7% a year over 0 years", "V361", "2:40"),
    ("expect growth of 120% a year", "V304", "2:22"),
])
def test_near_misses_get_a_clear_error_with_its_place(tmp_path, line, code, where):
    path = tmp_path / "p.rules"
    path.write_text(f"harvest {{\n    {line}\n}}\n", encoding="utf-8")
    result = _run("check", str(path), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"p.rules:{where}: error[{code}]" in result.stderr + result.stdout


@pytest.mark.slow  # init, import and two plans of the family example through the CLI: about 10 s
def test_the_plan_says_the_rate_and_horizon_it_valued_future_tax_with(tmp_path):
    # The family example with `value future tax at 7% a year over 10 years`: each investor's plan
    # realises about Rs 1,24,000 of LTCG (the exemption less the Rs 1,000 margin), whose step-up
    # of 1,24,000 x 13% = Rs 16,120 is worth 16,120 x 0.5083492921 = Rs 8,194.59 now. (Since issue 14
    # the example states it itself; the override says it again.)
    family = REPO / "examples" / "family"
    for name in ("family.rules", "prices.csv", "fmv.csv", "transactions.csv"):
        (tmp_path / name).write_bytes((family / name).read_bytes())
    with (tmp_path / "family.rules").open("a", encoding="utf-8") as f:
        f.write("\noverride harvest {\n    value future tax at 7% a year over 10 years\n}\n")
    assert _run("init", "--policy", "family.rules", "--book", "b.db", cwd=tmp_path).returncode == 0
    assert _run("import", "transactions.csv", "prices.csv", "fmv.csv", "--book", "b.db", cwd=tmp_path).returncode == 0
    text = _run("plan", "year-end", "--as-of", "2026-11-21", "--book", "b.db", "--no-save", cwd=tmp_path)
    assert text.returncode == 0 and text.stderr == ""
    assert text.stdout.count("(at its present value: 7% a year over 10 years, x 0.5083492921)") == 2
    assert "future tax avoided Rs 8,194.59 (at its present value" in text.stdout  # ravi: 1,24,000 exactly
    body = json.loads(_run("plan", "year-end", "--as-of", "2026-11-21", "--book", "b.db", "--no-save", "--json",
                           cwd=tmp_path).stdout)
    for inv in body["investors"]:
        assert inv["time_value"] == {"discount_rate": "0.07", "horizon_years": 10, "discount_factor": "0.5083492921",
                                     "growth_rate": "0.07"}
        assert inv["status_cost"] == "0.00"  # equity index funds: a rebuy keeps the units' status
        # the family example also values the legacy fund's expense saved (`value expense savings`)
        moved = D(inv["migration"]["value"]) if "migration" in inv else D(0)
        assert D(inv["value"]) == D(inv["tax_saved"]) + D(inv["step_up"]) + moved - D(inv["exit_loads"]) - D(inv["charges"])


# ----------------------------------------------------------------------------------------
# The exhaustive referee (tests/harvest/test_optimizer_referee.py) on instances made for the time
# terms: a debt fund with lots bought before and after 1 April 2023 beside an equity fund, a 30%
# slab (so a rebuy of an old debt lot is priced), amounts of hundreds of rupees (an exemption of
# Rs 4,000) so that the status price and the discount move the optimum by much more than Re 1.

def _time_instance(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    harvest = ["realise gains up to the exemption", "allow short-term gains up to Rs 500"]
    harvest.append(f"value future tax at {rng.choice(['0%', '7%', '20%'])} a year over {rng.choice([1, 10, 25])} years")
    harvest.append(f"expect growth of {rng.choice(['0%', '1%', '3%', '7%', '15%'])} a year")
    text = f"""{exact.RICH_LAW.replace("exemption Rs 40", "exemption Rs 4,000")}
portfolio "P" {{
    investor asha "Asha" slab 30%
    asset "Equity" 100% class equity
    fund INF000000001 "Index fund" holds "Equity"
    fund INF000000003 "Debt fund" holds "Equity" class specified-fund
}}
harvest at year end {{
{chr(10).join('    ' + h for h in harvest)}
}}
"""
    (tmp_path / "time.rules").write_text(text, encoding="utf-8")
    result = check_file(tmp_path / "time.rules")
    assert result.ok, [d.message for d in result.diagnostics]
    policy = result.policy
    prices = {"INF000000001": D(rng.choice(["200000", "350000"])), "INF000000003": D(rng.choice(["300000", "500000"]))}
    lots = []
    for account, security, days in (("F1", "INF000000003", [date(2022, 5, 10), date(2023, 2, 1), date(2023, 5, 10),
                                                            date(2025, 6, 1)]),
                                    ("F1", "INF000000001", [date(2023, 5, 10), date(2025, 12, 15)])):
        budget = 6
        for n in range(rng.randint(1, 3)):
            counts = rng.randint(1, min(3, budget))
            budget -= counts
            units = D(counts) / 1000
            # Debt lots at a loss or none: a debt lot in gain beside equity losses meets an optimizer
            # gap that is not the time terms' (reported with issue 14; seed 114 of the first version).
            per_unit = prices[security] * D(rng.choice(["1.0", "1.2", "1.6"] if security == "INF000000003"
                                                       else ["0.5", "0.8", "1.0", "1.2", "1.6"]))
            lots.append(Lot((seed, security, n), "asha", account, security, rng.choice(days), units,
                            (units * per_unit).quantize(D("0.01")), f"t:{n}", "BUY"))
            if budget <= 0:
                break
    lots.sort(key=lambda lot: (lot.investor, lot.account, lot.security, lot.acquired))
    holdings, problems = value_lots(Ledger(tuple(lots), ()), policy, lambda s, d: Price(d, s, prices[s]), {}, AS_OF)
    assert not problems
    parts = [_part(rng.choice([-300, 0, 800, 3000]), "short-term", "0.2"),
             _part(rng.choice([-500, 0, 2000, 6000]), "long-term", "0.125")]
    return policy, holdings, TaxPosition(policy, FY, {"asha": parts}, {})


@pytest.mark.slow  # every FIFO-legal plan of 300 instances: about 20 s
def test_the_optimizer_matches_exhaustive_search_with_time_terms(tmp_path):
    paid = 0
    for seed in range(300):
        policy, holdings, position = _time_instance(tmp_path, seed)
        (ip,) = plan_year_end(policy, holdings, position, AS_OF).investors
        queues = queues_of(policy, policy.portfolio.investors[0], holdings, AS_OF, FY, set())
        best = exact._exhaustive(policy, policy.portfolio.investors[0], position, queues, AS_OF, FY)
        assert exact._feasible(policy, ip.outcome, ip.allowance), (seed, ip.units)
        assert best.tax_value - 1 <= ip.outcome.tax_value <= best.tax_value + D("0.01"), (
            seed, ip.outcome.tax_value, best.tax_value, ip.units, [o.units for o in best.orders])
        paid += ip.outcome.status_cost > 0
    assert paid > 0  # some optimal plans sell an old debt lot and pay for its status
