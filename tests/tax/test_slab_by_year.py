"""An investor's slab rate per financial year (issue 10, item 5): the syntax, its errors,
fmt and show, and the tax it gives, derived by hand in each test.

Slab-rate gains (short-term gains on units other than equity-oriented, s.50AA gains) are
taxed at the investor's own marginal rate, which the policy states, per FY if it changes.
The s.87A rebate and the basic-exemption shortfall stay out of scope (docs/tax-rules.md)."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from conftest import error_codes
from engine.cli.main import main
from engine.ledger.fifo import replay
from engine.policy.fmt import format_source
from engine.policy.show import as_text
from engine.tax.realised import realise
from engine.tax.year import compute
from engine.transactions import Transaction, TxType

D = Decimal
POLICY = '''use "india"
portfolio "t" {{
    investor asha "Asha" {slab}
    asset "Debt" 100% class specified-fund
    fund DEBT1 "Debt fund" holds "Debt"
}}
'''
PER_YEAR = "slab 30% for FY 2014-15, slab 20% from FY 2016-17"


def tx(day, kind, units, price, account="F1"):
    return Transaction(date.fromisoformat(day), "asha", account, "DEBT1", TxType(kind), D(str(units)),
                       D(str(price)), D(0), f"t.csv:{day}", 0)


def test_slab_rate_for_each_financial_year(check):
    result = check(POLICY.format(slab="slab 30%, slab 20% for FY 2019-20 to FY 2021-22, slab 25% from FY 2024-25"))
    assert result.ok, result.diagnostics
    asha = result.policy.portfolio.investors[0]
    # The rate without years holds for every FY no other rate covers.
    assert [asha.slab_rate_for(fy) for fy in (2018, 2019, 2021, 2022, 2024, 2030)] == [
        D("0.30"), D("0.20"), D("0.20"), D("0.30"), D("0.25"), D("0.25")]
    no_default = check(POLICY.format(slab=PER_YEAR)).policy.portfolio.investors[0]
    assert [no_default.slab_rate_for(fy) for fy in (2014, 2015, 2016, 2025)] == [
        D("0.30"), None, D("0.20"), D("0.20")]


def test_two_fys_at_different_slab_rates_and_one_with_none(check):
    """Debt fund units, short-term at slab (F(No.2)A 2014, s.2(42A): 36 months from
    11-07-2014); each lot 1,000 units bought at 10 and sold a year later at 12: STCG 2,000.
      FY 2014-15 (sold 2015-02-02), slab 30%: 600; cess 3% = 18; total 618.
      FY 2015-16 (sold 2016-02-02), no rate stated: slab gains 2,000 reported, tax 0.
      FY 2016-17 (sold 2017-02-02), slab 20%: 400; cess 3% = 12; total 412."""
    policy = check(POLICY.format(slab=PER_YEAR)).policy
    txs = []
    for n, (bought, sold) in enumerate((("2014-02-01", "2015-02-02"), ("2015-02-01", "2016-02-02"),
                                        ("2016-02-01", "2017-02-02"))):
        txs += [tx(bought, "BUY", 1000, 10, f"F{n}"), tx(sold, "SELL", 1000, 12, f"F{n}")]
    parts, problems = realise(replay(txs), policy, {})
    assert not problems
    asha = policy.portfolio.investors[0]
    got = {}
    for fy in (2014, 2015, 2016):
        result, _ = compute(parts, policy.tax, asha, fy)
        got[fy] = (result.slab_gains, result.slab_rate_known, result.tax, result.cess, result.total_tax)
    assert got == {2014: (D(2000), True, D(600), D(18), D(618)),
                   2015: (D(2000), False, D(0), D(0), D(0)),
                   2016: (D(2000), True, D(400), D(12), D(412))}


@pytest.mark.slow
def test_gains_notes_slab_gains_without_a_rate_for_that_fy(tmp_path, monkeypatch, capsys):
    """`gains --fy 2015-16` for the book above: the 2,000 of slab gains is shown untaxed and a
    note says why and what lotwise leaves out (the s.87A rebate, the basic-exemption
    shortfall). FY 2016-17 has a rate (20%): 400 + 12 cess, and no note."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.rules").write_text(POLICY.format(slab=PER_YEAR), encoding="utf-8")
    (tmp_path / "tx.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                     "2015-02-01,asha,F1,DEBT1,BUY,1000,10,0\n"
                                     "2016-02-02,asha,F1,DEBT1,SELL,1000,12,0\n"
                                     "2016-02-01,asha,F2,DEBT1,BUY,1000,10,0\n"
                                     "2017-02-02,asha,F2,DEBT1,SELL,1000,12,0\n")
    assert main(["init", "--policy", "policy.rules", "--book", "book.db"]) == 0
    assert main(["import", "tx.csv", "--book", "book.db"]) == 0
    capsys.readouterr()
    assert main(["gains", "--fy", "2015-16", "--book", "book.db"]) == 0
    out, err = capsys.readouterr()
    assert "Rs 2,000 (not taxed here: no slab rate given for FY 2015-16" in out
    assert "no slab rate for FY 2015-16" in err and "s.87A rebate" in err and "basic-exemption shortfall" in err
    assert main(["gains", "--fy", "2016-17", "--book", "book.db", "--json"]) == 0
    out, err = capsys.readouterr()
    (asha,) = json.loads(out)["investors"]
    assert (asha["slab_rate_known"], asha["tax"], asha["cess"]) == (True, "400.00", "12.00")
    assert "note" not in err


def test_overlapping_slab_years_point_at_the_second(check):
    result = check(POLICY.format(slab="slab 30% for FY 2019-20 to FY 2021-22, slab 20% from FY 2021-22"))
    (d,) = result.diagnostics
    assert (d.code, d.span.line, d.span.column) == ("V342", 3, 70)
    assert "two slab rates for FY 2021-22" in d.message and "without overlapping" in d.hint
    assert d.notes[0][1].column == 31


def test_two_slab_rates_without_years_and_two_slab_attributes(check):
    assert error_codes(check(POLICY.format(slab="slab 30%, slab 20%"))) == ["V320"]
    result = check(POLICY.format(slab="slab 30% slab 20%"))
    assert error_codes(result) == ["V320"] and "slab 30%, slab 20% for FY" in result.diagnostics[0].hint
    assert error_codes(check(POLICY.format(slab="slab 120% for FY 2020-21"))) == ["V304"]
    assert error_codes(check(POLICY.format(slab="slab 20% for FY 2022-23 to FY 2020-21"))) == ["V305"]


def test_fmt_round_trips_and_show_prints_the_rates(check):
    messy = POLICY.format(slab="slab 30%,slab 20% for FY 2019-20   to FY 2021-22 ,  25% from FY 2024-25")
    text, diagnostics = format_source(messy, "p.rules")
    assert not diagnostics
    assert 'investor asha "Asha" slab 30%, slab 20% for FY 2019-20 to FY 2021-22, 25% from FY 2024-25' in text
    assert format_source(text, "p.rules")[0] == text
    policy = check(text).policy
    assert policy == replace(check(messy).policy, sources=policy.sources)
    shown = as_text(policy, date(2026, 3, 31))
    assert "30%; 20% for FY 2019-20 to FY 2021-22; 25% from FY 2024-25" in shown
