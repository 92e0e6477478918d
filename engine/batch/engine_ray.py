"""`lotwise batch --engine ray`: the clients' jobs on Ray (the `ray` extra: pip install 'lotwise[ray]').

`RayEngine()` starts a local Ray on this machine (one worker slot per core, or `jobs`, no dashboard, its log
kept off the terminal and the workers' output not forwarded, so that standard output carries only
the batch's data) and shuts it down when the batch is done; `RayEngine(address)` joins an existing
cluster (`ray://head:10001` through Ray Client, or `head:6379` from a node of the cluster) and leaves
it running. Every machine of a cluster needs lotwise installed (the work is sent by name, not by value).

The jobs go in slices (engine/batch/batches.py: a few dozen remote calls per worker, not one per small
client), as Ray tasks of one CPU each; progress is told as each slice comes back, and the outcomes are
returned in the jobs' order whatever the order the slices end in. An exception raised by `work` (it
should not: a client's failure is its outcome) comes out of `run` once the engine is shut down.
Ray is imported here only, and only when `run` is called.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from engine.batch.batches import label, run_slice, slices
from engine.progress import Progress

__all__ = ["RayEngine"]

J = TypeVar("J")
O = TypeVar("O")


class RayEngine:
    """The jobs on a local Ray (`address` None) or on the Ray cluster at `address`."""

    def __init__(self, address: str | None = None, jobs: int = 0) -> None:
        self.address = address
        self.jobs = jobs  # a local Ray's worker slots (`--jobs`; 0: one per core); a cluster's are its own

    def run(self, work: Callable[[J], O], jobs: Sequence[J], progress: Progress | None) -> list[O]:
        """`work` on every job (module-level, picklable), the outcomes in the jobs' order."""
        import ray

        started = not ray.is_initialized()
        if started:
            connect(ray, self.address, self.jobs)
        try:
            workers = max(int(ray.cluster_resources().get("CPU", 1)), 1)
            return gather(ray, work, jobs, slices(len(jobs), workers), progress)
        finally:
            if started:
                ray.shutdown()


def connect(ray: Any, address: str | None, jobs: int = 0) -> None:
    """Start a quiet local Ray with `jobs` slots (0: one per core), or join the cluster at `address`."""
    quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    if address is None:
        ray.init(num_cpus=jobs or os.cpu_count() or 1, include_dashboard=False, **quiet)
    else:
        ray.init(address=address, **quiet)


def gather(ray: Any, work: Callable[[J], O], jobs: Sequence[J], cuts: list[range],
           progress: Progress | None) -> list[O]:
    """One task per slice; the outcomes put back in order as the tasks end, progress told on each."""
    task = ray.remote(num_cpus=1)(run_slice)
    pending = {task.remote(work, [jobs[i] for i in cut]): cut for cut in cuts}
    outcomes: list[Any] = [None] * len(jobs)
    done = 0
    if progress is not None:
        progress(0, len(jobs), "")
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            cut = pending.pop(ref)
            outcomes[cut.start:cut.stop] = ray.get(ref)
            done += len(cut)
            if progress is not None:
                progress(done, len(jobs), label(jobs[cut.stop - 1]) if done < len(jobs) else "")
    return outcomes
