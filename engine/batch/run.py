"""A batch run: one Job per client, the engine runs `work.run_job` on each, the totals added up
(public as api.run_batch; the CLI is engine/cli/batch.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine.batch.engines import Engine, SerialEngine
from engine.batch.jobs import BatchCommand, Client, Job, Outcome
from engine.batch.summary import Totals, totals
from engine.batch.work import run_job
from engine.progress import Progress

__all__ = ["Batch", "run_batch"]


@dataclass(frozen=True)
class Batch:
    """A batch's outcomes, in the clients' order, and their totals."""

    command: BatchCommand
    outcomes: tuple[Outcome, ...]
    totals: Totals

    @property
    def ok(self) -> bool:
        """No client failed."""
        return self.totals.failed == 0


def run_batch(command: BatchCommand | str, clients: Sequence[Client], *, today: date, as_of: date | None = None,
              fy: int | None = None, reports: Path | None = None, engine: Engine | None = None,
              progress: Progress | None = None, isin_db: Path | None = None) -> Batch:
    """`command` for every client on `engine` (None: serially, in this process); `as_of` None:
    `today` (a year-end plan with `fy`: today within that FY, per client's law); `reports`: the
    folder each client's report is written into (CLIENT.html)."""
    asked = BatchCommand(command)
    jobs = [Job(client, asked, as_of, today, fy, reports, isin_db) for client in clients]
    outcomes = (engine or SerialEngine()).run(run_job, jobs, progress)
    return Batch(asked, tuple(outcomes), totals(outcomes))
