"""Which fund lots' counts the year-end program keeps whole (issue 14; docs/harvesting.md, "Whole counts").

Every lot's column starts integer (engine/harvest/formulation.py `_lot_column`). A fund lot whose
0.001-unit count is worth little is made continuous again, as before issue 14, and rounded afterwards
(engine/harvest/rounding.py): rounding a queue's one partly sold lot moves the plan's tax value by less
than one count's worth, bounded here by `worth`. The counts freed are those whose worth, summed over
the program's queues, stays within ROUNDING_SHARE, the part of the Re 1 promise (TIE_TOLERANCE) left
after the gap and the tie-breaks (TIE_SHARE). Branching is then spent only where a count is worth
something: a fund of a high NAV (the referee's debt fund at Rs 3,00,000 a unit, Rs 150 of gain a count,
where the program stopped at 0.933 counts and rounding lost the count) or a large gain per unit.
"""

from __future__ import annotations

from engine.harvest.formulation import TIE_SHARE, TIE_TOLERANCE, Formulation
from engine.vocabulary import RateKind

ROUNDING_SHARE = (TIE_TOLERANCE - TIE_SHARE) / 2  # rupees: half of what the gap and tie-breaks leave,
# the other half for the paise the tax engine rounds a part's proceeds and basis to


def worth(f: Formulation, col: int, top: float) -> float:
    """The most one count of the column can move the plan's tax value (rupees): its gain or loss
    times what a rupee of it can be worth (its future rate, the step-up or step-down, plus the
    highest rate a rupee of gain is taxed at now in the program, `top`: a loss may cover any gain,
    and a gain given up may free a loss to cover another), plus its exit load and status price."""
    gain, future, charges = f.count_terms[col]
    return gain * (abs(future) + top) + charges


def settle_counts(f: Formulation) -> int:
    """Make continuous each fund lot's column whose count is worth at most its queue's share of
    ROUNDING_SHARE; returns how many stay integer. Call after every queue's lots are added (the
    buckets' rates are then known) and before any row that depends on which counts are whole
    (formulation.rounding_room)."""
    p = f.program
    rates = {rate for _, rate, _ in [*f.buckets, *f.baseline.base_gain]} | {RateKind.SLAB}
    top = max(f.rates.taxed(rate) for rate in rates)  # the year's gains, realised or in the program
    queues = sum(1 for cols in f.columns.values() if any(c in f.count_terms for c in cols))
    if not queues:
        return 0
    share = ROUNDING_SHARE / queues
    whole = 0
    for col in f.count_terms:
        if p.integer[col] and worth(f, col, top) <= share:
            p.integer[col] = False
        whole += p.integer[col]
    return whole
