"""A run's lots valued queue by queue in whole numbers (engine/backtest/holdings.py `scaled_value`,
`Valuer.queue_values`) give what `paise(units x price)` summed lot by lot gives, to the paisa,
ties to even included; units finer than 0.001 and too large products fall back to Decimal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import numpy as np

from engine.backtest.holdings import scaled_value, thousandths
from engine.ledger.fifo import Lot
from engine.tax.realised import paise


def lot(units: str) -> Lot:
    return Lot((), "asha", "F1", "LARGE", date(2020, 4, 1), D(units), D(0), "t", "BUY")


def test_ties_round_to_even_as_paise_does():
    """0.005 x Rs 1 = 0.005: a tie, to the even 0.00; 0.015 -> 0.02 (1 is odd, up to 2); 0.025 -> 0.02;
    0.006 -> 0.01. The sum: 0.00 + 0.02 + 0.02 + 0.01 = 0.05, as paise() lot by lot."""
    units = ["0.005", "0.015", "0.025", "0.006"]
    assert sum(paise(D(u) * D(1)) for u in units) == D("0.05")
    assert scaled_value(np.array(thousandths([lot(u) for u in units]), dtype=np.int64), D("1")) == D("0.05")


def test_a_nav_of_four_places():
    """123.456 units x Rs 25.1234 = 3,086.4 + 15.2344704 = 3,101.6344704 -> 3,101.63; 0.001 x 25.1234 =
    0.0251234 -> 0.03; the sum 3,101.66, written with 2 places as a sum of paise is."""
    lots = [lot("123.456"), lot("0.001")]
    found = scaled_value(np.array(thousandths(lots), dtype=np.int64), D("25.1234"))
    assert str(found) == "3101.66"
    assert found == sum(paise(x.units * D("25.1234")) for x in lots)


def test_whole_prices_and_units():
    """10 units x Rs 100 = 1000.00 (a price with no places, and one written 1E+2)."""
    units = np.array(thousandths([lot("10")]), dtype=np.int64)
    assert str(scaled_value(units, D("100"))) == "1000.00"
    assert str(scaled_value(units, D("1E+2"))) == "1000.00"


def test_what_cannot_be_done_in_whole_numbers_is_none():
    assert thousandths([lot("0.0005")]) is None  # a unit finer than 0.001
    big = np.array([10**15], dtype=np.int64)
    assert scaled_value(big, D("100000.1234")) is None  # the product would pass 2^62
    assert scaled_value(np.array([], dtype=np.int64), D("10")) is None
