"""How far into each FIFO queue the year-end program looks (docs/harvesting.md, "The method"): the
lots beyond reach could only be sold by a plan the program forbids, so leaving them out keeps the
program small and changes no optimum. Floats: solver-side sizing, never a rupee of the plan."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

from engine.harvest.formulation import Baseline
from engine.harvest.queues import Queue
from engine.plans.sell_choice import QueueKey
from engine.tax.unrealised import Holding
from engine.vocabulary import RateKind, Term


def reach_of(queues: Sequence[Queue], baseline: Baseline) -> dict[QueueKey, int]:
    """How many lots of each queue the program considers (docs/harvesting.md, "The method"): a
    lot is left out when every plan selling into it would realise more net gain from its queue
    than the room: the exemption left and the losses of the year, plus the most net loss each
    OTHER queue can add (`net_loss_room`; not every loss lot of every queue, as until issue 14:
    a queue's gains in front of or among its losses use them up). Such a plan leaves net LTCG
    above the allowance, which the program forbids (add_exemption_room)."""
    long_gains = sum((g for b, g in baseline.base_gain.items() if b[0] == Term.LONG), Fraction(0))
    # Generous, so always safe: short-term gains already realised use none of the room, and
    # every loss there is counted as if it could meet long-term gains.
    room = max(0.0, float(baseline.allowance) + float(sum(baseline.base_loss.values(), Fraction(0)))
               - float(long_gains)) + 1.0  # a rupee of slack for floats
    # Migration (migration.py): the program lets net LTCG exceed the allowance by at most the
    # long-term gains of the queues whose sale saves expense (add_migration_room), room for every queue.
    room += sum(max(0.0, counted(h)) for q in queues if q.saving > 0 for h in q.holdings[:q.eligible])
    extra = {q.key: net_loss_room(q) for q in queues}
    others = sum(extra.values())
    reach: dict[QueueKey, int] = {}
    for q in queues:
        reach[q.key] = reach_in(q, room + others - extra[q.key])
    return reach


def counted(h: Holding) -> float:
    """A lot's gain as the room counts it (solver input): a loss, less the exit load a sale pays
    (an expense of the transfer, s.48), and a long-term gain; a short-term gain counts nothing
    (it needs no room for long-term gains: generous, so safe) and neither does an exempt lot
    (s.10(38): no gain, no loss)."""
    if h.rate == RateKind.EXEMPT:
        return 0.0
    gain = float(h.gain) - float(h.value) * float(h.exit_load)
    return gain if gain < 0 or h.term == Term.LONG else 0.0


def net_loss_room(q: Queue) -> float:
    """The most net loss a sale from the front of `q` can add to the plan's room for long-term
    gains elsewhere: the largest, over every point the queue could be sold to, of its losses
    less its long-term gains through that point (`counted`)."""
    running, most = 0.0, 0.0
    for h in q.holdings[:q.eligible]:
        running -= counted(h)
        most = max(most, running)
    return most


def reach_in(q: Queue, room: float, measure: Callable[[Holding], float] = counted) -> int:
    """How many lots from the front of `q` are in reach: a lot is when some point at or behind
    its start keeps the queue's net gain (each lot's as `measure` counts it), sold to that point,
    within `room`."""
    lots = q.holdings[:q.eligible]
    through: list[float] = []
    running = 0.0
    for h in lots:
        running += measure(h)
        through.append(running)
    suffix_min = list(through)
    for i in range(len(lots) - 2, -1, -1):
        suffix_min[i] = min(suffix_min[i], suffix_min[i + 1])
    count = 0
    for i in range(len(lots)):
        before = through[i - 1] if i else 0.0
        if min(before, suffix_min[i]) > room:
            break
        count = i + 1
    return count
