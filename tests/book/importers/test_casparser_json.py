"""casparser's JSON: folios -> schemes -> transactions, to exact transactions and lots."""

import copy
import json
import re
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINI_LAW
from engine.book.store import Book
from engine.book.importers import casparser_json, read_file
from engine.ledger.fifo import LedgerError, replay
from engine.policy import check_file
from engine.transactions import Transaction, TxType

POLICY = MINI_LAW + """
portfolio "Sharma family" {
    investor asha "Asha Sharma" pan ABCPS1234K
    investor ravi "Ravi Sharma" alias "R K SHARMA", "Ravi K"
    asset "Large" 60% class equity
    asset "Mid" 40% class equity
    fund INF789F01XA0 "UTI Nifty 50 Index Fund - Direct Growth" holds "Large"
    fund INF179K01BE2 "HDFC Large Cap Fund - Regular Growth" holds "Large"
    fund INF179K01AS4 "HDFC Growth Opportunities Fund - Regular Growth" holds "Mid"
}
"""

# Two folios of one investor, as casparser writes them (one transaction per line here, so
# that lines are easy to name). Folio 1 has decimals as strings, as casparser writes them;
# folio 2 has plain JSON numbers.
CAS = """{
  "statement_period": {"from": "01-Apr-2023", "to": "31-Oct-2024"},
  "file_type": "CAMS",
  "cas_type": "DETAILED",
  "investor_info": {"name": "ASHA SHARMA", "email": "asha@example.com", "address": "12 MG Road, Pune", "mobile": "9800000000"},
  "folios": [
    {
      "folio": "1234567/89",
      "amc": "UTI Mutual Fund",
      "PAN": "ABCPS1234K",
      "KYC": "OK",
      "PANKYC": "OK",
      "schemes": [
        {
          "scheme": "UTI Nifty 50 Index Fund - Direct Plan - Growth",
          "advisor": "DIRECT",
          "rta_code": "UTNFDG",
          "rta": "KFINTECH",
          "type": "EQUITY",
          "isin": "INF789F01XA0",
          "amfi": "120716",
          "open": "0.000",
          "close": "45.215",
          "close_calculated": "45.215",
          "valuation": {"date": "2024-10-31", "nav": "161.2000", "value": "7288.66"},
          "transactions": [
            {"date": "2024-01-05", "description": "SIP Purchase - Instalment 1/60", "amount": "4999.75", "units": "33.215", "nav": "150.5270", "balance": "33.215", "type": "PURCHASE_SIP", "dividend_rate": null},
            {"date": "2024-01-05", "description": "*** Stamp Duty ***", "amount": "0.25", "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2024-02-05", "description": "SIP Purchase - Instalment 2/60", "amount": "4999.75", "units": "32.000", "nav": "156.2422", "balance": "65.215", "type": "PURCHASE_SIP", "dividend_rate": null},
            {"date": "2024-02-05", "description": "*** Stamp Duty ***", "amount": "0.25", "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2024-03-05", "description": "SIP Purchase - Instalment 3/60", "amount": "4999.75", "units": "31.500", "nav": "158.7222", "balance": "96.715", "type": "PURCHASE_SIP", "dividend_rate": null},
            {"date": "2024-03-05", "description": "*** Stamp Duty ***", "amount": "0.25", "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2024-03-08", "description": "SIP Purchase Reversal - Payment not received", "amount": "-4999.75", "units": "-31.500", "nav": "158.7222", "balance": "65.215", "type": "REVERSAL", "dividend_rate": null},
            {"date": "2024-03-08", "description": "*** Stamp Duty Reversal ***", "amount": "-0.25", "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2024-04-01", "description": "*** Address Updated ***", "amount": null, "units": null, "nav": null, "balance": null, "type": "MISC", "dividend_rate": null},
            {"date": "2024-06-10", "description": "Redemption", "amount": "-3200.00", "units": "-20.000", "nav": "160.0000", "balance": "45.215", "type": "REDEMPTION", "dividend_rate": null},
            {"date": "2024-06-10", "description": "*** STT Paid ***", "amount": "0.03", "units": null, "nav": null, "balance": null, "type": "STT_TAX", "dividend_rate": null}
          ]
        }
      ]
    },
    {
      "folio": "9876543210 / 0",
      "amc": "HDFC Mutual Fund",
      "PAN": "ABCPS1234K",
      "KYC": "OK",
      "PANKYC": "OK",
      "schemes": [
        {
          "scheme": "HDFC Growth Opportunities Fund - Regular Plan - Growth",
          "advisor": "ARN-12345",
          "rta_code": "HGOFG",
          "rta": "CAMS",
          "type": "EQUITY",
          "isin": "INF179K01AS4",
          "amfi": "100473",
          "open": 0,
          "close": 0,
          "close_calculated": 0,
          "valuation": {"date": "2024-10-31", "nav": 0, "value": 0},
          "transactions": [
            {"date": "2023-05-15", "description": "Purchase", "amount": 9999.50, "units": 399.980, "nav": 25.0000, "balance": 399.980, "type": "PURCHASE", "dividend_rate": null},
            {"date": "2023-05-15", "description": "*** Stamp Duty ***", "amount": 0.50, "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2023-11-20", "description": "IDCW Reinvestment @ Rs.0.50 per unit", "amount": 199.99, "units": 7.843, "nav": 25.5000, "balance": 407.823, "type": "DIVIDEND_REINVEST", "dividend_rate": 0.50},
            {"date": "2023-11-20", "description": "*** Stamp Duty ***", "amount": 0.01, "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2023-11-20", "description": "*** TDS on above ***", "amount": 0.00, "units": null, "nav": null, "balance": null, "type": "TDS_TAX", "dividend_rate": null},
            {"date": "2024-08-01", "description": "Switch Out - Merger - To HDFC Large Cap Fund", "amount": -11419.04, "units": -407.823, "nav": 28.0000, "balance": 0.000, "type": "SWITCH_OUT_MERGER", "dividend_rate": null}
          ]
        },
        {
          "scheme": "HDFC Large Cap Fund - Regular Plan - Growth",
          "advisor": "ARN-12345",
          "rta_code": "HLCFG",
          "rta": "CAMS",
          "type": "EQUITY",
          "isin": "INF179K01BE2",
          "amfi": "101762",
          "open": 0,
          "close": 11.815,
          "close_calculated": 11.815,
          "valuation": {"date": "2024-10-31", "nav": 905.1200, "value": 10693.99},
          "transactions": [
            {"date": "2024-08-01", "description": "Switch In - Merger - From HDFC Growth Opportunities Fund", "amount": 11419.04, "units": 12.815, "nav": 891.0700, "balance": 12.815, "type": "SWITCH_IN_MERGER", "dividend_rate": null},
            {"date": "2024-09-02", "description": "Switch In - From HDFC Liquid Fund", "amount": 879.96, "units": 1.000, "nav": 879.9600, "balance": 13.815, "type": "SWITCH_IN", "dividend_rate": null},
            {"date": "2024-09-02", "description": "*** Stamp Duty ***", "amount": 0.04, "units": null, "nav": null, "balance": null, "type": "STAMP_DUTY_TAX", "dividend_rate": null},
            {"date": "2024-10-01", "description": "Switch Out - To HDFC Liquid Fund", "amount": -1800.00, "units": -2.000, "nav": 900.0000, "balance": 11.815, "type": "SWITCH_OUT", "dividend_rate": null}
          ]
        }
      ]
    }
  ]
}
"""

