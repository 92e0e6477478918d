"""AMFI's NAVAll.txt, the FMV CSV and the brought-forward losses CSV (engine/book/importers/amfi_navall.py,
fmv_csv.py, losses_csv.py), alone and into the book. (The book's schema migrations: tests/book/test_migrations.py;
casparser-isin's FMVs: tests/book/importers/test_fmv_casparser_isin.py.)"""

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, located, read_import, write_file
from engine.book.store import Book
from engine.diagnostics import source_lines
from engine.book.importers import read_file
from engine.policy import check_file
from engine.transactions import BroughtForwardLoss, Fmv, Price

FAMILY = REPO / "examples" / "family" / "family.rules"

# A fund declared by a symbol with its ISIN, two funds by ISIN (the payout and reinvestment
# ISINs of one IDCW scheme), and investor aliases.
POLICY = """use "india"

portfolio "Test" {
    investor asha "Asha Sharma" pan ABCPS1234K alias "A SHARMA", "Asha S"
    investor ravi "Ravi Sharma"

    asset "Nifty 50" 60% class equity
    asset "Banking PSU" 40% class specified-fund

    fund UTIN50 "UTI Nifty 50 Index Fund - Direct Growth" holds "Nifty 50" isin INF789F01XA0
    fund INF209KA12Z1 "ABSL Banking & PSU Debt - Direct IDCW" holds "Banking PSU"
    fund INF209KA13Z9 "ABSL Banking & PSU Debt - Direct IDCW Reinvestment" holds "Banking PSU"
}
"""

OLD_HEADER = "Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date"
NEW_HEADER = ("Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Plan;Option;"
              "Net Asset Value;Date")

# The layout until mid-Aug 2026, with CRLF line ends and blank lines holding a space, as AMFI writes it.
NAVALL_OLD = "\r\n".join([
    OLD_HEADER,
    "",
    "Open Ended Schemes(Debt Scheme - Banking and PSU Fund)",
    " ",
    "Aditya Birla Sun Life Mutual Fund",
    " ",
    "119551;INF209KA12Z1;INF209KA13Z9;Aditya Birla Sun Life Banking & PSU Debt Fund  - DIRECT - IDCW;"
    "108.1997;19-Jun-2026",
    "119552;INF209K01YM4;-;Aditya Birla Sun Life Banking & PSU Debt Fund  - DIRECT - Growth;352.8871;19-Jun-2026",
    " ",
    "Axis Mutual Fund",
    " ",
    "135666;INF846K01ZK1;-;Axis Banking & PSU Debt Fund - Direct Plan - Growth Option;2601.4567;19-Jun-2026",
    "135667;INF846K01ZL9;INF846K01ZM7;Axis Banking & PSU Debt Fund - Direct Plan - IDCW;N.A.;19-Jun-2026",
    " ",
    "Open Ended Schemes(Other Scheme - Index Funds)",
    " ",
    "UTI Mutual Fund",
    " ",
    "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;172.4310;19-Jun-2026",
    "120717;INF789F01XB8;-;UTI Nifty 50 Index Fund - IDCW Option- Direct;N.A.;19-Jun-2026",
    "",
])

# The layout since mid-Aug 2026: Plan and Option before the NAV; a `;` inside one scheme name.
NAVALL_NEW = "\n".join([
    NEW_HEADER,
    "",
    "Open Ended Schemes(Debt Scheme - Banking and PSU Fund)",
    "",
    "Aditya Birla Sun Life Mutual Fund",
    "",
    "119551;INF209KA12Z1;INF209KA13Z9;Aditya Birla Sun Life Banking & PSU Debt Fund;Direct;IDCW;108.3012;21-Aug-2026",
    "",
    "UTI Mutual Fund",
    "",
    "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund; Direct Plan;Direct;Growth;175.0021;21-Aug-2026",
    "120717;INF789F01XB8;-;UTI Nifty 50 Index Fund;Direct;IDCW;N.A.;21-Aug-2026",
    "",
])


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("policy") / "test.rules"
    path.write_text(POLICY, encoding="utf-8")
    result = check_file(path)
    assert result.policy is not None, result.diagnostics
    return result.policy


