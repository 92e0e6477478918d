"""casparser's JSON read field by field: where each value lies in the text (`Positions`, for the
spans of diagnostics) and a `Reader` that reads a value of the expected kind or says, at its
place, what is wrong (I151-I154). engine/book/importers/casparser_json.py reads the CAS with it.

A JSON value here is what `json.loads` gives with Decimal numbers (parse_float, parse_int) and
`Constant` for NaN and the infinities: a dict, a list, a str, a Decimal, a bool, None or a Constant.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable

from engine.diagnostics import Diagnostic, Span, error, warning
from engine.book.importers.csvrows import AMOUNT, FIRST_DAY, LAST_DAY, PRICE, UNITS, Limit, fit, limit_problem

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
LINE_BREAK = re.compile(r"\r\n|\r|\n")
NUMBER = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CAS_DATE = re.compile(r"^\d{2}-[A-Za-z]{3}-\d{4}$")
# The bounds every importer keeps (engine/book/importers/csvrows.py), by the key of the value.
LIMITS = {"units": UNITS, "open": UNITS, "close": UNITS, "nav": PRICE, "amount": AMOUNT}


# A place in the JSON: the keys and indexes from the top ("folios", 0, "schemes", 1).
Where = tuple[str | int, ...]
# A JSON object as read: its values are any JSON values (see the module's docstring).
JsonObject = dict[str, object]


class Constant:
    """NaN, Infinity or -Infinity in the JSON: kept, and reported as not a number."""

    def __init__(self, name: str):
        self.name = name


# ---------------------------------------------------------------- positions
@dataclass(slots=True)
class _Frame:
    """An object or list being scanned: its place, and the key or index of the value in it now."""

    path: Where
    is_object: bool
    slot: str | int  # the key (an object's is "" before its first key) or the index
    expecting_key: bool


class Positions:
    """Where each value of a (valid) JSON text starts and ends, by its path of keys and
    indexes: ("folios", 0, "schemes", 1) -> (start, end) character offsets."""

    def __init__(self, text: str, scan: bool = True):
        self.at: dict[Where, list[int]] = {}
        self.starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]
        if scan:
            self._scan(text)

    def _scan(self, text: str) -> None:
        stack: list[_Frame] = []

        def here() -> Where:
            if not stack:
                return ()
            top = stack[-1]
            return top.path + (top.slot,)

        for m in TOKEN.finditer(text):
            token, start, end = m.group(), m.start(), m.end()
            top = stack[-1] if stack else None
            if token in ("{", "["):
                path = here()
                self.at[path] = [start, end]
                stack.append(_Frame(path, token == "{", "" if token == "{" else 0, token == "{"))
            elif token in ("}", "]"):
                if stack:
                    frame = stack.pop()
                    self.at[frame.path][1] = end
            elif token == ":":
                if top:
                    top.expecting_key = False
            elif token == ",":
                if top:
                    if top.is_object:
                        top.expecting_key = True
                    else:
                        assert isinstance(top.slot, int)  # a list's slot is its index
                        top.slot += 1
            elif top and top.is_object and top.expecting_key:
                try:
                    top.slot = json.loads(token)  # a key: a JSON string (the text is valid JSON)
                except ValueError:
                    top.slot = token
            else:
                self.at[here()] = [start, end]

    def place(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, path: str, where: Where) -> Span | None:
        """The span of the value at `where`, else of the nearest enclosing value."""
        while where not in self.at and where:
            where = where[:-1]
        if where not in self.at:
            return None
        start, end = self.at[where]
        line, column = self.place(start)
        end_line, end_column = self.place(max(end, start + 1))
        return Span(path, line, column, end_line, end_column)


def jpath(where: Where) -> str:
    """A place as a message names it: folios[0].schemes[1]."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