F1, F2 = "1234567/89", "9876543210 / 0"
NIFTY, GROWTH, LARGE = "INF789F01XA0", "INF179K01AS4", "INF179K01BE2"


def tx(day, account, security, kind, units, price, charges, line):
    return Transaction(date.fromisoformat(day), "asha", account, security, TxType[kind], D(units), D(price),
                       D(charges), f"cas.json:{line}")


# By hand: stamp duty joins its purchase (the refunded one goes with the reversed SIP);
# STT, TDS, the address change and the reversed SIP of 5 March are not transactions.
EXPECTED = [
    tx("2024-01-05", F1, NIFTY, "BUY", "33.215", "150.5270", "0.25", 27),
    tx("2024-02-05", F1, NIFTY, "BUY", "32.000", "156.2422", "0.25", 29),
    tx("2024-06-10", F1, NIFTY, "SELL", "20.000", "160.0000", "0", 36),
    tx("2023-05-15", F2, GROWTH, "BUY", "399.980", "25.0000", "0.50", 62),
    tx("2023-11-20", F2, GROWTH, "DIVIDEND_REINVEST", "7.843", "25.5000", "0.01", 64),
    tx("2024-08-01", F2, GROWTH, "MERGER_OUT", "407.823", "28.0000", "0", 67),
    tx("2024-08-01", F2, LARGE, "MERGER_IN", "12.815", "891.0700", "0", 83),
    tx("2024-09-02", F2, LARGE, "SWITCH_IN", "1.000", "879.9600", "0.04", 84),
    tx("2024-10-01", F2, LARGE, "SWITCH_OUT", "2.000", "900.0000", "0", 86),
]


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("policy") / "family.rules"
    path.write_text(POLICY, encoding="utf-8")
    result = check_file(path)
    assert result.ok, result.diagnostics
    return result.policy


