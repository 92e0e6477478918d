"""The tax engine over a run's ledger, where the engine's own loaders read a Book: the thin adapters.

`position` is what engine/inputs.py `load_plan_inputs` builds for a planner from a book (each
investor's parts realised so far in the FY of `day`, and the losses brought into it, chained
from the first year with a sale: engine/tax/chain.py `history`), from the run's ledger instead.
`years` is what `lotwise gains` computes (engine/gains.py `histories_of`: one realisation of
the ledger, one chain per investor, engine/tax/chain.py `histories`): each investor's result of
each FY, with set-off and carry-forward chained from year to year. No FMV is given: the run's
lots are bought by the run, after 31 January 2018 unless the run starts earlier (then a lot
bought before it is taxed at cost, with the engine's warning T104, which the run refuses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from engine.backtest.refusal import BacktestRefused
from engine.diagnostics import Diagnostic
from engine.ledger.fifo import Disposal, Ledger
from engine.plans.sell_choice import TaxPosition
from engine.policy.model import Investor, Policy
from engine.tax.chain import Chain, RealisedYear, TaxHistory, history, histories
from engine.tax.complete import law_of, portfolio_of
from engine.tax.realised import RealisedPart, realise
from engine.tax.year import Loss, YearResult, compute, condensed

NO_FMV: Mapping[str, Decimal] = {}


def checked(found: TaxHistory) -> TaxHistory:
    """The history, or BacktestRefused with the tax engine's errors (a sale no rule of the law covers, T103)."""
    if any(d.is_error for d in found.problems):
        raise BacktestRefused(diagnostics=[d for d in found.problems if d.is_error])
    return found


class Positions:
    """Each day's TaxPosition from the run's ledger; the chain is made again only when the FY or the
    sales have changed since the last one asked for (a run asks once a month, sales are rarer).

    Made again, it is `history` (engine/tax/chain.py) from the sales' realised parts, each sale
    realised once: `realise` classifies each disposal on its own (its parts and problems depend on
    that disposal alone, in the ledger's order), so a year's parts are its disposals' parts in
    order, as `realise_years` makes them. The run book keeps its disposals (the same objects from
    one ledger to the next), so they are remembered by identity; a disposal made again is realised
    again. Where a sale cannot be taxed (an error), the chain is `history` itself, unchanged."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self._last: tuple[int, int, TaxHistory] | None = None
        self._realised: dict[int, tuple[Disposal, list[RealisedPart], list[Diagnostic]]] = {}
        # per (investor, FY): the condensed parts and opening losses computed, the year and its problems
        self._computed: dict[tuple[str, int], tuple[list[RealisedPart], list[Loss], YearResult, list[Diagnostic]]] = {}

    def on(self, ledger: Ledger, day: date) -> TaxPosition:
        fy = law_of(self.policy).fy_of(day)
        sold = len(ledger.disposals)
        if self._last is None or self._last[:2] != (fy, sold):
            self._last = (fy, sold, checked(self.history(ledger, fy, day)))
        taxed = self._last[2]
        realised: dict[str, list[RealisedPart]] = {}
        for p in taxed.parts:
            realised.setdefault(p.investor, []).append(p)
        losses = {investor: list(taxed.opening(investor)) for investor in taxed.chains}
        return TaxPosition(self.policy, taxed.fy, realised, losses)

    def history(self, ledger: Ledger, fy: int, day: date) -> TaxHistory:
        """`history(sales, policy, NO_FMV, fy, (), day)`, each disposal realised once (class docstring)."""
        law = law_of(self.policy)
        realised: dict[int, tuple[Disposal, list[RealisedPart], list[Diagnostic]]] = {}
        groups: dict[int, dict[str, list[int]]] = {}
        for disposal in ledger.disposals:
            tx = disposal.tx
            of = law.fy_of(tx.date)
            if of > fy or tx.date > day:
                continue
            known = self._realised.get(id(disposal))
            if known is None or known[0] is not disposal:
                parts, problems = realise(Ledger((), (disposal,)), self.policy, NO_FMV)
                known = (disposal, parts, problems)
            realised[id(disposal)] = known
            groups.setdefault(of, {}).setdefault(tx.investor, []).append(id(disposal))
        self._realised = realised  # only the disposals of this ledger: the rest are not asked again
        if any(d.is_error for _, _, problems in realised.values() for d in problems):
            return history(Ledger((), ledger.disposals, ledger.intraday), self.policy, NO_FMV, fy, (), day)
        years = {}
        for of in sorted(groups):
            found: list[RealisedPart] = []
            said: dict[str, tuple[Diagnostic, ...]] = {}
            for investor in sorted(groups[of]):
                more: list[Diagnostic] = []
                for key in groups[of][investor]:
                    found += realised[key][1]
                    more += realised[key][2]
                said[investor] = tuple(more)
            years[of] = RealisedYear(of, tuple(found), said)
        this_year = years.get(fy)
        problems = this_year.all_problems() if this_year else []
        chains = {}
        for member in portfolio_of(self.policy).investors:
            chains[member.id], more = self.chain(years, member, fy)
            problems.extend(more)
        return TaxHistory(fy, chains, this_year.parts if this_year else (), tuple(dict.fromkeys(problems)))

    def chain(self, years: Mapping[int, RealisedYear], investor: Investor, through: int
              ) -> tuple[Chain, list[Diagnostic]]:
        """engine/tax/chain.py `chain` without returns' losses and without an untaxable year (`history`
        serves those), continued: a year whose condensed parts and opening losses are those of the
        last time is not computed again (`compute` is a function of them, the law and the investor)."""
        law = law_of(self.policy)
        first = min((of for of, year in years.items() if of <= through and year.sold_by(investor.id)),
                    default=through)
        results: list[YearResult] = []
        openings: list[tuple[Loss, ...]] = []
        problems: list[Diagnostic] = []
        carried: list[Loss] = []
        for fy in range(first, through + 1):
            opening = list(carried)
            year = years.get(fy)
            parts = condensed(p for p in year.parts if p.investor == investor.id) if year else []
            known = self._computed.get((investor.id, fy))
            if known is None or known[0] != parts or known[1] != opening:
                result, said = compute(parts, law, investor, fy, opening)
                known = self._computed[(investor.id, fy)] = (parts, opening, result, said)
            problems.extend(known[3])
            results.append(known[2])
            openings.append(tuple(opening))
            carried = known[2].carry_forward
        return Chain(investor.id, first, tuple(results), tuple(openings)), problems


def years(ledger: Ledger, policy: Policy, fys: Sequence[int]) -> dict[int, dict[str, YearResult]]:
    """Each FY's result per investor, chained (as `lotwise gains --fy FIRST..LAST` computes them)."""
    if not fys:
        return {}
    sales = Ledger((), ledger.disposals, ledger.intraday)
    found = histories(sales, policy, NO_FMV, list(fys))
    return {h.fy: {investor: checked(h).year(investor) for investor in h.chains} for h in found}
