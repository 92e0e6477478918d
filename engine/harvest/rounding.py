"""Units back from the solver's answer: the program's float counts made whole counts of each queue's quantum.

Counts are whole in the program (issue 14: a continuous count rounded down could lose a whole count's
worth at a kink of the set-off), except the lots of a run (engine/harvest/formulation.py), repacked here
in FIFO order: a part of a gain lot is rounded down and a part of a loss lot up, so that no rounding can
add a taxed rupee. The solver's answer is floats (engine/harvest/program.py); they are read here
and become Decimal units (whole counts x the quantum) before anything is reported.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping, Sequence

from engine.harvest.queues import Queue
from engine.plans.sell_choice import QueueKey

ZERO = Decimal(0)
SOLVER_TOLERANCE = 1e-4  # of a count: closer than this to a whole count is that count


def repack_runs(queues: Sequence[Queue], columns: Mapping[QueueKey, list[int]], solution: Sequence[float],
                runs: Mapping[int, int], upper: Sequence[float]) -> list[float]:
    """The solution with each binary-free run's gain repacked in FIFO order: a run's lots may
    be taken in any order by the program (engine/harvest/formulation.py), so the run's gain
    (from the solver's float counts) is handed out again from its earliest lot, which gains at
    least as much per unit: the same gain, the law's order."""
    solution = list(solution)
    for q in queues:
        cols = columns[q.key]
        start = 0
        while start < len(cols):
            end = start + 1
            while end < len(cols) and runs.get(cols[end]) == cols[end - 1]:
                end += 1
            if end - start > 1:
                gains = [q.holdings[i].gain / q.holdings[i].lot.units * q.quantum for i in range(start, end)]
                left = sum(float(g) * solution[c] for g, c in zip(gains, cols[start:end]))
                for g, c in zip(gains, cols[start:end]):
                    take = min(upper[c], left / float(g)) if g > 0 else 0.0
                    solution[c] = take
                    left = max(0.0, left - take * float(g))
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


def units_of(queues: Sequence[Queue], columns: Mapping[QueueKey, list[int]], solution: Sequence[float],
             runs: Mapping[int, int], upper: Sequence[float], threshold: Decimal | None) -> dict[QueueKey, Decimal]:
    """Units to sell per queue (Decimal; queues sold from only) from the program's counts."""
    solution = repack_runs(queues, columns, solution, runs, upper)
    units: dict[QueueKey, Decimal] = {}
    for q in queues:
        wholes = whole_counts(q, columns[q.key], solution, threshold)
        total = sum((Decimal(w) * q.quantum for w in wholes), ZERO)
        if total > 0:
            units[q.key] = total
    return units