def read(text, policy, investor=None):
    return casparser_json.read(text, "cas.json", policy, investor)


def codes(diagnostics):
    return [d.code for d in diagnostics]


def minified(text: str) -> str:
    """The same JSON on one line, as casparser 1.x writes it (no newline is inside a string)."""
    return re.sub(r"\n\s*", "", text)


# ------------------------------------------------------------------- reading
def test_the_statement_reads_to_the_transactions_worked_out_by_hand(policy):
    records, diagnostics = read(CAS, policy)
    assert diagnostics == []
    assert records == EXPECTED
    for t in records:  # each source line is the line of its transaction object
        line = CAS.split("\n")[int(t.source.split(":")[1]) - 1]
        assert line.lstrip().startswith('{"date": "' + t.date.isoformat())
        assert all(isinstance(v, D) for v in (t.units, t.price, t.charges))


def test_detected_and_read_through_the_registry(tmp_path, policy):
    path = tmp_path / "cas.json"
    path.write_text(CAS, encoding="utf-8")
    result = read_file(path, "cas.json", policy)
    assert (result.kind, result.stores, result.ok) == ("casparser-json", "transactions", True)
    assert result.records == EXPECTED
    assert not casparser_json.detect("date,investor,account,security,type,units,price\n")
    assert not casparser_json.detect('{"accounts": []}')  # a demat CAS: not this format


def test_one_line_json_reads_the_same_with_columns_in_the_positions(policy):
    text = minified(CAS)
    records, diagnostics = read(text, policy)
    assert diagnostics == []
    assert [t.source for t in records] == ["cas.json:1"] * len(EXPECTED)
    strip = lambda ts: [(t.date, t.account, t.security, t.type, t.units, t.price, t.charges) for t in ts]
    assert strip(records) == strip(EXPECTED)
    bad = text.replace('"units": "-20.000"', '"units": "-2O.000"')
    (d,) = read(bad, policy)[1]
    assert (d.code, d.span.line, d.span.column) == ("I154", 1, bad.index('"-2O.000"') + 1)
    assert "folios[0].schemes[0].transactions[9].units" in d.message


def test_the_imported_lots_are_the_lots_worked_out_by_hand(policy):
    ledger = replay(read(CAS, policy)[0])
    lots = [(lot.account, lot.security, lot.acquired.isoformat(), lot.units, lot.cost, lot.how) for lot in ledger.lots]
    assert lots == [
        # a purchase costs what was paid, to the paisa (engine/ledger.purchase_cost): 33.215 units at
        # NAV + stamp duty = 5000.004305 -> 5000.00, the statement's amount; 20 of the 33.215 units
        # sold: 5000.00 x 20 / 33.215 = 3010.69 of cost leaves with them, 1989.31 stays
        (F1, NIFTY, "2024-01-05", D("13.215"), D("1989.31"), "BUY"),
        (F1, NIFTY, "2024-02-05", D("32.000"), D("5000.00"), "BUY"),  # 32 x 156.2422 + 0.25 = 5000.0004
        # the merger: 399.98 x 12.815 / 407.823 = 12.56855 -> 12.569 units, keeping cost 9999.50 + 0.50 and
        # the date; the reinvested lot (7.843 x 25.5 + 0.01) takes the other 0.246; the switch-out of 2
        # units takes 10000 x 2 / 12.569 = 1591.22 from the first
        (F2, LARGE, "2023-05-15", D("10.569"), D("8408.78"), "MERGER_IN"),
        (F2, LARGE, "2023-11-20", D("0.246"), D("200.01"), "MERGER_IN"),  # 7.843 x 25.5 + 0.01 = 200.0065
        (F2, LARGE, "2024-09-02", D("1.000"), D("880.00"), "SWITCH_IN"),  # 879.96 + 0.04 stamp duty
    ]
    (sale, switch) = ledger.disposals
    assert [(m.units, m.cost) for m in sale.matched] == [(D("20.000"), D("3010.69"))]
    assert [(m.acquired, m.units, m.cost) for m in switch.matched] == [(date(2023, 5, 15), D("2.000"), D("1591.22"))]


