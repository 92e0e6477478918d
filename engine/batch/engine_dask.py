"""`lotwise batch --engine dask`: the clients' jobs on Dask (the `dask` extra: pip install 'lotwise[dask]').

`DaskEngine()` starts a LocalCluster of worker processes on this machine (`jobs` of them, or one per
core; one thread each, since a client's plan holds the GIL; no dashboard; the cluster's log kept to
errors) and closes it when the batch is done; `DaskEngine(address)` connects to a running scheduler
(`tcp://head:8786`, started with `dask scheduler` and `dask worker` on each machine) and leaves it
running. Every worker needs lotwise installed (the work is sent by name, not by value).

The jobs go in slices (engine/batch/batches.py: a few dozen tasks per worker, not one per small
client) with `client.map`; progress is told as each slice ends (`as_completed`), and the outcomes are
returned in the jobs' order. An exception raised by `work` (it should not: a client's failure is its
outcome) comes out of `run` once the client and cluster are closed. Dask is imported here only, and
only when `run` is called.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from engine.batch.batches import label, run_slice, slices
from engine.progress import Progress

__all__ = ["DaskEngine"]

J = TypeVar("J")
O = TypeVar("O")


class DaskEngine:
    """The jobs on a local cluster of `jobs` processes (0: one per core), or on the scheduler at `address`."""

    def __init__(self, address: str | None = None, jobs: int = 0) -> None:
        self.address = address
        self.jobs = jobs

    def run(self, work: Callable[[J], O], jobs: Sequence[J], progress: Progress | None) -> list[O]:
        """`work` on every job (module-level, picklable), the outcomes in the jobs' order."""
        from distributed import Client, LocalCluster

        cluster = None
        if self.address is None:
            cluster = LocalCluster(n_workers=self.jobs or os.cpu_count() or 1, threads_per_worker=1,
                                   processes=True, dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            client = Client(self.address)
        try:
            workers = max(sum(client.nthreads().values()), 1)
            return gather(client, work, jobs, slices(len(jobs), workers), progress)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def gather(client: Any, work: Callable[[J], O], jobs: Sequence[J], cuts: list[range],
           progress: Progress | None) -> list[O]:
    """One task per slice (`client.map`); the outcomes put back in order as they end, progress told on each."""
    from distributed import as_completed

    futures = client.map(run_slice, [work] * len(cuts), [[jobs[i] for i in cut] for cut in cuts], pure=False)
    cut_of = {future.key: cut for future, cut in zip(futures, cuts)}
    outcomes: list[Any] = [None] * len(jobs)
    done = 0
    if progress is not None:
        progress(0, len(jobs), "")
    for future in as_completed(futures):
        cut = cut_of[future.key]
        outcomes[cut.start:cut.stop] = future.result()
        done += len(cut)
        if progress is not None:
            progress(done, len(jobs), label(jobs[cut.stop - 1]) if done < len(jobs) else "")
    return outcomes
