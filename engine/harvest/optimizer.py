"""The year-end harvest optimizer (seed 000, section 3; docs/harvesting.md).

For each investor separately (each is a taxpayer with an own exemption, s.112A), choose how many
units to redeem from the front of each FIFO queue (investor, account, fund): FIFO within an
account is the law (s.45(2A), Circular 768), so a queue can only be sold from its front, and a
plan that wants a lot must sell every lot before it.

The objective, in rupees, maximised (docs/harvesting.md derives it):

    value = tax saved this FY                      (tax without the plan - tax with it)
          + future tax avoided by the step-up      (each gain realised x its future rate)
          - future tax added by the step-down      (each loss realised x its future rate)
          - exit loads - STT on the redemptions - stamp duty on the rebuys

The "future rate" of a lot is the rate its class's gain would bear when sold long-term later
(the long-term rate in force on `as_of`, or the short-term rate for a class that is always
short-term; a slab rate is the investor's, or 0 if unknown), with cess. A gain realised with
tax therefore nets to nothing (the tax now equals the tax avoided later), a gain inside the
exemption is worth its future tax, and a loss is worth the tax it saves this year less the
tax it adds later.

Constraints (the policy's `harvest` block): net long-term gains after set-off stay at or
below the exemption minus the margin (or where they already were, if above); no short-term
gain realised unless allowed (and then up to the stated amount); no exit load paid under
`never pay exit load`; an order that realises a net loss realises more than the loss
threshold; a fund's minimum redemption; fund units in 0.001, exchange-traded units whole.

Method: an exact mixed-integer program per investor, solved by HiGHS (highspy). The solver
only picks unit counts; every rupee in the plan is then computed again in Decimal by the tax
engine (engine/tax/year.py) from those units. Ties in value are broken by the policy's
preference order, then charges, then fewer orders: terms of the same objective, together worth
less than Rs 0.50 (one solve; a program of more than 20,000 columns is solved twice, the tax value
first, then the ties among its plans: program.py `solve_staged`, docs/harvesting.md).

The pieces, in the order of the method: engine/harvest/queues.py (the FIFO queues and how far a
plan may go into each), formulation.py (the program, one builder per family of constraints),
program.py (the program in floats and the HiGHS call: the only floats, with formulation.py),
rounding.py (whole units back from the solver's counts) and evaluation.py (the plan's rupees,
exact). This module is the orchestration: `solve_investor` and `plan_year_end`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Sequence

from engine.harvest import formulation as fm
from engine.harvest import loss_chain as lc
from engine.harvest import migration_room as mr
from engine.harvest import reach as rc
from engine.harvest.evaluation import Outcome, allowance_of, evaluate
from engine.harvest.memory import give_back
from engine.harvest.program import STAGED_ABOVE, TIME_LIMIT, Solved, time_left
from engine.harvest.queues import Queue, future_rate, parts_for, queues_of
from engine.harvest.rounding import ROUNDS, RoundingCheck, costly_parts, every_fund_lot, rounded, unproven_by, units_of
from engine.plans.sell_choice import QueueKey, TaxPosition
from engine.policy.model import Investor, Policy
from engine.tax.complete import portfolio_of
from engine.tax.unrealised import Holding

__all__ = ["HarvestPlan", "InfeasibleProgram", "InvestorPlan", "Outcome", "Progress", "Queue", "Solution",
           "SolverStopped", "TIME_LIMIT", "allowance_of", "evaluate", "future_rate", "parts_for", "plan_year_end",
           "queues_of", "solve_investor", "solve_within"]

Progress = Callable[[int, int, str], None]  # (investors done, investors in all, the investor now solved)


class SolverStopped(Exception):
    """The solver stopped without any plan for an investor (its time limit bound before it found
    one, or, which no program should do, it failed): the plan cannot be made. Never an empty plan."""

    def __init__(self, investor: str, status: str, time_limit: float | None):
        self.investor, self.status, self.time_limit = investor, status, time_limit
        limit = f"the time limit of {time_limit:g} s" if status == "Time limit reached" and time_limit else None
        super().__init__(f"{investor}: the optimizer found no plan within {limit}; give it more time "
                         "(--time-limit SECONDS)" if limit else
                         f"{investor}: the optimizer stopped without a plan ({status})")


class InfeasibleProgram(Exception):
    """HiGHS proved an investor's program infeasible. Selling nothing always fits the law's plans,
    so the program has stopped expressing them: a bug in lotwise (the CLI's X001, exit 3), never
    an empty plan (until issue 14 it was one; docs/harvesting.md, "Large books")."""

    def __init__(self, investor: str):
        self.investor = investor
        super().__init__(f"{investor}: the year-end program admits no plan, not even selling nothing")


@dataclass(frozen=True)
class Solution:
    """Units to sell per queue, and the proven gap in rupees when the time limit bound first (no
    plan is worth more than `gap` above this one; None: optimal within the solver's GAP)."""

    units: dict[QueueKey, Decimal]
    gap: Decimal | None = None


@dataclass(frozen=True)
class InvestorPlan:
    investor: str
    exemption: Decimal
    allowance: Decimal  # the most net LTCG the plan may leave: exemption - margin (or the year's, if above)
    queues: tuple[Queue, ...]
    units: dict[QueueKey, Decimal]  # units sold per queue
    outcome: Outcome
    gap: Decimal | None = None  # rupees: the time limit bound first, and the plan is proven this close to the best


@dataclass(frozen=True)
class HarvestPlan:
    as_of: date
    fy: int
    investors: tuple[InvestorPlan, ...]
    notes: tuple[str, ...] = ()


def solve_investor(policy: Policy, investor: Investor, position: TaxPosition, queues: Sequence[Queue],
                   as_of: date, fy: int, prefer: bool = True, solver_log: bool = False) -> dict[QueueKey, Decimal]:
    """Units to sell per queue: the program's optimum (`solve_within`, no time limit)."""
    return solve_within(policy, investor, position, queues, as_of, fy, prefer, solver_log).units


def solve_within(policy: Policy, investor: Investor, position: TaxPosition, queues: Sequence[Queue],
                 as_of: date, fy: int, prefer: bool = True, solver_log: bool = False,
                 time_limit: float | None = None) -> Solution:
    """Units to sell per queue: the program's optimum; with `prefer`, ties (within Re 1 of tax
    value) go to the policy's preference order, then less STT and stamp duty, then fewer orders;
    with `solver_log`, HiGHS's log goes to stderr. When `time_limit` seconds bind first, the
    best plan found with its proven gap; none found: SolverStopped. Solved again, with whole
    counts in the fund lots whose rounding was worth more than rounding.ROUNDING_SHARE, up to
    rounding.ROUNDS times, then with every fund lot whole, all the solves within `time_limit`. A
    later solve stopped short leaves the last plan, not proven: its gap adds what its rounding
    may have cost; if that rounding may break a constraint, SolverStopped."""
    baseline = fm.baseline_of(policy, investor, position, fy)
    reach = rc.reach_of(queues, baseline)
    whole: frozenset[tuple[QueueKey, int]] = frozenset()  # fund lots in whole counts: engine/harvest/rounding.py
    last: tuple[Solved, dict[QueueKey, list[int]], RoundingCheck | None] | None = None
    started = time.monotonic()  # the time limit is the investor's, over all their solves
    for attempt in range(ROUNDS + 1):
        f, first = _program(policy, investor, queues, fy, baseline, as_of, reach, prefer, whole)
        if not any(f.columns.values()):
            return Solution({})
        solved = _solve(f, first, prefer, solver_log, time_left(time_limit, started))
        if solved.status == "Infeasible":  # selling nothing always fits: the program is wrong (a bug)
            raise InfeasibleProgram(investor.id)
        if solved.values is None and (last is None or last[2] is not None and last[2].broken):
            # never an empty plan for a solve that stopped short (issue 14), nor one whose rounding
            # may break a constraint: the time limit bound before a plan of the law was found
            raise SolverStopped(investor.id, solved.status, time_limit)
        if solved.values is None:  # a later solve stopped short: the last plan, its rounding's cost in its gap
            break
        solution, wholes = rounded(queues, f.columns, solved.values, f.runs, f.program.upper, baseline.threshold,
                                   {c: terms[0] for c, terms in f.count_terms.items()})
        check = costly_parts(f, queues, solution, wholes) if attempt < ROUNDS else None
        last = (solved, wholes, check if check is not None and check.rejected else None)
        if last[2] is None:  # what rounding moved is within ROUNDING_SHARE: the plan stands
            break
        whole = whole | last[2].moved if attempt + 1 < ROUNDS else every_fund_lot(f, queues)
    assert last is not None  # the first solve gave a plan or raised
    solved, wholes, rejected = last
    units = units_of(queues, wholes)
    return Solution(units, unproven_by(solved, rejected))


def _program(policy: Policy, investor: Investor, queues: Sequence[Queue], fy: int, baseline: fm.Baseline,
             as_of: date, reach: dict[QueueKey, int], prefer: bool,
             whole: frozenset[tuple[QueueKey, int]]) -> tuple[fm.Formulation, list[float]]:
    """The investor's program, its fund lots `whole` in whole counts. The builders are called in
    this one order: the program's columns and rows follow it."""
    f = fm.start(policy, investor, fy, baseline, as_of)
    f.whole = whole
    for q in queues:
        cols = fm.add_lots(f, q, reach[q.key])
        fm.add_minimum_redemption(f, q, cols)
        fm.add_loss_threshold(f, q, cols)
    fm.add_set_off(f, policy, investor, fy)
    lc.add_loss_chain(f)
    mr.add_migration_room(f)
    fm.add_exemption_room(f)
    fm.add_no_new_tax(f)
    fm.add_losses_used(f)
    fm.add_short_term_allowance(f)
    first = list(f.program.cost)  # the tax value alone, before the tie-breaks
    if prefer and any(f.columns.values()):
        fm.add_tie_breaks(f, queues)
    return f, first


def _solve(f: fm.Formulation, first: list[float], prefer: bool, solver_log: bool,
           time_limit: float | None) -> Solved:
    """One solve of the program; a large one (over STAGED_ABOVE columns) breaks its ties in a
    second solve (docs/harvesting.md, "Large books")."""
    if prefer and len(f.program.cost) > STAGED_ABOVE:
        return f.program.solve_staged(first, log=solver_log, time_limit=time_limit)
    return f.program.solve(log=solver_log, time_limit=time_limit)


def plan_year_end(policy: Policy, holdings: Sequence[Holding], position: TaxPosition, as_of: date,
                  overweight: set[str] | None = None, *, solver_log: bool = False,
                  time_limit: float | None = TIME_LIMIT, progress: Progress | None = None,
                  only: str | None = None) -> HarvestPlan:
    """The harvest for every investor of the policy (each solved on their own, within
    `time_limit` seconds each; `progress` is told before each investor and at the end), or
    for the one whose id is `only`."""
    fy = position.fy
    plans = []
    investors = [i for i in portfolio_of(policy).investors if only is None or i.id == only]
    for done, investor in enumerate(investors):
        if progress is not None:
            progress(done, len(investors), investor.id)
        queues = queues_of(policy, investor, holdings, as_of, fy, overweight or set())
        solution = solve_within(policy, investor, position, queues, as_of, fy, solver_log=solver_log,
                                time_limit=time_limit)
        outcome = evaluate(policy, investor, position, queues, solution.units, as_of, fy)
        plans.append(InvestorPlan(investor.id, outcome.before.exemption_limit, allowance_of(policy, outcome.before),
                                  tuple(queues), solution.units, outcome, solution.gap))
        give_back()  # the solver's freed memory, before the next investor's program (memory.py)
    if progress is not None:
        progress(len(investors), len(investors), "")
    return HarvestPlan(as_of, fy, tuple(plans))