def test_importing_twice_adds_nothing_and_a_reformatted_copy_adds_no_rows(tmp_path, policy):
    book = Book.open(tmp_path / "b.db", create=True)

    def load(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = read_file(path, name, policy)
        assert result.ok, result.diagnostics
        return book.add(result.stores, result.records, sha256=result.sha256, name=name, kind=result.kind)

    first = load("cas.json", CAS)
    assert (first.added, first.skipped) == (len(EXPECTED), 0)
    assert load("cas.json", CAS).already_imported
    again = load("cas-one-line.json", minified(CAS))  # another file, the same transactions
    assert (again.added, again.skipped, again.already_imported) == (0, len(EXPECTED), False)
    assert book.counts()["transactions"] == len(EXPECTED)
    assert replay(book.transactions()).lots == replay(EXPECTED).lots


# ----------------------------------------------------------------- investors
def with_holder(pan, name, folio_name=None):
    text = CAS.replace('"PAN": "ABCPS1234K"', f'"PAN": {json.dumps(pan)}').replace('"ASHA SHARMA"', json.dumps(name))
    if folio_name:
        text = text.replace('"amc": "UTI Mutual Fund",', f'"amc": "UTI Mutual Fund", "name": {json.dumps(folio_name)},')
    return text


@pytest.mark.parametrize("pan, name, folio_name, owners", [
    ("ABCPS1234K", "R K Sharma", None, {"asha"}),        # the PAN decides, whatever the name
    ("", "r k  sharma", None, {"ravi"}),                 # no PAN: an alias, ignoring case and spaces
    ("ABCPS9999Z", "Ravi Sharma", None, {"ravi"}),       # ravi has no PAN in the policy: his name
    (None, "Asha Sharma", "Ravi K", {"ravi"}),           # the folio's own holder name comes first
])
def test_the_investor_by_pan_then_by_name_or_alias(policy, pan, name, folio_name, owners):
    records, diagnostics = read(with_holder(pan, name, folio_name), policy)
    assert diagnostics == []
    assert {t.investor for t in records[:3]} == owners  # folio 1 (folio 2 keeps asha's PAN)


def test_an_unmatched_investor_is_one_error_per_holder_explaining_pan_and_alias(policy):
    text = CAS.replace('"ABCPS1234K"', '"ZZZPS0000Z"').replace('"ASHA SHARMA"', '"MEERA IYER"')
    records, diagnostics = read(text, policy)
    assert records == [] and codes(diagnostics) == ["I157"]
    (d,) = diagnostics
    assert "folios[0], folios[1]" in d.message and "PAN ZZZPS0000Z" in d.message and "MEERA IYER" in d.message
    assert "pan ZZZPS0000Z" in d.hint and 'alias "MEERA IYER"' in d.hint
    assert d.span.line == CAS.split("\n").index('      "PAN": "ABCPS1234K",') + 1
    assert [m for m, _ in d.notes] == ["the same holder"]


def test_a_name_that_matches_an_investor_with_another_pan_is_a_conflict(policy):
    records, diagnostics = read(with_holder("ABCPS5678L", "Asha Sharma"), policy)
    assert records == [] and codes(diagnostics) == ["I159"]
    assert "ABCPS5678L" in diagnostics[0].message and "ABCPS1234K" in diagnostics[0].message


def test_an_explicit_investor_overrides_the_matching(policy):
    text = CAS.replace('"ABCPS1234K"', '"ZZZPS0000Z"').replace('"ASHA SHARMA"', '"MEERA IYER"')
    records, diagnostics = read(text, policy, investor="RAVI")
    assert diagnostics == [] and {t.investor for t in records} == {"ravi"}
    assert read(text, policy, investor="R K Sharma")[0][0].investor == "ravi"  # an alias will do
    records, diagnostics = read(CAS, policy, investor="meera")
    assert records == [] and codes(diagnostics) == ["I158"] and "asha, ravi" in diagnostics[0].hint


# ----------------------------------------------------------------- securities
def test_every_scheme_not_in_the_policy_is_named_with_its_isin(policy):
    text = CAS.replace(GROWTH, "INF000000001").replace(LARGE, "INF000000002")
    records, diagnostics = read(text, policy)
    assert records == [] and codes(diagnostics) == ["I156", "I156"]
    first, second = diagnostics
    assert '"HDFC Growth Opportunities Fund - Regular Plan - Growth" (ISIN INF000000001)' in first.message
    assert "folios[1].schemes[0]" in first.message and "INF000000002" in second.message
    assert first.hint.startswith("declare it in the policy's portfolio") and "fund INF000000001" in first.hint
    text = CAS.replace(f'"isin": "{NIFTY}"', '"isin": null')
    assert codes(read(text, policy)[1]) == ["I156"] and "no ISIN" in read(text, policy)[1][0].message


# --------------------------------------------------------------- each problem
def swap(old, new, count=1):
    assert CAS.count(old) >= count, old
    return CAS.replace(old, new, count)


SIP3 = '"units": "31.500", "nav": "158.7222", "balance": "96.715", "type": "PURCHASE_SIP"'


@pytest.mark.parametrize("text, code, where", [
    (swap('"type": "REDEMPTION"', '"type": "REDEMPTION",,'), "I150", None),
    (swap('"folios": [', '"folios": {"x": ['), "I150", None),
    ('[1, 2]', "I151", "the top level"),
    (swap('"schemes": [', '"schemes": "none", "x": [', 1), "I151", "folios[0].schemes"),
    (swap('"folio": "1234567/89",', ''), "I152", "folios[0]"),
    (swap('"date": "2024-06-10", "description": "Redemption"', '"date": "2024-06-31", "description": "Redemption"'),
     "I153", "folios[0].schemes[0].transactions[9].date"),
    (swap('"nav": "160.0000"', '"nav": NaN'), "I154", "transactions[9].nav"),
    (swap('"nav": "160.0000"', '"nav": "1e999"'), "I154", "transactions[9].nav"),
    (swap('"type": "REDEMPTION"', '"type": "BUY"'), "I155", "transactions[9].type"),
    (swap('"type": "REDEMPTION"', '"type": "UNKNOWN"'), "I155", "transactions[9].type"),
    (swap('"units": "-20.000"', '"units": "20.000"'), "I160", "transactions[9].units"),
    (swap('"units": "33.215"', '"units": "0"'), "I160", "transactions[0].units"),
    (swap('"nav": "160.0000"', '"nav": null'), "I161", "transactions[9].nav"),
    (swap('"nav": "160.0000"', '"nav": "0.0000"'), "I161", "transactions[9].nav"),
    (swap('"date": "2024-06-10", "description": "*** STT', '"date": "2024-06-11", "description": "*** STT')
     .replace('"STT_TAX"', '"STAMP_DUTY_TAX"'), "I162", "transactions[10]"),
    (swap('"amount": "-4999.75"', '"amount": "-4999.00"'), "I164", "transactions[6]"),
    (swap('"units": "-31.500"', '"units": "-31.499"'), "I164", "transactions[6]"),  # exactly opposite units
    (swap('"type": "PURCHASE", "dividend_rate"', '"type": "SEGREGATION", "dividend_rate"'), "I165",
     "folios[1].schemes[0].transactions[0]"),
    (swap('"type": "SWITCH_IN", "dividend_rate"', '"type": "GIFT_IN", "dividend_rate"'), "I166",
     "folios[1].schemes[1].transactions[1]"),
    (swap('"units": null, "nav": null, "balance": null, "type": "TDS_TAX"',
          '"units": 1, "nav": null, "balance": null, "type": "TDS_TAX"'), "I167", "transactions[4].units"),
    (swap('"cas_type": "DETAILED"', '"cas_type": "SUMMARY"'), "I168", "cas_type"),
    ('{"folios": [{"folio": "1", "PAN": "ABCPS1234K", "schemes": []}]}', "I168", "the top level"),
])
def test_each_problem_is_one_located_error_and_nothing_is_returned(policy, text, code, where):
    records, diagnostics = read(text, policy)
    assert records == []
    assert [d.code for d in diagnostics if d.is_error] == [code], diagnostics
    d = next(d for d in diagnostics if d.is_error)
    assert d.span is None or 1 <= d.span.line <= text.count("\n") + 1
    if where:
        assert where in d.message
    if code not in ("I151", "I168"):
        assert d.span is not None


def test_a_refund_of_stamp_duty_on_a_kept_purchase_is_an_error(policy):
    text = swap('"amount": "0.25"', '"amount": "-0.25"')
    records, diagnostics = read(text, policy)
    assert records == [] and codes(diagnostics) == ["I163"]
    assert "transactions[0]" in diagnostics[0].message and "-0.25" in diagnostics[0].message


def test_a_reversal_cancels_only_the_latest_matching_row(policy):
    # Two identical SIPs on 5 Feb and 5 Mar: the reversal of 8 Mar cancels the later one.
    text = swap(SIP3, SIP3.replace("31.500", "32.000").replace("158.7222", "156.2422"))
    text = text.replace('"units": "-31.500", "nav": "158.7222"', '"units": "-32.000", "nav": "156.2422"')
    records, diagnostics = read(text, policy)
    assert diagnostics == []
    assert [(t.date.isoformat(), t.units) for t in records[:2]] == [("2024-01-05", D("33.215")),
                                                                    ("2024-02-05", D("32.000"))]


def test_stamp_duty_listed_before_its_purchase_still_joins_it(policy):
    sip = CAS.split("\n")[26]
    stamp = CAS.split("\n")[27]
    assert '"PURCHASE_SIP"' in sip and '"STAMP_DUTY_TAX"' in stamp
    text = CAS.replace(sip + "\n" + stamp, stamp + "\n" + sip)  # both lines end with a comma
    records, diagnostics = read(text, policy)
    assert diagnostics == [] and records[0].charges == D("0.25") and records[0].source == "cas.json:28"


def test_without_a_policy_the_investor_must_be_named(policy):
    records, diagnostics = read(CAS, None)
    assert records == [] and codes(diagnostics) == ["I157"] and diagnostics[0].span is None
    records, diagnostics = read(CAS, None, investor="asha")
    assert diagnostics == [] and records == EXPECTED


def test_warnings_opening_units_a_balance_that_does_not_add_up_and_casparser_warnings(policy):
    text = swap('"open": "0.000"', '"open": "10.000"')
    records, diagnostics = read(text, policy)
    assert records == EXPECTED and codes(diagnostics) == ["I169", "I170"]
    assert all(not d.is_error for d in diagnostics) and "10.000 units" in diagnostics[0].message
    text = swap('"cas_type": "DETAILED",', '"cas_type": "DETAILED", "parse_warnings": ["UTI Nifty 50: '
                'units do not reconcile with the printed balance"],')
    records, diagnostics = read(text, policy)
    assert records == EXPECTED and codes(diagnostics) == ["I171"] and "reconcile" in diagnostics[0].message


def test_dividend_reinvestment_as_older_casparser_spelt_it(policy):
    records, diagnostics = read(swap('"DIVIDEND_REINVEST"', '"DIVIDEND_REINVESTMENT"'), policy)
    assert diagnostics == [] and records == EXPECTED


def test_a_bad_json_file_is_located(policy):
    text = swap('"type": "REDEMPTION"', '"type": "REDEMPTION" "x": 1')
    (d,) = read(text, policy)[1]
    line = next(n for n, s in enumerate(text.split("\n"), 1) if '"REDEMPTION" "x"' in s)
    assert (d.code, d.span.line) == ("I150", line)
    assert text.split("\n")[line - 1][d.span.column - 1] == '"'


# ------------------------------------------------------------------- fuzzing
@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(CAS)), st.integers(0, 40),
                          st.sampled_from(["", "{", "}", "[", "]", ",", ":", '"', "null", "-", "0", "1e9", "NaN",
                                           '"x"', "true", "\n", "\\", "\u00e9", '""', "[[[[", "{}"])),
                max_size=4))
