"""The law for sales from 1 April 2014 to 31 March 2018 (issue 10, item 4), against hand
computations. Each test derives its numbers in its docstring and names the sections.

The law (rules/india.rules, docs/tax-rules.md section 9):
  equity (listed shares with STT, equity-oriented fund units): long-term after 12 months;
    STCG 15% (s.111A, Finance Act 2008); LTCG exempt under s.10(38) for transfers before
    1-4-2018 (Finance Act 2018). Exempt income is outside total income: no loss is set off
    against it, and a long-term loss on such an asset is neither set off nor carried forward.
  other units (debt, gold, international, hybrid funds):
    sold 2014-04-01 to 2014-07-10: long-term after 12 months; short at slab; long-term tax
      the lower of 20% of the indexed gain and 10% of the gain without indexation
      (s.112(1) proviso, s.2(42A) proviso for units transferred in that window);
    sold 2014-07-11 onwards: long-term after 36 months (F(No.2)A 2014); 20% with indexation.
  cost inflation index: the old series (FY 1981-82 = 100) for sales up to FY 2016-17, the
    rebased one (FY 2001-02 = 100) from FY 2017-18 (Finance Act 2017).
  cess: 3% (education cess 2% + secondary and higher education cess 1%) to FY 2017-18;
    4% health and education cess from FY 2018-19.
"""

import json
from datetime import date
from decimal import Decimal

import pytest

from conftest import error_codes
from engine.cli.main import main
from engine.ledger.fifo import replay
from engine.tax.realised import realise
from engine.tax.year import Loss, compute
from engine.transactions import Transaction, TxType

D = Decimal
POLICY = '''use "india"
portfolio "t" {
    investor asha "Asha" slab 30%
    asset "Equity" 60% class equity
    asset "Debt" 40% class specified-fund
    fund EQ1 "Equity fund" holds "Equity"
    fund DEBT1 "Debt fund" holds "Debt"
}
'''


@pytest.fixture
def policy(check):
    result = check(POLICY)
    assert result.ok, result.diagnostics
    return result.policy


def tx(day, kind, units, price, security="EQ1", account="F1"):
    return Transaction(date.fromisoformat(day), "asha", account, security, TxType(kind), D(str(units)),
                       D(str(price)), D(0), f"t.csv:{day}", 0)


def year(policy, transactions, fy, fmv=None, brought_forward=()):
    parts, problems = realise(replay(transactions), policy, fmv or {})
    assert not [p for p in problems if p.is_error], problems
    result, more = compute(parts, policy.tax, policy.portfolio.investors[0], fy, brought_forward)
    assert not more
    return result, parts


def test_equity_fund_sold_long_term_on_15_june_2017_is_exempt_and_absorbs_no_loss(policy):
    """s.10(38): 100 units bought 2016-01-01 at 100 (10,000), sold 2017-06-15 at 150 (15,000):
    held more than 12 months, long-term gain 5,000, exempt. A short-term loss the same FY:
    100 units bought 2017-05-01 at 100, sold 2017-08-01 at 80: STCL 2,000 (s.111A asset).
    The exempt gain is outside total income, so s.70(2) has no gain to set the loss against:
    tax 0, and the whole 2,000 carries forward (s.74(1)(a)) with FY 2017-18 as its year."""
    result, parts = year(policy, [
        tx("2016-01-01", "BUY", 100, 100), tx("2017-06-15", "SELL", 100, 150),
        tx("2017-05-01", "BUY", 100, 100, account="F2"), tx("2017-08-01", "SELL", 100, 80, account="F2")], 2017)
    exempt = next(p for p in parts if p.account == "F1")
    assert (exempt.term, exempt.rate, exempt.gain, exempt.exemptable) == ("long-term", "exempt", D(5000), False)
    assert (result.exempt_lt_gains, result.st_losses, result.lt_gains) == (D(5000), D(2000), D(0))
    assert (result.tax, result.cess, result.total_tax, result.set_offs) == (D(0), D(0), D(0), [])
    assert result.carry_forward == [Loss(2017, "short-term", D(2000))]


