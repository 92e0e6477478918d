"""The `report` block (docs/rules-language.md, "The report block"): who signs `lotwise report`'s page
and its disclaimer. Parsed and resolved, checked (V385, V386), overridden, shown, formatted, its usual
mistakes said plainly (P105, P109, P138); and a policy without it resolves to the same JSON (so the
same plan ids) as before the block existed."""

from __future__ import annotations

from datetime import date

from conftest import MINI_LAW, codes, error_codes

from engine.policy.fmt import format_source
from engine.policy.show import as_json, as_text

PORTFOLIO = MINI_LAW + """
portfolio "P" {
    investor asha "Asha"
    asset "Equity" 100% class equity
    fund EQ "Equity fund" holds "Equity"
}
"""
REPORT = """
report {
    adviser "Priya Mehta" registration INA000012345
    disclaimer "Not a recommendation to buy or sell."
}
"""


def test_the_block_resolves_to_the_adviser_and_disclaimer(check):
    result = check(PORTFOLIO + REPORT)
    assert codes(result) == []
    report = result.policy.report
    assert (report.adviser, report.registration, report.disclaimer) == (
        "Priya Mehta", "INA000012345", "Not a recommendation to buy or sell.")
    assert result.policy.to_json()["report"] == {"adviser": "Priya Mehta", "registration": "INA000012345",
                                                 "disclaimer": "Not a recommendation to buy or sell."}


def test_without_the_block_the_resolved_json_has_no_report_key(check):
    """Plan ids hash the resolved JSON (engine/book/saved_plans.py policy_hash): unchanged when unstated."""
    policy = check(PORTFOLIO).policy
    assert policy.report is None
    assert "report" not in policy.to_json()
    assert list(policy.to_json()) == ["sources", "tax", "portfolio", "buy", "sell", "rebalance", "harvest"]


def test_each_statement_is_optional(check):
    only_name = check(PORTFOLIO + 'report {\n    adviser "Priya Mehta"\n}\n').policy.report
    assert (only_name.adviser, only_name.registration, only_name.disclaimer) == ("Priya Mehta", None, None)
    only_text = check(PORTFOLIO + 'report {\n    disclaimer "Read the scheme documents."\n}\n').policy.report
    assert (only_text.adviser, only_text.disclaimer) == (None, "Read the scheme documents.")
    assert check(PORTFOLIO + "report {\n}\n").policy.report.to_json() == {
        "adviser": None, "registration": None, "disclaimer": None}


def test_a_registration_not_in_sebis_form_is_a_warning(check):
    """SEBI's investment advisers are registered as INA and nine digits; an ARN (a distributor's) or a
    digit short is likely a typo: warned, printed as written."""
    for registration in ("ARN-12345", "INA00001234", "INH000012345"):
        result = check(PORTFOLIO + f'report {{\n    adviser "P" registration {registration}\n}}\n')
        assert codes(result) == ["V385"], registration
        assert result.policy.report.registration == registration
        (d,) = result.diagnostics
        assert (d.span.line, d.span.column) == (len(PORTFOLIO.splitlines()) + 2, 30)


def test_an_empty_name_or_disclaimer_is_an_error(check):
    result = check(PORTFOLIO + 'report {\n    adviser "  " registration INA000012345\n    disclaimer ""\n}\n')
    assert error_codes(result) == ["V386", "V386"]
    assert [d.message for d in result.diagnostics] == ["the adviser's name is empty", "the disclaimer is empty"]
    assert result.policy is None


def test_stated_twice_and_override(check):
    twice = check(PORTFOLIO + 'report {\n    adviser "A"\n    adviser "B"\n}\n')
    assert error_codes(twice) == ["V311"]
    assert "the adviser is stated twice in the `report` block" in twice.diagnostics[0].message
    shared = 'report {\n    adviser "Priya Mehta" registration INA000012345\n    disclaimer "Old text."\n}\n'
    over = check('use "adviser.rules"\n' + PORTFOLIO + 'override report {\n    disclaimer "New text."\n}\n',
                 **{"adviser.rules": shared})
    assert codes(over) == []
    assert (over.policy.report.adviser, over.policy.report.disclaimer) == ("Priya Mehta", "New text.")


def test_show_and_fmt(check, tmp_path):
    policy = check(PORTFOLIO + REPORT).policy
    assert ("Report: adviser Priya Mehta, SEBI registration INA000012345; disclaimer: Not a recommendation to buy "
            "or sell.") in as_text(policy, date(2025, 4, 1))
    assert as_json(policy, date(2025, 4, 1))["policy"]["report"]["registration"] == "INA000012345"
    messy = 'report{adviser   "Priya Mehta"   registration INA000012345 disclaimer "Not advice."}\n'
    formatted, problems = format_source(messy, "p.rules")
    assert problems == []
    assert formatted == ('report {\n    adviser "Priya Mehta" registration INA000012345\n'
                         '    disclaimer "Not advice."\n}\n')
    assert format_source(formatted, "p.rules")[0] == formatted


def test_the_usual_mistakes_are_said_plainly(check):
    cases = {
        'report {\n    adviser Priya\n}\n': ("P105", 2, 13),
        'report {\n    adviser "P" registration ina000012345\n}\n': ("P109", 2, 30),
        'report {\n    adviser "P" INA000012345\n}\n': ("P138", 2, 17),
        'report {\n    adviser "P" registration "INA000012345"\n}\n': ("P138", 2, 30),
    }
    for text, (code, line, column) in cases.items():
        result = check(text)
        (d,) = result.diagnostics
        assert (d.code, d.span.line, d.span.column) == (code, line, column), (text, d)
    (d,) = check('report {\n    adviser "P" INA000012345\n}\n').diagnostics
    assert d.hint == 'write adviser "Priya Mehta" registration INA000012345'
