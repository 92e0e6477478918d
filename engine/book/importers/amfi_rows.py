"""What AMFI's two semicolon-separated NAV files share (amfi_navall.py, the daily NAVAll.txt;
amfi_history.py, the NAV history report): the header line, fields with their columns, the
DD-Mon-YYYY date, and a bad cell said as a located diagnostic."""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, TypeVar

from engine.diagnostics import Diagnostic, Span, error, source_lines
from engine.book.importers.csvrows import FIRST_DAY, LAST_DAY, CellError

T = TypeVar("T")

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
DATE = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$")
NO_ISIN = ("", "-")
NO_NAV = ("n.a.", "n.a", "na")
HEADER_START = "scheme code;"
# Columns only the history report has (DownloadNAVHistoryReport): how it is told from NAVAll.txt.
HISTORY_ONLY = ("repurchaseprice", "saleprice")


def first_line(text: str) -> str:
    """The first line of `text` that is not blank (a byte order mark dropped), stripped."""
    return next((line for line in source_lines(text.lstrip("\ufeff")) if line.strip()), "").strip()


def is_header(line: str) -> bool:
    return line.strip().lower().startswith(HEADER_START)


def column_name(column: str) -> str:
    """A header name as compared: `ISIN Div Payout/ ISIN Growth` is `isindivpayout/isingrowth`."""
    return re.sub(r"\s+", "", column).lower()


def is_history_header(line: str) -> bool:
    """Whether an AMFI header line is the NAV history report's (it has the repurchase and sale
    price columns, which NAVAll.txt never has)."""
    return is_header(line) and any(column_name(c) in HISTORY_ONLY for c in line.split(";"))


def fields(line: str) -> list[tuple[str, int]]:
    """(stripped text, 1-based column where that text starts) of each `;`-separated field."""
    out, start = [], 0
    for part in line.split(";"):
        lead = len(part) - len(part.lstrip())
        out.append((part.strip(), start + lead + 1))
        start += len(part) + 1
    return out


def amfi_date(cell: str) -> date:
    match = DATE.match(cell)
    month = MONTHS.get(match[2].lower()) if match else None
    if match is not None and month is not None:
        try:
            day = date(int(match[3]), month, int(match[1]))
        except ValueError:
            pass
        else:
            if not FIRST_DAY <= day <= LAST_DAY:
                raise CellError("I101", f"`{cell}` is outside the years 1900 to 9998", "check the year")
            return day
    raise CellError("I101", f"`{cell}` is not a date", "AMFI writes dates as DD-Mon-YYYY, e.g. 19-Jun-2026")


def cell(problems: list[Diagnostic], path: str, number: int, what: str, field: tuple[str, int],
         reader: Callable[[str], T]) -> T | None:
    """The value of a field (its text and 1-based column) of line `number`, or None when it is
    bad (said in `problems`)."""
    text, column = field
    try:
        return reader(text)
    except CellError as e:
        problems.append(error(e.code, f"line {number}, column `{what}`: {e.message}",
                              Span(path, number, column, number, column + max(1, len(text))), e.hint))
        return None
