"""The records of a batch: a `Client` (where its book and policy are, its own options), the `Job`
of one client (the command and what every client shares: the day, the FY, where reports go) and
the `Outcome` a job gives back (ok, failed or skipped, with the plan's numbers and the errors).

They are frozen and made of plain values (paths, dates, Decimals, strings) so that they cross
to a worker process, a Ray task or a Dask future and back unchanged (pickled)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = ["BatchCommand", "OutcomeStatus", "Client", "Job", "Outcome"]


class BatchCommand(StrEnum):
    """What a batch runs for every client: one of the single commands."""

    YEAR_END = "plan year-end"
    MONTH = "plan month"
    STATUS = "status"
    GAINS = "gains"
    REPORT = "report"
    BACKTEST = "backtest"


class OutcomeStatus(StrEnum):
    """How a client's job ended: done, failed (its diagnostics say why), or skipped (its plan for
    the same inputs was already saved: a batch resumed)."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Client:
    """One client: its `name` (the folder's, or the manifest's table), its book, the policy named
    for it (None: the one the book remembers from `init --policy`), each investor's money in whole
    rupees (`money`: sorted (investor, amount) pairs) and the one `investor` to plan for (None: all)."""

    name: str
    book: Path
    policy: Path | None = None
    money: tuple[tuple[str, int], ...] = ()
    investor: str | None = None

    @property
    def given(self) -> dict[str, int] | None:
        """The money as the API takes it (None when none is given: the policy's)."""
        return dict(self.money) if self.money else None


@dataclass(frozen=True)
class Job:
    """One client's work: `command` on `client`'s book on the day `as_of` (None: `today`, or for
    a year-end plan with `fy`, today within that FY as the single command's default; `fy`: the FY
    asked, as its starting year), writing the client's report into `reports` when given;
    `isin_db`: casparser-isin's database at another path (the CLI's $CASPARSER_ISIN_DB)."""

    client: Client
    command: BatchCommand
    as_of: date | None
    today: date
    fy: int | None = None
    reports: Path | None = None
    isin_db: Path | None = None


@dataclass(frozen=True)
class Outcome:
    """What one client's job gave: its `status`; the plan's id (the saved one for `report`),
    tax before and after the plan (for `gains`: the FY's tax after set-off, in `tax_after`), the
    exemption used after it, the plan's value, its orders; the portfolio's value (`worth`:
    `status`'s; `backtest`'s at the end of the policy's run, with its tax paid over the run in
    `tax_after` and its orders); the report written; `errors`: a failed job's diagnostics, rendered
    as the single command prints them, with their `codes`; `warnings`: the codes of the warnings the
    single command would print (T121: a price older than 5 trading days; H101: a solve stopped by
    its time limit), each once, in order (none for a skipped plan: they were said when it was made).
    Money is Decimal, summed over the client's investors."""

    client: str
    status: OutcomeStatus
    plan_id: str | None = None
    tax_before: Decimal | None = None
    tax_after: Decimal | None = None
    exemption_used: Decimal | None = None
    value: Decimal | None = None
    orders: int | None = None
    worth: Decimal | None = None
    report: str | None = None
    codes: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The outcome as `batch --json` prints it (docs/json.md): every field, None as null."""
        return {"client": self.client, "status": self.status, "plan_id": self.plan_id,
                "tax_before": self.tax_before, "tax_after": self.tax_after, "exemption_used": self.exemption_used,
                "value": self.value, "orders": self.orders, "worth": self.worth, "report": self.report,
                "codes": list(self.codes), "errors": list(self.errors), "warnings": list(self.warnings)}
