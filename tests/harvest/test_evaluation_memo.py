"""evaluate's memo of queue sales (engine/harvest/evaluation.py `Sales`, issue 14 item 6).

The audit evaluates two alternatives for every queue's first kept lot, each the plan with more units
from that one queue; until the memo each evaluated every queue's sale again (on 100,000 lots across 20
investors, 840 evaluations: most of the time outside the solver). With one memo per investor, a queue's
sale (its order, parts, step-up, status and saving sums, charges) is computed once per unit count.
The numbers must be the same with and without it, in any order of use.
"""

from __future__ import annotations

import random
import sys
from dataclasses import fields
from decimal import Decimal
from pathlib import Path

from engine.harvest import optimizer
from engine.harvest.evaluation import Sales, evaluate
from engine.tax.complete import portfolio_of

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "harvest")]


def test_a_memo_shared_across_alternatives_changes_no_number(tmp_path):
    """On 30 of the referee's richer instances (loss lots, debt lots, exit loads, several queues),
    each investor's plan and, for every queue, the plan with one more quantum and with every lot
    of the queue sold: evaluated with one shared memo (in a shuffled order) and each without, the
    Outcomes are equal field by field."""
    import test_optimizer_referee as referee

    checked = 0
    for seed in random.Random(14).sample(range(10_000), 30):
        policy, holdings, position = referee._rich_instance(tmp_path, seed)[:3]
        plan = optimizer.plan_year_end(policy, holdings, position, referee.AS_OF)
        investors = {i.id: i for i in portfolio_of(policy).investors}
        for ip in plan.investors:
            variants = [dict(ip.units)]
            for q in ip.queues:
                more = dict(ip.units)
                more[q.key] = more.get(q.key, Decimal(0)) + q.quantum
                whole = dict(ip.units)
                whole[q.key] = sum((h.lot.units for h in q.holdings), Decimal(0))
                variants += [more, whole]
            random.Random(seed).shuffle(variants)
            memo: Sales = {}
            for units in variants:
                args = (policy, investors[ip.investor], position, ip.queues, units, referee.AS_OF, position.fy)
                with_memo, without = evaluate(*args, memo), evaluate(*args)
                for field in fields(with_memo):  # the valuation holds the policy: the same object's terms
                    mine, theirs = getattr(with_memo, field.name), getattr(without, field.name)
                    same = (mine.discount, mine.horizon) == (theirs.discount, theirs.horizon) \
                        if field.name == "valuation" else mine == theirs
                    assert same, (seed, ip.investor, field.name)
                checked += 1
            assert len(memo) <= len(variants) + len(ip.queues)  # a queue's unchanged sale is computed once
    assert checked > 100
