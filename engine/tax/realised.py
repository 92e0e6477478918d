"""The gain on each part of a lot that a transfer consumed, classified by the law in force.

For each (sale, lot) part:
  proceeds   units x sale price (the full value of the consideration, s.48)
  expenses   the sale's transfer charges apportioned to these units (STT is never among them)
  cost       the lot's cost for these units, with purchase charges (s.48(ii))
  basis      the cost the law uses: grandfathered for equity bought on or before the class's
             date, max(cost, min(FMV, proceeds)) (s.55(2)(ac)); indexed by the cost
             inflation index where the rule says `with indexation` (s.48, second proviso)
  gain       proceeds - expenses - basis
  term       long-term if the treatment says so for these dates (s.2(42A); s.50AA regimes)
  rate       the rate in force on the sale date for that term ("slab" for slab rates)
Amounts are rounded to the paisa, half-even, where a share of something is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Mapping

from engine.diagnostics import Diagnostic, error, warning
from engine.ledger.fifo import Disposal, Ledger, Matched, held_on
from engine.policy.model import Policy, TaxClass, TaxLaw, Treatment
from engine.transactions import Transaction
from engine.vocabulary import Rate, RateKind, Term

PAISA = Decimal("0.01")


ZERO = Decimal(0)


def paise(value: Decimal) -> Decimal:
    return value.quantize(PAISA, rounding=ROUND_HALF_EVEN)


def exact_decimal(value: Fraction) -> Decimal:
    """A Fraction as a Decimal, divided in the context's precision (60 digits: engine/precision.py)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


@dataclass(frozen=True, slots=True)
class RealisedPart:
    investor: str
    account: str
    security: str
    tax_class: str
    sold: date
    source: str  # the sale's row
    lot_id: str
    acquired: date
    units: Decimal
    proceeds: Decimal
    expenses: Decimal
    cost: Decimal
    basis: Decimal  # the cost used for tax (grandfathered or indexed, else = cost)
    gain: Decimal
    term: Term
    rate: Rate | None  # None: no rule in force for this sale
    exemptable: bool  # the class has an exemption for this FY (s.112A)
    fy: int
    notes: tuple[str, ...] = ()
    # s.55(2)(ac): the FMV on the grandfathering date per unit now (through any split or
    # merger since), where the part was grandfathered and the FMV was known (Schedule 112A col. 10)
    fmv_per_unit: Decimal | None = None
    sale_price: Decimal | None = None  # the sale's price per unit (Schedule 112A col. 5); None: not a sale's part


def missing_fmv(security: str, on: date, where: str = "") -> Diagnostic:
    """T104: grandfathering needs `security`'s FMV on `on` (the security then held, which after
    a split or merger may not be the one held now); a warning, the actual cost being used."""
    return warning(
        "T104", f"{where + ': ' if where else ''}no FMV on {on} for {security}; the actual cost is used, "
        "which can only overstate the gain", None,
        f"import a `security,fmv` CSV with {security}'s price on {on} (or, for funds, install casparser-isin: "
        "pip install 'lotwise[isin]')")


def realise(ledger: Ledger, policy: Policy, fmv: Mapping[str, Decimal], only_fy: int | None = None
            ) -> tuple[list[RealisedPart], list[Diagnostic]]:
    """Every part of every lot consumed by a sale or switch-out (in FY `only_fy`, if given), classified."""
    law, portfolio = policy.tax, policy.portfolio
    parts: list[RealisedPart] = []
    problems: list[Diagnostic] = []
    if law is None or portfolio is None:
        return parts, [error("T101", "gains need a policy with a portfolio and a tax law", None,
                             'add `use "india"` and a portfolio to the policy')]
    for disposal in ledger.disposals:
        tx = disposal.tx
        if only_fy is not None and law.fy_of(tx.date) != only_fy:
            continue
        security = portfolio.security(tx.security)
        if security is None:
            problems.append(error("T102", f"{tx.source}: {tx.security} is not in the policy", None,
                                  "declare it in the portfolio with its tax class"))
            continue
        if disposal.bought_same_day and law.same_day_rebuy_netted and security.exchange_traded:
            problems.append(warning(
                "T130", f"{tx.source}: {tx.security} was sold and bought on {tx.date} in {tx.account}; a same-day "
                "sale and purchase is an intraday trade, not a capital gain, but lotwise counts it as a delivery "
                "sale", None, "rebuy on the next trading day, as the rules say; or record the trade as intraday"))
        for matched, (proceeds, expenses) in zip(disposal.matched, _shares(disposal)):
            parts.append(_part(tx, matched, proceeds, expenses, law, security.tax_class, fmv, problems))
    return parts, problems


def _shares(disposal: Disposal) -> list[tuple[Decimal, Decimal]]:
    """The sale's value and charges shared among its matched parts, each to the paisa; the last
    part takes the remainder, so the parts add up to the sale exactly."""
    tx = disposal.tx
    gross, shared_proceeds, shared_expenses = tx.units * tx.price, ZERO, ZERO
    shares = []
    for index, matched in enumerate(disposal.matched):
        if index == len(disposal.matched) - 1:
            proceeds, expenses = paise(gross) - shared_proceeds, tx.charges - shared_expenses
        else:
            proceeds = paise(gross * matched.units / tx.units)
            expenses = paise(tx.charges * matched.units / tx.units)
            shared_proceeds += proceeds
            shared_expenses += expenses
        shares.append((proceeds, expenses))
    return shares


