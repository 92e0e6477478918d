"""Each investor's financial years chained from the first the book knows: the losses carried
out of one year are the losses brought into the next (ss.70-74).

    realise_years(ledger, policy, fmv, through)   -> the realised parts and problems of each FY
    chain(years, law, investor, through, imported) -> every FY's result, with its opening losses

The law: a capital loss not set off in its year is carried forward (s.74(1)) and must be set
off against the first eligible gains of the next years, even gains the exemption would have
covered; after `carry forward N years` (8, s.74(3)) what is left expires. So a year's opening
losses are the previous year's closing ones, and a year cannot be computed alone: `chain`
computes every year from the first one with a sale (or an imported loss) up to the one asked
for, each with `year.compute`, and feeds each year's `carry_forward` into the next.

Losses from an investor's returns (the brought-forward losses CSV, `BroughtForwardLoss`) say
how much of the loss of FY `fy` (its year of origin) was still to be set off at the start of
FY `into` (by default the year after its origin: the amount the return of the year of origin
carried forward). They enter the chain at that year only: its opening balance for that year
of origin and term becomes the return's amount, replacing what the book computed (the return
is the record: the book may not hold every sale of that year, or the return may have been late,
s.80, in which case the amount is 0). Set off in one year, a loss is not used again in the next.

A year whose sales cannot be taxed (an error from `realise`, e.g. no rate in force) cannot be
chained through: the chain then starts after the last such year before the one asked for, with
a warning (T141) naming it, and losses from before it come only from the imported returns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from engine.diagnostics import Diagnostic, has_errors, warning
from engine.ledger.fifo import Disposal, Ledger
from engine.literals import fy_label, format_inr
from engine.policy.model import Investor, Policy, TaxLaw
from engine.tax.complete import law_of, portfolio_of
from engine.tax.realised import RealisedPart, realise
from engine.tax.year import Loss, YearResult, compute, condensed
from engine.transactions import BroughtForwardLoss


@dataclass(frozen=True)
class RealisedYear:
    """The lot parts realised in one FY (up to a date, for the FY in progress) and what
    classifying them found, by investor."""

    fy: int
    parts: tuple[RealisedPart, ...]
    problems: Mapping[str, tuple[Diagnostic, ...]]  # by investor

    def all_problems(self) -> list[Diagnostic]:
        return [d for investor in sorted(self.problems) for d in self.problems[investor]]

    def computable(self, investor: str) -> bool:
        return not has_errors(self.problems.get(investor, ()))

    def sold_by(self, investor: str) -> bool:
        return investor in self.problems


def realise_years(ledger: Ledger, policy: Policy, fmv: Mapping[str, Decimal], through: int, until: date | None = None
                  ) -> dict[int, RealisedYear]:
    """The ledger's disposals of each FY up to `through` (and sold on or before `until`,
    when given), classified by `realise` investor by investor and FY by FY, so that each
    year's problems stay that investor's and that year's."""
    law = law_of(policy)
    groups: dict[int, dict[str, list[Disposal]]] = defaultdict(lambda: defaultdict(list))
    for disposal in ledger.disposals:
        tx = disposal.tx
        fy = law.fy_of(tx.date)
        if fy <= through and (until is None or tx.date <= until):
            groups[fy][tx.investor].append(disposal)
    years = {}
    for fy in sorted(groups):
        parts: list[RealisedPart] = []
        problems: dict[str, tuple[Diagnostic, ...]] = {}
        for investor in sorted(groups[fy]):
            found, more = realise(Ledger((), tuple(groups[fy][investor])), policy, fmv)
            parts += found
            problems[investor] = tuple(more)
        years[fy] = RealisedYear(fy, tuple(parts), problems)
    return years


