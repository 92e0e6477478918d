"""Syntax errors: located, friendly, all reported, never a traceback or a Lark name."""

import re

import pytest

from engine.diagnostics import render_all
from engine.policy import syntax_errors
from engine.policy.parser import lark_parser, parse_text


LARK_NAMES = re.compile(r"\b(__ANON_\d+|LBRACE|RBRACE|PERCENT|SECID|STRING|NAME|NUMBER|MONEY|\$END)\b")


def diagnose(text: str):
    result = parse_text(text, "p.rules")
    rendered = render_all(result.diagnostics, {"p.rules": text})
    assert not LARK_NAMES.search(rendered), rendered
    return result.diagnostics, rendered


def only(text: str):
    diagnostics, rendered = diagnose(text)
    assert len(diagnostics) == 1, rendered
    return diagnostics[0], rendered


@pytest.mark.parametrize("mistake", syntax_errors.CATALOGUE, ids=lambda m: m.label)
def test_every_catalogue_example_is_classified_as_its_class(mistake):
    """The catalogue is the specification: each example yields its own code."""
    for example in mistake.examples:
        diagnostics, rendered = diagnose(example)
        assert diagnostics, example
        assert diagnostics[0].code == mistake.code, (example, rendered)


def test_missing_percent_sign():
    d, rendered = only('portfolio "p" {\n    asset "Nifty 50" 40 band 5%\n}\n')
    assert d.code == "P110"
    assert (d.span.line, d.span.column) == (2, 22)
    assert d.hint == "write 40%"
    assert "2 |     asset \"Nifty 50\" 40 band 5%" in rendered
    assert rendered.splitlines()[2].endswith("^^")


def test_missing_percent_in_a_state_the_catalogue_lacks_uses_the_fallback():
    d, _ = only('sell {\n    ceiling steps down from 10 to 5% over 6 months\n}\n')
    assert d.code == "P110" and d.hint == "write 10%"


def test_missing_open_brace():
    d, _ = only('sell\n    start above 10%\n}\n')
    assert d.code == "P104"
    assert d.span.line == 2


def test_missing_close_brace_before_next_block_is_repaired():
    text = 'portfolio "p" {\n    asset "A" 100%\n\nbuy monthly {\n    only underweight assets, in proportion to drift\n}\n'
    d, rendered = only(text)
    assert d.code == "P103"
    assert d.span.line == 4
    assert "opened on line 1" in d.hint
    # The repair lets the rest parse: the buy block is in the tree.
    assert "buy_block" in {t.data for t in parse_text(text, "p").tree.iter_subtrees()}


def test_unexpected_end_of_file_points_at_the_last_line():
    text = 'portfolio "p" {\n    asset "A" 100%\n\n# trailing comment\n\n'
    d, _ = only(text)
    assert d.code == "P103"
    assert d.span.line == 4  # the last line with anything on it
    assert "the `portfolio` block opened on line 1 is not closed" in d.message


def test_unknown_keyword_suggests_the_nearest():
    d, _ = only('portfolo "p" {\n}\n')
    assert d.code == "P111"
    assert "did you mean `portfolio`?" in d.hint
    d, _ = only('sell {\n    start abov 10%\n}\n')
    assert d.code == "P111" and "`above`" in d.hint


def test_unquoted_name():
    d, _ = only('portfolio {\n    asset Equity 60%\n}\n')
    assert d.code == "P105"


def test_missing_colon_in_dated_rule():
    d, _ = only('tax {\n class equity {\n  sold before 2024-07-23 short 15%\n }\n}\n')
    assert d.code == "P106" and (d.span.line, d.span.column) == (3, 26)


def test_date_and_fy_formats():
    d, _ = only('tax {\n class equity {\n  grandfather cost at 31-01-2018\n }\n}\n')
    assert d.code == "P107"
    d, _ = only('tax {\n class equity {\n  exemption Rs 1,25,000 from 2024-25\n }\n}\n')
    assert d.code == "P108" and "FY 2024-25" in d.hint


def test_lowercase_isin():
    d, _ = only('portfolio {\n    fund inf789f01xa0 "UTI" holds "A"\n}\n')
    assert d.code == "P109" and "INF789F01XA0" in d.hint


def test_investor_without_id():
    d, _ = only('portfolio {\n    investor "Asha Sharma"\n}\n')
    assert d.code == "P120" and d.hint == 'write investor asha "Asha Sharma"'


def test_percent_where_an_amount_is_expected():
    d, _ = only('harvest {\n    harvest losses larger than 5%\n}\n')
    assert d.code == "P121"


def test_unclosed_quote():
    d, _ = only('portfolio {\n    asset "Nifty 50 40%\n}\n')
    assert d.code == "P119"


def test_all_errors_in_a_file_are_reported_one_each():
    text = """portfolio "p" {
    asset "A" 40 band 5%
    asset "B" 60% band 5
    investor a "A" slab 30
}
sell {
    stat above 10%
    stop at or below 5
}
"""
    diagnostics, rendered = diagnose(text)
    assert [(d.code, d.span.line) for d in diagnostics] == [
        ("P110", 2), ("P110", 3), ("P110", 4), ("P111", 7), ("P110", 8)], rendered


def test_misspelt_block_keyword_is_read_as_the_keyword_so_its_body_is_checked():
    """Issue 18: `portfolo` is within edit distance 1 of `portfolio` only, and the line opens a
    block: one P111 for the header, then the body's own error (line 2) and the next block's (5)."""
    text = 'portfolo "p" {\n    asset "A" 40\n}\nsell {\n    start above 10\n}\n'
    diagnostics, rendered = diagnose(text)
    assert [(d.code, d.span.line) for d in diagnostics] == [("P111", 1), ("P110", 2), ("P110", 5)], rendered
    assert "did you mean `portfolio`?" in diagnostics[0].hint


@pytest.mark.parametrize("text", [
    "", "\n\n", "# only a comment\n", "{" * 5000, "}" * 100, "portfolio " * 2000,
    '"' * 100, "\x01\x02\x03", "asset " + "9" * 5000 + "%", "tax { class e { sold before 9999-99-99: short 1% } }",
    "sell { start above " + "1" * 100 + "% }", "🙂 portfolio", "\ufeffportfolio {}", "portfolio {\r\n}\r\n",
])
def test_hostile_inputs_never_raise(text):
    diagnostics, _ = diagnose(text)
    for d in diagnostics:
        assert d.span is not None and d.span.line >= 1 and d.span.column >= 1


@pytest.mark.slow
def test_grammar_builds_in_lark_strict_mode():
    """Strict mode rejects shift/reduce conflicts and regex collisions between terminals."""
    lark_parser.cache_clear()
    assert lark_parser(strict=True) is not None


def test_capitalised_id_is_an_error_not_a_name():
    d, _ = only('portfolio {\n    investor Asha "Asha Sharma"\n}\n')
    assert d.code == "P123" and d.hint == "write asha"
    d, _ = only('tax {\n class Equity {\n }\n}\n')
    assert d.code == "P123" and d.hint == "write equity"


@pytest.mark.parametrize("literal", ["5 LAKH", "12months", "40percent", "1,25,000Rs"])
def test_number_running_into_letters_is_one_bad_literal(literal):
    d, _ = only(f"harvest {{\n    harvest losses larger than {literal}\n}}\n")
    assert d.code == "P116" and d.message.startswith(f"`{literal}`")
    assert (d.span.column, d.span.end_column) == (32, 32 + len(literal))
