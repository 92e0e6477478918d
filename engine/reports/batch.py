"""`lotwise batch`'s summary (engine/batch): a table for the terminal, CSV for a spreadsheet and
JSON for a program, each one row per client in the batch's order, then the totals.

The table shows only the columns some client states (a `status` batch has no tax columns); the
CSV and the JSON have every column always (empty, null), so that a program reads them alike
whatever the command. Money in the table as rupees (Rs 1,25,000.00), in the CSV and JSON as the
exact Decimal text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the batch's records, as types only: the reports come before the batch (docs/architecture.md)
    from engine.batch.jobs import Outcome
    from engine.batch.summary import Totals

__all__ = ["COLUMNS", "summary_text", "summary_csv", "summary_json"]

# (heading, Outcome field) in the order shown
COLUMNS = (("client", "client"), ("status", "status"), ("plan", "plan_id"), ("tax before", "tax_before"),
           ("tax after", "tax_after"), ("exemption used", "exemption_used"), ("value", "value"),
           ("orders", "orders"), ("portfolio", "worth"), ("report", "report"), ("errors", "codes"),
           ("warnings", "warnings"))
MONEY = {"tax_before", "tax_after", "exemption_used", "value", "worth"}


def _shown(field: str, value: Any) -> str:
    from engine.literals import format_inr

    if value is None:
        return ""
    if field in ("codes", "warnings"):
        return " ".join(value)
    if field in MONEY:
        return format_inr(value)
    return str(value)


def summary_text(command: str, outcomes: Sequence[Outcome], total: Totals) -> str:
    """The table: a row per client, the totals' row, and a line of counts."""
    from tabulate import tabulate

    fields = [(head, f) for head, f in COLUMNS
              if f in ("client", "status") or any(getattr(o, f) not in (None, ()) for o in outcomes)]
    rows = [[_shown(f, getattr(o, f)) for _, f in fields] for o in outcomes]
    sums = {"client": "total", "status": "", **{f: _shown(f, getattr(total, f)) for f in MONEY},
            "orders": "" if total.orders is None else str(total.orders)}
    rows.append([sums.get(f, "") for _, f in fields])
    table = tabulate(rows, [head for head, _ in fields], disable_numparse=True,
                     colalign=["left" if f in ("client", "status", "plan_id", "report", "codes", "warnings") else "right"
                               for _, f in fields])
    counts = (f"{command}: {total.clients} client{'s' if total.clients != 1 else ''}: {total.ok} done, "
              f"{total.skipped} skipped (saved already), {total.failed} failed")
    return f"{table}\n{counts}\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value) if not isinstance(value, Decimal) else format(value, "f")


def summary_csv(outcomes: Sequence[Outcome], total: Totals) -> str:
    """One row per client (every column, the money as exact Decimal text), then the totals' row
    (client `total`: the money and the orders summed, the other columns empty; the counts of
    clients done, failed and skipped are in the table's last line and the JSON's `totals`)."""
    out = io.StringIO()
    write = csv.writer(out, lineterminator="\n")
    write.writerow([f for _, f in COLUMNS])
    for o in outcomes:
        write.writerow([_cell(getattr(o, f)) for _, f in COLUMNS])
    sums = {"client": "total", **{f: getattr(total, f) for f in MONEY}, "orders": total.orders}
    write.writerow([_cell(sums.get(f)) for _, f in COLUMNS])
    return out.getvalue()


def summary_json(command: str, outcomes: Sequence[Outcome], total: Totals) -> dict[str, Any]:
    """`batch --json` (docs/json.md): the command, the clients' outcomes and the totals."""
    return {"command": command, "ok": total.failed == 0, "clients": [o.to_json() for o in outcomes],
            "totals": total.to_json()}