@pytest.fixture(scope="module")
def family():
    return check_file(FAMILY).policy


def load(book, path, policy):
    result = read_file(path, path.name, policy)
    assert result.ok, result.diagnostics
    return book.add(result.stores, result.records, sha256=result.sha256, name=path.name, kind=result.kind)


# ------------------------------------------------------------------ AMFI NAVAll.txt
def test_navall_old_layout(tmp_path, policy):
    result = read_import(tmp_path, "NAVAll.txt", NAVALL_OLD, policy)
    assert (result.kind, result.stores, result.diagnostics) == ("amfi-navall", "prices", [])
    day = date(2026, 6, 19)
    assert result.records == [
        Price(day, "INF209KA12Z1", Decimal("108.1997")),  # both ISINs of one scheme: one NAV for each
        Price(day, "INF209KA13Z9", Decimal("108.1997")),
        Price(day, "UTIN50", Decimal("172.4310")),       # found by its ISIN, stored under the policy's id
    ]
    assert str(result.records[2].price) == "172.4310"


def test_navall_new_layout_by_header_name(tmp_path, policy):
    result = read_import(tmp_path, "NAVAll.txt", NAVALL_NEW, policy)
    assert (result.kind, result.diagnostics) == ("amfi-navall", [])
    day = date(2026, 8, 21)
    assert result.records == [Price(day, "INF209KA12Z1", Decimal("108.3012")),
                              Price(day, "INF209KA13Z9", Decimal("108.3012")),
                              Price(day, "UTIN50", Decimal("175.0021"))]


def test_navall_family_policy(tmp_path, family):
    text = "\n".join([OLD_HEADER, "", "HDFC Mutual Fund", "",
                      "101762;INF179K01BE2;INF179K01BF9;HDFC Large Cap Fund - Growth Option - Regular Plan;"
                      "1098.432;19-Jun-2026",
                      "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;172.431;19-Jun-2026"])
    result = read_import(tmp_path, "NAVAll.txt", text, family)
    assert result.records == [Price(date(2026, 6, 19), "INF179K01BE2", Decimal("1098.432")),
                              Price(date(2026, 6, 19), "INF789F01XA0", Decimal("172.431"))]


def test_navall_with_no_policy_security_warns(tmp_path, policy):
    text = "\n".join([OLD_HEADER, "", "Axis Mutual Fund", "",
                      "135666;INF846K01ZK1;-;Axis Banking & PSU Debt Fund - Direct Plan - Growth Option;2601.4567;"
                      "19-Jun-2026",
                      "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;N.A.;19-Jun-2026"])
    result = read_import(tmp_path, "NAVAll.txt", text, policy)
    assert result.ok and result.records == []
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [("I122", "warning")]
    assert "no NAV for any security of the policy" in result.diagnostics[0].message


def test_navall_bad_cells_of_policy_rows_are_located(tmp_path, policy):
    text = "\n".join([OLD_HEADER,
                      "1;INF789F01XA0;-;UTI Nifty;1x;19-Jun-2026",        # line 2: NAV at column 28
                      "2;INF209KA12Z1;-;ABSL;108.2;31-Jun-2026",          # line 3: no 31 June; date at column 29
                      "3;-;INF209KA13Z9;ABSL;0;2026-06-19",               # line 4: NAV 0 (col 23), ISO date (col 25)
                      "4;INF846K01ZK1;-;Axis;garbage;not a date"])        # not the policy's: ignored
    result = read_import(tmp_path, "NAVAll.txt", text, policy)
    assert result.records == []
    assert sorted(located(result)) == [("I101", 3, 29), ("I101", 4, 25), ("I103", 2, 28), ("I104", 4, 23)]
    bad_date = next(d for d in result.diagnostics if d.span.line == 3)
    assert "31-Jun-2026" in bad_date.message and "19-Jun-2026" in bad_date.hint
    assert str(bad_date.span) == "NAVAll.txt:3:29"


