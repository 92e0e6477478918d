"""`lotwise init --from-cas` (issue 16.1) and a CAS's NAVs as prices (16.2a), as a user runs them:
a generated family CAS (cas_family.py: 3 AMCs, 6 schemes, one redeemed in 2020, one Regular plan
with its Direct plan, 2 investors) -> the skeleton policy (its text exactly) -> `check` says the
TODOs -> targets filled -> `check` ok -> `status` with the CAS's prices only."""

import json
import re
import sqlite3
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).parent)]
import cas_family  # noqa: E402

from conftest import lotwise  # noqa: E402
from engine.book.importers.cas_skeleton import masked  # noqa: E402
from engine.book.importers.scheme_classes import class_of  # noqa: E402

SKELETON = '''\
# A policy skeleton written by `lotwise init --from-cas` from cas.json.
# Fill the asset targets marked TODO (they add up to 100%), check each fund's class,
# then run `lotwise check`.
use "india"
use "perpetual"

portfolio "ASHA SHARMA" {
    # PAN XXXXX1234X (masked: `lotwise init --from-cas --show-pan` writes it in full)
    investor asha "ASHA SHARMA"
    # PAN XXXXX5678X (masked: `lotwise init --from-cas --show-pan` writes it in full)
    investor ravi "RAVI SHARMA"
    # give each investor's income-tax rate, e.g. `slab 30%`: debt funds' gains are taxed at it

    asset "Equity" TODO class equity
    asset "Debt" TODO class specified-fund
    asset "Gold and overseas" TODO class other-unlisted

    # UTI Mutual Fund; casparser type EQUITY
    # class equity: the name says "nifty" (an equity fund: equity-oriented)
    fund INF789F01XA0 "UTI Nifty 50 Index Fund - Direct Plan - Growth" holds "Equity"

    # HDFC Mutual Fund; casparser type EQUITY
    # class equity: the name says "flexi cap" (an equity fund: equity-oriented)
    # a regular plan: legacy, to be sold for its direct plan (in this statement)
    fund INF179K01BE2 "HDFC Flexi Cap Fund - Regular Plan - Growth" holds "Equity"
        legacy, replace with INF179K01UT0

    # HDFC Mutual Fund; casparser type EQUITY
    # class equity: the name says "flexi cap" (an equity fund: equity-oriented)
    fund INF179K01UT0 "HDFC Flexi Cap Fund - Direct Plan - Growth" holds "Equity"

    # UTI Mutual Fund; casparser type DEBT; redeemed: none held at the statement's end
    # class specified-fund: the name says "liquid" (a debt fund: a specified fund (s.50AA))
    # legacy: new money does not buy a scheme you left (remove `legacy` to buy it again)
    fund INF789F01LQ1 "UTI Liquid Fund - Direct Plan - Growth" holds "Debt"
        legacy

    # ICICI Prudential Mutual Fund; casparser type DEBT
    # class specified-fund: the name says "corporate bond" (a debt fund: a specified fund (s.50AA))
    fund INF109K01Z48 "ICICI Prudential Corporate Bond Fund - Direct Plan - Growth" holds "Debt"

    # ICICI Prudential Mutual Fund; casparser type EQUITY
    # class other-unlisted: the name says "nasdaq" (gold, silver and overseas funds (of funds) are neither \
equity-oriented nor debt funds)
    fund INF109K01ND7 "ICICI Prudential NASDAQ 100 Index Fund - Direct Plan - Growth" holds "Gold and overseas"
}
'''


def started(tmp_path: Path, text: str | None = None, *args: str):
    (tmp_path / "cas.json").write_text(text if text is not None else cas_family.cas())
    return lotwise(tmp_path, "init", "--from-cas", "cas.json", *args)


def fill(tmp_path: Path) -> None:
    """The targets a user writes (as `sed -i 's/"Equity" TODO/"Equity" 70%/'` would)."""
    path = tmp_path / "policy.rules"
    text = path.read_text()
    for asset, target in (("Equity", "70%"), ("Debt", "20%"), ("Gold and overseas", "10%")):
        text = text.replace(f'asset "{asset}" TODO', f'asset "{asset}" {target}')
    path.write_text(text)


