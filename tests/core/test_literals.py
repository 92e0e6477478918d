"""Literals are read exactly; a misplaced comma is an error, never a guess."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.literals import (LiteralError, format_inr, format_percent, indian_grouping, read_amount,
                             read_date, read_fy, read_int, read_percent)


@pytest.mark.parametrize("text, rupees", [
    ("125000", "125000"),
    ("1,25,000", "125000"),            # Indian grouping: 1 | 25 | 000
    ("125,000", "125000"),             # thousands grouping is unambiguous too
    ("Rs 1,25,000", "125000"),
    ("Rs.1,25,000", "125000"),
    ("₹1,25,000", "125000"),
    ("₹ 1,25,000", "125000"),
    ("1.25L", "125000"),               # 1.25 x 1,00,000
    ("1.25 lakh", "125000"),
    ("1.25 Lakhs", "125000"),
    ("2 crore", "20000000"),           # 2 x 1,00,00,000
    ("Rs 1.5 crore", "15000000"),
    ("50k", "50000"),
    ("Rs 1,000", "1000"),
    ("12,34,56,789", "123456789"),     # 12 crore 34 lakh 56 thousand 789
    ("99.50", "99.50"),
    ("Rs 0.01", "0.01"),
])
def test_amounts_are_exact(text, rupees):
    value = read_amount(text)
    assert value == Decimal(rupees)
    assert isinstance(value, Decimal)


@pytest.mark.parametrize("text", ["1,2,500", "12,50,00", "1,25,0000", "1,2345", "1234,567", "1,00,0"])
def test_misplaced_commas_are_errors(text):
    with pytest.raises(LiteralError) as info:
        read_amount(text)
    assert info.value.code in {"P112", "P116"}


def test_misplaced_comma_hint_shows_indian_grouping():
    with pytest.raises(LiteralError) as info:
        read_amount("1,2,500")
    assert info.value.code == "P112"
    assert "12,500" in info.value.hint  # the digits 12500 grouped the Indian way



def test_paisa_precision():
    assert read_amount("1.234567L") == Decimal("123456.7")
    with pytest.raises(LiteralError) as info:
        read_amount("Rs 10.005")
    assert info.value.code == "P117"


def test_huge_numbers_are_rejected_not_rounded():
    with pytest.raises(LiteralError) as info:
        read_amount("9" * 40)
    assert info.value.code == "P115"
    with pytest.raises(LiteralError):
        read_amount("99999999999 crore")


@pytest.mark.parametrize("text, fraction", [
    ("40%", "0.4"), ("12.5%", "0.125"), ("0.001%", "0.00001"), ("100%", "1"), ("0%", "0"),
])
def test_percent_is_a_fraction(text, fraction):
    assert read_percent(text) == Decimal(fraction)


def test_dates_and_fys():
    assert read_date("2024-02-29").day == 29
    with pytest.raises(LiteralError) as info:
        read_date("2025-02-29")  # 2025 is not a leap year
    assert info.value.code == "P113"
    assert read_fy("FY 2025-26") == 2025
    assert read_fy("FY2099-00") == 2099  # the century turns
    assert read_fy("FY 2025-2026") == 2025
    with pytest.raises(LiteralError) as info:
        read_fy("FY 2025-27")
    assert info.value.code == "P114" and "FY 2025-26" in info.value.hint


def test_read_int_rejects_fractions():
    assert read_int("12") == 12
    with pytest.raises(LiteralError):
        read_int("1.5")


def test_formatting():
    assert format_inr(Decimal("125000")) == "Rs 1,25,000"
    assert format_inr(Decimal("12345678.5")) == "Rs 1,23,45,678.50"
    assert format_inr(Decimal("-1000")) == "-Rs 1,000"  # the sign before the currency, one way
    assert format_inr(Decimal("354041"), signed=True) == "+Rs 3,54,041"
    assert format_percent(Decimal("0.125")) == "12.5%"
    assert format_percent(Decimal("0.00001")) == "0.001%"
    assert indian_grouping("100000000") == "10,00,00,000"


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_indian_grouping_round_trips(n):
    text = indian_grouping(str(n))
    assert read_amount(text) == n
    assert read_amount("Rs " + text) == n
    assert read_amount(f"{n:,}") == n  # thousands grouping


@given(st.integers(min_value=1, max_value=10**7), st.sampled_from([("L", 5), (" lakh", 5), (" crore", 7), ("k", 3)]))
def test_unit_suffixes_scale_exactly(hundredths, unit):
    suffix, exponent = unit
    number = Decimal(hundredths).scaleb(-2)
    text = f"{number}{suffix}"
    value = number.scaleb(exponent)
    if value != value.quantize(Decimal("0.01")):
        with pytest.raises(LiteralError):
            read_amount(text)
    else:
        assert read_amount(text) == value


@pytest.mark.parametrize("text", ["0,500", "00,500", "0,000", "01,25,000"])
def test_a_leading_zero_group_is_not_digit_grouping(text):
    with pytest.raises(LiteralError) as info:
        read_amount(text)
    assert info.value.code == "P112"


@pytest.mark.parametrize("text", ["1.00000000000000000000000000001 lakh", "100.0000000000000000000000000001%"])
def test_over_precise_literals_are_rejected_not_rounded(text):
    # Decimal's default 28 digits would round these to Rs 1,00,000 and 100%.
    with pytest.raises(LiteralError) as info:
        (read_percent if text.endswith("%") else read_amount)(text)
    assert info.value.code == "P115"


def test_twelve_decimal_places_are_exact():
    with pytest.raises(LiteralError):  # 1,23,456.7890123 is not a whole number of paise (P117)
        read_amount("1.234567890123 lakh")
    assert read_amount("1.2345678 lakh") == Decimal("123456.78")
    assert read_percent("12.123456789012%") == Decimal("0.12123456789012")


def test_format_inr_rounds_before_splitting_rupees_and_paise():
    assert format_inr(Decimal("1999.9989")) == "Rs 2,000"
    assert format_inr(Decimal("0.996")) == "Rs 1"
    assert format_inr(Decimal("0.005")) == "Rs 0"  # half-even: 0.00
    assert format_inr(Decimal("-99999.999")) == "-Rs 1,00,000"


def test_money_text_and_drift_write_zero_without_a_sign():
    """A value that rounds to zero from below is written '0.00' / '0.000000', never with a minus."""
    from fractions import Fraction

    from engine.plans.drift import as_decimal, points
    from engine.literals import money_text

    assert money_text(Decimal("-0E-7")) == "0.00"
    assert money_text(Decimal("-0.004")) == "0.00"
    assert money_text(Decimal("-0.005")) == "0.00"  # half-even: -0.00, a zero
    assert money_text(Decimal("-0.01")) == "-0.01"
    assert str(as_decimal(Fraction(-1, 10**8))) == "0.000000"
    assert points(Fraction(-1, 10**8)) == "0.00 pp"
