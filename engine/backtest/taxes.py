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
from engine.ledger.fifo import Ledger
from engine.plans.sell_choice import TaxPosition
from engine.policy.model import Policy
from engine.tax.chain import TaxHistory, history, histories
from engine.tax.complete import law_of
from engine.tax.realised import RealisedPart
from engine.tax.year import YearResult

NO_FMV: Mapping[str, Decimal] = {}


def checked(found: TaxHistory) -> TaxHistory:
    """The history, or BacktestRefused with the tax engine's errors (a sale no rule of the law covers, T103)."""
    if any(d.is_error for d in found.problems):
        raise BacktestRefused(diagnostics=[d for d in found.problems if d.is_error])
    return found


class Positions:
    """Each day's TaxPosition from the run's ledger; the chain is made again only when the FY or the
    sales have changed since the last one asked for (a run asks once a month, sales are rarer)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self._last: tuple[int, int, TaxHistory] | None = None

    def on(self, ledger: Ledger, day: date) -> TaxPosition:
        fy = law_of(self.policy).fy_of(day)
        sold = len(ledger.disposals)
        if self._last is None or self._last[:2] != (fy, sold):
            sales = Ledger((), ledger.disposals, ledger.intraday)
            self._last = (fy, sold, checked(history(sales, self.policy, NO_FMV, fy, (), day)))
        taxed = self._last[2]
        realised: dict[str, list[RealisedPart]] = {}
        for p in taxed.parts:
            realised.setdefault(p.investor, []).append(p)
        losses = {investor: list(taxed.opening(investor)) for investor in taxed.chains}
        return TaxPosition(self.policy, taxed.fy, realised, losses)


def years(ledger: Ledger, policy: Policy, fys: Sequence[int]) -> dict[int, dict[str, YearResult]]:
    """Each FY's result per investor, chained (as `lotwise gains --fy FIRST..LAST` computes them)."""
    if not fys:
        return {}
    sales = Ledger((), ledger.disposals, ledger.intraday)
    found = histories(sales, policy, NO_FMV, list(fys))
    return {h.fy: {investor: checked(h).year(investor) for investor in h.chains} for h in found}