def test_the_whole_path_from_a_cas_to_status(tmp_path):
    done = started(tmp_path)
    # 100 transactions: SIPs 46 (UTI Nifty, Jan 2022-Oct 2025) + 2 bought and 1 redeemed (UTI Liquid)
    # + 12 (Corporate Bond) + 6 (Nasdaq) + 3 (HDFC Regular) + 30 (HDFC Direct, Jan 2023-Jun 2025).
    # 106 prices: one per (scheme, day) of those rows (100: no two on one day) + each scheme's
    # valuation on 2025-10-31 (6, no transaction that day).
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "wrote policy.rules: 2 investor(s) (asha, ravi), 3 asset(s) with target TODO (Equity, Debt, Gold and overseas)\n"
        "created book lotwise.db with policy policy.rules\n"
        "cas.json: casparser-json, 100 added, 0 skipped; 106 prices added from its NAVs\n"
        "next: fill the targets marked TODO in policy.rules (they add up to 100%) and check each fund's class, "
        "then `lotwise check policy.rules`\n")
    assert (tmp_path / "policy.rules").read_text() == SKELETON.replace("\\\n", "")
    assert lotwise(tmp_path, "fmt", "--check", "policy.rules").returncode == 0  # written in the canonical layout

    check = lotwise(tmp_path, "check", "policy.rules")
    assert check.returncode == 1
    said = re.findall(r"^(policy\.rules:\d+:\d+: error\[\w+\]: .*)$", check.stderr, re.M)
    assert said == [
         'policy.rules:14:20: error[V370]: asset "Equity" has no target yet: replace TODO with a percentage; '
        "the targets must sum to 100%",
        'policy.rules:15:18: error[V370]: asset "Debt" has no target yet: replace TODO with a percentage; '
        "the targets must sum to 100%",
        'policy.rules:16:31: error[V370]: asset "Gold and overseas" has no target yet: replace TODO with a '
        "percentage; the targets must sum to 100%"]
    assert check.stdout == "failed: 1 file(s), 3 error(s), 0 warning(s)\n"
    refused = lotwise(tmp_path, "status", "--as-of", "2025-11-03")
    assert refused.returncode == 1 and refused.stderr.count("error[V370]") == 3

    fill(tmp_path)
    assert lotwise(tmp_path, "check", "policy.rules").stdout == "ok: 1 file(s), 0 error(s), 0 warning(s)\n"
    status = lotwise(tmp_path, "status", "--as-of", "2025-11-03", "--json")
    assert status.returncode == 0, status.stderr
    # Valued at the CAS's own NAVs of 2025-10-31 (the latest on or before 3 November): each
    # scheme's closing units x its valuation NAV, summed from the file, not from lotwise.
    data = json.loads((tmp_path / "cas.json").read_text())
    expected = sum(D(s["close"]) * D(s["valuation"]["nav"]) for f in data["folios"] for s in f["schemes"])
    shown = json.loads(status.stdout)
    assert D(shown["value"]) == expected.quantize(D("0.01")) == D("732718.89")


def test_the_same_cas_twice_adds_nothing_and_another_sources_price_stays(tmp_path):
    """A prices CSV's NAV for 2025-10-31 is imported first; the CAS's valuation NAV for that day
    does not replace it (the price file is the one the user chose to import), and importing the
    CAS again adds nothing."""
    (tmp_path / "prices.csv").write_text("date,security,price\n2025-10-31,INF789F01XA0,999.5\n")
    assert started(tmp_path).returncode == 0
    fill(tmp_path)  # until then every command refuses the policy (V370), `import` too
    assert lotwise(tmp_path, "import", "prices.csv").returncode == 0  # a later file replaces: as documented
    again = lotwise(tmp_path, "import", "cas.json")
    assert again.returncode == 0 and again.stdout == "cas.json: casparser-json, 0 added, 100 skipped (already imported)\n"
    # A second statement (another file, the same rows): its transactions are skipped, and its
    # NAV for 2025-10-31 does not replace the prices CSV's.
    (tmp_path / "cas2.json").write_text(cas_family.cas() + "\n")
    second = lotwise(tmp_path, "import", "cas2.json")
    assert second.stdout == "cas2.json: casparser-json, 0 added, 100 skipped; 0 prices added from its NAVs\n"
    db = sqlite3.connect(tmp_path / "lotwise.db")
    assert db.execute("SELECT price FROM prices WHERE security = 'INF789F01XA0' AND date = '2025-10-31'"
                      ).fetchall() == [("999.5",)]
    assert db.execute("SELECT count(*) FROM prices").fetchone() == (106,)
    kinds = db.execute("SELECT i.kind, count(*) FROM prices p JOIN imports i ON i.id = p.import_id GROUP BY i.kind "
                       "ORDER BY i.kind").fetchall()
    assert kinds == [("casparser-json", 105), ("prices-csv", 1)]


def test_a_cas_without_pans_matches_by_name(tmp_path):
    done = started(tmp_path, cas_family.cas(pans=False))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "policy.rules").read_text()
    assert ('    # the statement gives no PAN for this holder\n    investor asha "ASHA SHARMA"\n'
            '    # the statement gives no PAN for this holder\n    investor ravi "RAVI SHARMA"\n') in text
    assert "100 added" in done.stdout


