"""Monte Carlo's paths run on a pool of processes (concurrent.futures.ProcessPoolExecutor).

Path k's prices are the scenario's path k (engine/backtest/scenario.py `path`: seeded from the
seed and k alone), so a path's run is the same in whichever process runs it. Path 0 is run in the
calling process first (a policy or scenario that cannot run is refused before any pool starts);
paths 1 to n-1 go to `jobs` processes in chunks of consecutive paths (about four chunks a
process, so that a slow chunk does not hold the others back), and come back in path order: the
record is the same whatever `jobs` is. A worker sends back each path's PathResults (measures and
month values), not its runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.backtest.monte_carlo import PathResult
from engine.backtest.scenario import Scenario, path
from engine.backtest.strategies import Options
from engine.policy.model import Policy
from engine.progress import Progress

CHUNKS_PER_JOB = 4


@dataclass(frozen=True)
class PathJob:
    """What every path of a Monte Carlo run shares: the policy, the scenario and its seed, the
    policy's securities (id -> asset name) and the run's options."""

    policy: Policy
    scenario: Scenario
    seed: int
    securities: Mapping[str, str]
    options: Options


Span = tuple[date, date, tuple[date, ...], tuple[Decimal, ...]]  # first and last days, month days, money put in by each


def run_path(job: PathJob, k: int) -> tuple[Span, tuple[PathResult, ...]]:
    """Path k simulated with every strategy of the options, then each compared policy: the run's span
    and each run's result (a compared policy measured by its own policy, as api.backtest does)."""
    from engine.backtest.history import PriceHistory
    from engine.backtest.measures import measure
    from engine.backtest.simulate import simulate

    prices = path(job.scenario, k, job.seed, job.securities)
    runs = simulate(job.policy, prices, job.options)
    price_of = PriceHistory.of(prices).price_of
    own = dict(job.options.policies)
    out = []
    for run in runs:
        m = measure(run, own.get(run.label, job.policy), price_of)
        out.append(PathResult(run.strategy, m.final_value, m.after_selling_all, m.xirr, m.xirr_after_tax, m.tax,
                              m.turnover, m.drift_mean, tuple(month.value for month in run.months), run.label))
    months = runs[0].months
    return (runs[0].first, runs[0].last, tuple(m.day for m in months), tuple(m.invested for m in months)), tuple(out)


def run_chunk(job: PathJob, first: int, end: int) -> list[tuple[PathResult, ...]]:
    """Paths first to end - 1, in order (a worker's task)."""
    return [run_path(job, k)[1] for k in range(first, end)]


def chunks(first: int, end: int, jobs: int) -> list[tuple[int, int]]:
    """[first, end) cut into runs of consecutive paths, about CHUNKS_PER_JOB per process."""
    size = max(1, -(-(end - first) // (jobs * CHUNKS_PER_JOB)))
    return [(k, min(k + size, end)) for k in range(first, end, size)]


def run_paths(job: PathJob, n: int, jobs: int, progress: Progress | None = None
              ) -> tuple[Span, list[tuple[PathResult, ...]]]:
    """Paths 0 to n-1 (module docstring): the run's span and each path's results, in path order.
    `progress` (engine/progress.py) is told the paths done of n, in this process, as each path (on
    one process) or each chunk (on a pool, in the order they finish) comes back."""
    tell = progress if progress is not None else (lambda done, total, what: None)
    tell(0, n, "path 1")
    days, first = run_path(job, 0)
    found: list[tuple[PathResult, ...]] = [first]
    if jobs <= 1 or n <= 2:
        for k in range(1, n):
            tell(k, n, f"path {k + 1}")
            found += run_chunk(job, k, k + 1)
        tell(n, n, "")
        return days, found
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    parts = chunks(1, n, jobs)
    with ProcessPoolExecutor(max_workers=min(jobs, len(parts))) as pool:
        futures = [pool.submit(run_chunk, job, a, b) for a, b in parts]
        waiting, done = set(futures), 1
        while waiting:
            tell(done, n, f"on {min(jobs, len(parts))} processes")
            finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            done += sum(len(f.result()) for f in finished)  # a worker's error is raised here, as map raised it
        found += [result for future in futures for result in future.result()]
    tell(n, n, "")
    return days, found