def test_mangled_json_gives_located_diagnostics_never_a_traceback(policy, edits):
    text = CAS
    for at, width, insert in edits:
        text = text[:at] + insert + text[at + width:]
    for candidate in (text, minified(text)):
        records, diagnostics = read(candidate, policy)
        lines = candidate.count("\n") + 1
        for d in diagnostics:
            assert d.span is None or 1 <= d.span.line <= lines
        if any(d.is_error for d in diagnostics):
            assert records == []


KEYS = st.sampled_from(["folios", "folio", "PAN", "name", "schemes", "scheme", "isin", "transactions", "date",
                        "type", "units", "nav", "amount", "open", "close", "investor_info", "cas_type",
                        "parse_warnings"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=8),
                    st.sampled_from(["2024-01-05", "PURCHASE", "REDEMPTION", "REVERSAL", "STAMP_DUTY_TAX",
                                     "SEGREGATION", NIFTY, "ABCPS1234K", "1,000.5", "-1", "0", "1e400"]),
                    st.decimals(allow_nan=False, allow_infinity=False).map(str))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(KEYS, inner, max_size=6)), max_leaves=25)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(KEYS, TREES, max_size=5), st.booleans())
def test_odd_but_valid_json_gives_diagnostics_never_a_traceback(policy, tree, indent):
    tree.setdefault("folios", [])
    text = json.dumps(tree, indent=2 if indent else None)
    assert casparser_json.detect(text)
    records, diagnostics = read(text, policy)
    for d in diagnostics:
        assert d.span is None or 1 <= d.span.line <= text.count("\n") + 1
    assert records == [] or not any(d.is_error for d in diagnostics)