def test_equity_stcg_in_fy_2016_17_at_15_percent_with_3_percent_cess(policy):
    """s.111A: 100 units bought 2016-05-02 at 100, sold 2016-11-15 at 130: held under 12
    months, STCG 3,000 x 15% = 450.00; cess 3% (2% + 1%) = 13.50; total 463.50."""
    result, (part,) = year(policy, [tx("2016-05-02", "BUY", 100, 100), tx("2016-11-15", "SELL", 100, 130)], 2016)
    assert (part.term, part.rate, part.gain) == ("short-term", D("0.15"), D(3000))
    assert (result.tax, result.cess, result.total_tax) == (D("450.00"), D("13.50"), D("463.50"))
    assert policy.tax.cess_rate(2016) == D("0.03") and policy.tax.cess_rate(2018) == D("0.04")


def test_long_term_equity_loss_in_fy_2017_18_is_not_set_off_nor_carried_forward(policy):
    """A long-term loss on an s.10(38) asset is a loss from an exempt source (the prevailing
    view): equity bought 2015-04-01, 100 at 200, sold 2017-10-03 at 150: LTCL 5,000, lost.
    Beside it, a debt fund (new CII series, FY 2017-18 sale): 1,000 units bought 2013-04-01
    at 10 (10,000), sold 2017-10-03 at 20 (20,000), held more than 36 months: indexed cost
    10,000 x 272 / 220 (FY 2017-18 / FY 2013-14, base 2001-02) = 12,363.64; LTCG 7,636.36
    at 20% = 1,527.272 -> 1,527.27; the equity loss does not reduce it (s.70(3) applies only
    to a loss that is computed under the Act). Cess 3% = 45.8181 -> 45.82; total 1,573.09.
    Nothing carries forward."""
    result, parts = year(policy, [
        tx("2015-04-01", "BUY", 100, 200), tx("2017-10-03", "SELL", 100, 150),
        tx("2013-04-01", "BUY", 1000, 10, "DEBT1"), tx("2017-10-03", "SELL", 1000, 20, "DEBT1")], 2017)
    debt = next(p for p in parts if p.security == "DEBT1")
    assert (debt.basis, debt.gain, debt.rate, debt.notes) == (
        D("12363.64"), D("7636.36"), D("0.20"), ("indexed 220 -> 272",))
    assert (result.exempt_lt_losses, result.lt_losses, result.lt_gains) == (D(5000), D(0), D("7636.36"))
    assert (result.tax, result.cess, result.total_tax) == (D("1527.27"), D("45.82"), D("1573.09"))
    assert (result.set_offs, result.carry_forward) == ([], [])


@pytest.mark.parametrize("sale, basis, gain, rate, tax, cess, note", [
    # Indexed, old series: 10,000 x 1024 / 785 (FY 2014-15 / FY 2011-12, base 1981-82)
    # = 13,044.585... -> 13,044.59. Sold at 15: indexed gain 1,955.41 x 20% = 391.082
    # -> 391.08, below 10% of the unindexed gain 5,000 = 500: indexation applies.
    # Cess 3% of 391.08 = 11.7324 -> 11.73.
    ("15", "13044.59", "1955.41", "0.20", "391.08", "11.73", "indexed 785 -> 1024"),
    # Sold at 20: 20% of the indexed gain 6,955.41 = 1,391.08 exceeds 10% of 10,000 = 1,000,
    # so the excess is ignored: tax 1,000 on the gain without indexation. Cess 30.00.
    ("20", "10000", "10000", "0.10", "1000.00", "30.00", "10% without indexation"),
])
def test_debt_fund_sold_2_june_2014_lower_of_indexed_20_and_unindexed_10(policy, sale, basis, gain, rate,
                                                                          tax, cess, note):
    """Bought 2011-05-02 (1,000 units at 10), sold 2014-06-02: before 11-07-2014 a unit of a
    debt fund is long-term after 12 months (s.2(42A) proviso for units transferred from
    1-4-2014 to 10-7-2014) and its tax is the lower of 20% with indexation and 10% without
    (s.112(1) proviso as it then stood for units)."""
    result, (part,) = year(policy, [tx("2011-05-02", "BUY", 1000, 10, "DEBT1"),
                                    tx("2014-06-02", "SELL", 1000, sale, "DEBT1")], 2014)
    assert (part.term, part.basis, part.gain, part.rate) == ("long-term", D(basis), D(gain), D(rate))
    assert part.notes[0].startswith(note)
    assert (result.tax, result.cess) == (D(tax), D(cess))


