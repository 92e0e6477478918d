"""The shipped law (rules/india.rules) on its edge dates. Expected values are derived
by hand from ../shared/reference/india-tax.md in each test."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from engine.policy import check_file


@pytest.fixture(scope="module")
def law():
    result = check_file(REPO / "rules" / "india.rules")
    assert result.ok, result.diagnostics
    return result.policy.tax


def test_financial_year_turns_on_1_april(law):
    # s.3: FY runs 1 April to 31 March; FY 2025-26 is identified by 2025.
    assert law.fy_of(date(2026, 3, 31)) == 2025
    assert law.fy_of(date(2026, 4, 1)) == 2026
    assert law.fy_bounds(2024) == (date(2024, 4, 1), date(2025, 3, 31))


def test_rates_change_on_23_july_2024(law):
    # s.111A/s.112A: transfers before 23-07-2024 at 15% / 10%; on or after at 20% / 12.5%.
    bought = date(2022, 1, 10)
    before = law.treatment("equity", bought, date(2024, 7, 22))
    after = law.treatment("equity", bought, date(2024, 7, 23))
    assert (before.short_rate, before.long_rate) == (Decimal("0.15"), Decimal("0.10"))
    assert (after.short_rate, after.long_rate) == (Decimal("0.20"), Decimal("0.125"))


def test_one_exemption_for_all_of_fy_2024_25(law):
    # s.112A(1): Rs 1,00,000 for FY 2018-19..2023-24; Rs 1,25,000 from FY 2024-25, one limit
    # for the whole year even though the rate changed mid-year.
    assert law.exemption("equity", 2023) == Decimal("100000")
    assert law.exemption("equity", law.fy_of(date(2024, 7, 22))) == Decimal("125000")
    assert law.exemption("equity", law.fy_of(date(2024, 7, 23))) == Decimal("125000")
    assert law.exemption("equity", 2017) is None  # before FY 2018-19 the rules say nothing
    assert law.exemption("specified-fund", 2025) is None


def test_anniversary_sale_is_short_term_by_default(law):
    # s.2(42A): long-term if held MORE than 12 months; bought 15 Mar 2024, the anniversary
    # is 15 Mar 2025: short-term under the conservative default, long-term the day after.
    t = law.treatment("equity", date(2024, 3, 15), date(2025, 3, 15))
    assert t.long_term_from(date(2024, 3, 15)) == date(2025, 3, 16)
    assert not t.is_long_term(date(2024, 3, 15), date(2025, 3, 15))
    assert t.is_long_term(date(2024, 3, 15), date(2025, 3, 16))


def test_anniversary_sale_long_term_when_the_policy_says_so(check):
    result = check('use "india"\noverride tax {\n    anniversary sale is long-term\n}\n')
    t = result.policy.tax.treatment("equity", date(2024, 3, 15), date(2025, 3, 15))
    assert t.is_long_term(date(2024, 3, 15), date(2025, 3, 15))
    assert not t.is_long_term(date(2024, 3, 15), date(2025, 3, 14))


def test_leap_day_purchase(law):
    # 29 Feb 2024 + 12 calendar months = 28 Feb 2025 (no 29 Feb in 2025): that is the
    # anniversary, short-term by default; long-term from 1 Mar 2025.
    bought = date(2024, 2, 29)
    t = law.treatment("equity", bought, date(2025, 3, 1))
    assert t.long_term_from(bought) == date(2025, 3, 1)
    assert not t.is_long_term(bought, date(2025, 2, 28))


def test_debt_fund_bought_either_side_of_1_april_2023(law):
    sold = date(2025, 6, 2)
    # Bought 31 Mar 2023: not caught by s.50AA; sold after 23-07-2024 so long-term after
    # 24 months (from 1 Apr 2025) at 12.5% without indexation.
    old = law.treatment("specified-fund", date(2023, 3, 31), sold)
    assert old.long_term_from(date(2023, 3, 31)) == date(2025, 4, 1)
    assert old.is_long_term(date(2023, 3, 31), sold)
    assert (old.long_rate, old.indexed) == (Decimal("0.125"), False)
    # Bought 1 Apr 2023: s.50AA deems every gain short-term, taxed at the slab rate.
    new = law.treatment("specified-fund", date(2023, 4, 1), sold)
    assert new.always_short_term and new.short_rate == "slab"
    assert new.long_term_from(date(2023, 4, 1)) is None


def test_debt_fund_sold_before_23_july_2024_is_indexed(law):
    t = law.treatment("specified-fund", date(2019, 5, 1), date(2024, 7, 22))
    assert (t.long_rate, t.indexed, str(t.long_term_after)) == (Decimal("0.20"), True, "36 months")
    assert (law.cii(2019, 2024), law.cii(2024, 2024)) == (289, 363)  # FY 2019-20 and FY 2024-25


def test_gold_etf_under_the_old_specified_test(law):
    # Bought 1 Jun 2023 (inside 1-4-2023..31-3-2025): sold before 1-4-2025 it was a
    # "specified" fund (<= 35% equity): slab; sold from 1-4-2025 the 12-month rule applies.
    bought = date(2023, 6, 1)
    assert law.treatment("other-listed", bought, date(2025, 3, 31)).always_short_term
    t = law.treatment("other-listed", bought, date(2025, 4, 1))
    assert not t.always_short_term and t.is_long_term(bought, date(2025, 4, 1))
    assert t.long_rate == Decimal("0.125")


def test_gold_etf_36_then_12_months(law):
    bought = date(2022, 1, 1)
    assert not law.treatment("other-listed", bought, date(2024, 7, 22)).is_long_term(bought, date(2024, 7, 22))
    assert law.treatment("other-listed", bought, date(2024, 7, 23)).is_long_term(bought, date(2024, 7, 23))


def test_grandfathering_date_and_cess(law):
    assert law.tax_class("equity").grandfather_on_or_before == date(2018, 1, 31)
    assert law.cess_rate(2025) == Decimal("0.04")


def test_charges_by_date_and_kind(check):
    result = check_file(REPO / "examples" / "five-stocks" / "five-stocks.rules")
    law, p = result.policy.tax, result.policy.portfolio
    stock, etf = p.security("RELIANCE"), p.security("GOLDBEES")
    assert [(c.kind, c.rate) for c in law.charges_on(stock, "sale", date(2025, 1, 1))] == [("stt", Decimal("0.001"))]
    assert [(c.kind, c.rate) for c in law.charges_on(stock, "purchase", date(2025, 1, 1))] == [
        ("stamp-duty", Decimal("0.00015")), ("stt", Decimal("0.001"))]
    assert law.charges_on(etf, "sale", date(2025, 1, 1)) == ()  # gold ETF: no STT
    assert law.charges_on(stock, "purchase", date(2020, 6, 30))[0].kind == "stt"  # stamp duty from 1-7-2020


def _add_months(d: date, months: int) -> date:
    """Independent of dateutil: the same day `months` later, clamped to the month's end."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, min(d.day, day))
        except ValueError:
            continue
    raise AssertionError


