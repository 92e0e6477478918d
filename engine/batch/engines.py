"""THE INTERFACE of a batch's engines: `Engine.run(work, jobs, progress)` runs `work` on every
job and returns the outcomes in the jobs' order, whatever order they finished in.

Here: `SerialEngine` (in this process, one client after another) and `PoolEngine` (a
concurrent.futures process pool over the machine's cores: the jobs sent in chunks, each worker
importing the engine once in its initializer, engine/batch/work.py `warm`). Ray and Dask, for more
than one machine, are the optional extras' modules engine/batch/engine_ray.py and engine_dask.py,
imported only when named (`engine_named`). Nothing home-made: each engine is its library's own
pool. `work` is a function of module level (work.py run_job): the pool, Ray and Dask pickle it."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from typing import Protocol

from engine.batch.jobs import Job, Outcome
from engine.progress import Progress

__all__ = ["Engine", "SerialEngine", "PoolEngine", "ENGINES", "engine_named", "chunk_size", "cores", "start_worker"]

ENGINES = ("pool", "serial", "ray", "dask")
CHUNKS_PER_WORKER = 4  # jobs go out in about this many chunks per worker: few round trips, a slow client evened out
MOST_PER_CHUNK = 100  # and no chunk larger: Ctrl-C waits for no chunk, progress moves, slow clients spread


class Engine(Protocol):
    """Runs `work` on each job; the outcomes in the jobs' order. `progress(done, total, client)`,
    when given, is told in the calling process as outcomes come back, then `(total, total, "")`."""

    def run(self, work: Callable[[Job], Outcome], jobs: Sequence[Job], progress: Progress | None) -> list[Outcome]:
        ...  # pragma: no cover


class SerialEngine:
    """One client after another, in this process (`--engine serial`: the simplest to debug)."""

    def run(self, work: Callable[[Job], Outcome], jobs: Sequence[Job], progress: Progress | None) -> list[Outcome]:
        out = []
        for n, job in enumerate(jobs):
            if progress is not None:
                progress(n, len(jobs), job.client.name)
            out.append(work(job))
        if progress is not None:
            progress(len(jobs), len(jobs), "")
        return out


class PoolEngine:
    """`jobs` worker processes (concurrent.futures.ProcessPoolExecutor), each importing the
    engine once (work.warm); the jobs sent in chunks (chunk_size), their outcomes in order."""

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)

    def run(self, work: Callable[[Job], Outcome], jobs: Sequence[Job], progress: Progress | None) -> list[Outcome]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from engine.batch.work import warm

        if not jobs:
            return []
        warm()  # here first: forked workers are born with the imports (a spawned one pays them in its initializer)
        out: list[Outcome] = []
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(jobs)), initializer=start_worker)
        try:
            if progress is not None:
                progress(0, len(jobs), jobs[0].client.name)
            for outcome in pool.map(work, jobs, chunksize=chunk_size(len(jobs), self.jobs)):
                out.append(outcome)
                if progress is not None and len(out) < len(jobs):
                    progress(len(out), len(jobs), jobs[len(out)].client.name)
        except BaseException:  # Ctrl-C (or a bug): stop now, not after the chunks already sent
            pool.shutdown(wait=False, cancel_futures=True)
            for worker in set(multiprocessing.active_children()) - before:
                worker.terminate()  # a client's plan is saved in one transaction: whole or not at all
            raise
        pool.shutdown()
        if progress is not None:
            progress(len(jobs), len(jobs), "")
        return out


def start_worker() -> None:
    """A pool worker's start: Ctrl-C at a terminal reaches every process of its group, and the
    workers leave it to the batch's own process, which ends them (PoolEngine.run); then `warm`."""
    import signal

    from engine.batch.work import warm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm()


def chunk_size(jobs: int, workers: int) -> int:
    """How many jobs go to a worker at once: about CHUNKS_PER_WORKER chunks each, at least one job
    and at most MOST_PER_CHUNK."""
    return min(max(1, jobs // (max(1, workers) * CHUNKS_PER_WORKER)), MOST_PER_CHUNK)


def cores() -> int:
    """The cores this process may use (the default --jobs)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def engine_named(name: str, jobs: int, address: str | None) -> Engine:
    """The engine `name` (ENGINES): `pool` of `jobs` processes, `serial`, or Ray's or Dask's
    (their module imported only now; `address`: an existing cluster's, None for a local one).
    Refused C207 when the extra is not installed, C208 for an unknown name."""
    from engine.inputs import Refused

    if name == "serial":
        return SerialEngine()
    if name == "pool":
        return PoolEngine(jobs)
    if name not in ("ray", "dask"):
        raise Refused(f"no engine {name!r}: one of {', '.join(ENGINES)}", code="C208", values={"engine": name})
    try:
        module = importlib.import_module(f"engine.batch.engine_{name}")
    except ImportError as e:
        raise Refused(f"the {name} engine is not installed ({e}): install lotwise[{name}] "
                      f"(`pip install 'lotwise[{name}]'`)", code="C207", values={"engine": name}) from None
    if name == "ray":
        made: Engine = module.RayEngine(address, jobs)
    else:
        made = module.DaskEngine(address, jobs)
    return made