def test_navall_short_rows(tmp_path, policy):
    text = "\n".join([OLD_HEADER,
                      "120716;INF789F01XA0;-;172.4310;19-Jun-2026",   # a policy scheme, one field short
                      "135666;INF846K01ZK1;-;2601.4567;19-Jun-2026"])  # another scheme: skipped
    result = read_import(tmp_path, "NAVAll.txt", text, policy)
    assert located(result) == [("I121", 2, 1)] and "UTIN50" in result.diagnostics[0].message


def test_navall_same_nav_twice_is_one_price_a_different_one_an_error(tmp_path, policy):
    row = "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;{};19-Jun-2026"
    result = read_import(tmp_path, "NAVAll.txt", "\n".join([OLD_HEADER, row.format("172.4310"), row.format("172.431")]),
                  policy)
    assert result.diagnostics == [] and len(result.records) == 1
    result = read_import(tmp_path, "NAVAll.txt", "\n".join([OLD_HEADER, row.format("172.4310"), row.format("172.5")]),
                  policy)
    assert located(result) == [("I123", 3, 71)] and "line 2" in result.diagnostics[0].hint


def test_navall_header_without_nav(tmp_path, policy):
    result = read_import(tmp_path, "NAVAll.txt", "Scheme Code;ISIN Div Payout/ ISIN Growth;Scheme Name;Date\n"
                                          "120716;INF789F01XA0;UTI;19-Jun-2026\n", policy)
    assert located(result) == [("I120", 1, 1)] and "Net Asset Value" in result.diagnostics[0].message


def test_navall_detection(tmp_path, policy):
    assert read_import(tmp_path, "a.txt", "\ufeff\n\n" + NAVALL_OLD, policy).kind == "amfi-navall"  # BOM, blank lines
    assert read_import(tmp_path, "b.txt", "Open Ended Schemes\n" + NAVALL_OLD, policy).kind is None
    assert read_import(tmp_path, "c.txt", "date,security,price\n2026-06-19,INF789F01XA0,1\n", policy).kind == "prices-csv"


def test_navall_without_a_policy_reads_nothing(tmp_path):
    result = read_import(tmp_path, "NAVAll.txt", NAVALL_OLD, None)
    assert result.records == [] and [d.code for d in result.diagnostics] == ["I122"]


def test_navall_into_the_book(tmp_path, policy):
    book = Book.open(tmp_path / "b.db", create=True)
    old = write_file(tmp_path, "NAVAll-0619.txt", NAVALL_OLD)
    assert (load(book, old, policy).added, load(book, old, policy).already_imported) == (3, True)
    report = load(book, write_file(tmp_path, "NAVAll-0821.txt", NAVALL_NEW), policy)
    assert (report.added, report.skipped, report.updated) == (3, 0, 0)
    assert book.latest_price("UTIN50", date(2026, 7, 1)) == Price(date(2026, 6, 19), "UTIN50", Decimal("172.4310"))
    assert book.latest_price("UTIN50", date(2026, 9, 1)).price == Decimal("175.0021")


# ------------------------------------------------------------------------ FMV CSV
def test_fmv_csv(tmp_path, policy, family):
    result = read_import(tmp_path, "fmv.csv", "security,fmv\nINF179K01BE2,481.888\ninf789f01xa0,71.3422\n", family)
    assert (result.kind, result.stores, result.diagnostics) == ("fmv-csv", "fmv", [])
    assert result.records == [Fmv("INF179K01BE2", Decimal("481.888")), Fmv("INF789F01XA0", Decimal("71.3422"))]
    # by the ISIN or the id: the policy's id; the same value twice is one record; columns in any order
    result = read_import(tmp_path, "fmv.csv", "fmv,security\n71.3422,INF789F01XA0\n71.34220,utin50\n", policy)
    assert result.records == [Fmv("UTIN50", Decimal("71.3422"))] and result.diagnostics == []


