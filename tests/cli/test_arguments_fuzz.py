"""Fuzzing the literals people type on the command line (issue 12.8, "every parser"): dates
(`--as-of`), financial years (`--fy`, `gains --fy` ranges), amounts (`--invest`, `--cash`) and
contributions (`--from asha=30k,ravi=20k`) give a value or argparse's usage error (exit 2 with
the message), never another exception; what they give is within the engine's bounds. (The
policy language's literals are fuzzed through the policy parser, tests/policy/test_policy_fuzz.py.)

A few hundred inputs per parser by default; LOTWISE_FUZZ_EXAMPLES=10000 runs more.
"""

import argparse
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import arguments
from engine.book.importers.csvrows import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.slow  # a fuzzer: hundreds of typed literals per parser

EXAMPLES = int(os.environ.get("LOTWISE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

PIECES = ["", " ", "-", "+", ".", "..", ",", ";", "=", "0", "1", "9", "2025", "-26", "2025-26", "FY", "fy ",
          "FY 2025-26", "all", "Rs", "Rs.", "₹", "L", "lakh", "crore", "cr", "k", "K", "e", "E", "1e999", "NaN",
          "Infinity", "١٢٣", "²", "_", "9" * 30, "0." + "1" * 13, "1,25,000", "1,2,500", "2024-02-30",
          "0001-01-01", "9999-12-31", "T", "Z", "\t", "\u2028", "\ufeff", "asha", "ravi", "asha=", "=30k", "%"]


@st.composite
def typed(draw):
    """Pieces of real arguments glued together, or any text."""
    if draw(st.booleans()):
        return "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6)))
    return draw(st.text(max_size=40))


def _argument(parse, text):
    """The value, or None for a usage error; anything else raised fails the test."""
    try:
        return parse(text)
    except argparse.ArgumentTypeError as e:
        assert str(e), text
        return None


@FUZZ
@given(typed())
def test_as_of_dates(text):
    day = _argument(arguments.iso_date, text)
    assert day is None or FIRST_DAY <= day <= LAST_DAY


@FUZZ
@given(typed())
def test_financial_years(text):
    fy = _argument(arguments.fy_arg, text)
    assert fy is None or FIRST_DAY.year - 1 <= fy <= LAST_DAY.year
    choice = _argument(arguments.fy_choice, text)
    if choice is not None and choice.first is not None:
        assert choice.first <= choice.last


@FUZZ
@given(typed())
def test_amounts(text):
    value = _argument(arguments.rupees, text)
    assert value is None or (isinstance(value, int) and 0 < value < 10**16)


@FUZZ
@given(typed())
def test_contributions(text):
    value = _argument(arguments.contributions, text)
    if value is not None:
        assert any(value.values()) and all(isinstance(v, int) and 0 <= v < 10**16 for v in value.values())
