"""Realised gains and the financial year, against hand computations from the law
(../shared/reference/india-tax.md). Each test derives its numbers in its docstring."""

from datetime import date
from decimal import Decimal

import pytest

from engine.ledger.fifo import replay
from engine.tax.realised import realise
from engine.tax.year import Loss, compute
from engine.transactions import Transaction, TxType

D = Decimal
POLICY = '''use "india"
portfolio "t" {{
    investor asha "Asha"{slab}
    asset "Equity" 60% class equity
    asset "Debt" 40% class specified-fund
    fund EQ1 "Equity fund" holds "Equity"
    fund DEBT1 "Debt fund" holds "Debt"
}}
'''


@pytest.fixture
def policy(check):
    def make(slab: str = ""):
        result = check(POLICY.format(slab=f" slab {slab}" if slab else ""))
        assert result.ok, result.diagnostics
        return result.policy
    return make


def tx(day, kind, units, price, security="EQ1", account="F1", row=0):
    return Transaction(date.fromisoformat(day), "asha", account, security, TxType(kind), D(str(units)),
                       D(str(price)), D(0), f"t.csv:{row}", row)


def year(policy, transactions, fy, fmv=None, brought_forward=()):
    parts, problems = realise(replay(transactions), policy, fmv or {})
    assert not [p for p in problems if p.is_error], problems
    result, more = compute(parts, policy.tax, policy.portfolio.investors[0], fy, brought_forward)
    assert not more
    return result, parts


@pytest.mark.parametrize("fmv, sale, basis, gain", [
    # CBDT FAQ (4 Feb 2018): bought 1-1-2017 at 100, sold 1-4-2018; basis = max(cost, min(FMV, sale)).
    ("200", "250", "200", "50"),   # FMV caps the gain at 250 - 200
    ("200", "150", "150", "0"),    # sale below FMV: basis is the sale value, no gain
    ("50", "150", "100", "50"),    # FMV below cost: actual cost
    ("200", "50", "100", "-50"),   # a real loss on the actual cost stays a loss
])
def test_cbdt_grandfathering_scenarios(policy, fmv, sale, basis, gain):
    _, (part,) = year(policy(), [tx("2017-01-01", "BUY", 1, 100), tx("2018-04-01", "SELL", 1, sale)], 2018,
                      fmv={"EQ1": D(fmv)})
    assert (part.term, part.basis, part.gain) == ("long-term", D(basis), D(gain))


def test_grandfathering_boundary_is_31_january_2018_itself(policy):
    # Bought on 2018-01-31: grandfathered (FMV 150 > cost 100 caps the gain at 200 - 150 = 50).
    # Bought on 2018-02-01: not grandfathered, gain 200 - 100 = 100.
    _, parts = year(policy(), [tx("2018-01-31", "BUY", 1, 100), tx("2018-02-01", "BUY", 1, 100, account="F2"),
                               tx("2019-03-01", "SELL", 1, 200), tx("2019-03-01", "SELL", 1, 200, account="F2")],
                    2018, fmv={"EQ1": D(150)})
    assert sorted((p.acquired, p.gain) for p in parts) == [(date(2018, 1, 31), D(50)), (date(2018, 2, 1), D(100))]


def test_31_march_and_1_april_are_two_financial_years(policy):
    txs = [tx("2023-01-01", "BUY", 2, 100), tx("2025-03-31", "SELL", 1, 300), tx("2025-04-01", "SELL", 1, 300)]
    _, parts = year(policy(), txs, 2024)
    assert [(p.sold, p.fy) for p in parts] == [(date(2025, 3, 31), 2024), (date(2025, 4, 1), 2025)]


def test_22_and_23_july_2024(policy):
    """STCG: 15% before 23-7-2024, 20% from it (s.111A); bought 2024-03-01, both short-term.
    Tax: 10,000 x 15% + 10,000 x 20% = 1,500 + 2,000 = 3,500; cess 4% = 140."""
    txs = [tx("2024-03-01", "BUY", 200, 100), tx("2024-07-22", "SELL", 100, 200), tx("2024-07-23", "SELL", 100, 200)]
    result, parts = year(policy(), txs, 2024)
    assert [p.rate for p in parts] == [D("0.15"), D("0.20")]
    assert (result.tax, result.cess, result.total_tax) == (D("3500.00"), D("140.00"), D("3640.00"))


