"""A year-end plan's request checked before the book is read (public through engine/api.py):
the day it is made on (`year_end_day`), the day and the investor asked for (`check_request`),
and the warning a plan gets when the optimizer's time limit binds (`gap_warning`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic
from engine.inputs import Refused
from engine.literals import fy_label
from engine.precision import with_precision

if TYPE_CHECKING:
    from engine.policy.model import Policy


@with_precision
def year_end_day(policy: Policy, *, fy: int | None, today: date) -> date:
    """The day a year-end plan is made on when no `as_of` is given: `today`, or with `fy`,
    today clamped into that FY (its first day before it, its last after it)."""
    law = policy.tax
    if law is None:
        raise Refused("a year-end plan needs a tax law in the policy (use \"india\")", code="C105")
    if fy is None:
        return today
    try:
        first, last = law.fy_bounds(fy)
    except ValueError:  # a year past 9999
        label = f"{fy}-{(fy + 1) % 100:02d}"
        raise Refused(f"{label}: no such financial year", code="C103", values={"fy": label}) from None
    return min(max(today, first), last)


def gap_warning(investor: str, gap: Decimal, time_limit: float | None) -> Diagnostic:
    """H101: the time limit bound before the solver proved an investor's plan the best."""
    from engine.diagnostics import warning
    from engine.literals import format_inr

    return warning("H101", f"{investor}: the optimizer's time limit of {time_limit or 0:g} s bound: the plan is proven "
                   f"within {format_inr(gap)} of the best, not within Re 1",
                   hint="give it more time with --time-limit SECONDS")


def check_request(policy: Policy, as_of: date, fy: int | None, investor: str | None = None,
                  given: Mapping[str, int] | None = None) -> None:
    """Refused when `as_of` is outside `fy`, or its orders would fall in the next FY, or
    `investor` (the one investor a plan is asked for) is not one of the policy's (C170), or
    money is `given` to another investor than that one (C171)."""
    from engine.plans.month_plan import orders_day

    law = policy.tax
    if law is None:
        raise Refused("a year-end plan needs a tax law in the policy (use \"india\")", code="C105")
    if fy is not None and law.fy_of(as_of) != fy:
        said = {"as_of": as_of.isoformat(), "in_fy": fy_label(law.fy_of(as_of)), "fy": fy_label(fy)}
        raise Refused("{as_of} is in {in_fy}, not {fy}".format(**said), code="C104", values=said)
    sells_on, _ = orders_day(policy, as_of)
    if law.fy_of(sells_on) != law.fy_of(as_of):  # a harvest is for its FY: its sales must be too
        from engine.calendar import trading_day_on_or_before

        this = law.fy_of(as_of)
        raise Refused(f"{as_of} is not a trading day and the next one, {sells_on}, is in "
                      f"{fy_label(law.fy_of(sells_on))}: a year-end plan for {fy_label(this)} must sell within "
                      f"it; plan as of {trading_day_on_or_before(law.fy_bounds(this)[1])}, its last trading day",
                      code="C106")
    ids = [i.id for i in policy.portfolio.investors] if policy.portfolio else []
    if investor is not None and investor not in ids:
        raise Refused(f"{investor} is not an investor of the policy ({', '.join(ids)})", code="C170",
                      values={"investor": investor, "investors": ", ".join(ids)})
    others = sorted(i for i, m in (given or {}).items() if m and investor not in (None, i))
    if others:
        raise Refused(f"money is given to {', '.join(others)}, but the plan is for {investor} only", code="C171",
                      values={"investor": investor, "others": ", ".join(others)})
