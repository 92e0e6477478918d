"""AMFI's NAV history report (portal.amfiindia.com DownloadNAVHistoryReport): the NAVs of every
scheme over a range of days, semicolon-separated, one row per scheme per day.

    Scheme Code;Scheme Name;ISIN Div Payout/ISIN Growth;ISIN Div Reinvestment;Net Asset Value;Repurchase Price;Sale Price;Date

    Open Ended Schemes(Equity Scheme - Large Cap Fund)

    HDFC Mutual Fund

    100119;HDFC Large Cap Fund - Growth Option;INF179K01BE2;;1005.123;995.07;1005.123;02-Jan-2024

It is told from NAVAll.txt by its `Repurchase Price` and `Sale Price` columns (ignored here).
Columns are found by header name. The scheme name comes before the ISINs in this report, so a
column is counted from the front of a row when the header has it before `Scheme Name`, and from
the end when after it: a `;` inside a scheme name shifts neither the ISINs nor the NAV and date.
Lines without a `;` (category and AMC names) and blank lines are skipped; a header again later
(reports joined end to end) starts a new layout. `-` or empty is no ISIN. Every row is one price:
only rows whose ISIN is a security of the policy are kept, as prices of that security. A row
of the policy's with no NAV (`N.A.` or empty) is skipped, and counted in one warning per file
(I130). The same NAV for a security and day twice is one price; a different one is an error
naming both lines (I123).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic, Span, error, source_lines, warning
from engine.book.importers.amfi_rows import (NO_ISIN, NO_NAV, amfi_date, cell, column_name, fields, first_line,
                                             is_header, is_history_header)
from engine.book.importers.csvrows import PRICE, read_decimal
from engine.book.importers.transactions_csv import known_names
from engine.transactions import Price

if TYPE_CHECKING:
    from engine.policy.model import Policy

KIND, STORES = "amfi-history", "prices"

HEADER = ("Scheme Code;Scheme Name;ISIN Div Payout/ISIN Growth;ISIN Div Reinvestment;Net Asset Value;"
          "Repurchase Price;Sale Price;Date")


def detect(text: str) -> bool:
    return is_history_header(first_line(text))


class _Layout:
    """Where the ISINs, the NAV and the date are in a row: an index from the front (>= 0) for a
    column the header has before `Scheme Name`, from the end (< 0) for one after it. Without a
    `Scheme Name` column, what follows the last ISIN column is counted from the end."""

    def __init__(self, header: list[str]):
        names = [column_name(c) for c in header]
        self.width = len(names)
        isins = [i for i, n in enumerate(names) if n.startswith("isin")]
        anchor = names.index("schemename") if "schemename" in names else max(isins, default=-1)

        def place(i: int) -> int:
            return i - self.width if i > anchor else i

        self.isins = [place(i) for i in isins]
        self.nav = place(names.index("netassetvalue")) if "netassetvalue" in names else None
        self.date = place(names.index("date")) if "date" in names else None
        self.missing = [label for label, found in (("an ISIN column", self.isins), ("Net Asset Value", self.nav),
                                                   ("Date", self.date)) if found is None or found == []]

    def columns(self) -> tuple[int, int]:
        """(the NAV's, the date's) index, of a layout that misses neither."""
        assert self.nav is not None and self.date is not None  # else `missing` names them and read stops
        return self.nav, self.date


class _Reader:
    """The rows of one file as read so far: its prices, its problems, and the rows of the
    policy's securities that had no NAV (counted, the first one's place kept)."""

    def __init__(self, path: str, securities: dict[str, str]):
        self.path, self.securities = path, securities
        self.problems: list[Diagnostic] = []
        self.records: list[Price] = []
        self.seen: dict[tuple[str, date], tuple[int, int]] = {}  # (security, day) -> (index in records, line)
        self.unpriced = 0
        self.first_unpriced: Span | None = None

    def _span(self, number: int, column: int, width: int) -> Span:
        return Span(self.path, number, column, number, column + max(1, width))

    def _matched(self, layout: _Layout, parts: list[str]) -> list[str]:
        """The policy's securities a row's ISINs name, in column order, each once."""
        matched: list[str] = []
        for i in layout.isins:
            isin = parts[i].strip().lower()
            if isin not in NO_ISIN and isin in self.securities and self.securities[isin] not in matched:
                matched.append(self.securities[isin])
        return matched

    def row(self, layout: _Layout, number: int, line: str) -> None:
        parts = line.split(";")
        if len(parts) < layout.width:
            # Too short to say which field is what: an error only if it names a policy security.
            named = next((self.securities[p.strip().lower()] for p in parts if p.strip().lower() in self.securities),
                         None)
            if named is not None:
                self.problems.append(error(
                    "I121", f"line {number}: a row for {named} has {len(parts)} fields; the header has {layout.width}",
                    self._span(number, 1, len(line)),
                    "check for a missing `;` (the report may be cut short: download it again)"))
            return
        matched = self._matched(layout, parts)
        if not matched:
            return  # one of the thousands of schemes the policy does not hold
        row = fields(line)
        nav_at, date_at = layout.columns()
        nav_cell, nav_column = row[nav_at]
        if nav_cell == "" or nav_cell.lower() in NO_NAV:
            self.unpriced += 1
            if self.first_unpriced is None:
                self.first_unpriced = self._span(number, nav_column, len(nav_cell))
            return
        day = cell(self.problems, self.path, number, "Date", row[date_at], amfi_date)
        nav = cell(self.problems, self.path, number, "Net Asset Value", (nav_cell, nav_column),
                   lambda v: read_decimal(v, "NAV", PRICE, positive=True))
        if day is None or nav is None:
            return
        for security in matched:
            self._keep(security, day, nav, number, self._span(number, nav_column, len(nav_cell)))

    def _keep(self, security: str, day: date, nav: Decimal, number: int, span: Span) -> None:
        first = self.seen.get((security, day))
        if first is None:
            self.seen[(security, day)] = (len(self.records), number)
            self.records.append(Price(day, security, nav))
        elif self.records[first[0]].price != nav:
            self.problems.append(error(
                "I123", f"line {number}: a second, different NAV for {security} on {day}: {nav} here, "
                        f"{self.records[first[0]].price} on line {first[1]}", span,
                f"keep one NAV per scheme per day (lines {first[1]} and {number}; reports joined twice?)"))

    def unpriced_warning(self) -> Diagnostic | None:
        if self.first_unpriced is None:
            return None
        rows = "1 row" if self.unpriced == 1 else f"{self.unpriced} rows"
        return warning("I130", f"{rows} of the policy's securities had no NAV (`N.A.` or empty) and "
                               f"{'was' if self.unpriced == 1 else 'were'} skipped, the first on line "
                               f"{self.first_unpriced.line}", self.first_unpriced,
                       "AMFI gives no NAV for such a day: a security's price on it is its latest NAV before")


def read(text: str, path: str, policy: Policy | None = None) -> tuple[list[Price], list[Diagnostic]]:
    _, securities = known_names(policy)
    reader = _Reader(path, securities or {})
    layout: _Layout | None = None
    for number, line in enumerate(source_lines(text.lstrip("\ufeff")), start=1):
        if ";" not in line:
            continue  # a blank line, a category (Open Ended Schemes(...)) or an AMC name
        if is_header(line):
            layout = _Layout([c for c, _ in fields(line)])
            if layout.missing:
                return [], [error("I120", f"the AMFI NAV history header lacks {', '.join(layout.missing)}",
                                  Span(path, number, 1, number, 1 + max(1, len(line))),
                                  f"the header is {HEADER} (older reports without ISIN columns cannot be "
                                  "matched to the policy's funds: download the range again)")]
            continue
        if layout is None or securities is None:
            break
        reader.row(layout, number, line)
    problems = reader.problems
    if layout is None:
        problems.append(error("I120", f"`{path}` has no AMFI header", Span(path, 1, 1, 1, 2),
                              f"an AMFI NAV history report starts with {HEADER}"))
    unpriced = reader.unpriced_warning()
    if unpriced is not None:
        problems.append(unpriced)
    if any(d.is_error for d in problems):
        return [], problems
    if not reader.records:
        problems.append(warning(
            "I122", f"`{path}` has no NAV for any security of the policy", Span(path, 1, 1, 1, 2),
            "funds are matched by the ISIN in AMFI's report (growth/payout or reinvestment): make it the fund's "
            "id or give it with `isin`" if securities
            else "declare the funds in the policy's portfolio"))
    return reader.records, problems