@pytest.mark.parametrize("row, code, column", [
    ("INF000000000,10", "I105", 1),
    (",10", "I108", 1),
    ("INF179K01BE2,0", "I104", 14),
    ("INF179K01BE2,Rs 10", "I103", 14),
    ("INF179K01BE2,-10", "I103", 14),
    ("INF179K01BE2,10,3", "I106", 1),
])
def test_fmv_bad_rows(tmp_path, family, row, code, column):
    result = read_import(tmp_path, "fmv.csv", "security,fmv\n" + row + "\n", family)
    assert located(result) == [(code, 2, column)] and result.records == []


def test_fmv_conflict_and_empty(tmp_path, family):
    result = read_import(tmp_path, "fmv.csv", "security,fmv\nINF179K01BE2,481.888\ninf179k01be2,481.9\n", family)
    assert located(result) == [("I125", 3, 14)] and "row 2" in result.diagnostics[0].hint
    assert located(read_import(tmp_path, "fmv.csv", "security,fmv\n", family)) == [("I109", 1, 1)]


def test_fmv_detection(tmp_path, family):
    assert read_import(tmp_path, "f.csv", "Security,FMV\nINF179K01BE2,1\n", family).kind == "fmv-csv"
    assert read_import(tmp_path, "f.csv", "date,security,fmv\n", family).kind is None


def test_fmv_into_the_book(tmp_path, family):
    book = Book.open(tmp_path / "b.db", create=True)
    first = write_file(tmp_path, "fmv1.csv", "security,fmv\nINF179K01BE2,481.888\n")
    assert (load(book, first, family).added, load(book, first, family).already_imported) == (1, True)
    report = load(book, write_file(tmp_path, "fmv2.csv", "security,fmv\nINF179K01BE2,481.8880\nINF789F01XA0,71.3422\n"),
                  family)
    assert (report.added, report.skipped, report.updated) == (1, 1, 0)
    report = load(book, write_file(tmp_path, "fmv3.csv", "security,fmv\nINF179K01BE2,481.89\n"), family)
    assert (report.added, report.skipped, report.updated) == (0, 0, 1)
    assert book.fmv() == {"INF179K01BE2": Decimal("481.89"), "INF789F01XA0": Decimal("71.3422")}
    assert book.counts()["fmv"] == 2


def test_a_failed_write_leaves_the_book_as_it_was(tmp_path):
    book = Book.open(tmp_path / "b.db", create=True)
    with pytest.raises(sqlite3.IntegrityError):
        book.add("fmv", [Fmv("A", Decimal(1)), Fmv(None, Decimal(2))], sha256="x", name="f", kind="fmv-csv")
    assert book.counts() == {"transactions": 0, "prices": 0, "fmv": 0, "losses": 0, "imports": 0}


# -------------------------------------------------------------------- losses CSV
def test_losses_csv(tmp_path, policy):
    text = ("investor,fy,term,amount\n"
            "asha,FY 2022-23,short-term,12500.50\n"
            "A SHARMA,2023-24,LTCL,\"1,00,000\"\n"
            "Asha S,fy2021-2022,long,800\n"
            "ravi,FY 2024-25,STCL,42\n"
            "ravi,2024-25, Short Term ,42\n")  # the same loss twice: once
    result = read_import(tmp_path, "losses.csv", text, policy)
    assert (result.kind, result.stores, result.diagnostics) == ("losses-csv", "losses", [])
    assert result.records == [BroughtForwardLoss("asha", 2022, "short-term", Decimal("12500.50")),
                              BroughtForwardLoss("asha", 2023, "long-term", Decimal("100000")),
                              BroughtForwardLoss("asha", 2021, "long-term", Decimal("800")),
                              BroughtForwardLoss("ravi", 2024, "short-term", Decimal("42"))]


