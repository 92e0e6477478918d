"""AMFI's NAV history report (engine/book/importers/amfi_history.py): a hand-written report with
blocks, blank lines, an N.A. row, a scheme the policy does not hold, two ISIN columns and a scheme
name with a `;` in it; detection against NAVAll.txt and the transactions CSV; every error through
`python -m engine import` on a book made with `init`; two years of daily NAVs of three funds, then
`status --as-of` values the holdings at the last NAV; a fuzz that never raises."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, located, lotwise, read_import, write_file
from engine.book.importers import amfi_history, amfi_navall, read_file, transactions_csv
from engine.diagnostics import source_lines
from engine.policy import check_file
from engine.transactions import Price

FORMATS = REPO / "examples" / "formats"

# A fund declared by a symbol with its ISIN (HDFCTOP), one by its ISIN, and one by the
# reinvestment ISIN of an IDCW scheme (the second ISIN column).
POLICY = """use "india"

portfolio "Test" {
    investor asha "Asha Sharma"

    asset "Large" 50% band 5% class equity
    asset "Mid" 30% band 5% class equity
    asset "Debt" 20% band 5% class specified-fund

    fund HDFCTOP "HDFC Large Cap Fund - Regular Growth" holds "Large" isin INF179K01BE2
    fund INF247L01916 "Motilal Oswal Nifty Midcap 150 Index - Direct" holds "Mid"
    fund INF209KA13Z9 "ABSL Banking & PSU Debt - Direct IDCW Reinvestment" holds "Debt"
}
"""

HEADER = ("Scheme Code;Scheme Name;ISIN Div Payout/ISIN Growth;ISIN Div Reinvestment;Net Asset Value;"
          "Repurchase Price;Sale Price;Date")
ODD = 'HDFC Large Cap Fund; Regular Plan (formerly "Top 100" & Co.) – Growth ₹'  # a `;` in the name
# CRLF line ends and blank lines holding a space, as AMFI writes its files.
SAMPLE = "\r\n".join([
    HEADER,                                                                                      # 1
    "",                                                                                          # 2
    "Open Ended Schemes(Equity Scheme - Large Cap Fund)",                                        # 3
    " ",                                                                                         # 4
    "HDFC Mutual Fund",                                                                          # 5
    " ",                                                                                         # 6
    f"101762;{ODD};INF179K01BE2;-;1005.1230;995.0700;1005.1230;02-Jan-2024",                     # 7
    f"101762;{ODD};INF179K01BE2;-;1010.5;1000.4;1010.5;03-Jan-2024",                             # 8
    "101763;HDFC Large Cap Fund - IDCW;INF179K01BF9;INF179K01BG7;55.10;;;02-Jan-2024",           # 9 not held
    "",                                                                                          # 10
    "Open Ended Schemes(Debt Scheme - Banking and PSU Fund)",                                    # 11
    "",                                                                                          # 12
    "Aditya Birla Sun Life Mutual Fund",                                                         # 13
    "",                                                                                          # 14
    "119551;ABSL Banking & PSU Debt Fund - DIRECT - IDCW;INF209KA12Z1;INF209KA13Z9;108.1997;;;02-Jan-2024",  # 15
    "119551;ABSL Banking & PSU Debt Fund - DIRECT - IDCW;INF209KA12Z1;INF209KA13Z9;N.A.;;;03-Jan-2024",      # 16
    "",                                                                                          # 17
    "Motilal Oswal Mutual Fund",                                                                 # 18
    "",                                                                                          # 19
    "147622;Motilal Oswal Nifty Midcap 150 Index Fund - Direct - Growth;INF247L01916;;38.6603;;;02-Jan-2024",  # 20
    "147622;Motilal Oswal Nifty Midcap 150 Index Fund - Direct - Growth;INF247L01916;;;;;03-Jan-2024",  # 21
    "",
])


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "test.rules"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def policy(policy_file):
    result = check_file(policy_file)
    assert result.policy is not None, result.diagnostics
    return result.policy


# ----------------------------------------------------------------- reading the report
def test_sample_blocks_na_rows_odd_names_and_both_isin_columns(tmp_path, policy):
    result = read_import(tmp_path, "history.txt", SAMPLE, policy)
    assert (result.kind, result.stores, result.ok) == ("amfi-history", "prices", True)
    # Line 7's name holds a `;`: its row has 9 fields to the header's 8; the ISIN is still found
    # (counted from the end: after the name) and so are the NAV and the date. Line 9's scheme is
    # not the policy's; line 15 is matched by its reinvestment ISIN; the NAV is kept as written.
    assert result.records == [
        Price(date(2024, 1, 2), "HDFCTOP", Decimal("1005.1230")),
        Price(date(2024, 1, 3), "HDFCTOP", Decimal("1010.5")),
        Price(date(2024, 1, 2), "INF209KA13Z9", Decimal("108.1997")),
        Price(date(2024, 1, 2), "INF247L01916", Decimal("38.6603")),
    ]
    assert str(result.records[0].price) == "1005.1230"
    # Two rows of policy funds had no NAV (line 16's N.A., line 21's empty): one warning, at the
    # first one's NAV. Line 16: `119551;` (7) + the name (45 + `;`) + two ISINs of 12 and their
    # `;` = 7 + 45 + 13 + 13 = 78 characters before it, so the NAV starts at column 79.
    assert located(result) == [("I130", 16, 79)]
    (warn,) = result.diagnostics
    assert not warn.is_error and "2 rows" in warn.message and "line 16" in warn.message


def test_header_spacing_variant_and_another_column_order(tmp_path, policy):
    """The older `ISIN Div Payout/ ISIN Growth` spelling, and the ISINs before the name (a layout some
    mirrors of the report use): columns are found by name, those before the name from the front."""
    text = "\n".join([
        "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;"
        "Repurchase Price;Sale Price;Date",
        "147622;INF247L01916;-;Midcap; 150; Index;38.6603;38.2737;38.6603;02-Jan-2024",
    ])
    result = read_import(tmp_path, "h.txt", text, policy)
    assert (result.kind, result.diagnostics) == ("amfi-history", [])
    assert result.records == [Price(date(2024, 1, 2), "INF247L01916", Decimal("38.6603"))]


def test_duplicate_rows_same_nav_is_one_price_different_nav_names_both_lines(tmp_path, policy):
    row = "101762;HDFC Top 100;INF179K01BE2;-;{};;;02-Jan-2024"
    result = read_import(tmp_path, "h.txt", "\n".join([HEADER, row.format("1005.10"), row.format("1005.1")]), policy)
    assert result.diagnostics == [] and result.records == [Price(date(2024, 1, 2), "HDFCTOP", Decimal("1005.10"))]
    result = read_import(tmp_path, "h.txt", "\n".join([HEADER, row.format("1005.1"), "", row.format("1005.2")]), policy)
    # Line 4's NAV: `101762;HDFC Top 100;INF179K01BE2;-;` is 35 characters, so column 36.
    assert result.records == [] and located(result) == [("I123", 4, 36)]
    message = result.diagnostics[0].message
    assert "line 4" in message and "line 2" in message and "1005.1" in message and "1005.2" in message


def test_reports_joined_end_to_end(tmp_path, policy):
    """Two 90-day downloads joined: the second header starts its layout again; the day both cover is one price."""
    row = "101762;HDFC Top 100;INF179K01BE2;-;{};;;{}"
    text = "\n".join([HEADER, row.format("1", "01-Jan-2024"), row.format("2", "02-Jan-2024"),
                      HEADER, row.format("2", "02-Jan-2024"), row.format("3", "03-Jan-2024")])
    result = read_import(tmp_path, "h.txt", text, policy)
    assert [(p.date.day, p.price) for p in result.records] == [(1, 1), (2, 2), (3, 3)]


def test_without_a_policy_or_without_its_funds(tmp_path, policy):
    result = read_import(tmp_path, "h.txt", SAMPLE, None)
    assert result.records == [] and [d.code for d in result.diagnostics] == ["I122"]
    other = "\n".join([HEADER, "101763;HDFC Large Cap Fund - IDCW;INF179K01BF9;INF179K01BG7;55.10;;;02-Jan-2024"])
    result = read_import(tmp_path, "h.txt", other, policy)
    assert result.ok and result.records == [] and [d.code for d in result.diagnostics] == ["I122"]


# --------------------------------------------------------------------------- detection
def test_detection_against_navall_and_the_transactions_csv(tmp_path, policy):
    navall = (FORMATS / "NAVAll.txt").read_text(encoding="utf-8")
    navall_old = (FORMATS / "NAVAll-old-layout.txt").read_text(encoding="utf-8")
    csv = (REPO / "examples" / "family" / "transactions.csv").read_text(encoding="utf-8")
    for text in (SAMPLE, "\ufeff\n \n" + SAMPLE):  # a byte order mark and blank lines first
        assert (amfi_history.detect(text), amfi_navall.detect(text), transactions_csv.detect(text)) == (
            True, False, False)
    for text in (navall, navall_old):
        assert (amfi_history.detect(text), amfi_navall.detect(text)) == (False, True)
    assert (amfi_history.detect(csv), transactions_csv.detect(csv)) == (False, True)
    assert read_import(tmp_path, "a.txt", SAMPLE, policy).kind == "amfi-history"
    assert read_import(tmp_path, "b.txt", navall, policy).kind == "amfi-navall"
    assert read_import(tmp_path, "c.csv", csv, policy).kind == "transactions-csv"
    assert read_import(tmp_path, "d.txt", "Open Ended Schemes\n" + SAMPLE, policy).kind is None


def test_family_sample_file(tmp_path):
    """examples/formats/NAV-history.txt: the five family funds on 23-25 Nov 2026 (15 NAVs); the HDFC
    IDCW scheme's N.A. rows are not the policy's, so nothing is said of them."""
    family = check_file(REPO / "examples" / "family" / "family.rules").policy
    result = read_file(FORMATS / "NAV-history.txt", "NAV-history.txt", family)
    assert (result.kind, result.diagnostics, len(result.records)) == ("amfi-history", [], 15)
    assert Price(date(2026, 11, 25), "INF179K01BE2", Decimal("1155.7001")) in result.records


# ------------------------------------------------------------------ through the command
def _row(nav: str, day: str = "02-Jan-2024") -> str:
    return f"101762;HDFC Top 100;INF179K01BE2;-;{nav};;;{day}"


# `101762;HDFC Top 100;INF179K01BE2;-;` is 35 characters: the NAV starts at column 36; with NAV
# `1005.1` and its `;;;` the date starts at 36 + 6 + 3 = 45.
ERRORS = [
    ("I101", [HEADER, _row("1005.1", "31-Feb-2024")], 2, 45, "31-Feb-2024"),
    ("I101", [HEADER, _row("1005.1", "2024-01-02")], 2, 45, "2024-01-02"),
    ("I103", [HEADER, _row("1,0x")], 2, 36, "1,0x"),
    ("I104", [HEADER, _row("0")], 2, 36, "NAV"),
    ("I113", [HEADER, _row("1.1234567")], 2, 36, "1.1234567"),
    ("I121", [HEADER, "101762;HDFC Top 100;INF179K01BE2;1005.1;02-Jan-2024"], 2, 1, "HDFCTOP"),
    ("I123", [HEADER, _row("1005.1"), _row("1005.2")], 3, 36, "line 2"),
    # The 2017 report had no ISIN columns: nothing to match the policy's funds by.
    ("I120", ["Scheme Code;Scheme Name;Net Asset Value;Repurchase Price;Sale Price;Date", "100119;HDFC;1;1;1;"
              "02-Jan-2024"], 1, 1, "ISIN"),
    ("I120", [HEADER.replace("Net Asset Value", "NAV"), _row("1005.1")], 1, 1, "Net Asset Value"),
]


@pytest.mark.slow
@pytest.mark.parametrize("code, lines, line, column, said", ERRORS)
def test_every_error_through_the_command(tmp_path, policy_file, code, lines, line, column, said):
    assert lotwise(tmp_path, "init", "--policy", str(policy_file)).returncode == 0
    write_file(tmp_path, "h.txt", "\r\n".join(lines) + "\r\n")
    run = lotwise(tmp_path, "import", "h.txt")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"h.txt:{line}:{column}: error[{code}]" in run.stderr and said in run.stderr, run.stderr
    assert "nothing imported" in run.stderr
    prices = lotwise(tmp_path, "import", "--json", str(FORMATS / "NAV-history.txt"))
    assert prices.returncode == 0  # the book was left as it was, and still takes a good file


def _two_years() -> tuple[str, str]:
    """Weekday NAVs from 1 Jan 2024 to 31 Dec 2025 of three funds, fund k on day d at
    base_k + step_k x (d - 1 Jan 2024) in days, and the buys of 100 units of each on 2 Jan 2024."""
    funds = [("101762", "HDFC Top 100", "INF179K01BE2", Decimal("100"), Decimal("0.01")),
             ("147622", "Motilal; Midcap 150", "INF247L01916", Decimal("50"), Decimal("0.005")),
             ("119551", "ABSL PSU Debt", "INF209KA12Z1;INF209KA13Z9", Decimal("10"), Decimal("0.001"))]
    lines = [HEADER, ""]
    for code, name, isins, base, step in funds:
        lines += ["Some Mutual Fund", ""]
        day = date(2024, 1, 1)
        while day <= date(2025, 12, 31):
            if day.weekday() < 5:
                nav = base + step * (day - date(2024, 1, 1)).days
                isin_cells = isins if ";" in isins else isins + ";"
                lines.append(f"{code};{name};{isin_cells};{nav};{nav};{nav};{day.strftime('%d-%b-%Y')}")
            day += timedelta(days=1)
        lines.append("")
    csv = "date,investor,account,security,type,units,price,charges\n" + "".join(
        f"2024-01-02,asha,F{i},{s},BUY,100,{p},0\n"
        for i, (s, p) in enumerate((("HDFCTOP", "100.01"), ("INF247L01916", "50.005"), ("INF209KA13Z9", "10.001"))))
    return "\r\n".join(lines) + "\r\n", csv


@pytest.mark.slow
def test_two_years_of_daily_navs_then_status_uses_the_last(tmp_path, policy_file):
    history, csv = _two_years()
    write_file(tmp_path, "history.txt", history)
    write_file(tmp_path, "t.csv", csv)
    assert lotwise(tmp_path, "init", "--policy", str(policy_file)).returncode == 0
    run = lotwise(tmp_path, "import", "--json", "t.csv", "history.txt")
    assert run.returncode == 0, run.stderr
    # 2024 has 262 weekdays and 2025 has 261: 523 NAVs per fund, 1,569 in all.
    assert json.loads(run.stdout)["files"][1]["added"] == 1569
    # 31 Dec 2025 (a Wednesday) is day 366 + 364 = 730: NAVs 100 + 7.30 = 107.30, 50 + 3.65 = 53.65,
    # 10 + 0.730 = 10.730. On Saturday 3 Jan 2026 the last NAV is that one: 100 units of each are
    # worth 10,730 + 5,365 + 1,073 = 17,168.
    status = lotwise(tmp_path, "status", "--as-of", "2026-01-03", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert Decimal(data["value"]) == Decimal("17168.00")
    assert sorted(Decimal(a["value"]) for a in data["assets"]) == [Decimal("1073.000"), Decimal("5365.000"),
                                                                  Decimal("10730.00")]
    # A day within the history: Friday 28 Jun 2024 is day 179: 101.79 + 50.895 + 10.179 = 162.864 x 100.
    mid = json.loads(lotwise(tmp_path, "status", "--as-of", "2024-06-28", "--json").stdout)
    assert Decimal(mid["value"]) == Decimal("16286.40")


# ----------------------------------------------------------------------------- fuzzing
FIELDS = st.sampled_from(["101762", "HDFC Top 100", "INF179K01BE2", "inf247l01916", "INF209KA13Z9", "-", "",
                          " ", "N.A.", "na", "1005.1230", "0", "-1", "1,000.5", "1e5", "nan", "9" * 40,
                          "02-Jan-2024", "31-Feb-2024", "02-JAN-2024", "2024-01-02", "Scheme Code",
                          "Scheme Name", "Date", "Net Asset Value", "Repurchase Price", '"', "\r", "₹", "\ufeff"])
LINES = st.one_of(st.lists(FIELDS, min_size=1, max_size=10).map(";".join), st.text(max_size=30),
                  st.sampled_from(["", " ", "Open Ended Schemes(Index Funds)", "HDFC Mutual Fund", HEADER,
                                   "Scheme Code;Date", "Scheme Code;Scheme Name;Repurchase Price"]))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINES, max_size=10), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_garbage_after_the_header_never_raises(tmp_path, policy, lines, end, with_policy):
    text = end.join([HEADER] + [line.replace("\x00", "") for line in lines]) + end
    result = read_import(tmp_path, "h.txt", text, policy if with_policy else None)  # never raises
    assert result.kind == "amfi-history"
    numbered = source_lines(text)
    for d in result.diagnostics:
        assert d.span is not None and 1 <= d.span.line <= len(numbered), d
        assert 1 <= d.span.column <= len(numbered[d.span.line - 1]) + 1, d
    if not result.ok:
        assert result.records == []
    assert all(Decimal(0) < p.price < Decimal(10) ** 12 for p in result.records)