def _leaves(value, where=()):
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, where + (k,))] + [where]
    if isinstance(value, list):
        return [p for n, v in enumerate(value) for p in _leaves(v, where + (n,))] + [where]
    return [where]


BASE = json.loads(CAS)
PLACES = [p for p in _leaves(BASE) if p]


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(PLACES), SCALARS | st.sampled_from([[], {}, "SWITCH_IN", "-33.215",
                                                                              "-4999.75", "2024-03-08"])),
                min_size=1, max_size=5))
def test_the_statement_with_values_changed_gives_diagnostics_never_a_traceback(policy, changes):
    data = json.loads(CAS)
    for where, value in changes:
        node = data
        try:
            for part in where[:-1]:
                node = node[part]
            node[where[-1]] = copy.deepcopy(value)  # hypothesis may hand the same [] or {} twice: no cycles
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent
    text = json.dumps(data, indent=2)
    records, diagnostics = read(text, policy)
    for d in diagnostics:
        assert d.span is None or 1 <= d.span.line <= text.count("\n") + 1
    assert records == [] or not any(d.is_error for d in diagnostics)
    try:
        replay(records)  # what the import gives replays, or the ledger names the row it cannot take
    except LedgerError as e:
        assert e.diagnostic.span is None or e.diagnostic.span.path == "cas.json"


