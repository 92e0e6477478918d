"""Monte Carlo over a scenario's paths (engine/backtest/monte_carlo.py, paths_pool.py, `lotwise
backtest --paths`): the nearest-rank percentiles derived by hand, the count of paths a strategy
beat the policy on, the same record whatever the number of processes, and the command's
refusals through a real process.

The runs are short: the toy policy (tests/backtest/toy.py: 3 assets, Rs 10,000 a month) on a
13-month scenario from April 2018 (months 2018-04 to 2019-04)."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.monte_carlo import PathResult, gather, percentiles, rank, some_percentiles
from engine.backtest.strategies import Strategy
from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

ASSETS = ("Large", "Mid", "Small")


def scenario(volatility: str, months: int = 13, seed: int = 7) -> str:
    return (f'start = "2018-04"\nmonths = {months}\nseed = {seed}\n'
            + "".join(f'[assets.{a}]\nmean = "10%"\nvolatility = "{volatility}"\n' for a in ASSETS))


def test_the_nearest_rank_is_the_ceiling_of_p_n_over_100():
    """n = 7: p5 -> ceil(0.35) = 1, p25 -> ceil(1.75) = 2, p50 -> ceil(3.5) = 4, p75 -> ceil(5.25) = 6,
    p95 -> ceil(6.65) = 7; n = 20: p25 -> exactly 5 (no rounding up), p95 -> 19; p0 -> rank 1."""
    assert [rank(p, 7) for p in (5, 25, 50, 75, 95)] == [1, 2, 4, 6, 7]
    assert [rank(p, 20) for p in (5, 25, 50, 75, 95)] == [1, 5, 10, 15, 19]
    assert rank(0, 7) == 1 and rank(5, 1) == 1 and rank(95, 1) == 1


def test_percentiles_of_a_hand_made_set():
    """The values sorted: -1, 0, 2, 3.5, 4, 7.25, 10; ranks 1, 2, 4, 6, 7 (above) give
    -1, 0, 3.5, 7.25, 10: values of the set themselves, unrounded."""
    values = [D("3.5"), D("-1"), D("10"), D("2"), D("7.25"), D("0"), D("4")]
    assert percentiles(values).as_tuple() == (D("-1"), D("0"), D("3.5"), D("7.25"), D("10"))
    assert percentiles([D("42.10")]).as_tuple() == (D("42.10"),) * 5
    twenty = [D(v) for v in range(20, 0, -1)]  # 20 down to 1
    assert percentiles(twenty).as_tuple() == (D(1), D(5), D(10), D(15), D(19))


def test_a_measure_missing_on_some_paths_takes_the_others():
    """An XIRR where no rate exists (None) is left out: of 3, 1 and None the percentiles are of 1, 3
    (n = 2: ranks 1, 1, 1, 2, 2); none at all gives None."""
    assert some_percentiles([D(3), None, D(1)]).as_tuple() == (D(1), D(1), D(1), D(3), D(3))
    assert some_percentiles([None, None]) is None


def result(strategy: Strategy, after: str, values: tuple[str, ...] = ("1", "2")) -> PathResult:
    v = D(after)
    return PathResult(strategy, v, v, None, None, D(0), D(0), D(0), tuple(D(x) for x in values))


def test_beating_the_policy_is_strictly_more_after_selling_all():
    """Three paths: band leaves 110 vs 100, 100 vs 100 (a tie is not a win), 90 vs 120: it beat the
    policy on 1 path of 3, a share of 0.3333; the policy itself has no count."""
    paths = [(result(Strategy.POLICY, "100"), result(Strategy.BAND, "110", ("5", "9"))),
             (result(Strategy.POLICY, "100"), result(Strategy.BAND, "100", ("1", "3"))),
             (result(Strategy.POLICY, "120"), result(Strategy.BAND, "90", ("2", "7")))]
    days = (date(2020, 4, 1), date(2020, 5, 4))
    policy, band = gather((Strategy.POLICY, Strategy.BAND), paths, days)
    assert policy.beat_policy is None and band.beat_policy == 1
    assert band.after_selling_all.as_tuple() == (D(90), D(90), D(100), D(110), D(110))
    # the month bands: month 1's values 5, 1, 2 -> sorted 1, 2, 5 (n = 3: ranks 1, 1, 2, 3, 3)
    assert band.bands[0].day == days[0]
    assert band.bands[0].value.as_tuple() == (D(1), D(1), D(2), D(5), D(5))
    assert band.bands[1].value.as_tuple() == (D(3), D(3), D(7), D(9), D(9))
    from engine.backtest.monte_carlo import MonteCarlo

    found = MonteCarlo(days[0], days[1], "s.toml", 7, 3, {"asha": 1}, (policy, band))
    assert found.beat_share(band) == D("0.3333") and found.beat_share(policy) is None


def test_without_the_policy_no_strategy_has_a_count():
    paths = [(result(Strategy.BAND, "1"), result(Strategy.CALENDAR, "2"))]
    assert [s.beat_policy for s in gather((Strategy.BAND, Strategy.CALENDAR), paths, (date(2020, 4, 1),))] == \
        [None, None]


@pytest.fixture(scope="module")
def toy_policy(tmp_path_factory: pytest.TempPathFactory):
    from engine import api

    cwd = tmp_path_factory.mktemp("mc")
    (cwd / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (cwd / "calm.toml").write_text(scenario("0%"), encoding="utf-8")
    (cwd / "wild.toml").write_text(scenario("30%"), encoding="utf-8")
    loaded = api.load_policy(cwd / "toy.rules")
    assert loaded.policy is not None
    return cwd, loaded.policy


def test_paths_without_volatility_are_all_the_scenario_s_one_run(toy_policy):
    """With 0% volatility no draw moves a price, so every path is the file's own prices: each
    percentile of each measure is the single backtest's figure, and no strategy beats the policy
    on any path unless it beats it on that run (then on all 3)."""
    from engine import api

    cwd, policy = toy_policy
    one = api.backtest(None, policy, scenario=cwd / "calm.toml")
    found = api.monte_carlo(policy, cwd / "calm.toml", 3)
    assert (found.first, found.last, found.paths, found.seed) == (one.first, one.last, 3, 7)
    policy_after = one.results[0].measures.after_selling_all
    for mine, single in zip(found.strategies, one.results):
        m = single.measures
        assert mine.strategy is single.run.strategy
        assert mine.final_value.as_tuple() == (m.final_value,) * 5
        assert mine.after_selling_all.as_tuple() == (m.after_selling_all,) * 5
        assert mine.tax.as_tuple() == (m.tax,) * 5 and mine.turnover.as_tuple() == (m.turnover,) * 5
        assert mine.xirr is not None and mine.xirr.as_tuple() == (m.xirr,) * 5
        assert [b.value.p50 for b in mine.bands] == [month.value for month in single.run.months]
        if mine.strategy is not Strategy.POLICY:
            assert mine.beat_policy == (3 if m.after_selling_all > policy_after else 0)


def test_the_same_seed_gives_the_same_record_on_one_process_or_two(toy_policy):
    """Path k is seeded from (seed, k) alone, and the paths come back in order: 1 or 2 processes
    give the same JSON; another seed gives other numbers."""
    from engine import api
    from engine.reports.backtest_paths import paths_json
    from engine.reports.json import dumps

    cwd, policy = toy_policy
    alone = dumps(paths_json(api.monte_carlo(policy, cwd / "wild.toml", 7, jobs=1)))
    pooled = dumps(paths_json(api.monte_carlo(policy, cwd / "wild.toml", 7, jobs=2)))
    assert alone == pooled
    other = dumps(paths_json(api.monte_carlo(policy, cwd / "wild.toml", 7, jobs=1, seed=8)))
    assert other != alone


def test_paths_through_the_command(toy_policy):
    """`--paths 3 --json` on the 13-month scenario: 3 paths, the percentile method named, each
    strategy's 13 month bands (2 April 2018 to 1 April 2019), percentiles in order; the table
    names the paths and the seed."""
    cwd, _ = toy_policy
    args = ("backtest", "--scenario", "wild.toml", "--policy", "toy.rules", "--paths", "3", "--jobs", "2")
    done = lotwise(cwd, *args, "--json")
    assert done.returncode == 0 and not done.stderr, done.stderr
    data = json.loads(done.stdout)
    assert (data["paths"], data["percentiles"], data["seed"], data["first"]) == (3, "nearest-rank", 7, "2018-04-02")
    assert [s["strategy"] for s in data["strategies"]] == [s.value for s in Strategy]
    for s in data["strategies"]:
        assert len(s["months"]) == 13 and s["months"][0]["day"] == "2018-04-02"
        assert s["months"][-1]["day"] == "2019-04-01"
        p = s["after_selling_all"]
        assert D(p["p5"]) <= D(p["p25"]) <= D(p["p50"]) <= D(p["p75"]) <= D(p["p95"])
    assert data["strategies"][0]["beat_policy"] is None and isinstance(data["strategies"][1]["beat_policy"], int)
    table = lotwise(cwd, *args)
    assert table.returncode == 0 and not table.stderr
    assert table.stdout.splitlines()[0].startswith("Backtest 2018-04-02 to 2019-04-01 on 3 paths generated by "
                                                   "wild.toml (seed 7), Rs 10,000 a month")
    assert "Paths on which the strategy left more than the policy after selling all:" in table.stdout


@pytest.mark.parametrize("args, said", [
    (("--paths", "3"), "--paths runs a --scenario's generated paths: give --scenario FILE"),
    (("--scenario", "wild.toml", "--jobs", "2"), "--jobs is the processes of a Monte Carlo run: give --paths N"),
    (("--scenario", "wild.toml", "--paths", "0"), "`0` is not a whole number of at least 1"),
    (("--scenario", "wild.toml", "--paths", "3", "--jobs", "two"), "`two` is not a whole number of at least 1"),
])
def test_refusals_are_usage_errors(toy_policy, args, said):
    cwd, _ = toy_policy
    done = lotwise(cwd, "backtest", "--policy", "toy.rules", *args)
    assert done.returncode == 2 and not done.stdout and "Traceback" not in done.stderr
    assert said in done.stderr


def test_a_bad_scenario_is_refused_at_its_line_with_paths(toy_policy):
    cwd, _ = toy_policy
    (cwd / "bad.toml").write_text(scenario("-5%"), encoding="utf-8")
    done = lotwise(cwd, "backtest", "--policy", "toy.rules", "--scenario", "bad.toml", "--paths", "2")
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert "bad.toml:6:1: error[S105]" in done.stderr
