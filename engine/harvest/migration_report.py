"""The plan's migrations as JSON (docs/json.md, `migration`): per order out of a fund into its
target (migration.target_of) the amount moved, the expense ratios, the saving a year, its share of
the tax the plan adds and the break-even in months. Only under `value expense savings over N years`,
so a plan of a policy without it reads as before."""

from __future__ import annotations

from decimal import Decimal

from engine.harvest.evaluation import Outcome
from engine.harvest.migration import break_even_months, expense_gap, target_of
from engine.tax.complete import security_of
from engine.tax.realised import paise

ZERO = Decimal(0)


def migration_json(outcome: Outcome) -> dict[str, object]:
    """The tax the plan adds (after - before, when positive) is shared among the moves by their
    gains (the gains are what is taxed); each move's break-even is its share over its saving a
    month, undiscounted, rounded up to a whole month (migration.break_even_months)."""
    if outcome.valuation is None:
        return {}
    policy = outcome.valuation.policy
    rule = policy.harvest
    if rule is None or rule.savings_years is None:
        return {}
    moves = []
    for order in outcome.orders:
        security = security_of(policy, order.security)
        target, gap = target_of(policy, security), expense_gap(policy, order.security)
        if target is None or gap <= 0:
            continue
        moves.append((order, target.id, gap, max(ZERO, sum((s.gain for s in order.lots), ZERO))))
    added = max(ZERO, outcome.after.total_tax - outcome.before.total_tax)
    gains = sum((g for *_, g in moves), ZERO)
    out = []
    for order, into, gap, gain in moves:
        tax = paise(added * gain / gains) if gains else ZERO
        months = break_even_months(tax, order.amount, gap)
        out.append({"account": order.account, "security": order.security, "into": into, "amount": str(order.amount),
                    "expense_ratio_gap": f"{gap.normalize():f}",
                    "saving_a_year": str(paise(order.amount * gap)),
                    "tax": str(tax), "break_even_months": months})
    return {"migration": {"value": str(outcome.migration), "years": rule.savings_years,
                          "expense_saved": str(outcome.expense_saved),
                          "step_up_not_credited": str(outcome.expense_saved - outcome.migration), "moves": out}}


def move_taxes(outcome: Outcome) -> dict[tuple[str, str], str]:
    """(account, security) -> the tax a move adds (its share, as in `migration_json`), for the sell
    orders' `tax`; empty without `value expense savings` or a move that pays tax."""
    data = migration_json(outcome).get("migration")
    if not isinstance(data, dict):
        return {}
    return {(m["account"], m["security"]): m["tax"] for m in data["moves"] if Decimal(m["tax"]) > 0}
