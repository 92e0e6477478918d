"""The lot ledger: FIFO per (investor, account, security); expected values by hand."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.ledger.fifo import LedgerError, held_on, purchase_cost, replay
from engine.transactions import Transaction, TxType

D = Decimal


def tx(day, kind, units, price="0", charges="0", investor="asha", account="F1", security="INF789F01XA0", row=0):
    return Transaction(date.fromisoformat(day), investor, account, security, TxType(kind), D(str(units)),
                       D(str(price)), D(str(charges)), f"t.csv:{row}", row)


def test_fifo_with_a_partial_lot():
    # Lot 1: 100 x 100 + 0.50 charges = 10,000.50; lot 2: 50.5 x 120 = 6,060.
    # Selling 120 takes all of lot 1 and 20 of lot 2 (6,060 x 20 / 50.5 = 2,400.00),
    # leaving 30.5 units costing 6,060 - 2,400 = 3,660.
    ledger = replay([tx("2023-01-10", "BUY", 100, 100, "0.50", row=1), tx("2023-06-10", "BUY", "50.5", 120, row=2),
                     tx("2024-02-10", "SELL", 120, 150, row=3)])
    (lot,) = ledger.lots
    assert (lot.acquired, lot.units, lot.cost) == (date(2023, 6, 10), D("30.5"), D("3660"))
    (disposal,) = ledger.disposals
    assert [(m.acquired, m.units, m.cost) for m in disposal.matched] == [
        (date(2023, 1, 10), D("100"), D("10000.50")), (date(2023, 6, 10), D("20"), D("2400.00"))]


def test_partial_cost_is_rounded_to_the_paisa_and_conserved():
    # 3 units for 100: selling 1 apportions 33.333... -> 33.33; 66.67 stays with the lot.
    ledger = replay([tx("2024-01-01", "BUY", 3, "33.3333333333", "0.0000000001"), tx("2024-02-01", "SELL", 1, 40)])
    assert ledger.disposals[0].matched[0].cost == D("33.33")
    assert ledger.lots[0].cost == D("66.67")


def test_same_fund_in_two_folios_is_two_queues():
    ledger = replay([tx("2023-01-01", "BUY", 10, 100, account="F1"), tx("2023-02-01", "BUY", 10, 200, account="F2"),
                     tx("2024-03-01", "SELL", 10, 300, account="F2")])
    # The sale in F2 takes F2's own lot (cost 2,000), not F1's older one.
    assert ledger.disposals[0].matched[0].cost == D("2000")
    assert [(lot.account, lot.units) for lot in ledger.lots] == [("F1", D("10"))]


def test_bonus_units_cost_nothing_and_are_held_from_allotment():
    ledger = replay([tx("2020-01-01", "BUY", 10, 500), tx("2024-05-06", "BONUS", 10)])
    bonus = ledger.lots[1]
    assert (bonus.acquired, bonus.cost, bonus.how) == (date(2024, 5, 6), D("0"), "BONUS")


def test_split_multiplies_units_keeps_cost_and_date():
    ledger = replay([tx("2020-01-01", "BUY", 10, 1000, security="RELIANCE"),
                     tx("2021-01-01", "SPLIT", 10, security="RELIANCE"),
                     tx("2022-01-01", "SELL", 25, 150, security="RELIANCE")])
    # 10 shares become 100 costing 10,000; selling 25 apportions 2,500.
    assert ledger.disposals[0].matched[0].cost == D("2500.00")
    assert (ledger.lots[0].units, ledger.lots[0].cost, ledger.lots[0].acquired) == (D("75"), D("7500.00"), date(2020, 1, 1))


def test_switch_is_a_sale_and_a_purchase():
    ledger = replay([tx("2021-01-01", "BUY", 100, 10, security="INF179K01BE2"),
                     tx("2024-01-01", "SWITCH_OUT", 100, 30, security="INF179K01BE2"),
                     tx("2024-01-01", "SWITCH_IN", 60, 50, security="INF789F01XA0")])
    assert len(ledger.disposals) == 1 and ledger.disposals[0].tx.type is TxType.SWITCH_OUT
    (new,) = ledger.lots
    assert (new.security, new.acquired, new.cost) == ("INF789F01XA0", date(2024, 1, 1), D("3000"))


def test_merger_keeps_cost_and_holding_period():
    # 60 units (2019, cost 600) and 40 units (2020, cost 800) merge into 50 units of the
    # new scheme: 30 and 20 units, same dates and costs; no disposal.
    ledger = replay([tx("2019-05-01", "BUY", 60, 10, security="OLD1"), tx("2020-05-01", "BUY", 40, 20, security="OLD1"),
                     tx("2023-09-01", "MERGER_OUT", 100, security="OLD1"),
                     tx("2023-09-01", "MERGER_IN", 50, security="NEW1")])
    assert ledger.disposals == ()
    assert [(l.security, l.acquired, l.units, l.cost) for l in ledger.lots] == [
        ("NEW1", date(2019, 5, 1), D("30.000"), D("600")), ("NEW1", date(2020, 5, 1), D("20.000"), D("800"))]


def test_merger_units_round_to_a_thousandth_and_add_up():
    ledger = replay([tx("2019-01-01", "BUY", 1, 10, security="OLD1"), tx("2019-02-01", "BUY", 1, 10, security="OLD1"),
                     tx("2019-03-01", "BUY", 1, 10, security="OLD1"),
                     tx("2023-09-01", "MERGER_OUT", 3, security="OLD1"), tx("2023-09-01", "MERGER_IN", 1, security="NEW1")])
    assert [l.units for l in ledger.lots] == [D("0.333"), D("0.333"), D("0.334")]


def test_selling_more_than_held_names_the_row():
    with pytest.raises(LedgerError) as info:
        replay([tx("2023-01-01", "BUY", 10, 100, row=2), tx("2023-02-01", "SELL", 11, 100, row=3)])
    d = info.value.diagnostic
    assert d.code == "L101" and (d.span.path, d.span.line) == ("t.csv", 3) and "holds 10" in d.message


def test_unbalanced_mergers():
    with pytest.raises(LedgerError) as info:
        replay([tx("2023-09-01", "MERGER_IN", 5, security="NEW1")])
    assert info.value.diagnostic.code == "L101"
    with pytest.raises(LedgerError) as info:
        replay([tx("2019-01-01", "BUY", 1, 10, security="OLD1"), tx("2023-09-01", "MERGER_OUT", 1, security="OLD1")])
    assert info.value.diagnostic.code == "L102"


def test_lot_ids_are_stable_and_independent_of_other_rows():
    base = [tx("2023-01-01", "BUY", 10, 100), tx("2023-01-01", "BUY", 10, 100)]  # two identical SIP rows
    first = [l.id for l in replay(base).lots]
    assert len(set(first)) == 2
    more = replay([tx("2022-06-01", "BUY", 5, 90, account="F9")] + base)
    assert [l.id for l in more.lots if l.account == "F1"] == first


# ---------------------------------------------------------------- properties
@st.composite
def histories(draw):
    """Buys and sells in date order on two folios; sells never exceed holdings."""
    out, held, day = [], {"F1": D(0), "F2": D(0)}, date(2020, 1, 1)
    for row in range(draw(st.integers(1, 30))):
        day += timedelta(days=draw(st.integers(0, 40)))
        account = draw(st.sampled_from(["F1", "F2"]))
        if held[account] and draw(st.booleans()):
            units = D(draw(st.integers(1, int(held[account] * 1000)))) / 1000
            out.append(tx(day.isoformat(), "SELL", units, draw(st.integers(1, 500)), account=account, row=row))
            held[account] -= units
        else:
            units = D(draw(st.integers(1, 100000))) / 1000
            out.append(tx(day.isoformat(), "BUY", units, draw(st.integers(1, 500)),
                          D(draw(st.integers(0, 1000))) / 100, account=account, row=row))
            held[account] += units
    return out


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(histories())
def test_units_and_cost_are_conserved(history):
    ledger = replay(history)
    bought = sum(t.units for t in history if t.type is TxType.BUY)
    sold = sum(t.units for t in history if t.type is TxType.SELL)
    assert sum(l.units for l in ledger.lots) == bought - sold
    cost = sum(purchase_cost(t) for t in history if t.type is TxType.BUY)  # each purchase to the paisa
    matched = sum(m.cost for d in ledger.disposals for m in d.matched)
    assert sum(l.cost for l in ledger.lots) + matched == cost


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(histories())
def test_fifo_order_holds(history):
    ledger = replay(history)
    for d in ledger.disposals:
        dates = [m.acquired for m in d.matched]
        assert dates == sorted(dates)
        # Nothing left in the queue was bought before what this sale consumed last.
    for account in ("F1", "F2"):
        open_dates = [l.acquired for l in ledger.lots if l.account == account]
        assert open_dates == sorted(open_dates)
        sold_dates = [m.acquired for d in ledger.disposals if d.tx.account == account for m in d.matched]
        if open_dates and sold_dates:
            assert max(sold_dates) <= min(open_dates)


def test_same_share_in_two_demat_accounts_is_two_queues():
    # RELIANCE in two demat accounts: selling in the second takes its own (later) shares,
    # not the older ones of the first account (FIFO per demat account, Circular 768).
    ledger = replay([tx("2020-01-01", "BUY", 10, 1000, account="DP1", security="RELIANCE"),
                     tx("2022-01-01", "BUY", 10, 2500, account="DP2", security="RELIANCE"),
                     tx("2024-01-01", "SELL", 5, 2600, account="DP2", security="RELIANCE")])
    assert [(m.acquired, m.cost) for m in ledger.disposals[0].matched] == [(date(2022, 1, 1), D("12500.00"))]
    assert [(l.account, l.units) for l in ledger.lots] == [("DP1", D("10")), ("DP2", D("5"))]


def test_two_mergers_in_one_account_on_one_day_cannot_be_paired():
    with pytest.raises(LedgerError) as info:
        replay([tx("2020-01-01", "BUY", 10, 10, security="A"), tx("2020-01-01", "BUY", 10, 10, security="B"),
                tx("2024-01-01", "MERGER_OUT", 10, security="A"), tx("2024-01-01", "MERGER_OUT", 10, security="B"),
                tx("2024-01-01", "MERGER_IN", 5, security="C"), tx("2024-01-01", "MERGER_IN", 5, security="D")])
    assert info.value.diagnostic.code == "L103"


def test_merged_units_keep_the_old_scheme_for_grandfathering():
    ledger = replay([tx("2017-01-01", "BUY", 100, 10, security="OLD1"), tx("2023-09-01", "MERGER_OUT", 100, security="OLD1"),
                     tx("2023-09-01", "MERGER_IN", 25, security="NEW1")])
    (lot,) = ledger.lots
    # 25 new units stand for the 100 bought: FMV of OLD1 x 25 x 4.
    held, ratio = held_on(lot.security, lot.history, date(2018, 1, 31))
    assert (held, ratio, Fraction(lot.units) * ratio) == ("OLD1", 4, 100)
