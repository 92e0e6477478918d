"""Semantic checks: each has its own code, a location and a hint."""

from decimal import Decimal

import pytest

from conftest import MINI_LAW, codes, error_codes

def portfolio(body: str) -> str:
    return MINI_LAW + 'portfolio "p" {\n    investor asha "Asha Sharma"\n' + body + "}\n"


def test_valid_portfolio_has_no_diagnostics(check):
    result = check(portfolio("""
    asset "Equity" 60% band 5% class equity
    asset "Debt" 40% band 5% class equity
    fund INF789F01XA0 "Equity fund" holds "Equity"
    fund INF109K01Y80 "Debt fund" holds "Debt"
"""))
    assert result.ok and result.diagnostics == []
    assert [a.target for a in result.policy.portfolio.assets] == [Decimal("0.6"), Decimal("0.4")]


def test_targets_must_sum_to_100(check):
    result = check(portfolio('    asset "A" 60% class equity\n    asset "B" 30% class equity\n'
                             '    fund X1 "x" holds "A"\n    fund X2 "y" holds "B"\n'))
    assert error_codes(result) == ["V301"]
    d = next(d for d in result.diagnostics if d.code == "V301")
    assert "90%" in d.message  # 60% + 30%


def test_targets_sum_exactly_not_approximately(check):
    # 33.33% x 3 = 99.99%: not 100%, and lotwise does not round it up.
    body = "".join(f'    asset "A{i}" 33.33% class equity\n    fund X{i} "x" holds "A{i}"\n' for i in range(3))
    assert error_codes(check(portfolio(body))) == ["V301"]


def test_stop_must_be_below_trigger(check):
    result = check("sell {\n start above 5%\n sell 1% of portfolio per month\n stop at or below 5%\n}\n")
    assert error_codes(result) == ["V302"]


def test_band_larger_than_target(check):
    result = check(portfolio('    asset "A" 95% band 5% class equity\n    asset "B" 5% band 6% class equity\n'
                             '    fund X1 "x" holds "A"\n    fund X2 "y" holds "B"\n'))
    assert error_codes(result) == ["V303"]


@pytest.mark.parametrize("text", [
    "sell {\n start above 10%\n sell 0% of portfolio per month\n stop at or below 5%\n}\n",
    "sell {\n start above 110%\n sell 1% of portfolio per month\n stop at or below 5%\n}\n",
    MINI_LAW.replace("short 20%", "short 120%"),
    MINI_LAW.replace("lots fifo per account", "lots fifo per account\n cess 104%"),
])
def test_rates_between_0_and_100(check, text):
    assert "V304" in error_codes(check(text))


def test_dates_in_order(check):
    law = MINI_LAW.replace("sold from 2018-04-01:", "sold from 2024-07-23 to 2024-01-01:")
    assert "V305" in error_codes(check(law))
    law = MINI_LAW.replace("from FY 2018-19", "for FY 2024-25 to FY 2020-21")
    assert "V305" in error_codes(check(law))


def test_overlapping_rates(check):
    # The first rule is said to run to the end of 2024, so from 2024-07-23 two rates apply.
    law = MINI_LAW.replace("sold from 2018-04-01: short 20%, long 12.5%",
                           "sold from 2018-04-01 to 2024-12-31: short 15%, long 10%\n"
                           "        sold from 2024-07-23: short 20%, long 12.5%")
    result = check(law)
    assert error_codes(result) == ["V306"]
    assert result.diagnostics[0].notes  # points at the other rule too


def test_same_start_twice_is_ambiguous(check):
    law = MINI_LAW.replace("sold from 2018-04-01: short 20%, long 12.5%",
                           "sold from 2018-04-01: short 20%\n        sold from 2018-04-01 to 2030-01-01: short 15%")
    assert error_codes(check(law)) == ["V306"]


def test_later_rule_supersedes_open_ended_one(check):
    """`from X` stays in force until a later rule: a window rule inside it is no conflict."""
    from datetime import date
    from decimal import Decimal

    law = MINI_LAW.replace("sold from 2018-04-01: short 20%, long 12.5%",
                           "sold from 2018-04-01: short 20%, long 12.5%\n"
                           "        sold from 2024-01-01 to 2024-12-31: short 15%")
    result = check(law)
    assert result.ok
    tax = result.policy.tax
    b = date(2020, 1, 1)
    assert tax.treatment("equity", b, date(2023, 12, 31)).short_rate == Decimal("0.2")
    assert tax.treatment("equity", b, date(2024, 6, 1)).short_rate == Decimal("0.15")  # the window
    assert tax.treatment("equity", b, date(2024, 6, 1)).long_rate == Decimal("0.125")  # not set by the window
    assert tax.treatment("equity", b, date(2025, 1, 1)).short_rate == Decimal("0.2")  # after the window


def test_non_overlapping_sale_windows_are_fine(check):
    law = MINI_LAW.replace("sold from 2018-04-01: short 20%, long 12.5%",
                           "sold before 2024-07-23: short 15%, long 10%\n"
                           "        sold from 2024-07-23: short 20%, long 12.5%")
    assert check(law).ok


