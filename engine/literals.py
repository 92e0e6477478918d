"""Literals people type, read exactly, and written back the Indian way.

Amounts: `125000`, `1,25,000` (Indian grouping), `125,000` (thousands grouping),
`Rs 1,25,000`, `₹1,25,000`, `1.25L`, `1.25 lakh`, `2 crore`, `50k`. A comma that fits
neither grouping (`1,2,500`) is an error, never a guess. Values are `Decimal`, exact;
an amount must be a whole number of paise.

Percents are returned as fractions: `12.5%` -> Decimal("0.125").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

MAX_INTEGER_DIGITS = 15  # Rs 10^15 is far beyond any portfolio; longer numbers are typos.
MAX_FRACTION_DIGITS = 12  # far finer than any rate or unit; with 15 integer digits well
# inside Decimal's 28-digit default precision, so that scaling never rounds.

_MULTIPLIERS = {
    "l": 5, "lakh": 5, "lakhs": 5, "lac": 5, "lacs": 5,
    "cr": 7, "crore": 7, "crores": 7,
    "k": 3,
}
_AMOUNT_RE = re.compile(
    r"^(?:(?:Rs\.?|₹)\s*)?(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>[A-Za-z]+)?$"
)
_PAISA = Decimal("0.01")


@dataclass(frozen=True)
class LiteralError(Exception):
    """A literal that cannot be read. `code` is a diagnostic code (P1xx)."""

    code: str
    message: str
    hint: str | None = None


def indian_grouping(digits: str) -> str:
    """'12500000' -> '1,25,00,000' (last three digits, then pairs)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def _grouping_ok(groups: list[str]) -> bool:
    if len(groups) == 1:
        return True
    first, *rest = groups
    if first.startswith("0"):  # `0,500`: perhaps a decimal comma; never a guess
        return False
    if not 1 <= len(first) <= 3 or len(rest[-1]) != 3:
        return False
    middle = rest[:-1]
    indian = len(first) <= 2 and all(len(g) == 2 for g in middle)
    western = all(len(g) == 3 for g in middle)
    return indian or western


def read_number(text: str) -> Decimal:
    """A plain decimal number with optional digit grouping: `1,25,000.50`."""
    integer, _, fraction = text.partition(".")
    groups = integer.split(",")
    digits = "".join(groups)
    if not _grouping_ok(groups):
        raise LiteralError(
            "P112",
            f"misplaced comma in `{text}`",
            f"group digits as thousands, lakhs and crores: {indian_grouping(digits)}"
            + (f".{fraction}" if fraction else ""),
        )
    if len(digits.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise LiteralError("P115", f"`{text}` is too large", "check the number of digits")
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise LiteralError("P115", f"`{text}` has more than {MAX_FRACTION_DIGITS} decimal places",
                           "no rate or amount needs that precision; check the number")
    try:
        return Decimal(digits + ("." + fraction if fraction else ""))
    except InvalidOperation:  # pragma: no cover - the token regex admits only digits
        raise LiteralError("P115", f"`{text}` is not a number")


def _plain(value: Decimal) -> Decimal:
    """Drop exponent notation: 1.25E+5 -> 125000, 1.50 -> 1.50 kept as written."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value


def read_amount(text: str) -> Decimal:
    """Rupees, exact to the paisa."""
    match = _AMOUNT_RE.match(text.strip())
    if not match:
        raise LiteralError("P116", f"`{text}` is not an amount", "write an amount like Rs 1,25,000 or 1.25 lakh")
    value = read_number(match["num"])
    unit = match["unit"]
    if unit:
        exponent = _MULTIPLIERS.get(unit.lower() if unit != "L" else "l")
        if exponent is None:
            raise LiteralError("P116", f"unknown unit `{unit}` in `{text}`", "use lakh, crore or k")
        value = value.scaleb(exponent)
        if len(str(int(value))) > MAX_INTEGER_DIGITS:
            raise LiteralError("P115", f"`{text}` is too large", "check the number of digits")
    if value != value.quantize(_PAISA):
        raise LiteralError("P117", f"`{text}` is not a whole number of paise", "round it to two decimal places of a rupee")
    return _plain(value)


def read_percent(text: str) -> Decimal:
    """`12.5%` -> Decimal('0.125'), exact."""
    return read_number(text.rstrip("%").strip()).scaleb(-2)


def read_int(text: str) -> int:
    value = read_number(text)
    if value != value.to_integral_value():
        raise LiteralError("P118", f"`{text}` must be a whole number")
    return int(value)


def read_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LiteralError("P113", f"`{text}` is not a valid date", "write a real calendar date as YYYY-MM-DD")


_FY_RE = re.compile(r"^FY\s*(\d{4})-(\d{2,4})$")


def read_fy(text: str) -> int:
    """`FY 2025-26` -> 2025, the calendar year in which the financial year starts."""
    match = _FY_RE.match(text)
    if not match:  # pragma: no cover - guarded by the token regex
        raise LiteralError("P114", f"`{text}` is not a financial year", "write FY 2025-26")
    start, end = int(match[1]), match[2]
    expected = f"{(start + 1) % 100:02d}" if len(end) == 2 else str(start + 1)
    if end != expected:
        raise LiteralError(
            "P114",
            f"`{text}` is not a financial year: a financial year runs one year",
            f"write FY {start}-{(start + 1) % 100:02d}",
        )
    return start


def fy_label(start_year: int) -> str:
    return f"FY {start_year}-{(start_year + 1) % 100:02d}"


def format_inr(value: Decimal, signed: bool = False) -> str:
    """Rupees as lotwise writes them everywhere in text: rounded to the paisa (half-even),
    Indian grouping (Babel's en_IN: lakhs and crores), paise shown only when present, the sign
    before the currency: Rs 1,25,000 / Rs 12.50 / -Rs 75,747 / with `signed`, +Rs 3,54,041."""
    from babel.numbers import format_decimal  # imported here: only commands that print money load it

    value = value.quantize(_PAISA, rounding=ROUND_HALF_EVEN)  # round first, so 1999.999 -> 2,000
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    pattern = "#,##,##0" if value == value.to_integral_value() else "#,##,##0.00"
    return f"{sign}Rs {format_decimal(abs(value), format=pattern, locale='en_IN')}"


def money_text(value: Decimal) -> str:
    """Money in JSON: a plain decimal string of at most two decimals (paise), never in exponent
    notation: '125000', '12.5', '0.00' for Decimal('0E-7'). Amounts are in paise where they are
    made (engine/ledger.purchase_cost, tax/realised.paise); a value finer than that is rounded
    here, half-even, rather than printed as it is."""
    if value.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: money is never NaN here
        value = value.quantize(_PAISA, rounding=ROUND_HALF_EVEN)
    if value.is_zero():  # -0.001 rounds to zero, and a zero has no sign: '0.00', never '-0.00'
        value = value.copy_abs()
    return f"{value:f}"


def format_percent(fraction: Decimal) -> str:
    """Decimal('0.125') -> '12.5%'."""
    value = fraction.scaleb(2).normalize()
    text = f"{value:f}"
    return f"{text}%"
