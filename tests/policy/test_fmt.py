"""`lotwise fmt`: canonical, idempotent, comment-preserving; parse(fmt(x)) == parse(x)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHIPPED
from engine.policy.fmt import comments_in, format_source
from engine.policy.parser import parse_text
from engine.policy.transformer import to_ast


def ast_of(text: str):
    parsed = parse_text(text, "x.rules")
    assert not parsed.diagnostics, parsed.diagnostics
    tree, problems = to_ast(parsed.tree, "x.rules", [])
    assert not problems
    return tree


def fmt(text: str) -> str:
    out, diagnostics = format_source(text, "x.rules")
    assert out is not None, diagnostics
    return out


MESSY = '''# Family policy
use   "india"


portfolio "Sharma family"{  # the family
  investor asha "Asha Sharma"   pan ABCPS1234K
        asset "Nifty 50"   40%  band 5%  class equity
  asset "Rest" 60%
     class equity
  # the legacy fund
  fund INF179K01BE2 "HDFC Large Cap" holds "Nifty 50" legacy , replace with INF789F01XA0 exit load 1% within 365 days
  fund INF789F01XA0 "UTI" holds "Nifty 50"
  fund INF109K01Y80 "ICICI" holds "Rest"
}
harvest at year end { realise gains up to the exemption , keep Rs  1,000 margin }
# end
'''

CANONICAL = '''# Family policy
use "india"

portfolio "Sharma family" {  # the family
    investor asha "Asha Sharma" pan ABCPS1234K
    asset "Nifty 50" 40% band 5% class equity
    asset "Rest" 60% class equity
    # the legacy fund
    fund INF179K01BE2 "HDFC Large Cap" holds "Nifty 50"
        legacy, replace with INF789F01XA0
        exit load 1% within 365 days
    fund INF789F01XA0 "UTI" holds "Nifty 50"
    fund INF109K01Y80 "ICICI" holds "Rest"
}
harvest at year end {
    realise gains up to the exemption, keep Rs 1,000 margin
}
# end
'''


def test_messy_file_becomes_canonical():
    assert fmt(MESSY) == CANONICAL
    assert ast_of(MESSY) == ast_of(CANONICAL)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files_are_canonical(path):
    text = path.read_text(encoding="utf-8")
    assert fmt(text) == text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_round_trip_and_idempotence_on_shipped_files_in_one_line_form(path):
    # Squash the file: one space between tokens, comments dropped; fmt must restore an
    # equal AST, and formatting twice changes nothing.
    text = path.read_text(encoding="utf-8")
    squashed = " ".join(_strip_comments(text).split())
    once = fmt(squashed)
    assert ast_of(once) == ast_of(text)
    assert fmt(once) == once


def _strip_comments(text: str) -> str:
    out = text
    for offset, _, comment in reversed(comments_in(text)):
        out = out[:offset] + out[offset + len(comment):]
    return out


def test_comments_are_all_kept():
    out = fmt(MESSY)
    assert [c for _, _, c in comments_in(out)] == [c for _, _, c in comments_in(MESSY)]


def test_comment_between_tokens_of_one_statement_moves_to_line_end():
    text = 'portfolio {\n    asset "A"\n    # why 100\n    100% class equity\n}\n'
    out = fmt(text)
    assert out == 'portfolio {\n    asset "A" 100% class equity  # why 100\n}\n'
    assert fmt(out) == out


def test_fmt_refuses_a_file_with_errors():
    out, diagnostics = format_source('portfolio {\n asset "A" 40\n}\n', "x.rules")
    assert out is None and diagnostics[0].code == "P110"


def test_empty_file():
    assert fmt("") == ""
    assert fmt("# just a note\n") == "# just a note\n"


# ---------------------------------------------------------------- generated policies
SPACE = st.sampled_from([" ", "  ", "\n", " \n   ", "\t", "\n\n"])
NAME = st.from_regex(r"[A-Z][a-z]{1,6}( [0-9]{1,2})?", fullmatch=True)


@st.composite
def policies(draw):
    gap = lambda: draw(SPACE)  # noqa: E731
    comment = lambda: draw(st.sampled_from(["", "", f"  # {draw(NAME)}\n"]))  # noqa: E731
    assets = draw(st.lists(NAME, min_size=1, max_size=5, unique=True))
    parts = ['use "india"', comment(), "portfolio", gap(), f'"{draw(NAME)}"', gap(), "{", comment()]
    for i in range(draw(st.integers(0, 3))):
        parts += ["investor", gap(), f"inv{i}", gap(), f'"{draw(NAME)}"', comment()]
    for asset in assets:
        parts += ["asset", gap(), f'"{asset}"', gap(), f"{draw(st.integers(1, 99))}%", gap()]
        if draw(st.booleans()):
            parts += ["band", gap(), f"{draw(st.integers(1, 9))}%", gap()]
        parts += ["class", gap(), "equity", comment()]
    for i, asset in enumerate(assets):
        parts += ["fund", gap(), f"INF{i:09d}", gap(), f'"{draw(NAME)}"', gap(), "holds", gap(), f'"{asset}"']
        if draw(st.booleans()):
            parts += [gap(), "exit", gap(), "load", gap(), "1%", gap(), "within", gap(), "365", gap(), "days"]
        if draw(st.booleans()):
            parts += [gap(), "minimum", gap(), "purchase", gap(), draw(st.sampled_from(["Rs 500", "1,000", "1.5k"]))]
        parts.append(comment() or gap())
    parts += ["}", gap()]
    if draw(st.booleans()):
        parts += ["sell", gap(), "{", gap(), "start above 10%", gap(), "sell", gap(), "1% of portfolio per month",
                  gap(), "stop at or below 5%", comment(), "}"]
    return " ".join(p for p in parts if p)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(policies())
def test_generated_policies_round_trip(text):
    once = fmt(text)
    assert ast_of(once) == ast_of(text)
    assert fmt(once) == once
    assert len(comments_in(once)) == len(comments_in(text))


def test_attributes_after_a_continuation_get_their_own_lines():
    text = 'portfolio {\n fund X1 "x" holds "A" exit load 1% within 365 days isin INF789F01XA0 class equity\n}\n'
    out = fmt(text)
    assert out == ('portfolio {\n    fund X1 "x" holds "A"\n        exit load 1% within 365 days\n'
                   '        isin INF789F01XA0\n        class equity\n}\n')
    assert ast_of(out) == ast_of(text) and fmt(out) == out
