"""Fuzzing every importer (issue 12.8): hostile cells, rows and JSON values in the shipped
example files give records or located diagnostics, never an exception; an error imports
nothing; what is imported stays within the bounds the engine computes with.

A few hundred inputs per importer by default (fast in CI); LOTWISE_FUZZ_EXAMPLES=10000 runs more.
"""

import copy
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from engine.diagnostics import source_lines
from engine.book.importers import read_file
from engine.book.importers.csvrows import AMOUNT, FIRST_DAY, LAST_DAY, PRICE, UNITS, limit_problem
from engine.policy import check_file

pytestmark = pytest.mark.slow  # a fuzzer: every importer on hostile cells, rows and JSON

EXAMPLES = int(os.environ.get("LOTWISE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
POLICY = check_file(REPO / "examples" / "family" / "family.rules").policy


def _head(path: Path, lines: int) -> str:
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[:lines]) + "\n"


FAMILY, FORMATS = REPO / "examples" / "family", REPO / "examples" / "formats"
CSVS = {
    "transactions": (_head(FAMILY / "transactions.csv", 8), ","),
    "prices": (_head(FAMILY / "prices.csv", 8), ","),
    "fmv": (_head(FAMILY / "fmv.csv", 8), ","),
    "losses": ((FORMATS / "losses.csv").read_text(encoding="utf-8"), ","),
    "navall": (_head(FORMATS / "NAVAll.txt", 40), ";"),
    "navall-old": (_head(FORMATS / "NAVAll-old-layout.txt", 40), ";"),
    "amfi-history": (_head(FORMATS / "NAV-history.txt", 40), ";"),
}
CAS = json.loads((FORMATS / "cas.json").read_text(encoding="utf-8"))

HOSTILE = ["", " ", "0", "-0", "-1", "+1", "1e999", "1E+30", "NaN", "nan", "Infinity", "-Infinity", "١٢٣", "٣.٥",
           "²", "1_000", "0x10", "9" * 30, "9" * 13, "0." + "1" * 13, "1,00,000", "1,,0", "1.2.3", ".5", "5.",
           "10000000000000000000000000", "999999999999.9999999", "0001-01-01", "9999-12-31", "9998-12-31",
           "1899-12-31", "2024-02-30", "01-Jan-0001", "31-Dec-9999", "31-Dec-9998", "29-Feb-2023", "2024-01-05",
           "05-Jan-2024", "FY 9999-00", "FY 0000-01", "FY 1899-00", "FY 2022-24", "2022-23", "STCL", "long",
           "BUY", "SELL", "ſell", "asha", "ravi", "INF179K01BE2", "N.A.", "-", '"', '""', '"a,b"', '"a\nb"',
           "\r", "\t", "\x0c", "\u2028", "\ufeff", "é", "₹100", "x" * 500, ";", ","]


@st.composite
def hostile_cell(draw):
    return draw(st.sampled_from(HOSTILE) | st.text(max_size=12)).replace("\x00", "")


@st.composite
def mutated_csv(draw, kind):
    text, sep = CSVS[kind]
    lines = text.rstrip("\n").split("\n")
    for _ in range(draw(st.integers(1, 5))):
        n = draw(st.integers(0, len(lines) - 1))
        cells = lines[n].split(sep)
        what = draw(st.sampled_from(["cell", "cell", "cell", "drop", "add", "line", "dup"]))
        if what == "cell":
            cells[draw(st.integers(0, len(cells) - 1))] = draw(hostile_cell())
        elif what == "drop" and len(cells) > 1:
            cells.pop(draw(st.integers(0, len(cells) - 1)))
        elif what == "add":
            cells.append(draw(hostile_cell()))
        elif what == "line":
            cells = [draw(st.text(max_size=40)).replace("\x00", "")]
        else:
            lines.append(lines[n])
        lines[n] = sep.join(cells)
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(st.sampled_from(["", "\n"]))


JSON_HOSTILE = [None, True, False, 0, -1, 1.5, "", "x", "NaN", "1e999", "-0", "١٢٣", "9" * 30, "2024-02-30",
                "0001-01-01", "9999-12-31", "31-Dec-9999", [], {}, [None], {"a": None}, "REVERSAL",
                "STAMP_DUTY_TAX", "PURCHASE", "REDEMPTION", "UNKNOWN", "-10.5", "10.1234567"]


def _leaves(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))


@st.composite
def mutated_cas(draw):
    data = json.loads(json.dumps(CAS))
    places = list(_leaves(data))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(places))
        if not where:
            continue
        parent = data
        for part in where[:-1]:
            if not isinstance(parent, (dict, list)):
                break
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            key = where[-1]
            if isinstance(parent, dict) and draw(st.booleans()) and key in parent and draw(st.booleans()):
                del parent[key]
            elif isinstance(parent, (dict, list)):
                try:
                    parent[key] = copy.deepcopy(draw(st.sampled_from(JSON_HOSTILE)))  # never one shared object
                except (IndexError, TypeError):
                    pass
    text = json.dumps(data, indent=2)
    if draw(st.integers(0, 9)) == 0:  # now and then, raw damage to the text too
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(["NaN", "Infinity", "1e999", "}", '"', ",", "null"])) + text[i:]
    return text


def _check(tmp_path: Path, text: str, policy, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = read_file(path, name, policy)  # never raises
    lines = len(source_lines(text.lstrip("\ufeff")))
    for d in result.diagnostics:
        if d.span is not None:
            assert d.span.path == name, d
            assert 1 <= d.span.line <= lines + 1, d
    if any(d.is_error for d in result.diagnostics):
        assert result.records == [], result.diagnostics
    for record in result.records:  # what is kept fits the engine's arithmetic
        for field, limit in (("units", UNITS), ("price", PRICE), ("charges", AMOUNT), ("amount", AMOUNT),
                             ("value", PRICE)):
            value = getattr(record, field, None)
            if isinstance(value, Decimal):
                assert limit_problem(value, limit) is None, (field, value)
        for field in ("date", "day"):
            value = getattr(record, field, None)
            if isinstance(value, date):
                assert FIRST_DAY <= value <= LAST_DAY, (field, value)


@pytest.mark.parametrize("kind", list(CSVS))
def test_hostile_rows_never_crash(tmp_path, kind):
    @FUZZ
    @given(mutated_csv(kind), st.booleans())
    def run(text, with_policy):
        _check(tmp_path, text, POLICY if with_policy else None, f"fuzz-{kind}.txt")

    run()


@FUZZ
@given(mutated_cas(), st.booleans())
def test_hostile_cas_json_never_crashes(tmp_path, text, with_policy):
    _check(tmp_path, text, POLICY if with_policy else None, "fuzz-cas.json")


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path, data):
    path = tmp_path / "fuzz.bin"
    path.write_bytes(b"date,investor,account,security,type,units,price\n" + data)
    read_file(path, "fuzz.bin", POLICY)
