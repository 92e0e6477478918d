"""Grandfathering (s.55(2)(ac)) through a split, bonus or merger, on both sides of 31-01-2018.

The law: for a long-term capital asset that is an equity share or a unit of an equity-oriented
fund acquired on or before 31-01-2018, the cost is max(actual cost, min(FMV on 31-01-2018,
sale value)), where the FMV is the price on that day (the highest quoted price for a share,
the NAV for a unit) of the asset as held that day. After a split or merger on or before
31-01-2018 the investor held the new shares or the new scheme's units on that day, and the
quoted price is theirs; after one later, the old shares or units were held, and their price
applies to the units held now through the ratio of the action. The grandfathering date comes
from `grandfather cost at 2018-01-31` in rules/india.rules.

Every case: bought 2017-01-02, sold 2025-06-02 (FY 2025-26, long-term, s.112A at 12.5%),
no charges. Numbers derived by hand in each docstring.
"""

from datetime import date
from decimal import Decimal

import pytest

from engine.cli.main import main
from engine.ledger.fifo import replay
from engine.tax.realised import realise
from engine.tax.unrealised import value_lots
from engine.transactions import Price, Transaction, TxType

D = Decimal
G = date(2018, 1, 31)
POLICY = ('use "india"\nportfolio {\n investor asha "Asha"\n asset "Equity" 100% class equity\n'
          ' stock SPL "A share that splits" holds "Equity"\n'
          ' stock BON "A share that issues bonus shares" holds "Equity"\n'
          ' fund OLDF "A scheme merged away" holds "Equity"\n'
          ' fund NEWF "The scheme it merged into" holds "Equity"\n}\n')


def tx(day, kind, units, price="0", security="SPL", account="DP1", row=0):
    return Transaction(date.fromisoformat(day), "asha", account, security, TxType(kind), D(str(units)),
                       D(str(price)), D(0), f"t.csv:{row}", row)


@pytest.fixture
def policy(check):
    return check(POLICY).policy


def gains(policy, rows, fmv):
    parts, problems = realise(replay(rows), policy, fmv)
    return [(p.units, p.cost, p.basis, p.gain, p.term) for p in parts], problems


def test_the_grandfathering_date_comes_from_the_rules(policy):
    assert policy.tax.tax_class("equity").grandfather_on_or_before == G


def test_split_before_31_january_2018_uses_the_post_split_price(policy):
    """10 SPL bought at 1,000 (cost 10,000); split 1:10 on 2017-06-01, so 100 shares were held
    on 31-01-2018, quoted at 150: FMV 100 x 150 = 15,000. Sold 100 at 200 = 20,000.
    Basis = max(10,000, min(15,000, 20,000)) = 15,000; LTCG 5,000 (s.55(2)(ac), s.112A).
    (Before the fix the split was applied again to the post-split price: FMV 1,500, basis
    10,000, LTCG 10,000, with no warning.)"""
    rows = [tx("2017-01-02", "BUY", 10, 1000, row=1), tx("2017-06-01", "SPLIT", 10, row=2),
            tx("2025-06-02", "SELL", 100, 200, row=3)]
    assert gains(policy, rows, {"SPL": D(150)}) == ([(D(100), D(10000), D(15000), D(5000), "long-term")], [])


def test_split_after_31_january_2018_scales_the_pre_split_price(policy):
    """10 SPL bought at 1,000; on 31-01-2018 the 10 shares were quoted at 1,500: FMV 15,000.
    Split 1:10 on 2019-06-01: 100 shares, each 1/10 of a share then held. Sold 100 at 200 =
    20,000. FMV of the units sold = 1,500 x 100 x 1/10 = 15,000; basis 15,000; LTCG 5,000."""
    rows = [tx("2017-01-02", "BUY", 10, 1000, row=1), tx("2019-06-01", "SPLIT", 10, row=2),
            tx("2025-06-02", "SELL", 100, 200, row=3)]
    assert gains(policy, rows, {"SPL": D(1500)}) == ([(D(100), D(10000), D(15000), D(5000), "long-term")], [])


def test_split_on_31_january_2018_itself_is_in_that_days_price(policy):
    """A SPLIT row dated 31-01-2018 (the ex-date): the shares quoted that day are the new
    ones, so the FMV is 100 x 150 = 15,000, as for a split before the date."""
    rows = [tx("2017-01-02", "BUY", 10, 1000, row=1), tx("2018-01-31", "SPLIT", 10, row=2),
            tx("2025-06-02", "SELL", 100, 200, row=3)]
    assert gains(policy, rows, {"SPL": D(150)})[0] == [(D(100), D(10000), D(15000), D(5000), "long-term")]


