"""Reading CSV rows with positions, and the cell readers the CSV importers share."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal
from typing import Callable, Generic, Hashable, Iterable, Iterator, Sized, TypeVar

from engine.diagnostics import Diagnostic, Span, error, warning

T = TypeVar("T")
R = TypeVar("R")  # an importer's record

_PLAIN_NUMBER = re.compile(r"^\d[\d,]*(?:\.\d+)?$", re.ASCII)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# One date range for every importer (and the CLI's --as-of): a day after LAST_DAY plus a
# holding period or a trading day would pass date.max (9999-12-31).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


@dataclass(frozen=True)
class Limit:
    """Bounds a stored number keeps: |value| < 10^digits, at most `places` decimal places."""

    digits: int
    places: int


# Far beyond any real portfolio, so a longer number is a typo or a corrupted cell (see
# docs/file-formats.md, "Limits"): units and prices below 10^12 with at most 6 decimals
# (fund units have 3, NAVs 4); amounts below Rs 10^15 (a hundred lakh crore) with at most 6.
UNITS, PRICE, AMOUNT = Limit(12, 6), Limit(12, 6), Limit(15, 6)


def limit_problem(value: Decimal, limit: Limit) -> str | None:
    """Why `value` cannot be stored (None: it can). Shared by every importer."""
    if not value.is_finite():
        return "is not a number"
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number's
    if (value and value.adjusted() >= limit.digits) or exponent > limit.digits:
        return f"is too large (at most {limit.digits} digits before the point)"
    if exponent < -limit.places and fit(value, limit) is None:
        return f"has more than {limit.places} decimal places"
    return None


def fit(value: Decimal, limit: Limit) -> Decimal | None:
    """`value` with zeros beyond `limit.places` dropped (15000.0000000 -> 15000.000000, the same
    number); None when a digit other than zero is beyond them. `value` is finite (limit_problem
    says what an infinity or NaN is)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number's: every caller has checked
    if exponent >= -limit.places:
        return value
    trimmed = value.quantize(Decimal(1).scaleb(-limit.places), context=_WIDE)
    return trimmed if trimmed == value else None


_WIDE = Context(prec=80)  # wider than any number that passes the digit check


class CellError(Exception):
    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


@dataclass
class Row:
    line: int  # physical line of the row in the file (1-based)
    cells: dict[str, str]
    header: list[str]
    raw: str

    def span(self, path: str, column: str) -> Span:
        starts = _field_starts(self.raw)  # only when there is something to point at
        index = self.header.index(column) if column in self.header else -1
        start = starts[index] if 0 <= index < len(starts) else 1
        width = max(1, len(self.cells.get(column, "")))
        return Span(path, self.line, start, self.line, start + width)