# ------------------------------------------------------------------ the reader
@dataclass
class Reader:
    """Reads the values of one file, adding a diagnostic at its place for each that is not what
    is expected (and returning None for it)."""

    text_path: str
    positions: Positions
    problems: list[Diagnostic] = field(default_factory=list)

    def span(self, where: Where) -> Span | None:
        return self.positions.span(self.text_path, where)

    def line(self, where: Where) -> int:
        span = self.span(where)
        return span.line if span else 1

    def error(self, code: str, where: Where, message: str, hint: str | None = None,
              notes: Iterable[tuple[str, Span]] = (), at: Where | None = None) -> None:
        """An error about the value at `where` (named in the message), shown at `at` if given."""
        self.problems.append(error(code, f"{jpath(where)}: {message}", self.span(at or where), hint, tuple(notes)))

    def warning(self, code: str, where: Where, message: str, hint: str | None = None) -> None:
        self.problems.append(warning(code, f"{jpath(where)}: {message}", self.span(where), hint))

    # ------------------------------------------------------------ field readers
    def mapping(self, value: object, where: Where, what: str) -> JsonObject | None:
        if isinstance(value, dict):
            return value
        self.error("I151", where, f"{what} is {describe(value)}, not an object",
                   "is this the JSON casparser wrote (`casparser CAS.pdf -o cas.json`)?")
        return None

    def listing(self, owner: JsonObject, key: str, where: Where, what: str) -> list[object] | None:
        if key not in owner:
            self.error("I152", where, f"{what} has no `{key}`",
                       "is this the JSON casparser wrote (`casparser CAS.pdf -o cas.json`)?")
            return None
        value = owner[key]
        if isinstance(value, list):
            return value
        self.error("I151", where + (key,), f"`{key}` is {describe(value)}, not a list",
                   "is this the JSON casparser wrote (`casparser CAS.pdf -o cas.json`)?")
        return None

    def text(self, owner: JsonObject, key: str, where: Where, *, required: str | None = None,
             numbers: bool = False) -> str | None:
        """A text field, stripped; None when absent or null. `required`: the hint when it must
        be there. `numbers`: a whole JSON number is read as its digits (a folio number)."""
        value = owner.get(key)
        if isinstance(value, Decimal) and numbers and value.as_tuple().exponent == 0 and value >= 0:
            value = str(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required is not None:
                self.error("I152", where + ((key,) if key in owner else ()),
                           f"`{key}` is {'missing' if key not in owner else 'empty'}", required)
            return None
        if not isinstance(value, str):
            self.error("I151", where + (key,), f"`{key}` is {describe(value)}, not text", required)
            return None
        return value.strip()

    def decimal(self, owner: JsonObject, key: str, where: Where) -> tuple[Decimal | None, bool]:
        """(value or None when absent or null, read without a problem)."""
        value = owner.get(key)
        if value is None:
            return None, True
        limit = LIMITS.get(key, AMOUNT)
        number = number_or_problem(value, limit)
        if isinstance(number, str):
            shown = f" {show(value)}" if isinstance(value, (str, Decimal, Constant)) else ""
            self.error("I154", where + (key,), f"`{key}`{shown} {number}",
                       "casparser writes decimals as strings like \"1234.567\" (or as plain JSON numbers)")
            return None, False
        return fit(number, limit), True

    def day(self, owner: JsonObject, where: Where, key: str = "date") -> date | None:
        value = self.text(owner, key, where, required="every transaction has a date (YYYY-MM-DD)"
                          if key == "date" else "the statement's first day, e.g. 01-Apr-2024")
        if value is None:
            return None
        day = None
        try:
            if ISO_DATE.match(value):
                day = date.fromisoformat(value)
            elif CAS_DATE.match(value):
                day = datetime.strptime(value, "%d-%b-%Y").date()
        except ValueError:
            pass
        if day is not None:
            if FIRST_DAY <= day <= LAST_DAY:
                return day
            self.error("I153", where + (key,), f"`{value}` is outside the years 1900 to 9998", "check the year")
            return None
        self.error("I153", where + (key,), f"`{value}` is not a date",
                   "casparser writes dates as YYYY-MM-DD, e.g. 2024-01-05, or DD-Mon-YYYY, e.g. 05-Jan-2024")
        return None


def describe(value: object) -> str:
    """What kind of JSON value `value` is, as a message says it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, Constant)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def show(value: str | Decimal | Constant) -> str:
    """A value quoted in a message, cut short."""
    shown = value.name if isinstance(value, Constant) else str(value)
    return f"`{shown[:40]}{'...' if len(shown) > 40 else ''}`"


def number_or_problem(value: object, limit: Limit) -> Decimal | str:
    """The number `value` is (a JSON number, or a text of digits with commas), or what is wrong
    with it (not a number, or beyond `limit`)."""
    if isinstance(value, Constant):
        return "is not a number"
    if isinstance(value, str):
        if not NUMBER.match(value.strip()):
            return "is not a number"
        number = Decimal(value.strip().replace(",", ""))
    elif isinstance(value, Decimal):
        number = value
    else:
        return f"is {describe(value)}, not a number"
    problem = limit_problem(number, limit)
    return number if problem is None else problem