def test_show_pan_writes_the_pans(tmp_path):
    done = started(tmp_path, None, "--show-pan")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "policy.rules").read_text()
    assert '    investor asha "ASHA SHARMA" pan ABCPS1234K\n    investor ravi "RAVI SHARMA" pan BCDPR5678L\n' in text
    assert "XXXXX" not in text


def test_holders_told_apart_only_by_pan_need_show_pan(tmp_path):
    """Ravi's folio without its own name: both holders are "ASHA SHARMA" by name (the statement's
    holder), so a masked policy could not tell their folios apart: nothing is written."""
    text = cas_family.cas(ravi_named=False)
    done = started(tmp_path, text)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("lotwise: the holders of `cas.json` can be told apart only by their PANs: run again with "
                           "--show-pan (the policy then states each investor's PAN in full)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cas.json"]
    shown = started(tmp_path, text, "--show-pan")
    assert shown.returncode == 0, shown.stderr
    assert '    investor asha-2 "ASHA SHARMA" pan BCDPR5678L\n' in (tmp_path / "policy.rules").read_text()


def test_a_scheme_without_isin_is_a_clear_error_and_nothing_is_written(tmp_path):
    done = started(tmp_path, cas_family.cas(no_isin=True))
    assert done.returncode == 1 and done.stdout == ""
    first = done.stderr.splitlines()[0]
    assert re.fullmatch(r'cas\.json:\d+:\d+: error\[I156\]: folios\[2\]\.schemes\[0\]: scheme "ICICI Prudential '
                        r'Corporate Bond Fund - Direct Plan - Growth" has no ISIN, so lotwise cannot tell which '
                        r"security it is", first), first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cas.json"]


def test_an_existing_policy_is_never_written_over(tmp_path):
    (tmp_path / "policy.rules").write_text("# mine\n")
    done = started(tmp_path)
    assert done.returncode == 1
    assert done.stderr == ("lotwise: `policy.rules` already exists and lotwise never writes over a policy: name "
                           "another file with --policy FILE, or move that one away\n")
    assert (tmp_path / "policy.rules").read_text() == "# mine\n" and not (tmp_path / "lotwise.db").exists()
    other = started(tmp_path, None, "--policy", "family.rules", "--book", "family.db")
    assert other.returncode == 0 and (tmp_path / "family.rules").exists() and (tmp_path / "family.db").exists()


def test_an_existing_book_is_never_changed(tmp_path):
    """A book made already (another family's, with its own policy): `init --from-cas` stops
    before writing anything (C142), the book's transactions, prices and policy as they were."""
    assert started(tmp_path).returncode == 0
    before = (tmp_path / "lotwise.db").read_bytes()
    (tmp_path / "other.json").write_text(cas_family.cas(ravi_named=False))
    done = lotwise(tmp_path, "init", "--from-cas", "other.json", "--policy", "other.rules")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("lotwise: `lotwise.db` already exists: `init --from-cas` starts a new book and never "
                           "changes one; name another with --book PATH, or import the statement into that book "
                           "with `lotwise import` (its policy unchanged)\n")
    assert (tmp_path / "lotwise.db").read_bytes() == before and not (tmp_path / "other.rules").exists()


def test_a_bad_row_of_the_statement_is_blamed_on_the_statement(tmp_path):
    """A NAV that is not a number: the import is refused at the statement's line and column, and
    the last line says to correct the statement (not the policy, which is written and fine)."""
    data = json.loads(cas_family.cas())
    data["folios"][0]["schemes"][0]["transactions"][0]["nav"] = "abc"
    done = started(tmp_path, json.dumps(data, indent=1))
    assert done.returncode == 1 and "error[I154]" in done.stderr and "`nav` `abc` is not a number" in done.stderr
    assert done.stdout.splitlines()[-1] == ("cas.json was not imported: correct it (or make it again with casparser) "
                                            "as said above, then `lotwise import cas.json` into this book; "
                                            "policy.rules is written")


def test_show_pan_alone_is_a_usage_error(tmp_path):
    done = lotwise(tmp_path, "init", "--show-pan")
    assert done.returncode == 2 and done.stderr == "lotwise: --show-pan goes with --from-cas\n"


