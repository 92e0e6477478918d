"""The engines behind one interface (engine/batch/engines.py): the outcomes in the jobs' order
whatever runs them, progress told in the calling process, Ray and Dask refused plainly when their
extra is not installed; api.year_end_id, the id a year-end plan will have, found without planning."""

import sys
from datetime import date
from pathlib import Path

import pytest

from engine import api
from engine.batch.engines import PoolEngine, SerialEngine, chunk_size, engine_named
from engine.batch.jobs import BatchCommand, Client, Job, OutcomeStatus
from engine.batch.work import run_job
from engine.inputs import Refused

sys.path[:0] = [str(Path(__file__).parent)]
from clients import DAY, make_clients  # noqa: E402


def jobs(tmp_path: Path, n: int) -> list[Job]:
    """n clients whose books are missing: each job fails at once (B-code), naming its client."""
    return [Job(Client(f"c{i:02d}", tmp_path / f"c{i:02d}" / "lotwise.db"), BatchCommand.STATUS, date(2025, 3, 28),
                date(2025, 3, 28)) for i in range(n)]


def test_serial_and_pool_give_the_outcomes_in_the_jobs_order(tmp_path):
    asked = jobs(tmp_path, 9)
    told: list[tuple[int, int, str]] = []
    serial = SerialEngine().run(run_job, asked, lambda *a: told.append(a))
    pool = PoolEngine(2).run(run_job, asked, None)
    assert serial == pool
    assert [o.client for o in pool] == [f"c{i:02d}" for i in range(9)]
    assert all(o.status is OutcomeStatus.FAILED and o.errors for o in pool)
    assert told == [(i, 9, f"c{i:02d}") for i in range(9)] + [(9, 9, "")]
    said: list[tuple[int, int, str]] = []
    PoolEngine(3).run(run_job, asked, lambda *a: said.append(a))
    assert said[0] == (0, 9, "c00") and said[-1] == (9, 9, "") and len(said) == 10
    assert PoolEngine(2).run(run_job, [], None) == []


def test_chunks():
    assert chunk_size(10_000, 2) == 100  # 4 chunks a worker would be 1,250: at most 100 (MOST_PER_CHUNK)
    assert chunk_size(600, 2) == 75  # 600 / (2 x 4)
    assert chunk_size(3, 8) == 1


def test_engines_by_name(monkeypatch):
    assert isinstance(engine_named("serial", 4, None), SerialEngine)
    assert engine_named("pool", 3, None).jobs == 3  # type: ignore[attr-defined]
    with pytest.raises(Refused) as e:
        engine_named("spark", 2, None)
    assert e.value.code == "C208"
    for name in ("ray", "dask"):
        monkeypatch.setitem(sys.modules, f"engine.batch.engine_{name}", None)  # as if the extra were not installed
        with pytest.raises(Refused) as e:
            engine_named(name, 2, None)
        assert e.value.code == "C207" and f"install lotwise[{name}]" in e.value.message


def test_year_end_id_is_the_id_the_plan_gets(tmp_path):
    clients = make_clients(tmp_path, ("rohit",))
    book, day = clients / "rohit" / "lotwise.db", date.fromisoformat(DAY)
    policy = api.load_policy(clients / "rohit" / "rohit.rules").policy
    with api.open_book(book) as opened:
        found = api.year_end_id(opened, policy, day)
        given = api.year_end_id(opened, policy, day, given={"rohit": 5000})
    with api.open_book(book, access=api.Access.OWN) as opened:
        assert api.plan_year_end(opened, policy, day, save=False).plan_id == found
        assert api.plan_year_end(opened, policy, day, given={"rohit": 5000}, save=False).plan_id == given
    assert found != given
