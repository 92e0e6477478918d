"""Ties in a second solve for large programs (engine/harvest/program.py `solve_staged`, issue 14 item 6).

One solve of the tax value plus the tie-break terms (docs/harvesting.md "Ties and preferences") made the
root LP of a 20,000-lot investor long (42 s); the tax value alone solves in 3 s, and the tie-breaks
among the plans within `slack` of that optimum in 9 s more. The argument that it finds a plan worth as
much: the tie-breaks together move the tax value by less than TIE_SHARE (a bonus down to -share, two
costs up to +share each, share = TIE_SHARE / 3), so the one-solve optimum x_w has
tax(x_w) <= tax(x_1) + TIE_SHARE (+ the solver's GAP for each solve): it is among the plans the second
solve searches, which minimises the same objective. Above STAGED_ABOVE columns only, so no shipped
example's plan (all far smaller) is made differently.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from engine.harvest import optimizer
from engine.harvest.program import INF, Program

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "harvest")]


def test_the_second_solve_breaks_the_tie_within_the_slack():
    """Two binaries worth Rs 10 each, at most one of them (a tie); the tie-break prefers y by 0.1.
    A third, worth 9.7, is within the slack 0.5 of the optimum 10 but its bonus 0.2 cannot make up
    0.3: y is chosen, and the first solve's optimum is kept to within the slack."""
    p = Program()
    x, y, z = (p.var(0, 1, integer=True) for _ in range(3))
    p.row({x: 1.0, y: 1.0, z: 1.0}, -INF, 1.0)
    first = [-10.0, -10.0, -9.7]
    p.cost = [-10.0, -10.1, -9.9]
    solved = p.solve_staged(first, 0.5)
    assert solved.optimal and [round(v) for v in solved.values or []] == [0, 1, 0]
    assert p.cost == [-10.0, -10.1, -9.9] and len(p.rows) == 1  # the program as it was


def test_a_first_solve_stopped_short_gives_its_plan():
    """A time limit of 0 s: the first solve finds nothing better than its start; no second solve."""
    p = Program()
    x = p.var(0, 1, -1.0, integer=True)
    solved = p.solve_staged([-1.0], 0.5, time_limit=0.0)
    assert solved.values is None or not solved.optimal or solved.values[x] in (0.0, 1.0)
    assert len(p.rows) == 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plain", "rich"])
def test_staged_solves_give_the_plans_of_one_solve_on_the_referee_instances(tmp_path, monkeypatch, kind):
    """80 instances of each of the referee's kinds, staged forced on every program: the tax value
    within Re 1 of one solve's (the referee's tolerance), and the same units in every queue except
    in two richer instances, where the two solves return different plans among ties (units of a
    fund differing by 0.002: Rs 0.44 against 0.46 of tax value). Which of several plans within the
    solver's GAP is returned is the solver's path, not the objective's: pinned here so that a change
    is seen. (The shipped examples' programs are far below STAGED_ABOVE: their plans are made by one
    solve, as before: the golden files.)"""
    import test_optimizer_referee as referee

    make = referee._instance if kind == "plain" else referee._rich_instance
    other: list[int] = []  # instances where the two solves return different tied plans
    known = {"plain": [], "rich": [9338, 268]}
    for seed in random.Random(141).sample(range(10_000), 80):
        policy, holdings, position = make(tmp_path, seed)[:3]
        plans = {}
        for name, above in (("one", 10**9), ("staged", 0)):
            monkeypatch.setattr(optimizer, "STAGED_ABOVE", above)
            plans[name] = [(ip.investor, ip.units, ip.outcome.tax_value)
                           for ip in optimizer.plan_year_end(policy, holdings, position, referee.AS_OF).investors]
        for (who, units, value), (_, units_one, value_one) in zip(plans["staged"], plans["one"]):
            assert abs(value - value_one) <= 1, seed  # the tax value within Re 1 (TIE_TOLERANCE)
            if units != units_one:
                other.append(seed)
    assert other == known[kind]
