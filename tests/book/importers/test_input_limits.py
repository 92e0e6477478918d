"""Issue 12: numbers and dates bounded at import (12.2), malformed CAS rows (12.8), UTF-16 (12.10)."""

import shutil

import pytest

from conftest import REPO, lotwise
from engine.book.importers import read_file
from engine.policy import check_file

pytestmark = pytest.mark.slow  # imports and commands on the largest values, through processes

FAMILY = REPO / "examples" / "family"
FORMATS = REPO / "examples" / "formats"
HEADER = "date,investor,account,security,type,units,price,charges\n"


@pytest.fixture(scope="module")
def policy():
    return check_file(FAMILY / "family.rules").policy


def codes(tmp_path, name, text, policy, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    result = read_file(path, name, policy)
    return [d.code for d in result.diagnostics if d.is_error], result


@pytest.mark.parametrize("name, text", [
    ("units.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,100000000000000000000000000,100,0\n"),
    ("price.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10,1000000000000,0\n"),
    ("places.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10.1234567,100,0\n"),
    ("charges.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,1000000000000000\n"),
    ("prices.csv", "date,security,price\n2024-01-05,INF789F01XA0,10000000000000000000000000\n"),
    ("fmv.csv", "security,fmv\nINF789F01XA0,10000000000000000000000000\n"),
    ("losses.csv", "investor,fy,term,amount\nasha,FY 2022-23,short,10000000000000000000000000\n"),
])
def test_numbers_beyond_the_limits_are_errors_naming_the_cell(tmp_path, policy, name, text):
    found, result = codes(tmp_path, name, text, policy)
    assert found == ["I113"] and result.records == []
    (d,) = result.diagnostics
    assert d.span.line == 2 and "column `" in d.message


def test_largest_values_within_the_limits_are_kept(tmp_path, policy):
    found, result = codes(tmp_path, "t.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,999999999999.999999,"
                          "999999999999.999999,999999999999999.999999\n", policy)
    assert found == [] and len(result.records) == 1


@pytest.mark.parametrize("line", ["01-Jan-0001", "31-Dec-9999", "31-Dec-1899"])
def test_navall_dates_share_the_csv_range(tmp_path, policy, line):
    text = (FORMATS / "NAVAll.txt").read_text(encoding="utf-8")
    day = next(w for w in text.replace("\n", ";").split(";") if w.count("-") == 2 and w[-4:].isdigit())
    found, _ = codes(tmp_path, "NAVAll.txt", text.replace(day, line), policy)
    assert "I101" in found


def test_cas_dates_share_the_csv_range(tmp_path, policy):
    text = (FORMATS / "cas.json").read_text(encoding="utf-8").replace('"2024-06-05"', '"9999-06-05"', 1)
    found, _ = codes(tmp_path, "cas.json", text, policy)
    assert "I153" in found


def test_cas_stamp_duty_with_units_and_no_amount_is_an_error(tmp_path, policy):
    row = '"amount": "0.25", "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX"'
    text = (FORMATS / "cas.json").read_text(encoding="utf-8")
    assert row in text
    text = text.replace(row, '"amount": null, "units": "-0.25", "nav": null, "balance": null, '
                        '"type": "STAMP_DUTY_TAX"', 1)
    found, result = codes(tmp_path, "cas.json", text, policy)  # was TypeError
    assert "I167" in found and result.records == []


def test_cas_units_beyond_the_limits(tmp_path, policy):
    text = (FORMATS / "cas.json").read_text(encoding="utf-8").replace('"33.215"', '"1234567890123.5"', 1)
    found, _ = codes(tmp_path, "cas.json", text, policy)
    assert "I154" in found


def _book(tmp_path):
    for name in ("family.rules", "transactions.csv", "prices.csv", "fmv.csv"):
        shutil.copy(FAMILY / name, tmp_path / name)
    assert lotwise(tmp_path, "init", "--policy", "family.rules").returncode == 0


def test_commands_on_the_largest_values_and_the_last_day(tmp_path):
    """Values at the limits, a lot bought on the last day: every command runs (was InvalidOperation
    and OverflowError on every run)."""
    _book(tmp_path)
    (tmp_path / "big.csv").write_text(HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,999999999999.999999,"
                                      "999999999999.999999,999999999999999.999999\n"
                                      "9998-12-31,asha,F1,INF789F01XA0,BUY,10,100,0\n", encoding="utf-8")
    (tmp_path / "late.csv").write_text("date,security,price\n9998-12-31,INF789F01XA0,100\n", encoding="utf-8")
    done = lotwise(tmp_path, "import", "transactions.csv", "prices.csv", "fmv.csv", "big.csv", "late.csv")
    assert done.returncode == 0, done.stderr
    for args in (["lots"], ["status"], ["gains"], ["status", "--as-of", "9998-12-31"],
                 ["plan", "year-end", "--as-of", "9998-12-31"]):
        run = lotwise(tmp_path, *args)
        assert "Traceback" not in run.stderr and run.returncode in (0, 1), (args, run.stderr)


def test_utf16_transactions_csv_imports(tmp_path):
    """Excel's "Unicode Text" (UTF-16 with a BOM) was called binary (I002)."""
    _book(tmp_path)
    text = (FAMILY / "transactions.csv").read_text(encoding="utf-8")
    (tmp_path / "u16.csv").write_text(text, encoding="utf-16")
    run = lotwise(tmp_path, "import", "u16.csv")
    assert run.returncode == 0 and "transactions-csv" in run.stdout and "binary" not in run.stderr, run.stderr
    (tmp_path / "tabs.txt").write_text(text.replace(",", "\t"), encoding="utf-16")
    run = lotwise(tmp_path, "import", "tabs.txt")
    assert run.returncode != 0 and "I006" in run.stderr and "CSV UTF-8" in run.stderr


def test_utf16_without_a_bom(tmp_path, policy):
    found, result = codes(tmp_path, "t.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,0\n", policy,
                          encoding="utf-16-le")
    assert found == [] and len(result.records) == 1


def test_zeros_beyond_six_decimals_are_the_same_number(tmp_path, policy):
    found, result = codes(tmp_path, "t.csv", HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10.0000000000,"
                          "100.5000000,0\n", policy)
    assert found == [] and (result.records[0].units, result.records[0].price) == (10, 100.5)
