"""AMFI's daily NAV file, NAVAll.txt: the NAVs of every open scheme, semicolon-separated.

    Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset Value;Date
    (since mid-Aug 2026: ...;Scheme Name;Plan;Option;Net Asset Value;Date)

    Open Ended Schemes(Debt Scheme - Banking and PSU Fund)

    Aditya Birla Sun Life Mutual Fund

    119551;INF209KA12Z1;INF209KA13Z9;Aditya Birla Sun Life Banking & PSU Debt Fund - DIRECT - IDCW;108.1997;19-Jun-2026

Columns are found by header name: the ISIN columns counted from the front of a row, the
NAV and the date from its end (so a `;` inside a scheme name does no harm). Lines without
a `;` (category and AMC names) and blank lines are skipped. `-` is no ISIN; `N.A.` is no
NAV (the row is skipped). Only schemes whose ISIN is a security of the policy are kept,
as prices of that security; the thousands of others are skipped without a word.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic, Span, error, source_lines, warning
from engine.book.importers.amfi_rows import (NO_ISIN as _NO_ISIN, NO_NAV as _NO_NAV, amfi_date as _amfi_date,
                                             cell as _cell, column_name as _name, fields as _fields, first_line,
                                             is_header, is_history_header)
from engine.book.importers.csvrows import PRICE, read_decimal
from engine.book.importers.transactions_csv import known_names
from engine.transactions import Price

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "amfi-navall", "prices"


def detect(text: str) -> bool:
    """An AMFI header that is not the NAV history report's (amfi_history.py reads that)."""
    first = first_line(text)
    return is_header(first) and not is_history_header(first)


class _Layout:
    """Where the ISINs (from the front), the NAV and the date (from the end) are."""

    def __init__(self, header: list[str]):
        names = [_name(c) for c in header]
        self.width = len(names)
        self.isins = [i for i, n in enumerate(names) if n.startswith("isin")]
        self.nav = names.index("netassetvalue") - self.width if "netassetvalue" in names else None
        self.date = names.index("date") - self.width if "date" in names else None
        self.missing = [label for label, found in (("an ISIN column", self.isins), ("Net Asset Value", self.nav),
                                                   ("Date", self.date)) if found is None or found == []]

    def columns(self) -> tuple[int, int]:
        """(the NAV's, the date's) column, counted from the end, of a layout that misses neither."""
        assert self.nav is not None and self.date is not None  # else `missing` names them and read stops
        return self.nav, self.date


def read(text: str, path: str, policy: Policy | None = None) -> tuple[list[Price], list[Diagnostic]]:
    _, securities = known_names(policy)
    problems: list[Diagnostic] = []
    records: list[Price] = []
    seen: dict[tuple[str, date], tuple[int, int]] = {}  # (security, day) -> (index in records, line)
    layout: _Layout | None = None
    for number, line in enumerate(source_lines(text.lstrip("\ufeff")), start=1):
        if ";" not in line:
            continue  # a blank line, a category (Open Ended Schemes(...)) or an AMC name
        if line.strip().lower().startswith("scheme code;"):
            layout = _Layout([c for c, _ in _fields(line)])
            if layout.missing:
                problems.append(error("I120", f"the AMFI header lacks {', '.join(layout.missing)}",
                                      Span(path, number, 1, number, 1 + max(1, len(line))),
                                      "the header is Scheme Code;ISIN Div Payout/ ISIN Growth;ISIN Div Reinvestment;"
                                      "Scheme Name;Net Asset Value;Date (or with Plan;Option before the NAV)"))
                return [], problems
            continue
        if layout is None or securities is None:
            break
        fields = _fields(line)
        if len(fields) < layout.width:
            # Too short to say which field is what: an error only if it names a policy security.
            named = next((securities[c.lower()] for c, _ in fields if c.lower() in securities), None)
            if named is not None:
                problems.append(error("I121", f"line {number}: a row for {named} has {len(fields)} fields; "
                                              f"the header has {layout.width}",
                                      Span(path, number, 1, number, 1 + max(1, len(line))),
                                      "check for a missing `;` (the file may be cut short: download it again)"))
            continue
        matched = []
        for i in layout.isins:
            isin = fields[i][0].lower()
            if isin not in _NO_ISIN and isin in securities and securities[isin] not in matched:
                matched.append(securities[isin])
        if not matched:
            continue  # one of the thousands of schemes the policy does not hold
        nav_at, date_at = layout.columns()
        nav_cell, nav_column = fields[nav_at]
        if nav_cell.lower() in _NO_NAV:
            continue  # AMFI has no NAV for the scheme today
        day = _cell(problems, path, number, "date", fields[date_at], _amfi_date)
        nav = _cell(problems, path, number, "Net Asset Value", (nav_cell, nav_column),
                    lambda v: read_decimal(v, "NAV", PRICE, positive=True))
        if day is None or nav is None:
            continue
        for security in matched:
            first = seen.get((security, day))
            if first is not None:
                if records[first[0]].price != nav:
                    problems.append(error("I123", f"line {number}: a second, different NAV for {security} on {day}",
                                          Span(path, number, nav_column, number, nav_column + max(1, len(nav_cell))),
                                          f"keep one NAV per scheme per day (the first is on line {first[1]})"))
                continue
            seen[(security, day)] = (len(records), number)
            records.append(Price(day, security, nav))
    if layout is None:
        problems.append(error("I120", f"`{path}` has no AMFI header", Span(path, 1, 1, 1, 2),
                              "an AMFI NAV file starts with Scheme Code;ISIN Div Payout/ ISIN Growth;..."))
    if any(d.is_error for d in problems):
        return [], problems
    if not records:
        problems.append(warning(
            "I122", f"`{path}` has no NAV for any security of the policy",
            Span(path, 1, 1, 1, 2),
            "funds are matched by the ISIN in AMFI's file (growth/payout or reinvestment): make it the fund's "
            "id or give it with `isin`" if securities
            else "declare the funds in the policy's portfolio"))
    return records, problems