def test_overlapping_exemptions(check):
    law = MINI_LAW.replace("exemption Rs 1,25,000 from FY 2018-19",
                           "exemption Rs 1,00,000 for FY 2018-19 to FY 2024-25\n"
                           "        exemption Rs 1,25,000 from FY 2024-25")
    assert error_codes(check(law)) == ["V306"]


def test_fund_holding_undeclared_asset(check):
    result = check(portfolio('    asset "Equity" 100% class equity\n    fund X1 "x" holds "Equty"\n'))
    assert "V307" in error_codes(result)
    d = next(d for d in result.diagnostics if d.code == "V307")
    assert d.hint == 'did you mean "Equity"?'


@pytest.mark.parametrize("body, code", [
    ('    investor asha "Again"\n    asset "A" 100% class equity\n    fund X1 "x" holds "A"\n', "V308"),
    ('    asset "A" 50% class equity\n    asset "A" 50% class equity\n    fund X1 "x" holds "A"\n', "V309"),
    ('    asset "A" 100% class equity\n    fund X1 "x" holds "A"\n    fund X1 "y" holds "A"\n', "V310"),
])
def test_duplicates(check, body, code):
    result = check(portfolio(body))
    assert code in error_codes(result)
    d = next(d for d in result.diagnostics if d.code == code)
    assert d.notes and d.notes[0][0] == "first defined here"


def test_duplicate_statement_in_a_rule_block(check):
    text = "sell {\n start above 10%\n start above 12%\n sell 1% of portfolio per month\n stop at or below 5%\n}\n"
    assert error_codes(check(text)) == ["V311"]


def test_replacement_of_legacy_fund_must_be_declared(check):
    result = check(portfolio('    asset "A" 100% class equity\n    fund X1 "x" holds "A"\n'
                             '    fund X2 "old" holds "A" legacy, replace with X9\n'))
    assert error_codes(result) == ["V312"]


def test_unknown_tax_class(check):
    result = check(portfolio('    asset "A" 100% class equity\n    fund X1 "x" holds "A" class equty\n'))
    assert error_codes(result) == ["V313"]
    d = next(d for d in result.diagnostics if d.code == "V313")
    assert "did you mean `equity`?" in d.hint


def test_fy_written_wrongly(check):
    result = check(MINI_LAW.replace("from FY 2018-19", "from FY 2025-27"))
    assert error_codes(result) == ["P114"]
    assert result.diagnostics[0].hint == "write FY 2025-26"


def test_misplaced_comma_in_a_policy(check):
    result = check("harvest {\n    harvest losses larger than Rs 1,2,500\n}\n")
    assert error_codes(result) == ["P112"]
    d = result.diagnostics[0]
    assert (d.span.line, d.span.column) == (2, 32)
    assert "12,500" in d.hint


def test_security_without_class(check):
    result = check(portfolio('    asset "A" 100%\n    fund X1 "x" holds "A"\n'))
    assert error_codes(result) == ["V316"]


def test_asset_class_is_inherited(check):
    result = check(portfolio('    asset "A" 100% class equity\n    fund X1 "x" holds "A"\n'))
    assert result.ok and result.policy.portfolio.securities[0].tax_class == "equity"


def test_incomplete_sell_rule(check):
    result = check("sell {\n start above 10%\n}\n")
    assert error_codes(result) == ["V318"]


def test_sell_from_undeclared_asset(check):
    result = check(portfolio('    asset "A" 100% class equity\n    fund X1 "x" holds "A"\n') +
                   'sell {\n start above 10%\n sell 1% of portfolio per month from "B"\n stop at or below 5%\n}\n')
    assert error_codes(result) == ["V319"]


def test_attribute_given_twice(check):
    result = check(portfolio('    asset "A" 100% band 5% band 4% class equity\n    fund X1 "x" holds "A"\n'))
    assert error_codes(result) == ["V320"]


def test_bad_pan_and_alias_clash(check):
    text = MINI_LAW + """portfolio {
    investor asha "Asha" pan ABCD1234K alias "A SHARMA"
    investor ravi "Ravi" alias "a sharma"
    asset "A" 100% class equity
    fund X1 "x" holds "A"
}
"""
    assert error_codes(check(text)) == ["V328", "V337"]


def test_mixed_trigger_connectives(check):
    text = "rebalance {\n bring every asset back to target\n due annually or monthly and when any band is breached\n}\n"
    assert error_codes(check(text)) == ["V333"]


def test_exit_load_steps_must_grow(check):
    result = check(portfolio('    asset "A" 100% class equity\n'
                             '    fund X1 "x" holds "A" exit load 1% within 365 days, 0.5% within 30 days\n'))
    assert error_codes(result) == ["V329"]


def test_year_start_must_be_a_real_day(check):
    assert error_codes(check(MINI_LAW.replace("year starts April 1", "year starts April 31"))) == ["V327"]