# ----------------------------------------------------- against casparser itself
def test_casparser_reads_the_fixture_and_its_own_output_imports_the_same(policy):
    """Where casparser is installed: the fixture is valid casparser data, and the JSON
    casparser writes from it imports to the same transactions."""
    pytest.importorskip("casparser")
    from casparser.types import CASData

    data = CASData.model_validate_json(CAS)
    text = data.model_dump_json(by_alias=True)  # what `casparser CAS.pdf -o cas.json` writes
    records, diagnostics = read(text, policy)
    assert diagnostics == []
    strip = lambda ts: [(t.date, t.account, t.security, t.type, t.units, t.price, t.charges) for t in ts]
    assert strip(records) == strip(EXPECTED)


# ------------------------------------------- the monthly statement (issue 11, item 7)
def statement(period_from, period_to, opening, close, rows):
    """A one-scheme CAS of Asha's UTI Nifty 50 folio: rows are (date, type, units, nav)."""
    transactions = [{"date": day, "description": kind, "amount": str(D(units) * D(nav)), "units": units,
                     "nav": nav, "balance": None, "type": kind, "dividend_rate": None}
                    for day, kind, units, nav in rows]
    data = {"statement_period": {"from": period_from, "to": period_to}, "file_type": "CAMS", "cas_type": "DETAILED",
            "investor_info": {"name": "ASHA SHARMA"},
            "folios": [{"folio": F1, "amc": "UTI Mutual Fund", "PAN": "ABCPS1234K", "schemes": [{
                "scheme": "UTI Nifty 50 Index Fund - Direct Plan - Growth", "isin": NIFTY, "open": opening,
                "close": close, "transactions": transactions}]}]}
    return json.dumps(data, indent=2)


# October's statement, from the first purchase: 100 + 20 - 20 = 100.000 units at its close.
OCTOBER = statement("01-Apr-2024", "31-Oct-2024", "0.000", "100.000", [
    ("2024-06-05", "PURCHASE", "100.000", "150.0000"),
    ("2024-09-05", "PURCHASE", "20.000", "160.0000"),
    ("2024-10-10", "REDEMPTION", "-20.000", "170.0000")])


def november(opening, close):
    # November's statement: it opens with `opening` units and buys 10.000 on 2024-11-05.
    return statement("01-Nov-2024", "30-Nov-2024", opening, close, [("2024-11-05", "PURCHASE", "10.000", "165.0000")])


