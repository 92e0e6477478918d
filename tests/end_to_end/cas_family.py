"""A generated casparser CAS of a family (issue 16): 3 AMCs, 6 schemes, 2 investors.

- asha (PAN ABCPS1234K, the statement's holder "ASHA SHARMA"): UTI folio with the UTI Nifty 50
  Index Fund (monthly SIPs) and the UTI Liquid Fund (bought in May and June 2019, all redeemed
  on 2020-03-16: "redeemed long ago"); ICICI folio with the ICICI Prudential Corporate Bond
  Fund and the ICICI Prudential Nasdaq 100 Index Fund.
- ravi (PAN BCDPR5678L, folio name "RAVI SHARMA"): HDFC folio with the HDFC Flexi Cap Fund's
  Regular plan (bought 2021) and its Direct plan (SIPs from 2023).

NAVs follow NAV(month k) = base * (1 + g)^k, rounded to 4 places; units = amount / NAV rounded
to 3 places (as registrars round), with a Rs 0.25 stamp duty row per purchase. `cas(...)`
returns the JSON text; its options make the edge cases (no PAN, a scheme without ISIN).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal as D

VALUED = date(2025, 10, 31)

# (ISIN, name, type, base NAV, monthly growth, purchases: (first month, count, amount), sold all on)
SCHEMES = {
    "UTI": [("INF789F01XA0", "UTI Nifty 50 Index Fund - Direct Plan - Growth", "EQUITY", "100", "0.010",
             (date(2022, 1, 5), 46, "5000"), None),
            ("INF789F01LQ1", "UTI Liquid Fund - Direct Plan - Growth", "DEBT", "3000", "0.004",
             (date(2019, 5, 10), 2, "20000"), date(2020, 3, 16))],
    "ICICI": [("INF109K01Z48", "ICICI Prudential Corporate Bond Fund - Direct Plan - Growth", "DEBT", "20", "0.006",
               (date(2023, 6, 7), 12, "10000"), None),
              ("INF109K01ND7", "ICICI Prudential NASDAQ 100 Index Fund - Direct Plan - Growth", "EQUITY", "10",
               "0.012", (date(2024, 2, 7), 6, "3000"), None)],
    "HDFC": [("INF179K01BE2", "HDFC Flexi Cap Fund - Regular Plan - Growth", "EQUITY", "800", "0.011",
              (date(2021, 3, 3), 3, "25000"), None),
             ("INF179K01UT0", "HDFC Flexi Cap Fund - Direct Plan - Growth", "EQUITY", "900", "0.011",
              (date(2023, 1, 3), 30, "4000"), None)],
}
AMC_NAMES = {"UTI": "UTI Mutual Fund", "ICICI": "ICICI Prudential Mutual Fund", "HDFC": "HDFC Mutual Fund"}
BASE_MONTH = date(2019, 1, 1)


def months_after(day: date, n: int) -> date:
    m = day.month - 1 + n
    return date(day.year + m // 12, m % 12 + 1, day.day)


def nav(base: str, growth: str, day: date) -> D:
    k = (day.year - BASE_MONTH.year) * 12 + day.month - BASE_MONTH.month
    return (D(base) * (1 + D(growth)) ** k).quantize(D("0.0001"), ROUND_HALF_UP)


def scheme(isin, name, kind, base, growth, buys, sold, no_isin=False) -> dict:
    first, count, amount = buys
    rows, held = [], D(0)
    for n in range(count):
        day = months_after(first, n)
        if day > VALUED:
            break
        price = nav(base, growth, day)
        units = (D(amount) / price).quantize(D("0.001"), ROUND_HALF_UP)
        held += units
        rows.append({"date": day.isoformat(), "description": f"SIP Purchase Instalment {n + 1}", "amount": amount,
                     "units": str(units), "nav": str(price), "balance": str(held), "type": "PURCHASE_SIP",
                     "dividend_rate": None})
        rows.append({"date": day.isoformat(), "description": "*** Stamp Duty ***", "amount": "0.25", "units": None,
                     "nav": None, "balance": None, "type": "STAMP_DUTY_TAX", "dividend_rate": None})
    if sold is not None:
        price = nav(base, growth, sold)
        rows.append({"date": sold.isoformat(), "description": "Redemption", "amount": str(-(held * price).quantize(
            D("0.01"))), "units": str(-held), "nav": str(price), "balance": "0.000", "type": "REDEMPTION",
            "dividend_rate": None})
        held = D(0)
    value = nav(base, growth, VALUED)
    out = {"scheme": name, "advisor": "DIRECT" if "Direct" in name else "ARN-0001", "rta_code": isin[-6:],
           "rta": "CAMS", "type": kind, "isin": isin, "amfi": "100000", "open": "0.000",
           "close": f"{held:.3f}", "close_calculated": f"{held:.3f}",
           "valuation": {"date": VALUED.isoformat(), "nav": str(value), "value": str((held * value).quantize(D("0.01")))},
           "transactions": rows}
    if no_isin:
        del out["isin"]
    return out


def cas(*, pans: bool = True, no_isin: bool = False, ravi_named: bool = True) -> str:
    """The family's CAS as casparser writes it. `pans`: False drops every PAN (the folios then
    are told apart by their holder's name); `no_isin`: the Corporate Bond Fund without its ISIN;
    `ravi_named`: False leaves Ravi's folio without its `name` (its holder is then the statement's)."""
    def folio(number, amc, pan, name, keys):
        found = {"folio": number, "amc": AMC_NAMES[amc], "PAN": pan if pans else None, "KYC": "OK",
                 "PANKYC": "OK", "schemes": [scheme(*s, no_isin=no_isin and s[0] == "INF109K01Z48")
                                             for s in SCHEMES[amc] if s[0] in keys]}
        if name:
            found["name"] = name
        return found

    data = {"statement_period": {"from": "01-Jan-2019", "to": "31-Oct-2025"}, "file_type": "CAMS",
            "cas_type": "DETAILED",
            "investor_info": {"name": "ASHA SHARMA", "email": "asha@example.com", "address": "12 MG Road, Pune",
                              "mobile": "9800000000"},
            "folios": [folio("7654321/01", "UTI", "ABCPS1234K", None, {s[0] for s in SCHEMES["UTI"]}),
                       folio("9988776/12", "HDFC", "BCDPR5678L", "RAVI SHARMA" if ravi_named else None, {s[0] for s in SCHEMES["HDFC"]}),
                       folio("1122334/55", "ICICI", "ABCPS1234K", None, {s[0] for s in SCHEMES["ICICI"]})]}
    return json.dumps(data, indent=2) + "\n"
