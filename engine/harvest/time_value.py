"""What future tax is worth today, and the price of a rebuy that changes the units' tax status.

Time has a value (docs/harvesting.md, "The objective"): the future tax a plan avoids (the step-up)
or adds (the step-down) is paid when the rebought units are sold, `horizon` years from `as_of`, so
it counts at its present value: a rupee of tax then is worth `1 / (1 + r)^H` now (annual
compounding, r the policy's `value future tax at r a year over H years`).

Status changes have a price: units rebought on `as_of` are taxed by the regime of a purchase on
that day (TaxLaw.treatment(class, as_of, as_of)), which may be worse than the old lot's (a debt fund
bought before 1 April 2023 rebought as s.50AA units: slab rate for good instead of 12.5% long-term).
The gain already in the lot is valued at the old lot's rate by the step-up either way; what the
rebuy changes is the rate on the growth still to come. A rupee of proceeds is expected to grow by
`(1 + g)^H - 1` over the horizon (g: `expect growth of g a year`), so the rebuy costs, per rupee
of proceeds, that growth times (the new rate - the old one), discounted as above. A rebuy into a
better regime is not credited (a slab rate the policy does not state counts as 0, which would
otherwise reward rebuys into slab-rate units).

Exact: the factors are Fractions and the reported amounts are rounded to the paisa once
(engine/harvest/evaluation.py); the solver gets them as floats (engine/harvest/formulation.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from engine.harvest.migration import target_of
from engine.harvest.queues import Queue, future_rate
from engine.plans.month_plan import preferred_fund
from engine.plans.sell_choice import QueueKey
from engine.policy.model import Investor, Policy
from engine.tax.complete import security_of
from engine.vocabulary import ProceedsUse

ZERO = Fraction(0)


@dataclass
class Valuation:
    """The objective's time terms for one investor on `as_of` (a cache of rebuy rates per security)."""

    policy: Policy
    investor: Investor
    as_of: date
    fy: int
    rate: Decimal  # the yearly discount rate
    horizon: int  # years from as_of
    growth_rate: Decimal  # the yearly growth expected of rebought money
    discount: Fraction  # 1 / (1 + rate)^horizon: what a rupee of tax paid at the horizon is worth now
    growth: Fraction  # (1 + growth_rate)^horizon - 1: a rupee of proceeds' growth by the horizon
    rebuy_rates: dict[str, Decimal] = field(default_factory=dict)
    costs: dict[QueueKey, tuple[Fraction, ...]] = field(default_factory=dict)  # status_costs, per queue

    def rebuy_rate(self, ident: str) -> Decimal:
        """The future rate (with cess) of units bought on as_of with the proceeds of selling
        `ident`: those of the fund the money moves into (migration.target_of: a legacy fund's
        replacement, the fund its asset consolidates into), else, where the proceeds are
        reallocated by the buying rule, of the fund that rule buys for the sold fund's own asset
        (month_plan.preferred_fund: the program picks the sales before the rule places the money,
        so the money is assumed to stay in its asset), else the fund's own."""
        if ident not in self.rebuy_rates:
            security = security_of(self.policy, ident)
            rule = self.policy.harvest
            rebuy = target_of(self.policy, security) or (
                preferred_fund(self.policy, security.asset) if rule is not None
                and rule.proceeds == ProceedsUse.REALLOCATE else None) or security
            self.rebuy_rates[ident] = future_rate(self.policy, self.investor, rebuy.tax_class, self.as_of,
                                                  self.as_of, self.fy)
        return self.rebuy_rates[ident]

    def status_costs(self, q: Queue) -> tuple[Fraction, ...]:
        """Per lot of `q` (all its holdings), the status cost per rupee of proceeds: growth x
        max(0, the rebuy's rate - the lot's own future rate) x discount."""
        if q.key not in self.costs:
            new = self.rebuy_rate(q.key[2])
            factor = self.growth * self.discount
            per_rate: dict[Decimal, Fraction] = {}  # a queue has a few distinct rates: each worked out once
            self.costs[q.key] = tuple(
                per_rate.setdefault(old, Fraction(new - old) * factor if new > old and factor else ZERO)
                for old in q.future_rates)
        return self.costs[q.key]


FACTOR_PLACES = Decimal("1E-10")  # the discount factor as reported (ROUND_HALF_EVEN); amounts use it unrounded


def time_terms(valuation: Valuation | None, status_cost: Decimal) -> dict[str, object]:
    """The plan's time terms as JSON (docs/json.md): the rate, horizon and growth used and the status
    cost; nothing when the policy states neither statement and no rebuy changes status, so such a
    plan reads as before the statements existed."""
    if valuation is None:
        return {}
    rule = valuation.policy.harvest
    if rule.discount_rate is None and rule.growth_rate is None and status_cost == 0:
        return {}
    factor = (Decimal(valuation.discount.numerator) / Decimal(valuation.discount.denominator)).quantize(
        FACTOR_PLACES, rounding=ROUND_HALF_EVEN)
    return {"status_cost": str(status_cost),
            "time_value": {"discount_rate": str(valuation.rate), "horizon_years": valuation.horizon,
                           "discount_factor": str(factor), "growth_rate": str(valuation.growth_rate)}}


def valuation_of(policy: Policy, investor: Investor, as_of: date, fy: int) -> Valuation:
    rule = policy.harvest
    rate, horizon, growth = rule.discount, rule.horizon, rule.growth
    discount = 1 / (1 + Fraction(rate)) ** horizon
    return Valuation(policy, investor, as_of, fy, rate, horizon, growth, discount,
                     (1 + Fraction(growth)) ** horizon - 1)
