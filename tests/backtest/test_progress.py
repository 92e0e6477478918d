"""A backtest's progress (api.backtest and api.monte_carlo `progress`, engine/progress.py): the
months simulated over every run, each run named; Monte Carlo's paths done of N, told in the
calling process whether the paths run there or on a pool; the record the same with or without a
callback.

The runs are short: the toy policy (tests/backtest/toy.py: Rs 10,000 a month) on a 13-month
scenario from April 2018 (months 2018-04 to 2019-04), as tests/backtest/test_monte_carlo.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

Told = list[tuple[int, int, str]]


def scenario(volatility: str) -> str:
    return ('start = "2018-04"\nmonths = 13\nseed = 7\n'
            + "".join(f'[assets.{a}]\nmean = "10%"\nvolatility = "{volatility}"\n' for a in ("Large", "Mid", "Small")))


@pytest.fixture(scope="module")
def toy_policy(tmp_path_factory: pytest.TempPathFactory):
    cwd = tmp_path_factory.mktemp("progress")
    (cwd / "wild.toml").write_text(scenario("30%"), encoding="utf-8")
    return cwd, toy.policy(cwd)


def test_a_backtest_tells_every_run_s_months(toy_policy):
    """Two strategies asked (policy and buy-and-hold), and the policy's twin without harvesting
    (no-harvest, run to value what harvesting saved: measures.with_harvest_values; not a result of
    its own): 3 runs of 13 months, 39 in all. Run k's month m (1 to 13) is told as (13 k + m, 39,
    its label), then (39, 39, "") once more at the end; the record is the one made without a
    callback."""
    from engine import api

    cwd, policy = toy_policy
    told: Told = []
    found = api.backtest(None, policy, scenario=cwd / "wild.toml", strategies=["policy", "buy-and-hold"],
                         progress=lambda *a: told.append(a))
    assert [r.run.label for r in found.results] == ["policy", "buy-and-hold"]
    assert len(found.results[0].run.months) == 13
    assert told == [(13 * k + m, 39, label) for k, label in enumerate(["policy", "buy-and-hold", "no-harvest"])
                    for m in range(1, 14)] + [(39, 39, "")]
    alone = api.backtest(None, policy, scenario=cwd / "wild.toml", strategies=["policy", "buy-and-hold"])
    assert [r.measures for r in alone.results] == [r.measures for r in found.results]


def test_monte_carlo_on_one_process_tells_each_path(toy_policy):
    """3 paths on this process: before each path (0, 3, "path 1"), (1, 3, "path 2"), (2, 3, "path 3"),
    then (3, 3, "") at the end."""
    from engine import api

    cwd, policy = toy_policy
    told: Told = []
    api.monte_carlo(policy, cwd / "wild.toml", 3, strategies=["buy-and-hold"], progress=lambda *a: told.append(a))
    assert told == [(0, 3, "path 1"), (1, 3, "path 2"), (2, 3, "path 3"), (3, 3, "")]


@pytest.mark.slow  # a pool of processes
def test_monte_carlo_on_a_pool_tells_the_paths_as_chunks_come_back(toy_policy):
    """7 paths on 2 processes: path 0 here (0 of 7 told first), then paths 1 to 6 in chunks of 1
    (paths_pool.chunks: 6 paths / (2 jobs x 4) rounded up = 1), each told as it comes back: the
    counts rise from 1 to 7, the end is (7, 7, ""), and the record is the one made without a callback."""
    from engine import api
    from engine.reports.backtest_paths import paths_json
    from engine.reports.json import dumps

    cwd, policy = toy_policy
    told: Told = []
    found = api.monte_carlo(policy, cwd / "wild.toml", 7, jobs=2, strategies=["buy-and-hold"],
                            progress=lambda *a: told.append(a))
    assert told[0] == (0, 7, "path 1") and told[-1] == (7, 7, "")
    done = [d for d, _, _ in told]
    assert done == sorted(done) and done[1] == 1 and all(total == 7 for _, total, _ in told)
    assert 3 <= len(told) <= 2 + 6  # path 0's; one before each wait for the 6 chunks (two may come back in one); the end
    alone = api.monte_carlo(policy, cwd / "wild.toml", 7, jobs=2, strategies=["buy-and-hold"])
    assert dumps(paths_json(found)) == dumps(paths_json(alone))
