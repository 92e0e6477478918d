"""What `why` says of a lot sold to move its money (docs/audit.md, "Migration"): the lot's order
moves out of a legacy fund into its replacement, or out of an asset's other fund into the one it
consolidates into (migration.target_of), and is valued by the expense it saves (migration.py). The
numbers are the plan's own (migration_report.migration_json: the order's saving a year, its share
of the tax the plan adds and its break-even), so `why` and the plan say the same."""

from __future__ import annotations

from decimal import Decimal

from engine.harvest.evaluation import Outcome
from engine.harvest.migration_report import migration_json
from engine.literals import format_inr, format_percent
from engine.policy.model import Policy
from engine.tax.complete import security_of

Numbers = tuple[tuple[str, str], ...]  # audit.Numbers


def migration_notes(policy: Policy, outcome: Outcome) -> dict[tuple[str, str], tuple[str, Numbers]]:
    """Per order that moves money, (account, security) -> the clause `why` adds to each of its sold
    lots and the numbers; empty unless the policy states `value expense savings over N years`."""
    data = migration_json(outcome).get("migration")
    if not isinstance(data, dict):
        return {}
    out: dict[tuple[str, str], tuple[str, Numbers]] = {}
    for move in data["moves"]:
        security = security_of(policy, move["security"])
        how = ("the legacy fund's replacement" if security.legacy and security.replacement
               else f"the fund {security.asset} consolidates into")
        gap, tax = Decimal(move["expense_ratio_gap"]), Decimal(move["tax"])
        head = (f"; moved into {move['into']} ({how}): the {format_percent(gap)} lower expense ratio saves "
                f"{format_inr(Decimal(move['saving_a_year']))} a year on the order's {format_inr(Decimal(move['amount']))}")
        tail = (f", and the order's tax of {format_inr(tax)} is recovered in {move['break_even_months']} months"
                if tax > 0 else ", without tax")
        out[(move["account"], move["security"])] = (
            f"{head}{tail} (expense savings valued over {data['years']} years)",
            (("moved_into", move["into"]), ("expense_ratio_gap", move["expense_ratio_gap"]),
             ("saving_a_year", move["saving_a_year"]), ("move_tax", move["tax"]),
             ("break_even_months", str(move["break_even_months"]))))
    return out


def moved_excess(outcome: Outcome, allowance: Decimal) -> Decimal:
    """How far the plan's net LTCG passes `allowance` by long-term gains realised moving out of a
    fund (migration_room.add_migration_room; 0 without a move): the plan may, and pays their tax. The
    year's tax may then rise (audit.violated counts the rise as theirs: the program gives the tax
    row room for that excess's tax only)."""
    return min(max(Decimal(0), outcome.after.net_ltcg - allowance), outcome.migrated_gains)


def kept_move_clause(policy: Policy, plan: Outcome, selling: Outcome) -> tuple[str, Numbers]:
    """What selling a kept lot would add by moving its money (`selling`: the plan with it sold), for
    a lot not worth selling: the expense saved, and the step-up of its gain taxed now, not credited."""
    saved = selling.expense_saved - plan.expense_saved
    if saved <= 0 or selling.valuation is None:
        return "", ()
    lost = (selling.expense_saved - selling.migration) - (plan.expense_saved - plan.migration)
    rule = policy.harvest
    years = rule.savings_years if rule is not None else None
    return (f", and save {format_inr(saved)} of expense over {years} years by moving"
            + (f", less the step-up of the gain taxed now, {format_inr(lost)}, not credited" if lost > 0 else ""),
            (("expense_saved", str(saved)), ("step_up_not_credited", str(lost))))
