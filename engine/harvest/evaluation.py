"""A harvest plan's numbers, exact: what selling given units from each queue is worth, by the tax engine.

The solver (engine/harvest/program.py) only picks unit counts; every rupee of the plan is computed
here again in Decimal by engine/tax/year.py from those units: the tax saved this year, the step-up
(the future tax avoided by gains realised now, net of the future tax losses realised now add, at its
present value), the price of rebuys that change the units' tax status, exit loads, STT and stamp duty
(docs/harvesting.md, "The objective"; the time terms: engine/harvest/time_value.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from engine.harvest.queues import Queue, Taken, taken_from
from engine.harvest.time_value import Valuation, valuation_of
from engine.plans.sell_choice import LotSale, QueueKey, SellOrder, TaxPosition, stt_rate
from engine.policy.model import Investor, Policy
from engine.tax.complete import law_of
from engine.tax.realised import RealisedPart, exact_decimal, paise
from engine.tax.year import YearResult, compute
from engine.vocabulary import RateKind, Term

ZERO = Decimal(0)


@dataclass(frozen=True)
class Outcome:
    """A plan's numbers for one investor, exact (Decimal), from the tax engine."""

    tax_value: Decimal  # tax saved + step-up - status cost - exit loads: what the program maximises first
    value: Decimal  # tax_value - STT - stamp duty: the objective of docs/harvesting.md
    tax_saved: Decimal
    step_up: Decimal  # future tax avoided by gains realised, net of the future tax losses add: present value
    exit_loads: Decimal
    charges: Decimal  # STT on the redemptions and stamp duty on the rebuys
    before: YearResult
    after: YearResult
    orders: tuple[SellOrder, ...]
    parts: tuple[RealisedPart, ...]
    status_cost: Decimal = ZERO  # present value of the future tax rebuys add by a worse status (s.50AA)
    valuation: Valuation | None = None  # the rate, horizon and growth used
    migration: Decimal = ZERO  # the expense saved by moving out of funds, today (migration.py), step-up forgone off
    migrated_gains: Decimal = ZERO  # long-term gains realised by moving: how far net LTCG may pass the allowance
    expense_saved: Decimal = ZERO  # of `migration`: the expense saved alone, today (the rest: the step-up not credited)


def allowance_of(policy: Policy, before: YearResult) -> Decimal:
    """The most net LTCG after set-off a plan may leave: with `realise gains up to the
    exemption`, the exemption less the policy's margin; without it, no more than the year
    already has (gains are then realised only to absorb harvested losses). Never less than
    the year already has: a plan cannot un-realise."""
    rule = policy.harvest
    limit = before.exemption_limit
    if rule is not None and rule.realise_gains:
        target = limit - rule.margin
    else:
        target = ZERO
    return max(target, before.net_ltcg)


def sell_order(policy: Policy, q: Queue, items: Sequence[Taken], as_of: date) -> SellOrder:
    """The redemption from the front of `q` that realises `items`, its STT to the paisa."""
    key = q.key
    proceeds = sum((t.part.proceeds for t in items), ZERO)
    loads = sum((t.load for t in items), ZERO)
    stt = paise(stt_rate(policy, key[2], as_of) * proceeds)
    sales = tuple(LotSale(t.holding.lot.id, t.holding.lot.acquired, t.units, t.part.proceeds, t.part.basis, t.load,
                          t.part.gain, t.holding.term, ZERO) for t in items)
    return SellOrder(key[0], key[1], key[2], q.holdings[0].asset, q.holdings[0].price,
                     sum((t.units for t in items), ZERO), proceeds, sales, ZERO, stt, loads)


@dataclass(frozen=True)
class QueueSale:
    """Selling some units from the front of one queue: its order, the parts it realises, and its
    share of the objective's sums, exact (the tax of the year is not a queue's: evaluate)."""

    order: SellOrder
    parts: tuple[RealisedPart, ...]
    step: Decimal  # its gains x their future rates, before the discount
    status: Fraction  # its proceeds x the price of the rebuy's status
    saving: Fraction  # its proceeds x the expense a move saves
    moved: Decimal  # long-term gains realised moving out of a fund
    moved_future: Decimal  # the highest future rate of those
    charges: Decimal  # STT and stamp duty, to the paisa


