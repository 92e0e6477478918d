"""A run's lots valued queue by queue in whole numbers (engine/backtest/holdings.py `scaled_values`,
`Valuer.queue_values`) give what `paise(units x price)` summed lot by lot gives, to the paisa,
ties to even included; units finer than 0.001 and too large products fall back to Decimal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import numpy as np

from engine.backtest.holdings import scaled_values, thousandths
from engine.ledger.fifo import Lot
from engine.tax.realised import paise


def lot(units: str) -> Lot:
    return Lot((), "asha", "F1", "LARGE", date(2020, 4, 1), D(units), D(0), "t", "BUY")


def array(lots: list[Lot]) -> np.ndarray:
    found = thousandths(lots)
    assert found is not None
    return np.array(found, dtype=np.int64)


def test_ties_round_to_even_as_paise_does():
    """0.005 x Rs 1 = 0.005: a tie, to the even 0.00; 0.015 -> 0.02 (1 is odd, up to 2); 0.025 -> 0.02;
    0.006 -> 0.01. The sum: 0.00 + 0.02 + 0.02 + 0.01 = 0.05, as paise() lot by lot."""
    units = ["0.005", "0.015", "0.025", "0.006"]
    assert sum(paise(D(u) * D(1)) for u in units) == D("0.05")
    assert scaled_values([array([lot(u) for u in units])], [D("1")]) == [D("0.05")]


def test_a_nav_of_four_places():
    """123.456 units x Rs 25.1234 = 3,086.4 + 15.2344704 = 3,101.6344704 -> 3,101.63; 0.001 x 25.1234 =
    0.0251234 -> 0.03; the sum 3,101.66, written with 2 places as a sum of paise is."""
    lots = [lot("123.456"), lot("0.001")]
    [found] = scaled_values([array(lots)], [D("25.1234")])
    assert str(found) == "3101.66"
    assert found == sum(paise(x.units * D("25.1234")) for x in lots)


def test_whole_prices_and_units_and_queues_at_different_places():
    """10 units x Rs 100 = 1000.00 (a price with no places, and one written 1E+2); beside a queue at
    Rs 0.5 (1 place: every price counted in tenths), 3 x 0.5 = 1.50 and 0.001 x 0.5 = 0.0005 -> 0.00
    (a tie, to even)."""
    assert [str(v) for v in scaled_values([array([lot("10")])], [D("100")])] == ["1000.00"]
    assert [str(v) for v in scaled_values([array([lot("10")])], [D("1E+2")])] == ["1000.00"]
    assert [str(v) for v in scaled_values([array([lot("10")]), array([lot("3"), lot("0.001")])],
                                          [D("100"), D("0.5")])] == ["1000.00", "1.50"]


def test_what_cannot_be_done_in_whole_numbers_is_none():
    assert thousandths([lot("0.0005")]) is None  # a unit finer than 0.001
    big = np.array([10**15], dtype=np.int64)
    assert scaled_values([big], [D("100000.1234")]) is None  # the product would pass 2^62


def test_a_queue_whose_sum_might_not_fit_falls_back():
    """Lots of 10^9 units (10^12 thousandths) at Rs 1,00,000 (k = 0 places): each product is
    10^12 x 10^5 = 10^17, under 2^62 (about 4.61 x 10^18). The guard bounds the largest product
    times the number of lots: 8 lots, 8 x 10^17, fit (8 x 10^14 rupees); 64 lots, 6.4 x 10^18, might
    not, and the whole-number way is refused (None): the caller values them lot by lot in Decimal,
    64 x 10^9 x 10^5 = 64 x 10^14 rupees."""
    lots = [lot("1000000000")] * 64
    assert scaled_values([array(lots)], [D("100000")]) is None
    assert sum(paise(x.units * D("100000")) for x in lots) == D(64 * 10**14)
    assert scaled_values([array(lots[:8])], [D("100000")]) == [D(8 * 10**14)]