@dataclass(frozen=True)
class Chain:
    """One investor's years, `first` to `through`: each year's result and the losses it opened with."""

    investor: str
    first: int
    results: tuple[YearResult, ...]
    openings: tuple[tuple[Loss, ...], ...]

    @property
    def through(self) -> int:
        return self.first + len(self.results) - 1

    def year(self, fy: int) -> YearResult:
        return self.results[fy - self.first]

    def opening(self, fy: int) -> tuple[Loss, ...]:
        """The losses brought into `fy`: what the year before carried forward, with the
        returns' amounts in place of the book's where a return names that year."""
        return self.openings[fy - self.first]


def chain(years: Mapping[int, RealisedYear], law: TaxLaw, investor: Investor, through: int,
          imported: Iterable[BroughtForwardLoss] = ()) -> tuple[Chain, list[Diagnostic]]:
    """Every FY of `investor` from the first with a sale or an imported loss to `through`,
    each computed with the losses the one before carried forward (module docstring)."""
    problems: list[Diagnostic] = []
    mine = [loss for loss in imported if loss.investor == investor.id and loss.into <= through]
    returns: dict[int, list[BroughtForwardLoss]] = defaultdict(list)
    for loss in mine:
        returns[loss.into].append(loss)
    broken = [fy for fy, year in years.items() if fy < through and not year.computable(investor.id)]
    starts = [fy for fy, year in years.items() if year.sold_by(investor.id)] + list(returns)
    first = min([fy for fy in starts if fy <= through], default=through)
    if broken:
        last_broken = max(broken)
        first = max(first, last_broken + 1)
        # A return's loss brought into the untaxable year or before cannot be followed through
        # it (that year's gains may have met it): it is left out, conservatively, and named.
        unused = sorted((r for r in mine if r.into < first and r.amount > 0), key=lambda r: (r.into, r.fy, r.term))
        left_out = ("; left out, brought in before it: " + ", ".join(
            f"the {r.term} loss of {fy_label(r.fy)} ({format_inr(r.amount)} into {fy_label(r.into)})"
            for r in unused)) if unused else ""
        problems.append(warning(
            "T141", f"{investor.id}: {fy_label(last_broken)} has sales lotwise cannot tax (see its "
            f"`gains --fy {fy_label(last_broken)[3:]}`), so losses carried out of it and of earlier years are "
            f"not known; the years from {fy_label(first)} are computed with only the losses your returns "
            f"bring into {fy_label(first)} or later{left_out}", None,
            f"import the losses carried forward into {fy_label(first)} (schedule CFL of the return for "
            f"{fy_label(last_broken)}) with an `into` column, or add rules for those sales"))
    results: list[YearResult] = []
    openings: list[tuple[Loss, ...]] = []
    carried: list[Loss] = []
    for fy in range(first, through + 1):
        opening = _with_returns(carried, returns.get(fy, ()), investor.id, fy, first, problems)
        year = years.get(fy)
        parts = condensed(p for p in year.parts if p.investor == investor.id) if year else []
        result, more = compute(parts, law, investor, fy, opening)
        problems.extend(more)
        results.append(result)
        openings.append(tuple(opening))
        carried = result.carry_forward
    return Chain(investor.id, first, tuple(results), tuple(openings)), problems


def _with_returns(carried: Sequence[Loss], returns: Sequence[BroughtForwardLoss], investor: str, fy: int,
                  first: int, problems: list[Diagnostic]) -> list[Loss]:
    """The losses brought into `fy`: those carried forward, each (year of origin, term) a
    return names replaced by the return's amount (a zero amount: nothing of it carried).
    Where the chain computed the year of origin (from `first`), a return that differs from
    what the book carried, nothing included, is named (T140)."""
    if not returns:
        return list(carried)
    named = {(r.fy, r.term): r.amount for r in returns}
    book = {(loss.fy, loss.term): loss for loss in carried}
    opening = [loss for loss in carried if (loss.fy, loss.term) not in named]
    for (origin, term), stated in sorted(named.items()):
        loss = book.get((origin, term))
        computed = loss.amount if loss is not None else (Decimal(0) if origin >= first else None)
        if computed is not None and stated != computed:
            problems.append(warning(
                "T140", f"{investor}: the {term} loss of {fy_label(origin)} brought into {fy_label(fy)} "
                f"is {format_inr(stated)} by your return but {format_inr(computed)} by the book's sales; "
                "lotwise uses the return's", None,
                "the book may lack some of that year's sales, or the return differs: check both"))
    opening.extend(Loss(fy_of, term, amount) for (fy_of, term), amount in named.items() if amount > 0)
    return sorted(opening, key=lambda l: (l.fy, l.term))