Sales = dict[tuple[QueueKey, str], QueueSale]  # one investor's queue sales by (queue, units as written): evaluate's
# memo (the text, not the number: 0.010 and 0.01 units are one number but an order written two ways)


def queue_sale(policy: Policy, q: Queue, items: Sequence[Taken], as_of: date, valuation: Valuation) -> QueueSale:
    """The order that realises `items` (the queue's lots from its front) and its share of the objective."""
    order = sell_order(policy, q, items, as_of)
    step, status, saving, moved, moved_future = ZERO, Fraction(0), Fraction(0), ZERO, ZERO
    costs = valuation.status_costs(q)
    for i, t in enumerate(items):
        step += t.part.gain * q.future_rates[i]
        status += Fraction(t.part.proceeds) * costs[i]
        if q.saving:
            saving += Fraction(t.part.proceeds) * q.saving
            if t.part.gain > 0 and t.holding.term == Term.LONG and t.holding.exemptable \
                    and t.holding.rate != RateKind.EXEMPT:
                moved += t.part.gain
                moved_future = max(moved_future, q.future_rates[i])
    return QueueSale(order, tuple(t.part for t in items), step, status, saving, moved, moved_future,
                     paise(q.charge_rate * order.amount))


def evaluate(policy: Policy, investor: Investor, position: TaxPosition, queues: Sequence[Queue],
             units: Mapping[QueueKey, Decimal], as_of: date, fy: int, sales: Sales | None = None) -> Outcome:
    """The objective of selling `units` from each queue, computed exactly by the tax engine. `sales`:
    a memo of this investor's queue sales, for a caller that evaluates many plans differing in a
    queue or two (audit.py: each kept lot's alternatives); the same numbers with or without it."""
    before_parts = [*position.realised.get(investor.id, ())]
    losses = position.losses.get(investor.id, ())
    law = law_of(policy)
    before, _ = compute(before_parts, law, investor, fy, losses)
    valuation = valuation_of(policy, investor, as_of, fy)
    memo: Sales = {} if sales is None else sales
    sold = []
    for q in queues:
        count = units.get(q.key, ZERO)
        if count > 0 and q.holdings:
            key = (q.key, str(count))
            if key not in memo:
                memo[key] = queue_sale(policy, q, taken_from(q, count, as_of, fy), as_of, valuation)
            sold.append(memo[key])
    new_parts = [part for sale in sold for part in sale.parts]
    after, _ = compute([*before_parts, *new_parts], law, investor, fy, losses)
    step = sum((sale.step for sale in sold), ZERO)
    status = sum((sale.status for sale in sold), Fraction(0))
    saving = sum((sale.saving for sale in sold), Fraction(0))
    moved = sum((sale.moved for sale in sold), ZERO)  # long-term gains realised moving out of funds
    moved_future = max((sale.moved_future for sale in sold), default=ZERO)  # and their highest future rate
    loads_total = sum((sale.order.exit_load for sale in sold), ZERO)
    charges = sum((sale.charges for sale in sold), ZERO)
    tax_saved = before.total_tax - after.total_tax
    step_up = paise(exact_decimal(Fraction(step) * valuation.discount))  # exact until this one rounding
    status_cost = paise(exact_decimal(status))
    # Moving out of a fund may pass the allowance by its long-term gains; their step-up is not credited
    # (migration_room.add_migration_room): the expense saved must pay the tax.
    excess = min(max(ZERO, after.net_ltcg - allowance_of(policy, before)), moved)
    migration = paise(exact_decimal(saving - Fraction(excess) * Fraction(moved_future) * valuation.discount))
    tax_value = tax_saved + step_up - status_cost - loads_total + migration
    return Outcome(tax_value, tax_value - charges, tax_saved, step_up, loads_total, charges, before, after,
                   tuple(sale.order for sale in sold), tuple(new_parts), status_cost, valuation, migration, moved,
                   paise(exact_decimal(saving)))
