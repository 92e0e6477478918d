"""`lotwise plan month` and `lotwise rebalance` rendered: an api.MonthResult or an
api.RebalanceResult as JSON data (docs/json.md) or as text."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.reports.orders import (drifts_json, drifts_lines, number, orders_json, orders_lines, text,
                                   unplaced_json, unplaced_lines)
from engine.vocabulary import PlanKind

if TYPE_CHECKING:
    from engine.plan_results import MonthResult, RebalanceResult


def month_json(found: MonthResult) -> dict[str, Any]:
    """`plan month --json` (docs/json.md)."""
    plan, money = found.plan, found.money.by_investor
    return {
        "plan_id": found.plan_id, "kind": PlanKind.MONTH,
        "as_of": found.as_of.isoformat(), "month": found.month, "inputs": dict(found.hashes),
        "money": {i: str(m) for i, m in money.items()},
        "money_source": found.money.source,
        "selling": {**plan.state.to_json(), "previous_month": found.remembered[2] if found.remembered else None,
                    "reason": plan.state_reason},
        "drift_measure": plan.measure,
        "before": {"total_drift": number(plan.drift_before), "assets": drifts_json(plan.drifts_before)},
        "after": {"total_drift": number(plan.drift_after), "assets": drifts_json(plan.drifts_after)},
        "orders": orders_json(plan.sells, plan.buys, plan.orders_on),
        "unsold": {a: number(v) for a, v in plan.unsold.items()},
        "unplaced": unplaced_json(plan.unplaced),
        "cash_left": {i: number(c) for i, c in plan.cash_left.items()},
        "notes": plan.notes, "diagnostics": [d.to_json() for d in found.problems],
        **({"harvest_due": {"reasons": [f.to_json() for f in found.due.fired],
                            "plan_with": harvest_command(found)}} if found.due and found.due.due else {})}


def harvest_command(found: MonthResult) -> str:
    """The command that plans the harvest a trigger says is due."""
    return f"lotwise plan harvest --as-of {found.as_of}"


def harvest_due_lines(found: MonthResult) -> list[str]:
    """What `plan month` says when a harvest trigger fires (nothing otherwise)."""
    if found.due is None or not found.due.due:
        return []
    return (["", "A harvest is due:"] + [f"  {f.reason}" for f in found.due.fired]
            + [f"plan it with `{harvest_command(found)}`"])


def month_text(found: MonthResult) -> str:
    """`plan month` as text."""
    from engine.literals import format_inr

    plan, money = found.plan, found.money.by_investor
    lines = [f"Month plan {found.plan_id} for {found.month} (as of {found.as_of}); money: "
             + ", ".join(f"{i} {format_inr(Decimal(m))}" for i, m in money.items())]
    if found.money.note:
        lines.append(f"({found.money.note})")
    lines += drifts_lines("\nBefore", plan.drifts_before, plan.drift_before, plan.measure)
    lines += [f"Selling: {plan.state_reason}", ""]
    lines += orders_lines(plan.sells, plan.buys)
    lines += unplaced_lines(plan.unplaced, [f"note: {n}" for n in plan.notes])
    for investor, cash in plan.cash_left.items():
        lines.append(f"cash left with {investor}: {format_inr(cash)} (paise of the sale proceeds after tax and charges)")
    lines += drifts_lines("\nAfter", plan.drifts_after, plan.drift_after, plan.measure)
    lines += harvest_due_lines(found)
    return text(lines)


def due_json(found: RebalanceResult) -> dict[str, Any]:
    """`rebalance --due --json`."""
    return {"as_of": found.as_of.isoformat(), "due": found.due.due, "reasons": list(found.due.reasons)}


def due_text(found: RebalanceResult) -> str:
    verdict = found.due
    return text([f"rebalance {'due' if verdict.due else 'not due'} on {found.as_of}"]
                + [f"  {reason}" for reason in verdict.reasons])


def rebalance_json(found: RebalanceResult) -> dict[str, Any]:
    """`rebalance --json` (docs/json.md)."""
    from engine.plans.drift import total_drift

    plan, verdict, drifts, measure = found.plan, found.due, found.drifts, found.measure
    assert plan is not None and found.day is not None
    return {
        "plan_id": found.plan_id, "kind": PlanKind.REBALANCE,
        "as_of": found.as_of.isoformat(), "inputs": dict(found.hashes), "method": found.method, "cash": str(plan.cash),
        "money_source": found.money.source if found.money else None,
        "due": {"due": verdict.due, "reasons": list(verdict.reasons)},
        "amounts": {a: str(r) for a, r in plan.amounts.items()},
        "before": {"total_drift": number(total_drift(drifts, measure)), "assets": drifts_json(drifts)},
        "after": {"total_drift": number(total_drift(plan.drifts_after, measure)),
                  "assets": drifts_json(plan.drifts_after)},
        "orders": orders_json(plan.sells, plan.buys, found.day),
        "unplaced": unplaced_json(plan.unplaced),
        "warnings": plan.warnings, "notes": list(found.day_notes) + plan.notes,
        "diagnostics": [d.to_json() for d in found.problems]}


def rebalance_text(found: RebalanceResult) -> str:
    """`rebalance` as text."""
    from engine.literals import format_inr
    from engine.plans.drift import total_drift

    plan, verdict, drifts, measure = found.plan, found.due, found.drifts, found.measure
    assert plan is not None
    note = found.money.note if found.money else None
    lines = [f"Rebalance {found.plan_id} ({found.method}) as of {found.as_of}: {'due' if verdict.due else 'not due'} "
             f"({'; '.join(verdict.reasons)})"]
    if note:
        lines.append(f"({note})")
    lines += drifts_lines("\nBefore", drifts, total_drift(drifts, measure), measure)
    lines.append("\nAmounts: " + ", ".join(f"{a} {format_inr(Decimal(r), signed=True)}"
                                           for a, r in plan.amounts.items()))
    lines.append("")
    lines += orders_lines(plan.sells, plan.buys)
    lines += unplaced_lines(plan.unplaced, [f"note: {n}" for n in found.day_notes] + plan.notes
                            + [f"warning: {w}" for w in plan.warnings])
    lines += drifts_lines("\nAfter", plan.drifts_after, total_drift(plan.drifts_after, measure), measure)
    return text(lines)
