"""A batch's totals across its clients: how many were done, failed and skipped, and the sums
of what their plans say (tax before and after, exemption used, value, orders; for `status`
the portfolios' value). A sum is over the clients that state the number (None: none does)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.batch.jobs import Outcome, OutcomeStatus

__all__ = ["Totals", "totals"]


@dataclass(frozen=True)
class Totals:
    """The sums of a batch's outcomes (module docstring)."""

    clients: int
    ok: int
    failed: int
    skipped: int
    tax_before: Decimal | None
    tax_after: Decimal | None
    exemption_used: Decimal | None
    value: Decimal | None
    orders: int | None
    worth: Decimal | None

    def to_json(self) -> dict[str, Any]:
        return {"clients": self.clients, "ok": self.ok, "failed": self.failed, "skipped": self.skipped,
                "tax_before": self.tax_before, "tax_after": self.tax_after, "exemption_used": self.exemption_used,
                "value": self.value, "orders": self.orders, "worth": self.worth}


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    stated = [v for v in values if v is not None]
    return sum(stated, Decimal(0)) if stated else None


def totals(outcomes: Sequence[Outcome]) -> Totals:
    """The totals of `outcomes`."""
    count = {status: sum(1 for o in outcomes if o.status is status) for status in OutcomeStatus}
    orders = [o.orders for o in outcomes if o.orders is not None]
    return Totals(len(outcomes), count[OutcomeStatus.OK], count[OutcomeStatus.FAILED], count[OutcomeStatus.SKIPPED],
                  _sum(o.tax_before for o in outcomes), _sum(o.tax_after for o in outcomes),
                  _sum(o.exemption_used for o in outcomes), _sum(o.value for o in outcomes),
                  sum(orders) if orders else None, _sum(o.worth for o in outcomes))
