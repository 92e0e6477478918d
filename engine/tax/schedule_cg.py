"""Schedule CG's items for one investor's FY: the year's sales summed per term and rate, gains
less losses, before any set-off, as the return's Schedule CG lists them (Part A short-term:
s.111A at 15% / at 20%, others at the slab rate; Part B long-term: s.112A at 10% / at 12.5%,
others (s.112) at their rates). The set-off (Schedule CYLA, BFLA) and the carry-forward
(Schedule CFL) are the year's own (engine/tax/year.py).

A class with an exemption rule is equity (rules/india.rules: `equity`): its short-term gains
are s.111A's and its long-term gains s.112A's in the years the exemption covers (s.10(38)
before: exempt, not listed here but as exempt gains). Other classes: s.112 for long-term
gains, the slab rate or a stated rate for short-term ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from engine.policy.model import TaxLaw
from engine.tax.realised import RealisedPart
from engine.vocabulary import Rate, RateKind, Term

ZERO = Decimal(0)


class Section(StrEnum):
    """The section of the Act an item of Schedule CG is taxed under."""

    S111A = "s.111A"
    S112A = "s.112A"
    S112 = "s.112"
    OTHER = ""  # short-term gains at the slab rate or a stated rate outside s.111A


@dataclass(frozen=True, slots=True)
class CGItem:
    term: Term
    rate: Rate | None  # None: no rule in force (T103 was reported)
    section: Section
    net: Decimal  # the sales' gains less their losses, before set-off

    def label(self) -> str:
        from engine.literals import format_percent

        word = "STCG" if self.term == Term.SHORT else "LTCG"
        rate = ("no rate" if self.rate is None else "slab rate" if self.rate == RateKind.SLAB
                else format_percent(self.rate) if isinstance(self.rate, Decimal) else str(self.rate))
        return f"{word} at {rate}" + (f" ({self.section})" if self.section else "")

    def to_json(self) -> dict[str, Any]:
        from engine.literals import money_text

        return {"term": self.term, "rate": None if self.rate is None else str(self.rate),
                "section": str(self.section) or None, "net": money_text(self.net)}


def section_of(part: RealisedPart, law: TaxLaw) -> Section:
    cls = law.tax_class(part.tax_class)
    equity = cls is not None and bool(cls.exemptions)
    if part.term == Term.LONG:
        return Section.S112A if part.exemptable else Section.S112
    return Section.S111A if equity and isinstance(part.rate, Decimal) else Section.OTHER


def schedule_cg(parts: Iterable[RealisedPart], law: TaxLaw) -> tuple[CGItem, ...]:
    """The items of the parts (one investor's FY), short-term first, then by rate, highest first
    (slab-rate and rateless items last); exempt parts (s.10(38)) are left out."""
    sums: dict[tuple[Term, Rate | None, Section], Decimal] = {}
    for p in parts:
        if p.rate == RateKind.EXEMPT:
            continue
        key = (p.term, p.rate, section_of(p, law))
        sums[key] = sums.get(key, ZERO) + p.gain

    def order(key: tuple[Term, Rate | None, Section]) -> tuple[int, int, Decimal, str]:
        term, rate, section = key
        known = isinstance(rate, Decimal)
        return (0 if term == Term.SHORT else 1, 0 if known else 1, -rate if isinstance(rate, Decimal) else ZERO,
                str(section))

    return tuple(CGItem(term, rate, section, sums[(term, rate, section)])
                 for term, rate, section in sorted(sums, key=order))