def header_of(text: str) -> list[str]:
    """The lower-cased column names of a CSV's first line (for detection)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return [c.strip().strip('"').lower() for c in first.split(",")]


def _field_starts(line: str) -> list[int]:
    """1-based character column where each comma-separated field starts (quotes respected)."""
    starts, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            starts.append(i + 2)
    return starts


KEPT = 1000  # diagnostics kept of one file; the rest are counted (Problems.more)


class Problems(list[Diagnostic]):
    """A file's diagnostics: the first KEPT, and how many more there were (`more`), so a file
    of a million bad rows does not hold a million diagnostics."""

    def __init__(self, kept: int = KEPT):
        super().__init__()
        self.kept, self.more = kept, 0

    def append(self, diagnostic: Diagnostic) -> None:
        if len(self) < self.kept:
            super().append(diagnostic)
        else:
            self.more += 1


def rows(text: str, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
         ) -> tuple[list[Row], list[Diagnostic]]:
    """Rows as dicts by (lower-cased) header name; header problems as diagnostics."""
    from engine.diagnostics import source_lines

    lines = source_lines(text.lstrip("\ufeff"))  # lines as diagnostics count them
    if lines and lines[-1] == "":
        lines.pop()
    problems = Problems()
    return list(iter_rows(lines, path, required, optional, problems)), problems


def iter_rows(lines: Iterable[str], path: str, required: tuple[str, ...], optional: tuple[str, ...],
              problems: list[Diagnostic]) -> Iterator[Row]:
    """`rows`, one at a time: `lines` (an iterable, read once: a file's lines as
    `diagnostics.source_lines` counts them, without a last empty one) as Rows; problems are
    appended to `problems` as they are met."""
    seen: list[str] = []  # the line csv.reader took last: what a row's diagnostics point at

    def taken(source: Iterable[str]) -> Iterator[str]:
        for line in source:
            seen[:] = [line]
            yield line

    reader = csv.reader(taken(lines))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        problems.append(error("I107", f"`{path}` is empty", Span(path, 1, 1, 1, 2), "a CSV starts with its header row"))
        return
    except csv.Error as e:
        problems.append(error("I106", f"the CSV cannot be read: {e}", Span(path, reader.line_num, 1,
                                                                           reader.line_num, 2),
                              "check the quotes on this row"))
        return
    first = seen[0] if seen else ""
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(error("I107", f"the header lacks {', '.join(missing)}", Span(path, 1, 1, 1, 1 + len(first)),
                              f"the header is: {','.join(required + optional)}"))
        return
    for name in header:
        if name and name not in required + optional:
            problems.append(warning("I110", f"column `{name}` is not used", Span(path, 1, 1, 1, 2),
                                    f"the columns are: {','.join(required + optional)}"))
    try:
        for cells in reader:
            number = reader.line_num
            raw = seen[0]
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(header):
                problems.append(error("I106", f"row has {len(cells)} cells; the header has {len(header)}",
                                      Span(path, number, 1, number, 1 + max(1, len(raw))),
                                      "check for a missing or extra comma (quote cells that contain commas)"))
                continue
            yield Row(number, {h: c.strip() for h, c in zip(header, cells)}, header, raw)
    except csv.Error as e:
        problems.append(error("I106", f"the CSV cannot be read: {e}", Span(path, reader.line_num, 1,
                                                                           reader.line_num, 2),
                              "check the quotes on this row"))


def read_date(cell: str) -> date:
    try:
        if not _ISO_DATE.match(cell):
            raise ValueError
        day = date.fromisoformat(cell)
    except ValueError:
        raise CellError("I101", f"`{cell}` is not a date", "write dates as YYYY-MM-DD, e.g. 2024-07-23")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CellError("I101", f"`{cell}` is outside the years 1900 to 9998", "check the year")
    return day


def read_decimal(cell: str, what: str, limit: Limit, *, allow_empty: bool = False, positive: bool = False
                 ) -> Decimal:
    if cell == "" and allow_empty:
        return Decimal(0)
    if not _PLAIN_NUMBER.match(cell):
        raise CellError("I103", f"{what} `{cell}` is not a number",
                        "write a plain non-negative number, e.g. 1234.567 (no sign, no currency)")
    if "," not in cell and len(cell) <= 28:  # the common case: no grouping to check
        value = Decimal(cell)
    else:  # imported here, not per call: this function runs three times a row
        from engine.literals import LiteralError, read_number

        try:
            value = read_number(cell)
        except LiteralError as e:
            raise CellError("I103", f"{what} `{cell}`: {e.message}", e.hint)
    problem = limit_problem(value, limit)
    if problem:
        raise CellError("I113", f"{what} `{_short(cell)}` {problem}",
                        "no portfolio holds such a number: check the cell (docs/file-formats.md, Limits)")
    fitted = fit(value, limit)
    assert fitted is not None  # limit_problem found no digit beyond the places
    if positive and fitted <= 0:
        raise CellError("I104", f"{what} must be more than zero", "check the row")
    return fitted


def _short(cell: str) -> str:
    return cell if len(cell) <= 40 else cell[:37] + "..."


def choose(cell: str, known: dict[str, str], what: str, hint: str) -> str:
    """`cell` as one of `known` (a lower-cased name -> canonical id map)."""
    found = known.get(cell.lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(cell.lower(), list(known), n=1)
    raise CellError("I105", f"unknown {what} `{cell}`",
                    (f"did you mean `{known[close[0]]}`? " if close else "") + hint)


class CellReader:
    """Reads the cells of one row, reporting every bad cell (not only the first) as
    `row N, column `c`: ...` at the cell's place; `bad` tells whether any was."""

    def __init__(self, row: Row, path: str, problems: list[Diagnostic]):
        self.row, self.path, self.problems, self.bad = row, path, problems, False

    def __call__(self, column: str, reader: Callable[[str], T]) -> T | None:
        try:
            return reader(self.row.cells.get(column, ""))
        except CellError as e:
            self.problems.append(error(e.code, f"row {self.row.line}, column `{column}`: {e.message}",
                                       self.row.span(self.path, column), e.hint))
            self.bad = True
            return None


class OnePerKey(Generic[R]):
    """A file's records with one value per key: the same value again is skipped; a
    different one is an error pointing at both rows."""

    def __init__(self, path: str, problems: list[Diagnostic]):
        self.path, self.problems = path, problems
        self.records: list[R] = []
        self._first: dict[Hashable, tuple[object, int]] = {}  # key -> (value, line of its first row)

    def add(self, key: Hashable, value: object, record: R, row: Row, column: str, code: str, conflict: str,
            rule: str) -> None:
        first = self._first.get(key)
        if first is None:
            self._first[key] = (value, row.line)
            self.records.append(record)
        elif first[0] != value:
            self.problems.append(error(code, f"row {row.line}: {conflict}", row.span(self.path, column),
                                       f"{rule} (the first is on row {first[1]})"))


def result(records: list[R], table: Sized, problems: list[Diagnostic], path: str) -> tuple[list[R], list[Diagnostic]]:
    """An importer's answer: no records at all when any row is wrong (a failed import
    changes nothing), and I109 for a header with no rows."""
    if not table and not problems and not getattr(problems, "more", 0):
        problems.append(error("I109", f"`{path}` has a header but no rows", Span(path, 1, 1, 1, 2),
                              "is this the right file?"))
    if any(d.is_error for d in problems):
        return [], problems
    return records, problems