@given(st.dates(date(2018, 4, 1), date(2030, 3, 31)), st.integers(0, 800))
def test_equity_is_long_term_exactly_after_more_than_12_months(law, bought, days):
    sold = bought + timedelta(days=days)
    t = law.treatment("equity", bought, sold)
    assert t.is_long_term(bought, sold) == (sold > _add_months(bought, 12))


def test_no_rate_before_the_rules_begin(law):
    # The file covers sales from 1 April 2014 (FY 2014-15); older sales get no rate
    # rather than a later one.
    t = law.treatment("equity", date(2012, 1, 1), date(2014, 3, 31))
    assert (t.short_rate, t.long_rate) == (None, None)
    assert law.treatment("equity", date(2012, 1, 1), date(2014, 4, 1)).long_rate == "exempt"


def test_listed_debt_etf(law):
    # Bought before 1-4-2023 and sold from 23-07-2024: listed, so long-term after 12
    # months at 12.5% (s.2(42A)); bought from 1-4-2023: s.50AA, always short-term.
    t = law.treatment("specified-etf", date(2023, 3, 1), date(2024, 9, 1))
    assert t.is_long_term(date(2023, 3, 1), date(2024, 9, 1)) and t.long_rate == Decimal("0.125")
    assert law.treatment("specified-etf", date(2023, 4, 1), date(2026, 9, 1)).always_short_term
    # The unlisted debt fund bought the same day is still short-term (24 months).
    assert not law.treatment("specified-fund", date(2023, 3, 1), date(2024, 9, 1)).is_long_term(
        date(2023, 3, 1), date(2024, 9, 1))