def test_missing_fy_start_and_fifo(check):
    law = MINI_LAW.replace("year starts April 1", "").replace("lots fifo per account", "")
    assert error_codes(check(law)) == ["V340", "V340"]


def test_warnings_do_not_fail_the_check(check):
    result = check('portfolio {\n    asset "A" 100% class equity\n}\n')
    assert result.ok
    assert sorted(codes(result)) == ["V324", "V330", "V338"]  # no fund to buy, no tax law, no investor


def test_stated_twice_names_the_statement_in_words(check):
    result = check("sell {\n start above 10%\n sell 1% of portfolio per month\n stop at or below 5%\n"
                   " only long-term lots\n only long-term lots\n}\n")
    (d,) = result.diagnostics
    assert d.code == "V311" and d.message == "`only long-term lots` is stated twice in the `sell` block"


@pytest.mark.parametrize("settings", ["always short-term at slab, short 20%", "short 20%, always short-term at slab"])
def test_short_rate_set_twice_in_either_order(check, settings):
    law = MINI_LAW.replace("exemption Rs 1,25,000 from FY 2018-19",
                           f"bought from 2023-04-01: {settings}")
    assert error_codes(check(law)) == ["V320"]


def test_cess_without_years_cannot_silently_lose_to_the_shipped_one(check):
    # The shipped law has two cess rules (3% to FY 2017-18, 4% from FY 2018-19): a cess with
    # no years overlaps each, and each overlap is reported.
    result = check('use "india"\noverride tax {\n    cess 3%\n}\n')
    assert error_codes(result) == ["V306", "V306"]
    assert "cess 3% for FY 2014-15 to FY 2017-18" in result.diagnostics[0].hint
    assert "cess 3% from FY 2018-19" in result.diagnostics[1].hint


def test_cess_and_exemption_amended_from_a_later_year(check):
    """`from FY X` stays in force until a later rule starts, as for dated rules."""
    result = check('use "india"\noverride tax {\n    cess 3% from FY 2018-19\n    cess 5% from FY 2030-31\n'
                   '    class equity {\n        exemption Rs 1,50,000 from FY 2027-28\n    }\n}\n')
    assert result.ok, result.diagnostics
    law = result.policy.tax
    assert (law.cess_rate(2029), law.cess_rate(2030)) == (Decimal("0.03"), Decimal("0.05"))
    assert (law.exemption("equity", 2026), law.exemption("equity", 2027)) == (Decimal("125000"), Decimal("150000"))


@pytest.mark.parametrize("text", [
    MINI_LAW.replace("sold from 2018-04-01: short 20%, long 12.5%", "sold from 2018-04-01: long-term after 0 days"),
    portfolio('    asset "A" 100% class equity\n    fund X1 "x" holds "A" exit load 1% within 0 days\n'),
])
def test_zero_periods_are_rejected(check, text):
    assert "V304" in error_codes(check(text))


def test_same_dates_twice_is_one_diagnostic(check):
    law = MINI_LAW.replace("exemption Rs 1,25,000 from FY 2018-19",
                           "exemption Rs 1,25,000 from FY 2018-19\n        exemption Rs 1,00,000 from FY 2018-19")
    assert error_codes(check(law)) == ["V311"]


# Found in review: each test states the input that failed.


def test_nothing_before_the_first_day(check):
    law = MINI_LAW.replace("sold from 2018-04-01:", "sold before 0001-01-01:")
    assert error_codes(check(law)) == ["V305"]


def test_two_charges_of_one_kind_on_the_same_trades(check):
    text = MINI_LAW.replace("lots fifo per account", "lots fifo per account\n charges {\n"
                            "  stt 0.1% on sale of stocks\n  stt 0.2% on purchase and sale of stocks\n }")
    assert error_codes(check(text)) == ["V306"]


def test_exit_load_steps_in_one_unit(check):
    body = 'portfolio {\n investor a "A"\n asset "A" 100% class equity\n fund X1 "x" holds "A" ' \
           'exit load 1% within 12 months, 0.5% within 365 days\n}\n'
    # 12 months from 2024-01-01 is 366 days: the order of the steps would depend on the date.
    assert error_codes(check(MINI_LAW + body)) == ["V329"]


def test_durations_over_a_century(check):
    law = MINI_LAW.replace("long-term after 12 months", "long-term after 99999999 years")
    assert error_codes(check(law)) == ["V304"]


def test_an_isin_names_one_security(check):
    body = ('portfolio {\n investor a "A"\n asset "A" 100% class equity\n'
            ' stock RELIANCE "Reliance" holds "A" isin INE002A01018\n fund INE002A01018 "Other" holds "A"\n}\n')
    assert error_codes(check(MINI_LAW + body)) == ["V310"]


def test_band_rules_without_bands_warn(check):
    body = ('portfolio {\n investor a "A"\n asset "A" 100% class equity\n fund X1 "x" holds "A"\n}\n'
            'rebalance {\n bring assets outside their band back to target\n due when any band is breached\n}\n')
    result = check(MINI_LAW + body)
    assert result.ok and codes(result) == ["V341", "V341"]