@pytest.mark.parametrize("name, kind, expected", [
    ("Axis Long Term Equity Fund - Direct Growth", "EQUITY", "equity"),
    ("ICICI Prudential Equity & Debt Fund - Growth", "HYBRID", "equity"),  # aggressive hybrid, before "debt"
    ("Kotak Equity Arbitrage Fund - Direct Growth", "HYBRID", "equity"),
    ("HDFC Balanced Advantage Fund - Growth", "HYBRID", "equity"),
    ("SBI Conservative Hybrid Fund - Growth", "HYBRID", "specified-fund"),
    ("Nippon India Gold Savings Fund - Growth", "OTHER", "other-unlisted"),
    ("Aditya Birla Sun Life Banking & PSU Debt Fund - Growth", "DEBT", "specified-fund"),
    ("Parag Parikh Flexi Cap Fund - Direct Growth", None, "equity"),
    ("Some Scheme - Growth", "DEBT", "specified-fund"),  # the name says nothing: casparser's type
    ("ICICI Prudential Multi-Asset Fund - Growth", "EQUITY", None),  # "multi asset" (hyphen or not): check the class
    ("Some Scheme - Growth", "HYBRID", None),
    # funds investing abroad, though their names say "equity" or "bluechip": not equity-oriented
    ("ICICI Prudential US Bluechip Equity Fund - Direct Plan - Growth", "EQUITY", "other-unlisted"),
    ("Nippon India Japan Equity Fund - Growth", "EQUITY", "other-unlisted"),
    ("Franklin Asian Equity Fund - Growth", "EQUITY", "other-unlisted"),
    ("Edelweiss Greater China Equity Off-shore Fund - Growth", "EQUITY", "other-unlisted"),
    ("Bharat Bond FOF - April 2030 - Direct Plan - Growth", "DEBT", None),  # a fund of debt funds: check
    ("Kotak Emerging Equity Fund - Growth", "EQUITY", "equity"),  # "emerging" alone is not abroad
])
def test_the_class_table(name, kind, expected):
    assert class_of(name, kind).name == expected


def test_a_pan_is_masked_to_its_digits_and_last_letter():
    assert masked("ABCPS1234K") == "XXXXX1234X"


def test_a_fund_whose_class_is_not_told_leaves_the_import_for_later(tmp_path):
    """A multi asset fund: no class (V316 until given), so the draft does not resolve; the policy
    and the book stay, nothing is imported, and the next steps are said; once the class and the
    targets are given, `lotwise import cas.json` imports it."""
    text = cas_family.cas().replace("ICICI Prudential NASDAQ 100 Index Fund", "ICICI Prudential Multi-Asset Fund")
    done = started(tmp_path, text)
    assert done.returncode == 1
    assert "error[V316]: INF109K01ND7 has no tax class" in done.stderr
    assert done.stdout.splitlines()[-1] == ("cas.json was not imported: correct policy.rules as said above "
                                            "(`lotwise check policy.rules`), then `lotwise import cas.json`")
    policy = (tmp_path / "policy.rules").read_text()
    assert '    asset "Unclassified" TODO\n' in policy
    assert '    # check the class: the name says "multi asset"' in policy
    assert (tmp_path / "lotwise.db").exists()
    fill(tmp_path)
    policy = (tmp_path / "policy.rules").read_text().replace('"Unclassified" TODO', '"Unclassified" 0% class hybrid')
    (tmp_path / "policy.rules").write_text(policy.replace('asset "Gold and overseas" 10%', "").replace(
        '"Equity" 70%', '"Equity" 80%'))
    later = lotwise(tmp_path, "import", "cas.json")
    assert later.returncode == 0, later.stderr
    assert later.stdout == "cas.json: casparser-json, 100 added, 0 skipped; 106 prices added from its NAVs\n"


def test_the_prices_a_cas_carries():
    """examples/formats/cas.json: the SIPs of 2024-06-05 and 2024-07-05, the redemption of
    2025-07-10 and the valuation of 2025-10-31 give prices; the SIP of 2024-08-05, reversed on
    2024-08-08, gives none (nor does the reversal). A valuation on a transaction's day wins."""
    from datetime import date

    from engine.book.importers import casparser_json
    from engine.transactions import Price

    text = (Path(__file__).parents[2] / "examples" / "formats" / "cas.json").read_text()
    _, prices, problems = casparser_json.read_all(text, "cas.json", None, investor="asha")
    assert not [d for d in problems if d.is_error]
    isin = "INF789F01XA0"
    assert prices == [Price(date(2024, 6, 5), isin, D("150.5270")), Price(date(2024, 7, 5), isin, D("156.2422")),
                      Price(date(2025, 7, 10), isin, D("170.0000")), Price(date(2025, 10, 31), isin, D("171.2000"))]
    moved = text.replace('"valuation": {"date": "2025-10-31", "nav": "171.2000"',
                         '"valuation": {"date": "2025-07-10", "nav": "170.5000"')
    _, prices, _ = casparser_json.read_all(moved, "cas.json", None, investor="asha")
    assert prices[-1] == Price(date(2025, 7, 10), isin, D("170.5000")) and len(prices) == 3