@pytest.mark.parametrize("row, code, column", [
    ("asha,FY 2025-27,short-term,100", "I126", 6),   # a financial year runs one year
    ("asha,2025,short-term,100", "I126", 6),
    ("asha,FY 2025-26,medium,100", "I127", 17),
    ("asha,FY 2025-26,short-term,-100", "I103", 28),
    ("meera,FY 2025-26,short-term,100", "I105", 1),
    (",FY 2025-26,short-term,100", "I108", 1),
    ("asha,FY 2025-26,short-term", "I106", 1),
])
def test_losses_bad_rows(tmp_path, policy, row, code, column):
    result = read_import(tmp_path, "losses.csv", "investor,fy,term,amount\n" + row + "\n", policy)
    assert located(result) == [(code, 2, column)] and result.records == []


def test_losses_into_and_zero(tmp_path, policy):
    """`into` names the FY the amount was brought into (default: the year after the loss
    arose); zero says nothing of the loss was carried into that year (a late return, s.80)."""
    result = read_import(tmp_path, "losses.csv", "investor,fy,term,amount,into\n"
                                          "asha,FY 2019-20,short-term,5000,\n"
                                          "asha,FY 2019-20,short-term,1200,FY 2022-23\n"
                                          "ravi,2020-21,LTCL,0,2021-22\n", policy)
    assert result.diagnostics == []
    assert result.records == [BroughtForwardLoss("asha", 2019, "short-term", Decimal(5000), 2020),
                              BroughtForwardLoss("asha", 2019, "short-term", Decimal(1200), 2022),
                              BroughtForwardLoss("ravi", 2020, "long-term", Decimal(0), 2021)]
    bad = read_import(tmp_path, "losses.csv", "investor,fy,term,amount,into\nasha,FY 2019-20,STCL,10,FY 2019-20\n"
                                       "asha,FY 2019-20,STCL,10,2021\n", policy)
    assert located(bad) == [("I129", 2, 25), ("I126", 3, 25)] and bad.records == []


def test_losses_every_bad_cell_and_conflicts(tmp_path, policy):
    result = read_import(tmp_path, "losses.csv", "investor,fy,term,amount\nravi,FY 2025-27,both,x\n"
                                          "asha,2022-23,short,100\nasha,FY 2022-23,STCL,200\n", policy)
    assert located(result) == [("I126", 2, 6), ("I127", 2, 17), ("I103", 2, 22), ("I128", 4, 22)]
    assert "FY 2025-26" in result.diagnostics[0].hint and "row 3" in result.diagnostics[3].hint


def test_losses_into_the_book(tmp_path, policy):
    book = Book.open(tmp_path / "b.db", create=True)
    first = write_file(tmp_path, "l1.csv", "investor,fy,term,amount\nasha,FY 2022-23,short-term,500\n"
                                      "ravi,FY 2021-22,long-term,700\n")
    assert (load(book, first, policy).added, load(book, first, policy).already_imported) == (2, True)
    report = load(book, write_file(tmp_path, "l2.csv", "investor,fy,term,amount\nasha,FY 2022-23,STCL,500.00\n"
                                                  "asha,FY 2022-23,LTCL,10\nravi,FY 2021-22,long,650\n"), policy)
    assert (report.added, report.skipped, report.updated) == (1, 1, 1)
    assert book.losses() == [BroughtForwardLoss("asha", 2022, "long-term", Decimal("10")),
                             BroughtForwardLoss("asha", 2022, "short-term", Decimal("500")),
                             BroughtForwardLoss("ravi", 2021, "long-term", Decimal("650"))]


