"""Fuzzing: random mutations of the shipped files and random text give exit 0 or a
located diagnostic, never an exception (check and fmt alike).

A few hundred inputs per test by default (fast in CI); LOTWISE_FUZZ_EXAMPLES=10000 runs more.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHIPPED
from engine.diagnostics import render_all, source_lines
from engine.policy import check_file
from engine.policy.fmt import format_source

pytestmark = pytest.mark.slow  # a fuzzer: hundreds of mutated policies through check and fmt

TEXTS = [p.read_text(encoding="utf-8") for p in SHIPPED]
SNIPPETS = ["{", "}", "%", ",", ":", '"', "#", "\n", " ", "use", "override", "sell", "asset", "fund",
            "Rs", "₹", "1,2,500", "40", "12.5%", "FY 2025-27", "2024-02-30", "class", "from", "to",
            "lakh", "\x00", "\t", "é", "portfolio", "tax", "}}}", "{{{", "sold before", "9" * 30,
            "“", "”", "‘", "’", "/-", "INR ", "portfolo", "clas", "0.6"]  # issue 18's recovery paths


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        j = min(len(text), i + draw(st.integers(1, 12)))
        piece = draw(st.sampled_from(SNIPPETS))
        if kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + piece + text[i:]
        elif kind == "replace":
            text = text[:i] + piece + text[j:]
        else:
            text = text[:i] + text[i:j] + text[i:]
    return text


EXAMPLES = os.environ.get("LOTWISE_FUZZ_EXAMPLES")


def _examples(default: int) -> int:
    return int(EXAMPLES) if EXAMPLES else default


def _check(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.rules"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = check_file(path)
    lines = len(source_lines(text))  # a lone \r ends a line too
    for d in result.diagnostics:
        if d.span is not None and d.span.path.endswith("fuzz.rules"):
            assert 1 <= d.span.line <= lines + 1, d
    render_all(result.diagnostics, result.sources)  # rendering never fails either
    if result.policy is None:
        assert any(d.is_error for d in result.diagnostics)
    formatted, problems = format_source(text, "fuzz.rules")
    assert (formatted is None) == bool(problems)  # fmt formats exactly the files that parse
    if formatted is not None:
        assert format_source(formatted, "fuzz.rules") == (formatted, [])  # and is idempotent


@settings(max_examples=_examples(300), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutated())
def test_mutated_shipped_files_never_crash(tmp_path, text):
    _check(tmp_path, text)


@settings(max_examples=_examples(200), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("{}%,:\"#\n ;-.0123456789abcdefRsFY₹L")) | st.characters(),
               max_size=300))
def test_random_text_never_crashes(tmp_path, text):
    _check(tmp_path, text.replace("\x00", ""))


# One-line mistakes, each independent of the others and of its neighbours, each one diagnostic:
# (the line, its code). `{i}` keeps names apart.
ONE_LINE_ERRORS = [
    ('    asset "E{i}" 40 band 5%', "P110"),                  # no `%`
    ('    asset "E{i}" 10% band 5', "P110"),
    ('    aset "E{i}" 10%', "P111"),                          # a misspelt statement keyword
    ('    fund inf789f01xa{i} "F" holds "A"', "P109"),        # an ISIN in lower case
    ('    investor Asha{i} "Asha"', "P123"),                  # an id with capitals
    ('    investor "Name {i}"', "P120"),                      # an investor without an id
    ('    asset “E{i}” 10%', "P180"),                         # typographic quotes
    ('    investor x{i} "X" sip ₹500/-', "P181"),             # a cheque's `/-`
    ('    fund INF789F01XA{i} "F" holds "A" minimum purchase INR 500', "P181"),
    ('    asset E{i} 10%', "P105"),                           # an unquoted name
]
VALID_LINES = ['    asset "V{i}" 10%', '    investor v{i} "V"', '    fund INF179K01BE{i} "F" holds "V"', "",
               "    # a comment {i}"]


@st.composite
def block_with_errors(draw):
    """A portfolio block of valid and wrong lines (its header misspelt or not): the text and
    the (code, line) of every mistake in it."""
    misspelt = draw(st.booleans())
    lines = ['portfolo "P" {' if misspelt else 'portfolio "P" {']
    expected = [("P111", 1)] if misspelt else []
    for i in range(draw(st.integers(0, 30))):
        if draw(st.booleans()):
            line, code = draw(st.sampled_from(ONE_LINE_ERRORS))
            expected.append((code, len(lines) + 1))
        else:
            line = draw(st.sampled_from(VALID_LINES))
        lines.append(line.format(i=i % 10))
    return "\n".join(lines + ["}", ""]), expected


@settings(max_examples=_examples(200), deadline=None, database=None)
@given(block_with_errors())
def test_k_independent_one_line_errors_in_one_block_are_k_errors(case):
    """Issue 18: every independent error of a block is reported in one run, each once."""
    from engine.policy.parser import parse_text

    text, expected = case
    result = parse_text(text, "p.rules")
    assert [(d.code, d.span.line) for d in result.diagnostics] == expected, text


@settings(max_examples=_examples(300), deadline=None, database=None)
@given(mutated())
def test_recovery_resumed_where_lark_failed_equals_recovery_from_the_start(text):
    """parse_text recovers from the state Lark's own parse failed in (no second parse of the text
    before the error): the same diagnostics, error offsets and tree as recovering from the start."""
    from lark.exceptions import UnexpectedInput

    from engine.policy.parser import _parse_recovering, lark_parser, normalise
    from engine.policy.typography import straighten

    text, _ = straighten(normalise(text), "fuzz.rules")
    try:
        lark_parser().parse(text)
        return
    except UnexpectedInput as failure:
        resumed = _parse_recovering(text, "fuzz.rules", failure)
    fresh = _parse_recovering(text, "fuzz.rules", None)
    assert (resumed.diagnostics, resumed.error_offsets, resumed.tree) == (fresh.diagnostics, fresh.error_offsets,
                                                                         fresh.tree)
