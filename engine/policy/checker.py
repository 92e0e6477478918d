"""What every check of a policy's sense shares: the diagnostics found so far, a percentage and a
duration within bounds, a span of FYs in order, an unknown tax class, and small readers of the AST.
The checks themselves: validate_tax.py, validate_portfolio.py, validate_rules.py, merge.py."""

from __future__ import annotations

import difflib
from dataclasses import replace
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, overload

from engine.diagnostics import Diagnostic, Fix, Span, error, warning
from engine.literals import format_percent, fy_label
import engine.policy.ast as ast
import engine.policy.model as m

ONE = Decimal(1)
N = TypeVar("N", bound=ast.Node)


def origin(span: Span) -> str:
    """Where a rule was stated, as the resolved policy records it (`path:line`)."""
    return f"{span.path}:{span.line}"


class BaseChecker:
    """Echoes are not reported: an error that follows from one already reported is not. A
    statement or block header reported as wrong in itself (a second definition, an `override`
    of nothing) is `blame`d, and no later diagnostic at that same place is reported."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.todo_targets = False  # a draft: TODO targets are 0%, not V370 (validate.resolve)
        self.blamed: dict[Span, frozenset[str] | None] = {}

    def blame(self, span: Span, codes: frozenset[str] | None = None) -> None:
        """What is at `span` is reported wrong: later diagnostics there (of `codes` only, when
        given: the others are independent mistakes at the same place) would be its echoes."""
        self.blamed[span] = codes

    def echoes(self, code: str, span: Span | None) -> bool:
        """Whether a diagnostic `code` at `span` would only echo one already reported there."""
        if span is None or span not in self.blamed:
            return False
        codes = self.blamed[span]
        return codes is None or code in codes

    def err(self, code: str, message: str, span: Span | None, hint: str | None = None,
            notes: tuple[tuple[str, Span], ...] = (), fix: Fix | None = None) -> None:
        if not self.echoes(code, span):
            self.diagnostics.append(replace(error(code, message, span, hint, notes), fix=fix))

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        if not self.echoes(code, span):
            self.diagnostics.append(warning(code, message, span, hint))

    def duration_bound(self, d: ast.Duration) -> None:
        """A holding period or window of more than 100 years is a typo (and beyond the calendar)."""
        if in_unit(d)[1] > {"days": 36600, "months": 1200}[in_unit(d)[0]]:
            self.err("V304", f"{d} is longer than 100 years", d.span, "check the number")

    @overload
    def percent(self, lit: ast.Lit, what: str, *, allow_zero: bool = True, maximum: Decimal = ONE) -> Decimal: ...

    @overload
    def percent(self, lit: ast.Lit | None, what: str, *, allow_zero: bool = True,
                maximum: Decimal = ONE) -> Decimal | None: ...

    def percent(self, lit: ast.Lit | None, what: str, *, allow_zero: bool = True,
                maximum: Decimal = ONE) -> Decimal | None:
        """A percentage within [0, 100%] (or (0, 100%]); reports V304 otherwise."""
        if lit is None:
            return None
        value: Decimal = lit.value
        low_ok = value >= 0 if allow_zero else value > 0
        if not low_ok or value > maximum:
            bound = "from 0%" if allow_zero else "above 0%"
            self.err("V304", f"{what} must be {bound} up to {format_percent(maximum)}, not {lit.text}",
                     lit.span, "check the number")
        return value

    def fy_span(self, years: ast.FYRange) -> m.FYSpan:
        first = first_fy(years)
        if years.last is not None and years.last < first:
            self.err("V305", f"{fy_label(first)} comes after {fy_label(years.last)}", years.span,
                     "write the earlier year first")
        return m.FYSpan(first=first, last=years.last)

    def unknown_class(self, lit: ast.Lit, class_names: set[str]) -> None:
        close = difflib.get_close_matches(lit.value, sorted(class_names), n=1)
        hint = f"did you mean `{close[0]}`?" if close else None
        known = ", ".join(sorted(class_names)) or "none"
        self.err("V313", f"unknown tax class `{lit.value}`", lit.span,
                 (hint + " " if hint else "") + f"The tax law defines: {known}.")


def first_fy(years: ast.FYRange) -> int:
    """The first FY of years that have one: only a cost inflation index series' years of sale
    (transformer.sales_years) start open; every other range (exemptions, cess, slab rates) is read
    by transformer.fy_range, which always gives a first."""
    assert years.first is not None
    return years.first


def one(items: Iterable[ast.Node], kind: type[N]) -> N | None:
    """The first statement of type `kind` among `items`."""
    return next((i for i in items if isinstance(i, kind)), None)


def value_of(lit: ast.Lit | None) -> Any:
    """The literal's value as read (a literal's value is of the type its grammar rule reads)."""
    return lit.value if lit is not None else None


def duration_of(d: ast.Duration) -> m.Duration:
    return m.Duration(count=d.count, unit=d.unit)


def in_unit(d: ast.Duration) -> tuple[str, int]:
    """("days", n) or ("months", n): durations comparable exactly only within one unit."""
    return ("days", d.count) if d.unit == "days" else ("months", d.count * (12 if d.unit == "years" else 1))


def whole_months(d: ast.Duration) -> int:
    return d.count * {"days": 0, "months": 1, "years": 12}[d.unit]


def years_text(years: ast.FYRange) -> str:
    """The years as a policy writes them: ` from FY A`, ` for FY A`, ` for FY A to FY B`."""
    first = first_fy(years)
    if years.last is None:
        return f" from {fy_label(first)}"
    if years.last == first:
        return f" for {fy_label(first)}"
    return f" for {fy_label(first)} to {fy_label(years.last)}"


def dates_overlap(a_first: date | None, a_last: date | None, b_first: date | None, b_last: date | None) -> bool:
    lo = max(a_first or date.min, b_first or date.min)
    hi = min(a_last or date.max, b_last or date.max)
    return lo <= hi
