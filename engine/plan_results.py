"""The records of `plan month` and `rebalance` (MonthResult, RebalanceResult), their ids (MP-,
RB-) and their save. As a year-end plan's (engine/book/saved_plans.py), the id is derived from the hashes of the plan's inputs, so the same
book, policy, day and options give the same id and the same plan, byte for byte, and saving it
again changes nothing. Besides the year-end plan's inputs a month plan reads the selling state
remembered from the month before, and a rebalance the day of the last one recorded (its `due`
verdict counts from it): each is one more hash. Public through engine/api.py (plan_month,
rebalance), which saves the plan in the snapshot it read the inputs in; here, below engine/reports,
so that the reports render the records and the API saves what they render."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic
from engine.vocabulary import DriftMeasure, PlanKind, RebalanceMethod

if TYPE_CHECKING:
    from engine.book.store import Book
    from engine.fmv import FmvTable
    from engine.opportunity import HarvestDue
    from engine.plans.contributions import Contributions
    from engine.plans.drift import AssetDrift
    from engine.plans.month_plan import MonthPlan
    from engine.plans.rebalance import Due, RebalancePlan
    from engine.policy.model import Policy


@dataclass(frozen=True)
class MonthResult:
    """`lotwise plan month`: the plan (engine/plans/month_plan.py), the money it placed and
    where that came from, the selling state remembered from an earlier month (selling, started,
    drift) if any, the warnings, and why remembering this month's state failed, if it did; its id
    and input hashes (below), its JSON as printed and saved (`body`, docs/json.md)
    and whether it was saved."""

    as_of: date
    month: str  # YYYY-MM
    money: Contributions
    remembered: tuple[bool, str | None, str] | None
    plan: MonthPlan
    problems: tuple[Diagnostic, ...]
    save_error: sqlite3.Error | None = None
    due: HarvestDue | None = None  # the policy's harvest triggers checked on as_of (None: it states none)
    plan_id: str = ""
    hashes: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    saved: bool = False


@dataclass(frozen=True)
class RebalanceResult:
    """`lotwise rebalance`: whether one is due, and (unless only that was asked) the plan by
    `method`, dated `day` (the trading day of the orders, with `day_notes`)."""

    as_of: date
    measure: DriftMeasure
    drifts: tuple[AssetDrift, ...]
    due: Due
    method: RebalanceMethod | None = None
    money: Contributions | None = None
    plan: RebalancePlan | None = None
    day: date | None = None
    day_notes: tuple[str, ...] = ()
    problems: tuple[Diagnostic, ...] = ()
    save_error: sqlite3.Error | None = None
    plan_id: str = ""  # a plan's id, input hashes and JSON as printed and saved, as MonthResult's
    hashes: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    saved: bool = False


def money_options(money: Contributions | None) -> dict[str, object]:
    """The money a plan placed, as its options: each investor's amount and where it came from
    (the plan's JSON says both, so both are in its id)."""
    if money is None:
        return {"money": {}, "money_source": None}
    return {"money": {i: str(m) for i, m in money.by_investor.items()}, "money_source": money.source}


def month_id(book: Book, policy: Policy, as_of: date, options: Mapping[str, object], fmv: FmvTable,
             remembered: tuple[bool, str | None, str] | None) -> tuple[str, dict[str, str]]:
    """A month plan's id and input hashes; `remembered`: the selling state of the month before
    (Book.sell_state_before), which decides whether this month goes on selling."""
    from engine.book.saved_plans import input_hashes, plan_id

    state = json.dumps(None if remembered is None else list(remembered))
    hashes = input_hashes(book, policy, as_of, options, fmv, {"sell_state": state})
    return plan_id(PlanKind.MONTH, hashes), hashes


def rebalance_id(book: Book, policy: Policy, as_of: date, options: Mapping[str, object], fmv: FmvTable,
                 last: date | None) -> tuple[str, dict[str, str]]:
    """A rebalance's id and input hashes; `last`: the day of the last rebalance recorded on or
    before `as_of` (Book.last_rebalance)."""
    from engine.book.saved_plans import input_hashes, plan_id

    hashes = input_hashes(book, policy, as_of, options, fmv, {"last_rebalance": "" if last is None else last.isoformat()})
    return plan_id(PlanKind.REBALANCE, hashes), hashes


def keep(book: Book, policy: Policy, kind: PlanKind, ident: str, as_of: date, hashes: Mapping[str, str], body: str,
         texts: Mapping[str, str] | None) -> bool:
    """Save the plan (its JSON `body` as printed) with the policy as applied (`texts`: the text
    of each of its files), in the transaction open; False when the book has it already."""
    from engine.book.saved_plans import policy_record, save

    assert policy.tax is not None  # a plan needs a tax law (engine/inputs.py refuses one without)
    return save(book, ident, kind, as_of, policy.tax.fy_of(as_of), hashes, body, policy_record(policy, texts or {}))