def test_bonus_before_31_january_2018_is_grandfathered_at_the_ex_bonus_price(policy):
    """10 BON bought at 1,000 (cost 10,000); bonus 1:1 allotted 2017-06-01 (10 shares, cost nil,
    held from allotment, s.55(2)(aa)). On 31-01-2018 20 shares were held, quoted ex-bonus at
    600. Sold 20 at 800 on 2025-06-02; FIFO takes the bought lot first:
      bought lot: proceeds 8,000, FMV 6,000, basis max(10,000, min(6,000, 8,000)) = 10,000: -2,000
      bonus lot (acquired before the date): basis max(0, min(6,000, 8,000)) = 6,000: +2,000."""
    rows = [tx("2017-01-02", "BUY", 10, 1000, "BON", row=1), tx("2017-06-01", "BONUS", 10, 0, "BON", row=2),
            tx("2025-06-02", "SELL", 20, 800, "BON", row=3)]
    assert gains(policy, rows, {"BON": D(600)}) == ([(D(10), D(10000), D(10000), D(-2000), "long-term"),
                                                     (D(10), D(0), D(6000), D(2000), "long-term")], [])


def test_bonus_after_31_january_2018_is_not_grandfathered(policy):
    """10 BON bought at 1,000; on 31-01-2018 the 10 shares were quoted at 1,200 (FMV 12,000).
    Bonus 1:1 on 2019-06-01. Sold 20 at 800:
      bought lot: proceeds 8,000, basis max(10,000, min(12,000, 8,000)) = 10,000: -2,000
      bonus lot: acquired 2019-06-01, after the date: cost nil, no FMV (s.55(2)(aa)): +8,000."""
    rows = [tx("2017-01-02", "BUY", 10, 1000, "BON", row=1), tx("2019-06-01", "BONUS", 10, 0, "BON", row=2),
            tx("2025-06-02", "SELL", 20, 800, "BON", row=3)]
    assert gains(policy, rows, {"BON": D(1200)}) == ([(D(10), D(10000), D(10000), D(-2000), "long-term"),
                                                      (D(10), D(0), D(0), D(8000), "long-term")], [])


MERGER_BEFORE = [tx("2017-01-02", "BUY", 100, 10, "OLDF", "F1", 1), tx("2017-06-01", "MERGER_OUT", 100, 0, "OLDF", "F1", 2),
                 tx("2017-06-01", "MERGER_IN", 50, 0, "NEWF", "F1", 3), tx("2025-06-02", "SELL", 50, 40, "NEWF", "F1", 4)]
MERGER_AFTER = [tx("2017-01-02", "BUY", 100, 10, "OLDF", "F1", 1), tx("2019-06-01", "MERGER_OUT", 100, 0, "OLDF", "F1", 2),
                tx("2019-06-01", "MERGER_IN", 50, 0, "NEWF", "F1", 3), tx("2025-06-02", "SELL", 50, 40, "NEWF", "F1", 4)]


def test_merger_before_31_january_2018_uses_the_new_schemes_nav(policy):
    """100 OLDF units bought at 10 (cost 1,000) merged on 2017-06-01 into 50 NEWF units (s.47:
    cost and holding carry over). On 31-01-2018 the investor held 50 NEWF at NAV 30: FMV 1,500.
    Redeemed 50 at 40 = 2,000: basis max(1,000, min(1,500, 2,000)) = 1,500; LTCG 500.
    (Before the fix: OLDF's FMV was looked up, none found, cost used: LTCG 1,000.)"""
    assert gains(policy, MERGER_BEFORE, {"NEWF": D(30)}) == ([(D(50), D(1000), D(1500), D(500), "long-term")], [])


def test_merger_after_31_january_2018_uses_the_old_schemes_nav(policy):
    """100 OLDF bought at 10; NAV of OLDF on 31-01-2018: 15, FMV 1,500. Merged 2019-06-01 into
    50 NEWF (2 OLDF units per NEWF unit). Redeemed 50 at 40 = 2,000: FMV = 15 x 50 x 2 = 1,500;
    basis 1,500; LTCG 500. NEWF's own NAV on that day (had it existed) is irrelevant."""
    assert gains(policy, MERGER_AFTER, {"OLDF": D(15), "NEWF": D(99)}) == (
        [(D(50), D(1000), D(1500), D(500), "long-term")], [])


