"""A stand-in for the batch's jobs and work (engine/batch/jobs.py is another change's), for the engines'
tests: a picklable frozen Job with a name, and a module-level `work` that says which process ran it.
Imported by name in the engines' worker processes (the tests put this folder on their PYTHONPATH)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    number: int


@dataclass(frozen=True)
class Outcome:
    name: str
    square: int
    pid: int


def work(job: Job) -> Outcome:
    """The job's number squared; the first jobs take longest, so that later slices end first."""
    if job.number < 4:
        time.sleep(0.2)
    return Outcome(job.name, job.number * job.number, os.getpid())


def failing(job: Job) -> Outcome:
    """Like `work`, but job 7 raises."""
    if job.number == 7:
        raise ValueError("job 7 failed")
    return work(job)