@pytest.fixture
def cas_book(tmp_path, monkeypatch, capsys):
    """A book with the policy above; returns import(name, text) -> (exit code, stderr)."""
    from engine.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "family.rules").write_text(POLICY, encoding="utf-8")
    assert main(["init", "--policy", "family.rules"]) == 0
    capsys.readouterr()

    def load(name, text):
        (tmp_path / name).write_text(text, encoding="utf-8")
        code = main(["import", name])
        return code, capsys.readouterr().err

    return load


def book_units(tmp_path):
    from engine.book.kept_ledger import units_held

    return units_held(Book.open(tmp_path / "lotwise.db"), date(2024, 11, 30))


def test_next_months_statement_opening_with_what_the_book_holds_is_not_warned_about(cas_book, tmp_path):
    assert cas_book("october.json", OCTOBER) == (0, "")  # opens with 0.000 units and the book is empty: no I169
    # The book holds at the end of 2024-10-31 (the day before November's statement starts)
    # 100 + 20 - 20 = 100.000 units, what November opens with: no warning, and the book then
    # holds 100 + 10 = 110.000.
    assert cas_book("november.json", november("100.000", "110.000")) == (0, "")
    assert book_units(tmp_path) == {("asha", F1, NIFTY): D("110.000")}


def test_next_months_statement_opening_with_other_units_is_warned_about_naming_both(cas_book, tmp_path):
    assert cas_book("october.json", OCTOBER) == (0, "")
    # November opens with 120.000 units; the book holds 100.000 at the end of 2024-10-31: 20.000
    # units came in between that the book does not have. Imported all the same (a warning).
    code, err = cas_book("november.json", november("120.000", "130.000"))
    assert code == 0 and "warning[I169]" in err
    assert ('"UTI Nifty 50 Index Fund - Direct Plan - Growth" opens the statement with 120.000 units; the book '
            "holds 100.000 on 2024-10-31") in err
    assert book_units(tmp_path) == {("asha", F1, NIFTY): D("110.000")}  # 100.000 + 10.000 of November


def test_a_statement_with_opening_units_into_an_empty_book_is_warned_about_as_before(cas_book):
    code, err = cas_book("november.json", november("100.000", "110.000"))
    # The book holds none at the end of 2024-10-31, and the 100.000 units' purchases are not in the file.
    assert code == 0 and "warning[I169]" in err
    assert ("opens the statement with 100.000 units, whose purchases are in neither this file nor the book (it "
            "holds none on 2024-10-31)") in err


def test_the_opening_is_compared_with_the_book_at_the_end_of_the_day_before_the_statement(policy):
    asked = []

    def held(day):
        asked.append(day)
        return {("asha", F1, NIFTY): D("100")}

    # 100 and 100.000 are the same units: no warning; the book is asked once, about 2024-10-31.
    records, diagnostics = casparser_json.read(november("100.000", "110.000"), "nov.json", policy, held=held)
    assert diagnostics == [] and asked == [date(2024, 10, 31)] and len(records) == 1
    # A statement that opens with none while the book holds 100: a mismatch too (the book's 100
    # is shown to the statement's 3 places).
    _, diagnostics = casparser_json.read(november("0.000", "10.000"), "nov.json", policy, held=held)
    assert codes(diagnostics) == ["I169"]
    assert "opens the statement with 0.000 units; the book holds 100.000 on 2024-10-31" in diagnostics[0].message
    # Without a statement period, the statement starts on the scheme's first row (2024-11-05):
    # the book is asked about 2024-11-04.
    asked.clear()
    text = november("100.000", "110.000").replace('"from": "01-Nov-2024"', '"fro": "01-Nov-2024"')
    assert casparser_json.read(text, "nov.json", policy, held=held)[1] == [] and asked == [date(2024, 11, 4)]
    # Without the book (the importer alone): any opening units are warned about, as before.
    _, diagnostics = casparser_json.read(november("100.000", "110.000"), "nov.json", policy)
    assert codes(diagnostics) == ["I169"] and "whose purchases are not in this file" in diagnostics[0].message


def test_a_statement_period_that_is_not_a_date_is_an_error(policy):
    records, diagnostics = read(CAS.replace('"from": "01-Apr-2023"', '"from": "31-Apr-2023"'), policy)
    assert records == [] and codes(diagnostics) == ["I153"]
    assert diagnostics[0].message == "statement_period.from: `31-Apr-2023` is not a date"