def test_fy_2024_25_shares_one_exemption_across_both_rates(policy):
    """LTCG 1,00,000 at 10% (sold 1 Jun 2024) and 1,00,000 at 12.5% (sold 1 Sep 2024). One
    Rs 1,25,000 exemption for the year, taken first against the 12.5% tranche: 1,00,000 there
    and 25,000 of the 10% tranche; taxable 75,000 at 10% = 7,500; cess 300."""
    txs = [tx("2020-01-01", "BUY", 2000, 100), tx("2024-06-01", "SELL", 1000, 200), tx("2024-09-01", "SELL", 1000, 200)]
    result, _ = year(policy(), txs, 2024)
    assert (result.lt_gains, result.exemption_limit, result.exemption_used) == (D(200000), D(125000), D(125000))
    assert (result.taxable_ltcg, result.tax, result.total_tax) == (D(75000), D("7500.00"), D("7800.00"))


def test_short_term_loss_meets_20_percent_stcg_before_12_5_percent_ltcg(policy):
    """STCG 50,000 (20%), LTCG 2,00,000 (12.5%, of which 1,25,000 exempt), STCL 30,000.
    The loss goes to the 20% gains first: STCG 20,000 x 20% = 4,000; LTCG taxed
    75,000 x 12.5% = 9,375; tax 13,375; cess 535; total 13,910."""
    txs = [tx("2020-01-01", "BUY", 2000, 100),                        # long-term lot
           tx("2025-01-01", "BUY", 500, 100, account="F2"),           # short-term gain lot
           tx("2025-01-01", "BUY", 300, 200, account="F3"),           # short-term loss lot
           tx("2025-06-02", "SELL", 2000, 200),                       # LTCG 2,00,000
           tx("2025-06-02", "SELL", 500, 200, account="F2"),          # STCG 50,000
           tx("2025-06-02", "SELL", 300, 100, account="F3")]          # STCL 30,000
    result, _ = year(policy(), txs, 2025)
    assert (result.st_gains, result.st_losses, result.net_stcg) == (D(50000), D(30000), D(20000))
    assert (result.net_ltcg, result.exemption_used, result.taxable_ltcg) == (D(200000), D(125000), D(75000))
    assert (result.tax, result.cess, result.total_tax) == (D("13375.00"), D("535.00"), D("13910.00"))


def test_long_term_loss_never_touches_stcg(policy):
    """STCG 50,000 and LTCL 30,000: the LTCL cannot be set off (s.70(3)); tax 10,000 + cess
    400; the 30,000 long-term loss carries forward."""
    txs = [tx("2020-01-01", "BUY", 300, 200), tx("2025-01-01", "BUY", 500, 100, account="F2"),
           tx("2025-06-02", "SELL", 300, 100), tx("2025-06-02", "SELL", 500, 200, account="F2")]
    result, _ = year(policy(), txs, 2025)
    assert (result.net_stcg, result.total_tax) == (D(50000), D("10400.00"))
    assert [(l.fy, l.term, l.amount) for l in result.carry_forward] == [(2025, "long-term", D(30000))]


def test_brought_forward_ltcl_consumes_gains_inside_the_exemption(policy):
    """LTCG 1,00,000 is inside the exemption; a brought-forward LTCL of 40,000 (FY 2020-21)
    must still be set off (s.74): 60,000 remains, all exempt; nothing carries forward."""
    txs = [tx("2020-01-01", "BUY", 1000, 100), tx("2025-06-02", "SELL", 1000, 200)]
    result, _ = year(policy(), txs, 2025, brought_forward=[Loss(2020, "long-term", D(40000))])
    assert (result.net_ltcg, result.exemption_used, result.total_tax) == (D(60000), D(60000), D(0))
    assert result.carry_forward == [] and result.set_offs[0].brought_forward


def test_an_eight_year_old_loss_expires(policy):
    """carry forward 8 years: a loss of FY 2016-17 can be used up to FY 2024-25; in FY 2025-26
    it has expired; one of FY 2017-18 is still good (used against STCG 50,000)."""
    txs = [tx("2025-01-01", "BUY", 500, 100), tx("2025-06-02", "SELL", 500, 200)]
    result, _ = year(policy(), txs, 2025, brought_forward=[Loss(2016, "short-term", D(10000)),
                                                           Loss(2017, "short-term", D(10000))])
    assert [(l.fy, l.amount) for l in result.expired] == [(2016, D(10000))]
    assert result.net_stcg == D(40000) and result.carry_forward == []


