"""Schedule 112A of the return (ITR-2, ITR-3): one investor's long-term gains of a FY on
equity shares and units of equity-oriented funds on which STT was paid (s.112A), as the
income-tax utility's CSV template asks for them (docs/schedule-112a.md, with the sources).

The rows are the parts `realise` (engine/tax/realised.py) classified as long-term and
exemptable under s.112A in the FY (the class has the s.112A exemption for the FY), so the
balances add up to the s.112A LTCG that `gains` reports, up to the rounding to rupees:

  BE  acquired on or before the class's grandfathering date (31-01-2018): one row per part,
      i.e. per lot a sale consumed (s.55(2)(ac) works per lot: the higher of its cost and
      the lower of its FMV and its sale value; summing lots first would change the answer);
  AE  acquired after it: one consolidated row (ISIN INNOTREQUIRD, name CONSOLIDATED, no
      units, prices or FMV), as the portal's instructions allow, per value of column 1b.

Column 1b (transferred before, or on or after, the start of the rates in force at the FY's
end: 23-07-2024 under rules/india.rules) is in the templates from FY 2024-25 (AY 2025-26);
`transfer_column` says whether a FY's template has it.

Rounding (the utility's own formulas: Excel ROUND, half away from zero, i.e. ROUND_HALF_UP):
units and prices per unit to 4 decimals (the schema's multipleOf 0.0001), every amount to
whole rupees: col. 6 = ROUND(4 x 5), col. 11 = ROUND(4 x 10), col. 8 and col. 12 rounded
from the ledger's paise, col. 9 = min(6, 11), col. 7 = max(8, 9), col. 13 = 7 + 12,
col. 14 = 6 - 13 (the utility recomputes every derived column and drops a row that differs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from engine.policy.model import Portfolio, TaxLaw
from engine.tax.realised import RealisedPart
from engine.vocabulary import Term

RUPEE = Decimal(1)
FOUR_PLACES = Decimal("0.0001")  # the schema's multipleOf for units, prices and FMV per unit
ZERO = Decimal(0)
NAME_LIMIT = 125  # the schema's maxLength for the name of the share/unit
CONSOLIDATED_ISIN, CONSOLIDATED_NAME = "INNOTREQUIRD", "CONSOLIDATED"
NO_ISIN = "INNOTAVAILAB"  # the portal's word for a security without an ISIN
FIRST_FY_WITH_1B = 2024  # the templates have column 1b from FY 2024-25 (AY 2025-26)


class Side(StrEnum):
    """Columns 1a and 1b: before (BE) or after (AE) the date the column names."""

    BEFORE = "BE"
    AFTER = "AE"


@dataclass(frozen=True, slots=True)
class Row112A:
    """One row of Schedule 112A; None where the template wants the cell blank (AE rows)."""

    acquired: Side  # 1a: on or before / after the grandfathering date
    transferred: Side | None  # 1b: None when the FY's template has no such column
    isin: str  # 2
    name: str  # 3
    units: Decimal | None  # 4
    sale_price: Decimal | None  # 5, per unit
    full_value: Decimal  # 6: the full value of consideration
    cost_without_indexation: Decimal  # 7: max(8, 9)
    cost: Decimal  # 8: the cost of acquisition
    lower_of_sale_and_fmv: Decimal | None  # 9: min(6, 11), BE rows only
    fmv_per_unit: Decimal | None  # 10: the FMV on the grandfathering date, per unit
    fmv_total: Decimal | None  # 11: 4 x 10
    expenditure: Decimal  # 12: wholly and exclusively in connection with the transfer (never STT)
    deductions: Decimal  # 13: 7 + 12
    balance: Decimal  # 14: 6 - 13


def rupees(value: Decimal) -> Decimal:
    """To whole rupees as the utility's ROUND does (half away from zero)."""
    return value.quantize(RUPEE, rounding=ROUND_HALF_UP)