def test_debt_fund_sold_1_august_2014_after_two_years_is_short_term_at_slab(policy):
    """F(No.2)A 2014, s.2(42A): from 11-07-2014 a debt fund unit is long-term only after 36
    months. Bought 2012-08-01 (1,000 at 10), sold 2014-08-01 at 12: held 2 years, so
    short-term: STCG 2,000 at the slab rate 30% = 600; cess 3% = 18; total 618. (Sold on
    2014-07-10 it would have been long-term: the 12-month rule then still applied.)"""
    result, (part,) = year(policy, [tx("2012-08-01", "BUY", 1000, 10, "DEBT1"),
                                    tx("2014-08-01", "SELL", 1000, 12, "DEBT1")], 2014)
    assert (part.term, part.rate, part.gain) == ("short-term", "slab", D(2000))
    assert (result.slab_gains, result.tax, result.cess, result.total_tax) == (D(2000), D(600), D(18), D(618))
    t = policy.tax.treatment("specified-fund", date(2012, 8, 1), date(2014, 7, 10))
    assert t.is_long_term(date(2012, 8, 1), date(2014, 7, 10))


def test_debt_fund_sold_in_fy_2016_17_after_four_years_uses_the_old_index(policy):
    """s.48 second proviso, s.112: bought 2012-06-01 (1,000 at 10), sold 2016-06-01 at 15,
    held 4 years (more than 36 months): long-term, 20% with indexation. The series in force
    for a FY 2016-17 sale is the old one: 10,000 x 1125 / 852 = 13,204.225... -> 13,204.23;
    LTCG 1,795.77 x 20% = 359.154 -> 359.15; cess 3% = 10.7745 -> 10.77; total 369.92.
    (The rebased series would have given 10,000 x 264 / 200 = 13,200 and another answer.)"""
    result, (part,) = year(policy, [tx("2012-06-01", "BUY", 1000, 10, "DEBT1"),
                                    tx("2016-06-01", "SELL", 1000, 15, "DEBT1")], 2016)
    assert (part.term, part.basis, part.gain, part.notes) == ("long-term", D("13204.23"), D("1795.77"),
                                                              ("indexed 852 -> 1125",))
    assert (result.tax, result.cess, result.total_tax) == (D("359.15"), D("10.77"), D("369.92"))
    assert (policy.tax.cii(2012, 2016), policy.tax.cii(2012, 2017)) == (852, 200)


def test_equity_ltcg_31_march_2018_exempt_1_april_2018_taxable_with_grandfathering(policy):
    """Bought 2017-01-01, 100 units at 100 in each of two folios; FMV on 31-01-2018 = 120.
    Sold 2018-03-31 at 150: s.10(38), exempt; the gain on the actual cost, 5,000 (s.55(2)(ac)
    is for s.112A gains). Sold 2018-04-01 at 150: s.112A, FY 2018-19; cost grandfathered to
    max(100, min(120, 150)) = 120 a unit, 12,000; LTCG 3,000, inside the Rs 1,00,000
    exemption: tax 0, exemption used 3,000."""
    txs = [tx("2017-01-01", "BUY", 100, 100), tx("2017-01-01", "BUY", 100, 100, account="F2"),
           tx("2018-03-31", "SELL", 100, 150), tx("2018-04-01", "SELL", 100, 150, account="F2")]
    before, parts = year(policy, txs, 2017, fmv={"EQ1": D(120)})
    after, _ = year(policy, txs, 2018, fmv={"EQ1": D(120)})
    old, new = sorted(parts, key=lambda p: p.sold)
    assert (old.rate, old.basis, old.gain, old.fy) == ("exempt", D(10000), D(5000), 2017)
    assert (new.rate, new.basis, new.gain, new.fy, new.exemptable) == (D("0.10"), D(12000), D(3000), 2018, True)
    assert (before.exempt_lt_gains, before.tax) == (D(5000), D(0))
    assert (after.exempt_lt_gains, after.exemption_used, after.exemption_limit, after.tax) == (
        D(0), D(3000), D(100000), D(0))


def test_a_sale_before_april_2014_names_the_first_date_the_rules_cover(policy):
    """Sales before FY 2014-15 are outside rules/india.rules: T103, never a later rate."""
    parts, problems = realise(replay([tx("2013-01-01", "BUY", 1, 100), tx("2014-03-31", "SELL", 1, 120)]),
                              policy, {})
    assert [p.code for p in problems] == ["T103"]
    assert "cover sales from 2014-04-01" in problems[0].message