def _part(tx: Transaction, matched: Matched, proceeds: Decimal, expenses: Decimal, law: TaxLaw, tax_class: str,
          fmv: Mapping[str, Decimal], problems: list[Diagnostic]) -> RealisedPart:
    """One matched part of a sale classified: its term, rate, basis (grandfathered, indexed) and gain."""
    notes: list[str] = []
    cls = law.tax_class(tax_class)
    fy = law.fy_of(tx.date)
    treatment = law.treatment(tax_class, matched.acquired, tx.date)
    long_term = treatment.is_long_term(matched.acquired, tx.date)
    rate = treatment.long_rate if long_term else treatment.short_rate
    if rate is None:
        problems.append(error(
            "T103", f"{tx.source}: no {'long' if long_term else 'short'}-term rate in force for "
            f"{tax_class} sold on {tx.date}{_covered(cls)}", None,
            "add a rule for this date with `override tax { ... }`"))
    basis, fmv_per_unit = matched.cost, None
    gf = cls.grandfather_on_or_before if cls else None
    # s.55(2)(ac) computes gains the law taxes (s.112A), on sales after the FMV's date;
    # an exempt gain (s.10(38)) is reported on the actual cost.
    if (gf is not None and matched.acquired <= gf and long_term and tx.date > gf
            and rate not in (None, RateKind.EXEMPT)):
        basis, fmv_per_unit = _grandfathered(tx, matched, proceeds, gf, fmv, notes, problems)
    if treatment.indexed and long_term:
        basis, rate = _indexed(tx, matched, proceeds - expenses, basis, rate, treatment, law, fy, notes, problems)
    exemptable = long_term and rate != RateKind.EXEMPT and law.exemption(tax_class, fy) is not None
    return RealisedPart(
        tx.investor, tx.account, tx.security, tax_class, tx.date, tx.source, matched.lot_id,
        matched.acquired, matched.units, proceeds, expenses, matched.cost, basis,
        proceeds - expenses - basis, Term.LONG if long_term else Term.SHORT, rate, exemptable, fy,
        tuple(notes), fmv_per_unit, tx.price)


def _grandfathered(tx: Transaction, matched: Matched, proceeds: Decimal, gf: date, fmv: Mapping[str, Decimal],
                   notes: list[str], problems: list[Diagnostic]) -> tuple[Decimal, Decimal | None]:
    """s.55(2)(ac): the basis max(cost, min(FMV, proceeds)), and the FMV per unit now. The FMV
    is of what was held on the date, through any split or merger since (a split or merger on or
    before it is already in that price); without it, the actual cost (T104) and None."""
    held, ratio = held_on(tx.security, matched.history, gf)
    value = fmv.get(held)
    if value is None:
        problems.append(missing_fmv(held, gf, tx.source))
        notes.append(f"FMV of {held} missing: actual cost used")
        return matched.cost, None
    fmv_total = paise(exact_decimal(Fraction(value) * Fraction(matched.units) * ratio))
    basis = max(matched.cost, min(fmv_total, proceeds))
    if basis != matched.cost:
        notes.append(f"grandfathered at FMV {value} of {held} on {gf}"
                     + (f" x {ratio} unit(s) then per unit now" if ratio != 1 else ""))
    return basis, exact_decimal(Fraction(value) * ratio)


def _indexed(tx: Transaction, matched: Matched, net: Decimal, basis: Decimal, rate: Rate | None,
             treatment: Treatment, law: TaxLaw, fy: int, notes: list[str], problems: list[Diagnostic]
             ) -> tuple[Decimal, Rate | None]:
    """The basis indexed by the cost inflation index in force for the FY of sale (rebased by the
    Finance Act 2017), or the lower rate without indexation (s.112(1) proviso): the basis and
    rate, given the sale's `net` proceeds (proceeds less expenses)."""
    bought_index, sold_index = law.cii(law.fy_of(matched.acquired), fy), law.cii(fy, fy)
    if bought_index is None or sold_index is None:
        problems.append(error("T105", f"{tx.source}: no cost inflation index for the FY of purchase "
                              f"or sale", None, "add it to the rules' cost inflation index"))
        return basis, rate
    indexed = paise(basis * sold_index / bought_index)
    cap = treatment.long_rate_unindexed
    # s.112(1) proviso: the tax is the lower of the rate on the indexed gain and
    # `cap` on the gain without indexation, for this lot part; a tie keeps indexation.
    if cap is not None and isinstance(rate, Decimal) and cap * (net - basis) < rate * (net - indexed):
        notes.append(f"{_pct(cap)} without indexation (less than {_pct(rate)} on the gain "
                     f"indexed {bought_index} -> {sold_index})")
        return basis, cap
    notes.append(f"indexed {bought_index} -> {sold_index}")
    if cap is not None:
        notes.append(f"{_pct(rate)} with indexation (not more than {_pct(cap)} without)")
    return indexed, rate


def _pct(rate: Rate | None) -> str:
    """A rate as a note shows it: a percentage, or the kind of rate (slab)."""
    from engine.literals import format_percent

    return format_percent(rate) if isinstance(rate, Decimal) else str(rate)


def _covered(cls: TaxClass | None) -> str:
    """`; the rules for X cover sales from D`: the earliest sale date the class's rules name."""
    if cls is None:
        return ""
    starts = [r.sold_from for r in cls.rules if r.sold_from is not None]
    return f"; the rules for {cls.name} cover sales from {min(starts)}" if starts else ""
