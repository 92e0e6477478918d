"""Ties in a second solve for large programs (engine/harvest/program.py `solve_staged`, issue 14 item 6).

One solve of the tax value plus the tie-break terms (docs/harvesting.md "Ties and preferences") made the
root LP of a 20,000-lot investor long (13.7 s on a quiet machine, 42 s under load); the tax value alone
solves in 0.6 s. The second solve keeps the tax value at the first's (STAGE_SLACK: float noise) and
weighs the tie-breaks TIE_SCALE times, proven to within TIE_GAP of them (Rs 0.005, a tenth of one solve's
GAP of Rs 0.05 on the whole objective): so ties worth more than that are decided instead of left to where
the search stops within the gap. An earlier version (c301568, reverted) kept them at face value and
returned other tied plans; until the second solve had its own gap (TIE_GAP) it proved them to Rs 0.00005,
and its root's cuts were most of a 20,000-lot investor's time (8 s of 9).
Above STAGED_ABOVE columns only: the shipped examples' programs are made by one solve, as before.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine.harvest import optimizer
from engine.harvest.program import GAP, INF, STAGE_SLACK, TIE_GAP, TIE_SCALE, Program
from engine.harvest.rounding import ROUNDING_SHARE

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "harvest")]


def _tie() -> tuple[Program, list[float]]:
    """Three binaries, at most one: x and y worth Rs 10 of tax value each (a tie), z worth 9.98.
    The tie-breaks: y Rs 0.01 better than x (a fifth of the solver's GAP of 0.05, so one solve
    may return either), z 0.3 better than x (it would win one solve at face value: 9.98 + 0.3 >
    10.01, but it gives up 2 paise of tax value, which the second solve may not)."""
    p = Program()
    for _ in range(3):
        p.var(0, 1, integer=True)
    p.row({0: 1.0, 1: 1.0, 2: 1.0}, -INF, 1.0)
    first = [-10.0, -10.0, -9.98]
    p.cost = [-10.0, -10.01, -10.28]
    return p, first


def test_the_second_solve_decides_a_tie_below_the_gap():
    """y: the tax value first (z's 2 paise less is outside the slack), then the tie-break,
    though it is worth Rs 0.01 and the gap Rs 0.05: the second solve proves the ties to within
    TIE_GAP, Rs 0.005 (weighted 1000 times: 10 against a gap of 5)."""
    assert STAGE_SLACK < 0.001 and TIE_GAP == GAP / 10 and 0.01 > TIE_GAP
    p, first = _tie()
    solved = p.solve_staged(first)
    assert solved.optimal and [round(v) for v in solved.values or []] == [0, 1, 0]
    assert p.cost == [-10.0, -10.01, -10.28] and len(p.rows) == 1  # the program as it was


def test_the_second_solve_stops_within_its_gap():
    """A tie-break of Rs 0.001 (y over x) is below TIE_GAP: the second solve, started from x (the first
    solve's plan: x comes first), may keep it, and its plan is within TIE_GAP of the best ties; the tax
    value, Rs 10, is the first solve's either way. Weighted, the difference is 1 against a gap of 5."""
    p, first = _tie()
    p.cost = [-10.0, -10.001, -10.28]
    solved = p.solve_staged(first)
    ties = [c - f for c, f in zip(p.cost, first)]
    best = min(ties[:2])
    assert solved.optimal and solved.values is not None
    chosen = [round(v) for v in solved.values]
    assert chosen in ([1, 0, 0], [0, 1, 0])
    assert sum(t * x for t, x in zip(ties, chosen)) - best <= TIE_GAP


def test_the_tax_value_decides_before_the_tie_breaks():
    """z worth a tenth of a paisa less than x and y, its tie-break 0.3 better: one solve at face
    value takes z (10.299 against 10.01); the second solve keeps the tax value and takes y."""
    p, first = _tie()
    first[2] = -9.999
    p.cost[2] = -10.299
    assert [round(v) for v in p.solve().values or []] == [0, 0, 1]
    assert [round(v) for v in p.solve_staged(first).values or []] == [0, 1, 0]


def test_a_first_solve_stopped_short_gives_its_plan():
    """A time limit of 0 s: the first solve's plan (or none) and its gap; no second solve."""
    p = Program()
    x = p.var(0, 1, -1.0, integer=True)
    solved = p.solve_staged([-1.0], time_limit=0.0)
    assert solved.values is None or not solved.optimal or solved.values[x] in (0.0, 1.0)
    assert len(p.rows) == 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plain", "rich"])
def test_staged_solves_on_the_referee_instances(tmp_path, monkeypatch, kind):
    """80 instances of each of the referee's kinds, staged forced on every program (the shipped
    examples' programs are below STAGED_ABOVE: one solve, as before: the golden files). Where the
    plans differ (counted below, measured 2026-12-06) the staged plan's tax value is at least one
    solve's, in some by up to Rs 0.23: one solve let the tie-breaks (up to TIE_SHARE) buy a few
    counts of fund units, worth tenths of a rupee at these scales, while it stayed within its GAP;
    the staged solve keeps the tax value first. Never less but by what rounding a count may cost
    (ROUNDING_SHARE, Rs 0.25, the part of the Re 1 promise it is given): since runs share a FIFO
    binary wherever the tax value follows the run's gain (issue 14), the second solve's ties (fewer
    proceeds) can take a run's later lot first, and the repacked part is a count rounded down: seed
    733 of the rich kind, 0.001 unit of a fund where one solve sold 0.002, Rs 4.58 against 4.72."""
    import test_optimizer_referee as referee

    make = referee._instance if kind == "plain" else referee._rich_instance
    other: list[int] = []  # investors whose two plans differ
    lower: list[int] = []  # seeds where the staged plan's tax value is below one solve's
    for seed in random.Random(141).sample(range(10_000), 80):
        policy, holdings, position = make(tmp_path, seed)[:3]
        plans = {}
        for name, above in (("one", 10**9), ("staged", 0)):
            monkeypatch.setattr(optimizer, "STAGED_ABOVE", above)
            plans[name] = [(ip.investor, ip.units, ip.outcome.tax_value)
                           for ip in optimizer.plan_year_end(policy, holdings, position, referee.AS_OF).investors]
        for (who, units, value), (_, units_one, value_one) in zip(plans["staged"], plans["one"]):
            assert value >= value_one - Decimal(str(ROUNDING_SHARE)), (seed, who)
            if value < value_one:
                lower.append(seed)
            if units != units_one:
                other.append(seed)
    assert (len(other), lower) == {"plain": (16, []), "rich": (20, [733])}[kind]
