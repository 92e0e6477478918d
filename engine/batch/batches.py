"""The jobs of a batch cut into slices for an engine that sends work to other processes or machines
(engine_ray.py, engine_dask.py): one remote call per slice, not per tiny client, so that the cost of a
call (pickling, scheduling, a round trip) is paid a few dozen times per worker, not ten thousand times.

`slices(total, workers)` cuts `total` jobs into contiguous ranges, about SLICES_PER_WORKER per worker
(enough for the workers to balance uneven clients and for progress to move), each at most MOST_PER_SLICE
jobs (a slow client holds back no more than that), and at least one job. `run_slice(work, jobs)` is what
a worker runs: `work` on each job of its slice in order. `label(job)`: the job's name for progress.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["SLICES_PER_WORKER", "MOST_PER_SLICE", "slices", "run_slice", "label"]

J = TypeVar("J")
O = TypeVar("O")

SLICES_PER_WORKER = 8
MOST_PER_SLICE = 100


def slices(total: int, workers: int) -> list[range]:
    """Contiguous ranges covering 0..total-1 in order, of sizes differing by at most one:
    ceil(total / (workers * SLICES_PER_WORKER)) jobs each, clamped to 1..MOST_PER_SLICE."""
    if total <= 0:
        return []
    size = -(-total // (max(workers, 1) * SLICES_PER_WORKER))  # ceiling division
    size = min(max(size, 1), MOST_PER_SLICE)
    count = -(-total // size)
    base, extra = divmod(total, count)  # the first `extra` slices one longer: sizes differ by at most one
    out: list[range] = []
    start = 0
    for i in range(count):
        end = start + base + (1 if i < extra else 0)
        out.append(range(start, end))
        start = end
    return out


def run_slice(work: Callable[[J], O], jobs: Sequence[J]) -> list[O]:
    """`work` on each job, in order (run by a worker process: module-level, so picklable by name)."""
    return [work(job) for job in jobs]


def label(job: object) -> str:
    """A job's name for `progress(done, total, what)`: its `name` (a client's folder) when it has one."""
    name = getattr(job, "name", None)
    return name if isinstance(name, str) else ""
