"""Numbers written one way (issue 11.6), scanned in everything the examples print, through the
command as a user runs it (real processes).

Text: rupees with Indian grouping (lakhs and crores: Rs 3,54,041, never Rs 354,041) and one sign
convention, the sign before the currency (-Rs 75,747; +Rs 3,54,041 where a change is shown),
never Rs -75,747. JSON: money as plain decimal strings of at most two decimals (paise), never in
exponent notation ("0E-7") nor to seven decimals; units (0.001), prices and NAVs (as quoted) and
fractions (weights, drifts, rates) keep their own precision.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # everything the examples print, through processes

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Keys whose values are not rupees: units, per-unit prices, fractions and rates.
NOT_MONEY = {"units", "units_sold", "step_units", "price", "fmv", "nav", "weight", "drift", "total_drift",
             "target", "band", "rate", "level", "ratio", "expense_ratio", "stt_rate", "exit_load_rate",
             "discount_rate", "discount_factor", "growth_rate", "expense_ratio_gap"}
EXPONENT = re.compile(r"-?\d+(\.\d+)?[eE][-+]?\d+")
FINER_THAN_PAISE = re.compile(r"-?\d+\.\d{3,}")
INTERNATIONAL = re.compile(r"(?:Rs|₹) ?-?\d{1,3}(?:,\d{3}){2,}|(?:Rs|₹) ?-?\d{3},")  # Rs 354,040 / Rs 1,234,567
SIGN_AFTER = re.compile(r"(?:Rs|₹) ?[-+]\d")  # Rs -75,747
NEGATIVE_ZERO = re.compile(r"(?<![\w.])-(?:Rs )?0(?:\.0+)?(?![\d.,])")  # -0.00 pp, "-0.000000", -Rs 0


def build(directory: Path, example: str, policy: str, *files: str) -> Path:
    for f in (EXAMPLES / example).iterdir():
        shutil.copy(f, directory)
    assert lotwise(directory, "init", "--policy", policy).returncode == 0
    done = lotwise(directory, "import", *files)
    assert done.returncode == 0, done.stderr
    return directory


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("family"), "family", "family.rules", "transactions.csv", "prices.csv",
                 "fmv.csv")


@pytest.fixture(scope="module")
def multi_year(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("multi"), "multi-year", "meera.rules", "transactions.csv", "prices.csv",
                 "fmv.csv", "losses.csv")


FAMILY_COMMANDS = [
    ("status", "--as-of", "2026-11-21"),
    ("gains", "--fy", "2025-26"),
    ("plan", "month", "--as-of", "2026-11-21", "--from", "asha=30000,ravi=20000", "--dry-run"),
    ("rebalance", "--method", "full", "--as-of", "2026-11-21"),
    ("rebalance", "--method", "partial", "--as-of", "2026-11-21", "--from", "asha=10000,ravi=0"),
    ("plan", "year-end", "--as-of", "2026-11-21"),
    ("plan", "year-end", "--as-of", "2026-03-20"),
    ("why", "--all"),
    ("plans",),
    ("lots",),
]
MULTI_YEAR_COMMANDS = [("gains", "--fy", "all"), ("status", "--as-of", "2025-03-28"), ("lots",)]


def money_faults(data, key=None, path="$") -> list[str]:
    if isinstance(data, dict):
        return [f for k, v in data.items() for f in money_faults(v, k, f"{path}.{k}")]
    if isinstance(data, list):
        return [f for i, v in enumerate(data) for f in money_faults(v, key, f"{path}[{i}]")]
    if isinstance(data, str):
        if EXPONENT.fullmatch(data):
            return [f"{path} = {data!r}: exponent notation"]
        if NEGATIVE_ZERO.fullmatch(data):
            return [f"{path} = {data!r}: a negative zero"]
        if key not in NOT_MONEY and FINER_THAN_PAISE.fullmatch(data):
            return [f"{path} = {data!r}: money finer than a paisa"]
    return []


def text_faults(text: str) -> list[str]:
    return [f"{m.group(0)!r}: international grouping" for m in INTERNATIONAL.finditer(text)] + \
           [f"{m.group(0)!r}: the sign after the currency" for m in SIGN_AFTER.finditer(text)] + \
           [f"{m.group(0)!r}: a negative zero" for m in NEGATIVE_ZERO.finditer(text)]


@pytest.mark.parametrize("book, commands", [("family", FAMILY_COMMANDS), ("multi_year", MULTI_YEAR_COMMANDS)])
def test_every_output_writes_numbers_one_way(book, commands, request):
    directory = request.getfixturevalue(book)
    faults = []
    for command in commands:
        text = lotwise(directory, *command)
        assert text.returncode == 0, (command, text.stderr)
        faults += [f"{' '.join(command)}: {f}" for f in text_faults(text.stdout + text.stderr)]
        done = lotwise(directory, *command, "--json")
        assert done.returncode == 0, (command, done.stderr)
        faults += [f"{' '.join(command)} --json: {f}" for f in money_faults(json.loads(done.stdout))]
    assert faults == []


def test_the_scan_finds_both_faults():
    """The patterns catch what the issue saw: `Rs 354,040 of the Rs 354,041`, `Rs -75,747`,
    `"taxable_ltcg": "0E-7"` and money to seven decimals; and pass what lotwise writes."""
    assert len(text_faults("Rs 354,040 of the Rs 354,041; Rs -75,747; Rs 1,234,567")) == 4
    assert text_faults("Rs 3,54,041 of Rs 12,34,567; -Rs 75,747; +Rs 3,54,041; Rs 999; Rs 12.50") == []
    assert len(money_faults({"taxable_ltcg": "0E-7", "lt_gains": "123999.9404977", "units": "1.500"})) == 2
    assert money_faults({"amount": "125000", "tax": "0.00", "price": "1200.4144", "weight": "0.428743"}) == []


def test_the_scan_finds_a_negative_zero():
    """A value that rounds to zero from below is zero, not `-0.00 pp` (the family's full rebalance
    printed it for two assets brought to target) nor "-0.000000" in JSON."""
    assert len(text_faults("Nifty Next 50  20.00%  -0.00 pp; -Rs 0; -0")) == 3
    assert text_faults("-0.01 pp; -Rs 0.50; -Rs 75,747; 0.00 pp; 2026-04-01; -0.5%") == []
    assert len(money_faults({"drift": "-0.000000", "tax": "-0.00", "gain": "-0"})) == 3
    assert money_faults({"drift": "-0.000001", "gain": "-0.01", "tax": "0"}) == []
