"""The year-end program's migration room (docs/harvesting.md, "Migration and consolidation"): net
long-term gains may pass the allowance by the gains a move out of a costly fund realises, and under a
stated saving every count is whole. Split from formulation.py, whose rows it extends; floats here are
solver input only."""

from __future__ import annotations

from fractions import Fraction

from engine.harvest.formulation import TERMS, Formulation
from engine.harvest.program import INF


def add_migration_room(f: Formulation) -> None:
    """Migration (docs/harvesting.md, "Migration and consolidation"): net long-term gains may pass
    the allowance, and the year's tax rise by their tax, by at most the long-term gains realised by
    moving out of a fund (`extra`); the step-up of such a taxed gain is not credited (a cost of
    `extra` x its future rate), so moving pays tax only where the expense saved exceeds it.
    Called before add_exemption_room and add_no_new_tax, whose rows then count `extra`.
    With a saving, every lot's count outside a binary-free run is whole (`whole_counts_moving`)."""
    whole_counts_moving(f)
    if not f.migrated:
        return
    p, b0 = f.program, f.baseline
    extra = p.var(0, INF, f.migrated_future)
    p.row({extra: 1.0, **{c: -v for c, v in f.migrated.items()}}, -INF, 0.0)
    # extra is the excess exactly, or 0 (a binary `over`): its tax room is the excess's own, never
    # room for another bucket's tax.
    over = p.var(0, 1, integer=True)
    losses = sum(v * p.upper[c] for t in TERMS for c, v in f.loss_pool[t].items()) + float(sum(b0.base_loss.values()))
    big = sum(abs(v) * p.upper[c] for c, v in f.lt_row.items() if p.upper[c] < INF) + losses \
        + float(b0.allowance) + float(f.lt_base) + 1.0
    p.row({extra: 1.0, over: -big}, -INF, 0.0)
    p.row({extra: 1.0, **{c: -v for c, v in f.lt_row.items()}, over: big}, -INF,
          float(f.lt_base - Fraction(b0.allowance)) + big)
    f.lt_row[extra] = -1.0
    f.tax_row[extra] = -f.migrated_rate


def whole_counts_moving(f: Formulation) -> None:
    """Under migration a rupee moved is worth its saving, so a part of a count in the LP, rounded
    (rounding.py: a loss part up, a gain part down), can cost a count's saving or waste exemption.
    Seed 21 of tests/harvest/test_migration.py: the LP sold 1.024 counts of a loss lot (Rs 215 of
    loss, exactly the gains moved); rounded up to 2 counts it left Rs 205 of the exemption unused,
    a plan worth Rs 0.19 against Rs 8.52. Seed 180: a binary-free run's lots, taken out of order
    (1.7 counts, Rs 170 of gain against whole loss counts), repacked and rounded down to Rs 140.
    So with a saving stated every lot's count is whole and every lot of a run is FIFO by a binary
    of its own (the run is dissolved: nothing is repacked)."""
    if not f.migrated and not f.saving_cols:
        return
    p = f.program
    for col, previous in f.runs.items():  # this lot only after the one before is sold whole
        full = p.var(0, 1, integer=True)
        p.row({previous: 1.0, full: -p.upper[previous]}, 0.0, INF)
        p.row({col: 1.0, full: -p.upper[col]}, -INF, 0.0)
    f.runs.clear()
    for cols in f.columns.values():
        for c in cols:
            p.integer[c] = True
