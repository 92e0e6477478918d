"""Units back from the solver's answer: the program's float counts made whole counts of each queue's quantum.

Exchange-traded units are integer in the program, and so are the fund lots whose counts were worth
too much to round (below: issue 14, a continuous count rounded down could lose a whole count's worth
at a kink of the set-off). Other fund units are continuous: a run's lots
(engine/harvest/formulation.py) are repacked here in FIFO order, and a part of a gain lot is rounded
down and a part of a loss lot up, so that no rounding can add a taxed rupee. The solver's answer is
floats (engine/harvest/program.py); they are read here and become Decimal units (whole counts x the
quantum) before anything is reported.

Which fund lots are whole (`costly_parts`; docs/harvesting.md, "Whole counts"): rounding is exact to
within what it moves, in each queue the one lot sold in part (FIFO), by less than one count, and one
count of a lot can cost the plan's tax value at most its `worth`. After a solve, worth x the counts
rounded away is added up over the lots sold in part: within ROUNDING_SHARE (the part of the Re 1
promise, TIE_TOLERANCE, that the gap and the tie-breaks, TIE_SHARE, leave) the plan stands, as the
program with continuous counts is a relaxation of the law's plans. Otherwise those lots are made whole
(integer, outside any run) and the program solved again (engine/harvest/optimizer.py): branching is
spent only where a count's worth was at stake (the referee's debt fund at Rs 3,00,000 a unit, Rs 150 of
gain a count, where the program stopped at 0.933 counts and rounding lost the count).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Mapping, Sequence

from engine.harvest.formulation import TIE_SHARE, TIE_TOLERANCE, Formulation
from engine.harvest.program import Solved
from engine.harvest.queues import Queue
from engine.plans.sell_choice import QueueKey
from engine.vocabulary import RateKind

ZERO = Decimal(0)
SOLVER_TOLERANCE = 1e-4  # of a count: closer than this to a whole count is that count
ROUNDING_SHARE = (TIE_TOLERANCE - TIE_SHARE) / 2  # rupees: half of what the gap and tie-breaks leave,
# the other half for the paise the tax engine rounds a part's proceeds and basis to
ROUNDS = 3  # solves with more lots made whole before every fund lot in reach is


def repack_runs(queues: Sequence[Queue], columns: Mapping[QueueKey, list[int]], solution: Sequence[float],
                runs: Mapping[int, int], upper: Sequence[float], per_count: Mapping[int, float]) -> list[float]:
    """The solution with each binary-free run's gain (or loss) repacked in FIFO order: a run's
    lots may be taken in any order by the program (engine/harvest/formulation.py `_joins_run`), so
    the run's gain is handed out again from its earliest lot: the same gain, so the same tax value,
    in the law's order. The gain is the program's own (`per_count`: each column's gain per count, as
    its rows count it), so every row of the program that reads it reads the same sum after the
    repacking: handed out by the exact gains (the lots' values rounded to the paisa, in other
    ratios) a run of losses once met a limit on net LTCG a hundredth of a count short, and rounding
    that loss up added nothing back (issue 14's review: net LTCG 39.01 against an allowance of 39)."""
    solution = list(solution)
    for q in queues:
        cols = columns[q.key]
        start = 0
        while start < len(cols):
            end = start + 1
            while end < len(cols) and runs.get(cols[end]) == cols[end - 1]:
                end += 1
            if end - start > 1:
                gains = [per_count[c] for c in cols[start:end]]  # a run's lots all gain or all lose (none 0)
                left = sum(g * solution[c] for g, c in zip(gains, cols[start:end]))
                for g, c in zip(gains, cols[start:end]):
                    take = min(upper[c], max(0.0, left / g))
                    solution[c] = take
                    left -= take * g
            start = end
    return solution


def whole_counts(q: Queue, cols: Sequence[int], solution: Sequence[float], threshold: Decimal | None) -> list[int]:
    """Whole counts per lot of `q` in reach: a gain lot's part rounded down, a loss lot's up.
    Rounding a loss up must not make the order's net loss one the policy would not harvest
    (not larger than the threshold): that part is then rounded down instead."""
    wholes: list[int] = []
    rounded_up: int | None = None
    for i, (h, c) in enumerate(zip(q.holdings, cols)):
        x = solution[c]
        counts = int(h.lot.units / q.quantum)
        near = round(x)
        if abs(x - near) < SOLVER_TOLERANCE:  # the solver's tolerance, not a part of a count
            whole = near
        elif h.gain > 0:
            whole = int(x)
        else:
            whole, rounded_up = min(counts, int(x) + 1), i
        wholes.append(whole)
    if rounded_up is not None and threshold:
        net = sum((h.gain / h.lot.units * q.quantum * w for h, w in zip(q.holdings, wholes)), ZERO)
        if -threshold <= net < 0:
            wholes[rounded_up] -= 1
    return wholes


def rounded(queues: Sequence[Queue], columns: Mapping[QueueKey, list[int]], solution: Sequence[float],
            runs: Mapping[int, int], upper: Sequence[float], threshold: Decimal | None,
            per_count: Mapping[int, float]) -> tuple[list[float], dict[QueueKey, list[int]]]:
    """The solution with its runs repacked, and each queue's whole counts per lot from it."""
    solution = repack_runs(queues, columns, solution, runs, upper, per_count)
    return solution, {q.key: whole_counts(q, columns[q.key], solution, threshold) for q in queues}


def units_of(queues: Sequence[Queue], wholes: Mapping[QueueKey, list[int]]) -> dict[QueueKey, Decimal]:
    """Units to sell per queue (Decimal; queues sold from only) from the whole counts."""
    units: dict[QueueKey, Decimal] = {}
    for q in queues:
        total = sum((Decimal(w) * q.quantum for w in wholes[q.key]), ZERO)
        if total > 0:
            units[q.key] = total
    return units


def top_rate(f: Formulation) -> float:
    """The highest rate (with cess) at which a gain of the year, realised or in the program, is
    taxed now, or the investor's slab rate: what a rupee of loss can save, or a freed loss cover."""
    rates = {rate for _, rate, _ in [*f.buckets, *f.baseline.base_gain]} | {RateKind.SLAB}
    return max(f.rates.taxed(rate) for rate in rates)


def worth(f: Formulation, col: int, top: float, down: bool) -> float:
    """The most one count of a fund lot's column, taken away (`down`) or added, can cost the plan's
    tax value (rupees). The tax of the year never falls with more gain or rises with more loss, so:
    a gain given up costs its step-up (gain x its future rate; its exit load is saved); a loss
    added costs its step-down and its exit load and the price of the rebuy's status; a loss given
    up (the threshold's rounding) or a gain added can cost at most `top` a rupee now."""
    gain, future, charges = f.count_terms[col]
    if gain >= 0:
        return gain * abs(future) if down else gain * top + charges
    return -gain * top if down else -gain * abs(future) + charges


@dataclass(frozen=True)
class RoundingCheck:
    """What rounding a solve's counts moved: the continuous fund lots (queue, index) it moved, what
    that may have cost in rupees (each one's worth x the counts moved; solver-side, a float), and
    whether it may have broken a constraint. `rejected`: those lots are to be made whole."""
    moved: frozenset[tuple[QueueKey, int]]
    cost: float
    broken: bool

    @property
    def rejected(self) -> bool:
        return bool(self.moved) and (self.cost > ROUNDING_SHARE or self.broken)


def costly_parts(f: Formulation, queues: Sequence[Queue], solution: Sequence[float],
                 wholes: Mapping[QueueKey, list[int]]) -> RoundingCheck:
    """The continuous fund lots (queue, index) that rounding moved, when what it may have cost in
    all (each one's worth x the counts moved) is more than ROUNDING_SHARE, or when it may have
    broken a constraint: an order left a net loss the policy would not harvest (a gain lot rounded
    down behind a loss: the program met the threshold with the part), or a loss lot was rounded
    down (whole_counts, for the threshold), adding net gain that a limit on gains did not count
    (RoundingCheck.rejected)."""
    top = top_rate(f)
    moved: set[tuple[QueueKey, int]] = set()
    cost = 0.0
    broken = False
    for q in queues:
        here = set()
        for i, (col, whole) in enumerate(zip(f.columns[q.key], wholes[q.key])):
            delta = abs(solution[col] - whole)
            if col in f.count_terms and not f.program.integer[col] and delta > SOLVER_TOLERANCE:
                cost += worth(f, col, top, whole < solution[col]) * delta
                here.add((q.key, i))
                # a loss given up (the threshold's rounding) adds net gain the program did not count
                broken = broken or (f.count_terms[col][0] < 0 and whole < solution[col])
        if here and _below_threshold(q, wholes[q.key], f.baseline.threshold):
            broken = True
        moved |= here
    return RoundingCheck(frozenset(moved), cost, broken)


def _below_threshold(q: Queue, wholes: Sequence[int], threshold: Decimal | None) -> bool:
    """The queue's order, in these whole counts, realises a net loss not larger than `threshold`."""
    if not threshold:
        return False
    net = sum((h.gain / h.lot.units * q.quantum * w for h, w in zip(q.holdings, wholes)), ZERO)
    return -threshold <= net < 0


def every_fund_lot(f: Formulation, queues: Sequence[Queue]) -> frozenset[tuple[QueueKey, int]]:
    """Every fund lot in reach: the last round's whole counts (each plan the program expresses
    is then a plan of the law)."""
    return frozenset((q.key, i) for q in queues for i, col in enumerate(f.columns[q.key]) if col in f.count_terms)


def unproven_by(solved: Solved, rejected: RoundingCheck | None) -> Decimal | None:
    """How far from the best the plan may be, in rupees rounded up to the paisa: None when the
    solve was optimal and its rounding stood; else the solver's gap (0 when optimal) plus what a
    rounding the last round rejected may have cost (a later solve stopped short)."""
    if solved.optimal and rejected is None:
        return None
    gap = (0.0 if solved.optimal else solved.gap) + (rejected.cost if rejected is not None else 0.0)
    return Decimal(repr(gap)).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