@pytest.mark.parametrize("rows, fmv, needed", [(MERGER_BEFORE, {"OLDF": D(15)}, "NEWF"),
                                               (MERGER_AFTER, {"NEWF": D(30)}, "OLDF")])
def test_a_missing_fmv_names_the_security_held_on_the_date(policy, rows, fmv, needed):
    """Without the FMV of what was held on 31-01-2018, the actual cost is used (gain 2,000 -
    1,000 = 1,000, which can only overstate it) and the warning names that security."""
    found, problems = gains(policy, rows, fmv)
    assert found == [(D(50), D(1000), D(1000), D(1000), "long-term")]
    assert [(p.code, p.severity.value) for p in problems] == [("T104", "warning")]
    assert f"no FMV on 2018-01-31 for {needed};" in problems[0].message


def test_value_lots_grandfathers_through_a_split_and_warns_once_per_missing_fmv(policy):
    """Status and the plans value open lots with value_lots.
    SPL: as the split-before case, 100 shares, FMV 150 each = 15,000, priced at 200 on
    2025-06-02: value 20,000, basis 15,000, unrealised LTCG 5,000.
    NEWF (100 OLDF in two lots of 60 and 40 at 10, merged after the date into 30 + 20 NEWF),
    priced at 40: values 1,200 and 800; without OLDF's FMV the bases are the costs 600 and
    400, and one T104 names OLDF, although two lots need it."""
    rows = [tx("2017-01-02", "BUY", 10, 1000, row=1), tx("2017-06-01", "SPLIT", 10, row=2),
            tx("2017-01-02", "BUY", 60, 10, "OLDF", "F1", 3), tx("2017-03-02", "BUY", 40, 10, "OLDF", "F1", 4),
            tx("2019-06-01", "MERGER_OUT", 100, 0, "OLDF", "F1", 5), tx("2019-06-01", "MERGER_IN", 50, 0, "NEWF", "F1", 6)]
    prices = {"SPL": D(200), "NEWF": D(40)}
    holdings, problems = value_lots(replay(rows), policy, lambda s, d: Price(d, s, prices[s]), {"SPL": D(150)},
                                    date(2025, 6, 2))
    assert [(h.lot.security, h.value, h.basis, h.gain) for h in holdings] == [
        ("SPL", D("20000.00"), D("15000.00"), D("5000.00")),  # queue DP1 before F1
        ("NEWF", D("1200.00"), D(600), D("600.00")), ("NEWF", D("800.00"), D(400), D("400.00"))]
    assert [(p.code, p.severity.value) for p in problems] == [("T104", "warning")]
    assert "no FMV on 2018-01-31 for OLDF;" in problems[0].message


@pytest.mark.slow
def test_status_prints_the_missing_fmv_warning_naming_the_old_scheme(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.rules").write_text(POLICY)
    (tmp_path / "t.csv").write_text("date,investor,account,security,type,units,price,charges\n"
                                    "2017-01-02,asha,F1,OLDF,BUY,100,10,0\n2019-06-01,asha,F1,OLDF,MERGER_OUT,100,0,0\n"
                                    "2019-06-01,asha,F1,NEWF,MERGER_IN,50,0,0\n")
    (tmp_path / "prices.csv").write_text("date,security,price\n2025-06-02,NEWF,40\n")
    (tmp_path / "fmv.csv").write_text("security,fmv\nNEWF,30\n")  # the wrong scheme's: not used
    assert main(["init", "--policy", "p.rules"]) == 0
    assert main(["import", "t.csv", "prices.csv", "fmv.csv"]) == 0
    capsys.readouterr()
    assert main(["status", "--as-of", "2025-06-02"]) == 0
    err = capsys.readouterr().err
    assert "T104" in err and "no FMV on 2018-01-31 for OLDF" in err
    assert main(["status", "--as-of", "2025-06-02", "--json"]) == 0
    assert "no FMV on 2018-01-31 for OLDF" in capsys.readouterr().err
    # The month plan (positions summed from the kept ledger) and the year-end plan say it too.
    assert main(["plan", "month", "--invest", "10000", "--as-of", "2025-06-02"]) == 0
    assert "no FMV on 2018-01-31 for OLDF" in capsys.readouterr().err
    assert main(["plan", "year-end", "--as-of", "2025-06-02", "--no-save"]) == 0
    assert "no FMV on 2018-01-31 for OLDF" in capsys.readouterr().err
