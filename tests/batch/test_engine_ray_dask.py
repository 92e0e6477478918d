"""The Ray and Dask engines of `lotwise batch` (engine/batch/engine_ray.py, engine_dask.py) in their local
modes, with a stand-in work (standin_jobs.py): the outcomes in the jobs' order although the first slices end
last, every job run once, on more than one process, progress from 0 to the total, the cluster closed after
(also when the work raises), Dask on a running scheduler's address leaving it running, and standard
output of a process that runs a batch holding only its data.
Also how the jobs are cut into slices (engine/batch/batches.py), by hand.

The engines are optional extras: their tests are skipped where the extra is not installed, except in CI
(CI=true), whose .ci/run installs both, where a missing extra fails."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from engine.batch.batches import MOST_PER_SLICE, label, run_slice, slices

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]  # standin_jobs.py beside this file
import standin_jobs  # noqa: E402

JOBS = [standin_jobs.Job(f"client-{n:03d}", n) for n in range(40)]


def extra(name: str) -> ModuleType:
    """The extra's module; skipped when not installed, except in CI, which installs it."""
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name)


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes import the stand-in by name, as they import lotwise: both on their PYTHONPATH."""
    import engine

    here = [str(HERE), str(Path(engine.__file__).resolve().parent.parent)]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(here + [p for p in [os.environ.get("PYTHONPATH")] if p]))


def test_slices_cut_by_hand():
    # 10,000 jobs on 2 workers: ceil(10000 / (2 * 8)) = 625 a slice, at most 100: 100 slices of 100
    cuts = slices(10_000, 2)
    assert len(cuts) == 100 and {len(c) for c in cuts} == {MOST_PER_SLICE}
    # 17 jobs on 1 worker: ceil(17 / 8) = 3 a slice, ceil(17 / 3) = 6 slices; 17 = 6 * 2 + 5: five of 3, one of 2
    assert [len(c) for c in slices(17, 1)] == [3, 3, 3, 3, 3, 2]
    # 5 jobs on 2 workers: one each; one job; none
    assert slices(5, 2) == [range(i, i + 1) for i in range(5)]
    assert slices(1, 4) == [range(0, 1)] and slices(0, 2) == []
    for total, workers in ((10_000, 2), (17, 1), (1001, 3), (99, 0)):
        cuts = slices(total, workers)
        assert [i for c in cuts for i in c] == list(range(total))  # contiguous, in order, each job once
        assert max(map(len, cuts)) - min(map(len, cuts)) <= 1


def test_a_slice_is_run_in_order_and_a_job_named():
    assert [o.square for o in run_slice(standin_jobs.work, JOBS[5:8])] == [25, 36, 49]
    assert label(JOBS[3]) == "client-003" and label(3) == ""


def check_run(engine: object) -> None:
    told: list[tuple[int, int, str]] = []
    outcomes = engine.run(standin_jobs.work, JOBS, lambda d, t, w: told.append((d, t, w)))  # type: ignore[attr-defined]
    assert [(o.name, o.square) for o in outcomes] == [(j.name, j.number ** 2) for j in JOBS]
    assert len({o.pid for o in outcomes}) >= 2 and os.getpid() not in {o.pid for o in outcomes}
    # 40 jobs on 2 workers: ceil(40 / 16) = 3 a slice, 14 slices; progress at 0, after each, the last with ""
    assert told[0] == (0, 40, "") and told[-1] == (40, 40, "") and len(told) == 1 + 14
    assert [d for d, _, _ in told] == sorted(d for d, _, _ in told) and all(t == 40 for _, t, _ in told)
    assert all(w.startswith("client-") for _, _, w in told[1:-1])
    assert engine.run(standin_jobs.work, [], None) == []  # type: ignore[attr-defined]


@pytest.mark.slow
def test_ray_locally(on_path):
    ray = extra("ray")
    from engine.batch.engine_ray import RayEngine

    check_run(RayEngine())
    assert not ray.is_initialized()  # it started Ray, so it shut it down


@pytest.mark.slow
def test_ray_raises_the_works_exception_and_shuts_down(on_path):
    ray = extra("ray")
    from engine.batch.engine_ray import RayEngine

    with pytest.raises(Exception, match="job 7 failed"):
        RayEngine().run(standin_jobs.failing, JOBS, None)
    assert not ray.is_initialized()


@pytest.mark.slow
def test_dask_locally(on_path):
    extra("distributed")
    from engine.batch.engine_dask import DaskEngine

    check_run(DaskEngine(jobs=2))


@pytest.mark.slow
def test_dask_raises_the_works_exception(on_path):
    extra("distributed")
    from engine.batch.engine_dask import DaskEngine

    with pytest.raises(ValueError, match="job 7 failed"):
        DaskEngine(jobs=2).run(standin_jobs.failing, JOBS, None)


SCRIPT = """
import json, sys
import standin_jobs
from engine.batch.engine_{name} import {cls}
outcomes = {cls}().run(standin_jobs.work, [standin_jobs.Job(f"c{{n}}", n) for n in range(6)], None)
print(json.dumps([o.square for o in outcomes]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("name, cls, module", [("ray", "RayEngine", "ray"), ("dask", "DaskEngine", "distributed")])
def test_standard_output_carries_only_the_data(on_path, name, cls, module):
    extra(module)
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(name=name, cls=cls)], capture_output=True,
                          text=True, timeout=300, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [0, 1, 4, 9, 16, 25]  # the one line printed, nothing else
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_dask_on_a_running_scheduler_leaves_it_running(on_path):
    extra("distributed")
    from distributed import Client, LocalCluster

    from engine.batch.engine_dask import DaskEngine

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcomes = DaskEngine(cluster.scheduler_address).run(standin_jobs.work, JOBS, None)
        assert [o.square for o in outcomes] == [j.number ** 2 for j in JOBS]
        with Client(cluster) as client:  # still there: the engine closed only its own client
            assert len(client.nthreads()) == 2

