"""The solver's program: a mixed-integer program in floats, and the one call that solves it with HiGHS.

Floats live here (and in engine/harvest/formulation.py, which fills the program): HiGHS takes its
coefficients, bounds and answers as floats. Nothing the plan reports is read from them; the plan's
rupees are recomputed in Decimal by the tax engine from the unit counts the program picks
(engine/harvest/evaluation.py).

HiGHS is a C library that prints to file descriptor 1 (a banner when the first solver of a process is
made, its log when asked for); `fd1_to` points that descriptor away for the block, so the command's
stdout carries only its data (issue 11).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # highspy is imported only when a program is solved (start-up)
    from highspy import Highs, HighsLp

INF = float("inf")
GAP = 0.05  # the solver's proof of optimality: an absolute gap, in rupees (docs/harvesting.md)
TIME_LIMIT = 60.0  # seconds of one investor's solve by default (`plan year-end --time-limit`; docs/harvesting.md)
PRESOLVE_OFF_ABOVE = 1000  # columns: presolve's probing of every lot's binary took 0.6 s of 1 s per investor
STAGED_ABOVE = 20_000  # columns: above this, the ties are broken in a second solve (`solve_staged`); below it
# one solve was as fast or faster on the bench's books (9,760 columns: 2.7 s against 5.4; docs/performance.md)
STAGE_SLACK = 1e-6  # rupees of tax value the second solve may give up from the first's plan (float noise)
TIE_SCALE = 1000.0  # the tie-breaks' weight in the second solve, where they no longer compete with the tax value
TIE_GAP = GAP / 10  # rupees of tie-breaks: the second solve's proof (a tenth of one solve's GAP on the whole objective)

_FD1_LOCK = threading.Lock()


@contextmanager
def fd1_to(target: int | None) -> Iterator[None]:
    """File descriptor 1 pointed at `target` (a descriptor; None: the null device) for the
    block, and back after it: what a C library prints there (HiGHS's banner, its log) is then
    not on the process's stdout. Python's and C's buffers are flushed on either side, so no
    text crosses over. One block at a time in a process (fd 1 is the process's, not a
    thread's). Does nothing if fd 1 cannot be duplicated (closed)."""
    with _FD1_LOCK:
        if sys.stdout is not None:
            sys.stdout.flush()
        flush_c_stdio()
        try:
            saved = os.dup(1)
        except OSError:
            yield
            return
        sink: int | None = None  # the null device, opened here and closed after
        if target is None:
            sink = target = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(target, 1)
            yield
        finally:
            flush_c_stdio()
            os.dup2(saved, 1)
            os.close(saved)
            if sink is not None:
                os.close(sink)


def flush_c_stdio() -> None:
    """fflush(NULL): whatever the C library still buffers for fd 1 goes where fd 1 points now."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to ask (Windows): HiGHS flushes its own lines
        pass


@dataclass(frozen=True)
class Solved:
    """What a solve gave: the columns' values (None: the solver has no plan at all), whether it
    proved them optimal (within GAP), and else the proven gap in rupees (the objective less the
    solver's bound: no plan can be worth more than this above the one returned), and why it stopped."""

    values: list[float] | None
    optimal: bool
    gap: float
    status: str


@dataclass
class Program:
    """A mixed-integer program being built: columns (a cost, bounds, integrality) and rows
    (coefficients by column, bounds). The cost is minimised: the negated value of a plan."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def var(self, lower: float, upper: float, cost: float = 0.0, integer: bool = False) -> int:
        """A new column; its index."""
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, coefficients: dict[int, float], lower: float, upper: float) -> None:
        """A new row: lower <= sum(coefficient x column) <= upper."""
        self.rows.append((coefficients, lower, upper))

    def solve(self, log: bool = False, time_limit: float | None = None) -> Solved:
        """The optimum (HiGHS, one thread, a fixed seed: the same plan every run); when
        `time_limit` seconds bind first, the best plan found so far with its proven gap, or none.
        With `log`, the solver's log goes to stderr (the CLI asks for it with LOTWISE_HIGHS_LOG)."""
        return _run(self._highs(log, time_limit), log)

    def solve_staged(self, first: list[float], log: bool = False, time_limit: float | None = None) -> Solved:
        """The plan in two solves, for large programs, whose tie-break terms (a charge on every
        lot's column) make one solve's root LP long (issue 14: one investor of 20,000 lots,
        13.7 s against 0.6 + 6 s). `first`: the cost without the tie-breaks (the tax value alone;
        columns past its end cost 0). First its optimum, proven within GAP: the tax value `v`.
        Then, among the plans worth at least `v` (less STAGE_SLACK, float noise), started from
        the first plan, the tax value plus the tie-breaks weighted TIE_SCALE times: there they no
        longer compete with the tax value, and they are proven to within TIE_GAP of the best (one
        solve proves its whole objective to GAP; proving the ties to GAP at the weight made the
        root's cuts 8 s of that investor's 9) (docs/harvesting.md, "Large books"). One HiGHS model for both (the
        second: its costs changed and a row added), so the program is handed over once.
        `time_limit` covers both solves: the first stopping short gives its plan and gap, the
        second its best plan (the first's at least)."""
        import numpy as np

        started = time.monotonic()
        cost, tax_value = self.cost, first + [0.0] * (len(self.cost) - len(first))
        self.cost = tax_value
        try:
            h = self._highs(log, time_limit)
        finally:
            self.cost = cost
        plain = _run(h, log)
        if not plain.optimal or plain.values is None:
            return plain
        least = sum(c * x for c, x in zip(first, plain.values))  # minus the tax value: the cost is minimised
        n = len(cost)
        h.changeColsCost(n, np.arange(n, dtype=np.int32),
                         np.array([v + TIE_SCALE * (c - v) for c, v in zip(cost, tax_value)], dtype=float))
        index = np.array([c for c, v in enumerate(first) if v != 0.0], dtype=np.int32)
        h.addRow(-np.inf, least + STAGE_SLACK, len(index), index, np.array([first[c] for c in index], dtype=float))
        h.setOptionValue("mip_abs_gap", TIE_GAP * TIE_SCALE)
        left = time_left(time_limit, started)
        if left is not None:
            h.setOptionValue("time_limit", left)
        _start_from(h, plain.values)
        ties = _run(h, log)
        if ties.values is None:
            return plain
        return Solved(ties.values, True, 0.0, plain.status)

    def _highs(self, log: bool, time_limit: float | None) -> Highs:
        """A HiGHS solver with the options of docs/harvesting.md and the program passed to it."""
        import highspy

        # HiGHS prints a banner to file descriptor 1 when the first solver of a process is made,
        # before output_flag can be set: made with fd 1 pointed away, so stdout carries only
        # the command's data (issue 11). Its log, when asked for, goes to stderr.
        with fd1_to(2 if log else None):
            h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy: Highs.__init__ is not annotated
        h.setOptionValue("output_flag", log)  # off: the solver prints nothing more
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", GAP)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("threads", 1)
        if len(self.cost) > PRESOLVE_OFF_ABOVE:
            h.setOptionValue("presolve", "off")
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        h.passModel(self._highs_lp())
        return h

    def _highs_lp(self) -> HighsLp:
        """The program as HiGHS's model: its matrix column-wise."""
        import highspy
        import numpy as np

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        n, m = len(self.cost), len(self.rows)
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.array(self.lower, dtype=float)
        lp.col_upper_ = np.array([inf if u == INF else u for u in self.upper], dtype=float)
        lp.row_lower_ = np.array([-inf if lo == -INF else lo for _, lo, _ in self.rows], dtype=float)
        lp.row_upper_ = np.array([inf if up == INF else up for _, _, up in self.rows], dtype=float)
        columns: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for r, (coefficients, _, _) in enumerate(self.rows):
            for c, v in coefficients.items():
                if v != 0.0:
                    columns[c].append((r, v))
        starts, index, values = [0], [], []
        for col in columns:
            for r, v in col:
                index.append(r)
                values.append(v)
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.integer]
        return lp


def _start_from(h: Highs, values: list[float]) -> None:
    """A feasible plan for the solver to start from (solve_staged's second solve)."""
    import highspy

    given = highspy.HighsSolution()
    given.col_value = list(values)
    given.value_valid = True
    h.setSolution(given)


def _run(h: Highs, log: bool) -> Solved:
    """Run the solver; what it gave."""
    with fd1_to(2) if log else nullcontext():
        h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    found = info.primal_solution_status == 2  # kSolutionStatusFeasible: HiGHS holds a feasible plan
    values = list(h.getSolution().col_value) if found else None
    if status == "Optimal":
        return Solved(values, True, 0.0, status)
    gap = abs(info.objective_function_value - info.mip_dual_bound) if found else INF
    return Solved(values, False, gap, status)


def time_left(time_limit: float | None, started: float) -> float | None:
    """Seconds left of `time_limit` since `started` (time.monotonic), never below 0; None: no limit."""
    return None if time_limit is None else max(0.0, time_limit - (time.monotonic() - started))