def test_debt_fund_bought_either_side_of_1_april_2023(policy):
    """Sold 2025-06-02: bought 2023-03-31 -> long-term after 24 months, 12.5% (gain 10,000 ->
    1,250); bought 2023-04-01 -> s.50AA short-term at slab 30% (10,000 -> 3,000). Tax 4,250;
    cess 170."""
    txs = [tx("2023-03-31", "BUY", 100, 100, security="DEBT1"),
           tx("2023-04-01", "BUY", 100, 100, security="DEBT1", account="F2"),
           tx("2025-06-02", "SELL", 100, 200, security="DEBT1"),
           tx("2025-06-02", "SELL", 100, 200, security="DEBT1", account="F2")]
    result, parts = year(policy("30%"), txs, 2025)
    assert sorted((p.acquired, p.term, p.rate) for p in parts) == [
        (date(2023, 3, 31), "long-term", D("0.125")), (date(2023, 4, 1), "short-term", "slab")]
    assert (result.exemption_used, result.tax, result.cess) == (D(0), D("4250.00"), D("170.00"))


def test_slab_gains_without_a_slab_rate_are_reported_not_taxed(policy):
    txs = [tx("2023-04-01", "BUY", 100, 100, security="DEBT1"), tx("2025-06-02", "SELL", 100, 200, security="DEBT1")]
    result, _ = year(policy(), txs, 2025)
    assert (result.slab_gains, result.tax, result.slab_rate_known) == (D(10000), D(0), False)


def test_anniversary_sale_is_short_term(policy):
    """Bought 2024-03-15, sold 2025-03-15: held exactly 12 months, not more: STCG at 20%."""
    _, (part,) = year(policy(), [tx("2024-03-15", "BUY", 1, 100), tx("2025-03-15", "SELL", 1, 150)], 2024)
    assert (part.term, part.rate) == ("short-term", D("0.20"))


def test_exemption_limit_is_the_law_s_even_before_any_sale(policy):
    result, _ = year(policy(), [tx("2020-01-01", "BUY", 1, 100)], 2025)
    assert (result.exemption_limit, result.exemption_used) == (D(125000), D(0))


@pytest.mark.parametrize("current_stcl", [False, True])
def test_long_term_loss_is_kept_for_long_term_gains(policy, current_stcl):
    """Found by comparing with a brute force over every lawful allocation. Slab 5%; gains:
    a debt fund's short-term 50,000 (slab) and equity LTCG 1,75,000 (1,25,000 exempt).
    Losses 50,000 short-term (brought forward from FY 2018-19, or of the current year) and a
    brought-forward 50,000 long-term loss of FY 2019-20. Best lawful allocation: the LTCL on
    the taxable 50,000 of LTCG, the STCL on the slab gains: no tax, the whole exemption used.
    (Placing the STCL on the LTCG first would leave the LTCL nothing but exempt gains and
    cost 50,000 x 5% = 2,500 + cess.)"""
    txs = [tx("2020-01-01", "BUY", 1750, 100), tx("2025-06-02", "SELL", 1750, 200),
           tx("2023-04-03", "BUY", 500, 100, security="DEBT1"), tx("2025-06-02", "SELL", 500, 200, security="DEBT1")]
    brought = [Loss(2019, "long-term", D(50000))]
    if current_stcl:
        txs += [tx("2025-05-01", "BUY", 500, 200, account="F2"), tx("2025-06-02", "SELL", 500, 100, account="F2")]
    else:
        brought.append(Loss(2018, "short-term", D(50000)))
    result, _ = year(policy("5%"), txs, 2025, brought_forward=brought)
    assert (result.total_tax, result.exemption_used, result.carry_forward) == (D(0), D(125000), [])


def test_grandfathering_after_a_split_uses_the_units_bought(policy):
    """Bought 1 unit on 2017-06-01 at 100 (FMV on 31-01-2018: 200); a 1:10 split in 2019;
    10 units sold at 30 in 2020. The FMV of what was bought is 200 (not 10 x 200):
    basis = max(100, min(200, 300)) = 200, gain 100."""
    txs = [tx("2017-06-01", "BUY", 1, 100), tx("2019-01-01", "SPLIT", 10, 0), tx("2020-06-01", "SELL", 10, 30)]
    _, (part,) = year(policy(), txs, 2020, fmv={"EQ1": D(200)})
    assert (part.basis, part.gain) == (D(200), D(100))


def test_sale_value_and_charges_add_up_across_lots(policy):
    """3 units sold at 10.005 with 0.05 of charges, one unit from each of three lots: the
    parts' proceeds add up to 30.015 rounded (30.02, half-even) and their expenses to 0.05."""
    txs = [tx("2025-01-01", "BUY", 1, 10), tx("2025-02-01", "BUY", 1, 10), tx("2025-03-01", "BUY", 1, 10),
           Transaction(date(2025, 6, 2), "asha", "F1", "EQ1", TxType.SELL, D(3), D("10.005"), D("0.05"), "t.csv:9", 9)]
    _, parts = year(policy(), txs, 2025)
    assert sum(p.proceeds for p in parts) == D("30.02") and sum(p.expenses for p in parts) == D("0.05")