def test_detection_does_not_confuse_the_csv_kinds(tmp_path, policy):
    assert read_import(tmp_path, "x.csv", "investor,fy,term,amount\n", policy).kind == "losses-csv"
    assert read_import(tmp_path, "x.csv", "date,investor,account,security,type,units,price\n", policy).kind == \
        "transactions-csv"


# ----------------------------------------------------------- through the command


def test_cli_imports_the_new_kinds(tmp_path, capsys, monkeypatch):
    from engine.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(["init", "--policy", str(FAMILY)]) == 0
    nav = write_file(tmp_path, "NAVAll.txt", "\n".join([
        OLD_HEADER, "", "UTI Mutual Fund", "",
        "120716;INF789F01XA0;-;UTI Nifty 50 Index Fund - Growth Option- Direct;172.4310;19-Jun-2026"]))
    fmv = write_file(tmp_path, "fmv.csv", "security,fmv\nINF179K01BE2,481.888\n")
    losses = write_file(tmp_path, "losses.csv", "investor,fy,term,amount\nasha,FY 2022-23,STCL,1000\n")
    capsys.readouterr()
    assert main(["import", "--json", str(nav), str(fmv), str(losses)]) == 0
    out = capsys.readouterr().out
    assert all(f'"kind": "{k}"' in out for k in ("amfi-navall", "fmv-csv", "losses-csv"))
    book = Book.open(tmp_path / "lotwise.db")
    assert (book.fmv(), len(book.losses()), book.counts()["prices"]) == (
        {"INF179K01BE2": Decimal("481.888")}, 1, 1)


# ----------------------------------------------------------------------- fuzzing
def assert_located(result, text):
    lines = source_lines(text.lstrip("\ufeff"))
    for d in result.diagnostics:
        assert d.span is not None and 1 <= d.span.line <= len(lines), d
        assert 1 <= d.span.column <= len(lines[d.span.line - 1]) + 1, d
    if not result.ok:
        assert result.records == []


FIELDS = st.sampled_from(["120716", "INF789F01XA0", "inf209ka12z1", "INF209KA13Z9", "INF846K01ZK1", "-", "",
                          " ", "N.A.", "na", "108.1997", "0", "-1", "1,000.5", "1e5", "nan", "9" * 40,
                          "19-Jun-2026", "31-Feb-2026", "19-JUN-2026", "2026-06-19", "Scheme Code", "Date",
                          "Net Asset Value", "UTI Nifty 50 Index Fund", '"', "\r", "₹"])
LINES = st.one_of(st.lists(FIELDS, min_size=1, max_size=10).map(";".join),
                  st.sampled_from(["", " ", "Open Ended Schemes(Index Funds)", "UTI Mutual Fund", OLD_HEADER,
                                   NEW_HEADER, "Scheme Code;Date"]))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([OLD_HEADER, NEW_HEADER]), st.lists(LINES, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_mangled_navall_lines_give_located_errors_never_a_traceback(tmp_path, policy, header, lines, end):
    text = end.join([header] + lines) + end
    result = read_import(tmp_path, "NAVAll.txt", text, policy)
    assert result.kind == "amfi-navall"
    assert_located(result, text)


CELLS = st.sampled_from(["asha", "A SHARMA", "meera", "", "FY 2022-23", "2022-23", "FY 2025-27", "fy", "2022",
                         "short-term", "LTCL", "long", "medium", "100", "0", "-5", "1,00,000", "1e5", "nan",
                         "INF179K01BE2", "inf789f01xa0", "INF000000000", '"', '"a,b"', "9" * 40, "₹"])


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["security,fmv", "investor,fy,term,amount", "fmv,security,note"]),
       st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=6))
def test_mangled_fmv_and_losses_rows_give_located_errors_never_a_traceback(tmp_path, family, header, table):
    text = header + "\n" + "\n".join(",".join(row) for row in table) + "\n"
    result = read_import(tmp_path, "f.csv", text, family)
    assert result.kind in ("fmv-csv", "losses-csv")
    assert_located(result, text)