def four_places(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def in_schedule(part: RealisedPart) -> bool:
    """A part Schedule 112A reports: long-term, and under s.112A (the class has its exemption)."""
    return part.term == Term.LONG and part.exemptable


def has_schedule(law: TaxLaw, fy: int) -> bool:
    """The FY has s.112A gains at all: some class has the s.112A exemption for it (FY 2018-19 on)."""
    return any(law.exemption(c.name, fy) is not None for c in law.classes)


def transfer_column(fy: int) -> bool:
    """The FY's template has column 1b (a property of the utility, not of the law)."""
    return fy >= FIRST_FY_WITH_1B


def rate_start(law: TaxLaw, tax_class: str, fy: int) -> date | None:
    """Column 1b's date: the start of the class's sale-date rule in force at the FY's end."""
    cls = law.tax_class(tax_class)
    end = law.fy_bounds(fy)[1]
    starts = [r.sold_from for r in cls.rules if r.precedence == 1 and r.sold_from is not None
              and r.sold_from <= end] if cls is not None else []
    return max(starts) if starts else None


def plain_name(name: str) -> str:
    """The name as the portal takes it: letters, digits and single spaces (an `&` or a `-`
    makes it drop the row), at most 125 characters."""
    kept = "".join(c if c.isascii() and c.isalnum() else " " for c in name)
    return " ".join(kept.split())[:NAME_LIMIT].strip()


def schedule_rows(parts: Iterable[RealisedPart], law: TaxLaw, portfolio: Portfolio, fy: int) -> tuple[Row112A, ...]:
    """One investor's rows for FY `fy` from the parts `realise` gave (any others are ignored):
    the BE rows in the order of the sales, then the AE rows (before, then after, column 1b's
    date)."""
    with_1b = transfer_column(fy)
    before: list[Row112A] = []
    after: dict[Side | None, list[RealisedPart]] = {}
    for part in parts:
        if not in_schedule(part) or part.fy != fy:
            continue
        start = rate_start(law, part.tax_class, fy) if with_1b else None
        transferred = (Side.BEFORE if start is not None and part.sold < start else Side.AFTER) if with_1b else None
        cls = law.tax_class(part.tax_class)
        gf = cls.grandfather_on_or_before if cls is not None else None
        if gf is not None and part.acquired <= gf:
            before.append(_before_row(part, transferred, portfolio))
        else:
            after.setdefault(transferred, []).append(part)
    order = [None, Side.BEFORE, Side.AFTER]
    return tuple(before) + tuple(_consolidated(side, after[side]) for side in order if side in after)


def _before_row(part: RealisedPart, transferred: Side | None, portfolio: Portfolio) -> Row112A:
    """A lot acquired on or before the grandfathering date: the utility's columns for it.
    Without its FMV (T104) col. 10 is 0, so col. 7 is the cost, as `gains` takes it."""
    security = portfolio.security(part.security)
    isin = (security.isin if security is not None else None) or (part.security if _is_isin(part.security) else NO_ISIN)
    name = plain_name(security.name if security is not None else part.security) or isin
    units = four_places(part.units)
    # the sale's own price per unit (a part made without one: its proceeds per unit)
    price = four_places(part.sale_price if part.sale_price is not None
                        else part.proceeds / part.units if part.units else ZERO)
    full_value = rupees(units * price)
    fmv_unit = four_places(part.fmv_per_unit) if part.fmv_per_unit is not None else ZERO
    fmv_total = rupees(units * fmv_unit)
    lower = min(full_value, fmv_total)
    cost = rupees(part.cost)
    expenditure = rupees(part.expenses)
    deductions = max(cost, lower) + expenditure
    return Row112A(Side.BEFORE, transferred, isin, name, units, price, full_value, max(cost, lower), cost, lower,
                   fmv_unit, fmv_total, expenditure, deductions, full_value - deductions)


def _consolidated(transferred: Side | None, parts: list[RealisedPart]) -> Row112A:
    """The lots acquired after the grandfathering date, in one row: sums in paise, rounded once."""
    full_value = rupees(sum((p.proceeds for p in parts), ZERO))
    cost = rupees(sum((p.cost for p in parts), ZERO))
    expenditure = rupees(sum((p.expenses for p in parts), ZERO))
    return Row112A(Side.AFTER, transferred, CONSOLIDATED_ISIN, CONSOLIDATED_NAME, None, None, full_value, cost, cost,
                   None, None, None, expenditure, cost + expenditure, full_value - cost - expenditure)


def _is_isin(ident: str) -> bool:
    return len(ident) == 12 and ident.startswith("IN") and ident.isalnum() and ident.isupper()


def total_balance(rows: Iterable[Row112A]) -> Decimal:
    """Col. 14's total: the s.112A LTCG the schedule gives Schedule CG (B7 in ITR-2)."""
    return sum((r.balance for r in rows), ZERO)