TX = """date,investor,account,security,type,units,price,charges
2011-05-02,asha,F1,DEBT1,BUY,1000,10,0
2014-06-02,asha,F1,DEBT1,SELL,1000,20,0
2012-06-01,asha,F2,DEBT1,BUY,1000,10,0
2015-06-01,asha,F2,DEBT1,SELL,500,13,0
2016-06-01,asha,F2,DEBT1,SELL,500,15,0
2016-05-02,asha,E1,EQ1,BUY,100,100,0
2016-11-15,asha,E1,EQ1,SELL,100,130,0
2016-01-01,asha,E2,EQ1,BUY,100,100,0
2017-06-15,asha,E2,EQ1,SELL,100,150,0
"""


@pytest.mark.slow
def test_gains_for_each_year_from_2014_15_to_2017_18_through_the_cli(tmp_path, monkeypatch, capsys):
    """A book with sales in each FY 2014-15 to 2017-18: `gains` computes every year (no T103).
      FY 2014-15: the debt sale of 2014-06-02 at 20 (above): 10% of 10,000 = 1,000 + 3% = 1,030.00.
      FY 2015-16: 500 units bought 2012-06-01 at 10, sold 2015-06-01 at 13: 3 years exactly is
        not more than 36 months (anniversary sale short-term): STCG 1,500 at slab 30% = 450 +
        13.50 cess = 463.50.
      FY 2016-17: the other 500 sold 2016-06-01 at 15: indexed cost 5,000 x 1125 / 852 =
        6,602.11; LTCG 897.89 x 20% = 179.578 -> 179.58; plus the equity STCG 3,000 x 15% =
        450.00; tax 629.58, cess 3% = 18.8874 -> 18.89; total 648.47.
      FY 2017-18: the exempt equity gain of 5,000 (s.10(38)): tax 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.rules").write_text(POLICY, encoding="utf-8")
    (tmp_path / "tx.csv").write_text(TX, encoding="utf-8")
    assert main(["init", "--policy", "policy.rules", "--book", "book.db"]) == 0
    assert main(["import", "tx.csv", "--book", "book.db"]) == 0
    totals = {}
    for fy in ("2014-15", "2015-16", "2016-17", "2017-18"):
        capsys.readouterr()
        assert main(["gains", "--fy", fy, "--book", "book.db", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["diagnostics"] == []
        (asha,) = out["investors"]
        totals[fy] = (asha["tax"], asha["cess"], asha["total_tax"], asha["exempt_lt_gains"])
    assert totals == {"2014-15": ("1000.00", "30.00", "1030.00", "0"),
                      "2015-16": ("450.00", "13.50", "463.50", "0"),
                      "2016-17": ("629.58", "18.89", "648.47", "0"),
                      "2017-18": ("0", "0.00", "0.00", "5000.00")}
    capsys.readouterr()
    assert main(["gains", "--fy", "2017-18", "--book", "book.db"]) == 0
    text = capsys.readouterr().out
    assert "exempt long-term gains" in text and "5,000" in text


# ------------------------------------------------------------------ the language
LAW = '''tax "Old" {{
    year starts April 1
    lots fifo per account
    class debt {{
        {rule}
    }}
{index}}}
'''
INDEX = '''    cost inflation index for sales up to FY 2016-17 {
        FY 2011-12: 785
        FY 2014-15: 1024
    }
    cost inflation index {
        FY 2011-12: 184
        FY 2017-18: 272
    }
'''


def test_lower_of_and_exempt_read_and_print(check):
    rule = ("sold from 2014-04-01 to 2014-07-10: long-term after 12 months, "
            "long 20% with indexation or 10% without, whichever is less")
    result = check(LAW.format(rule=rule, index=INDEX))
    assert result.ok, result.diagnostics
    law = result.policy.tax
    t = law.treatment("debt", date(2011, 5, 2), date(2014, 6, 2))
    assert (t.long_rate, t.indexed, t.long_rate_unindexed) == (D("0.20"), True, D("0.10"))
    # The series for a sale's FY: old up to FY 2016-17, the undated (rebased) one after.
    assert (law.cii(2011, 2014), law.cii(2011, 2016), law.cii(2011, 2017)) == (785, 785, 184)
    exempt = check(LAW.format(rule="sold before 2018-04-01: long exempt, short 15%", index=""))
    assert exempt.ok and exempt.policy.tax.treatment("debt", None, date(2017, 1, 1)).long_rate == "exempt"


def test_lower_of_needs_an_indexed_rate(check):
    result = check(LAW.format(rule="sold from 2014-04-01: long 20% or 10% without, whichever is less", index=""))
    assert error_codes(result) == ["V343"]
    assert "with indexation or 10% without" in result.diagnostics[0].hint


def test_two_series_for_the_same_fy_of_sale_are_v306(check):
    index = INDEX + '''    cost inflation index for sales in FY 2015-16 to FY 2018-19 {
        FY 2015-16: 1081
    }
'''
    result = check(LAW.format(rule="long-term after 12 months", index=index))
    assert error_codes(result) == ["V306"]
    assert "two cost inflation index series serve sales of FY 2015-16" in result.diagnostics[0].message


def test_override_amends_the_shipped_old_series(check):
    """An override with the same years merges into the shipped series, entry by entry."""
    result = check('use "india"\noverride tax {\n    cost inflation index for sales up to FY 2016-17 {\n'
                   '        FY 2016-17: 1200\n    }\n}\n')
    assert result.ok, result.diagnostics
    law = result.policy.tax
    assert (law.cii(2016, 2016), law.cii(2015, 2016), law.cii(2016, 2017)) == (1200, 1081, 264)


@pytest.mark.slow
def test_year_end_plan_in_fy_2016_17_does_not_count_an_exempt_loss(tmp_path, monkeypatch, capsys):
    """A plan on 2017-03-01 (FY 2016-17). Equity bought 2015-01-01, 100 at 200, now 150: a
    long-term loss of 5,000 on an s.10(38) asset, which sets off nothing (a loss from an exempt
    source). Debt bought 2013-01-01, 1,000 at 10, now 15: long-term, taxed at 20% with
    indexation. Selling both would leave the debt gain taxed in full: the plan sells neither
    (before this was modelled the program counted the equity loss against the debt gain and
    planned Rs 1,030 of tax)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.rules").write_text(POLICY + "harvest at year end {\n    harvest losses larger than Rs 500\n}\n",
                                           encoding="utf-8")
    (tmp_path / "tx.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                     "2013-01-01,asha,F1,DEBT1,BUY,1000,10,0\n2015-01-01,asha,E1,EQ1,BUY,100,200,0\n")
    (tmp_path / "p.csv").write_text("date,security,price\n2017-03-01,EQ1,150\n2017-03-01,DEBT1,15\n")
    assert main(["init", "--policy", "policy.rules", "--book", "book.db"]) == 0
    assert main(["import", "tx.csv", "p.csv", "--book", "book.db"]) == 0
    capsys.readouterr()
    assert main(["plan", "year-end", "--as-of", "2017-03-01", "--book", "book.db", "--no-save", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["orders"] == []
    # The debt gain (15,000 - 10,000 x 1125 / 852 = 1,795.77, old series) would be taxed at 20% now, no less
    # than the future tax the step-up avoids: not worth selling (KEPT-GAIN-NO-USE, docs/audit.md),
    # whatever the no-new-tax rule says (it is named under `also`).
    assert {d["security"]: d["code"] for d in plan["decisions"]} == {"EQ1": "KEPT-LOSS-NO-USE",
                                                                    "DEBT1": "KEPT-GAIN-NO-USE"}
    assert plan["investors"][0]["after"]["total_tax"] == "0.00"


def test_show_prints_the_law_of_june_2014(policy):
    """`lotwise show --as-of 2014-06-01`: equity STCG 15%, LTCG exempt (s.111A, s.10(38)); debt
    funds long-term after 12 months, the lower of 20% indexed and 10% unindexed (s.112(1)
    proviso); cess 3%; the old index (FY 2014-15 = 1024)."""
    from engine.policy.show import as_text

    text = as_text(policy, date(2014, 6, 1))
    assert "cess 3%" in text and "Cost inflation index for FY 2014-15: 1024" in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith(("equity ", "specified-fund "))}
    assert rows["equity"].split()[5:7] == ["15%", "exempt"]
    assert "more than 12 months  slab    20% indexed or 10% unindexed, lower tax" in rows["specified-fund"]
    assert "more than 36 months" in as_text(policy, date(2014, 7, 11))