@dataclass(frozen=True)
class TaxHistory:
    """Every investor's years chained through FY `fy`: what `gains`, `status` and the plans
    read. `parts` and `problems` are FY `fy`'s (its sales up to `until`, for a FY in progress),
    with the chains' own problems (T110, T140, T141)."""

    fy: int
    chains: Mapping[str, Chain]
    parts: tuple[RealisedPart, ...]
    problems: tuple[Diagnostic, ...]

    def year(self, investor: str) -> YearResult:
        return self.chains[investor].year(self.fy)

    def opening(self, investor: str) -> tuple[Loss, ...]:
        return self.chains[investor].opening(self.fy)

    def sales(self, investor: str) -> list[RealisedPart]:
        return [p for p in self.parts if p.investor == investor]


def histories(ledger: Ledger, policy: Policy, fmv: Mapping[str, Decimal], fys: Sequence[int],
              imported: Iterable[BroughtForwardLoss] = (), until: date | None = None) -> list[TaxHistory]:
    """`history` for each FY of `fys` (in that order), from one realisation of the ledger and
    one chain per investor through the last of them: a year the chain through the last covers
    is the same there as in a chain through itself (the same sales, returns and openings
    before it). A year before an investor's chain starts (no sale or return yet, or a year
    cut off by an untaxable year after it, T141) is chained through itself from the same
    realised years. Each history's problems are its year's, with every chain's."""
    last = max(fys)
    law, investors = law_of(policy), portfolio_of(policy).investors
    years = realise_years(ledger, policy, fmv, last, until)
    imported = list(imported)
    full = {investor.id: chain(years, law, investor, last, imported) for investor in investors}
    out = []
    for fy in fys:
        this_year = years.get(fy)
        problems = this_year.all_problems() if this_year else []
        chains = {}
        for investor in investors:
            found, more = full[investor.id]
            if fy < found.first:
                found, more = chain(years, law, investor, fy, imported)
            chains[investor.id] = found
            problems.extend(more)
        out.append(TaxHistory(fy, chains, this_year.parts if this_year else (), tuple(dict.fromkeys(problems))))
    return out


def sale_years(ledger: Ledger, law: TaxLaw, imported: Iterable[BroughtForwardLoss] = ()) -> tuple[int, int] | None:
    """The FYs `gains --fy all` reports: from the first with a sale (or an intraday trade, or
    a return's loss brought in) to the last with a sale or an intraday trade; None when the
    book has none of them."""
    sold = [law.fy_of(d.tx.date) for d in ledger.disposals] + [law.fy_of(t.day) for t in ledger.intraday]
    brought = [loss.into for loss in imported]
    if not sold and not brought:
        return None
    return min(sold + brought), max(sold or brought)


def history(ledger: Ledger, policy: Policy, fmv: Mapping[str, Decimal], fy: int, imported: Iterable[BroughtForwardLoss] = (),
            until: date | None = None) -> TaxHistory:
    """Each investor's chain through FY `fy` from the ledger's disposals (sold on or before
    `until`, when given) and the losses of the returns."""
    years = realise_years(ledger, policy, fmv, fy, until)
    imported = list(imported)
    this_year = years.get(fy)
    problems = this_year.all_problems() if this_year else []
    chains = {}
    for investor in portfolio_of(policy).investors:
        chains[investor.id], more = chain(years, law_of(policy), investor, fy, imported)
        problems.extend(more)
    return TaxHistory(fy, chains, this_year.parts if this_year else (), tuple(dict.fromkeys(problems)))
