"""A user's own policy files beside the built-in strategies (Options.policies, `--compare FILE`),
on the toy history (tests/backtest/toy.py), 2 April 2018 to 31 March 2020.

By hand. `same` is the toy policy under another name: run as `policy` is, on the same prices and
money, it places the same orders and pays the same tax, to the paisa. `heavy` moves 10% of the
targets from Mid to Large (60/20/20): its first month's Rs 10,000 (nothing held; the buying rule
gives each asset its shortfall to target) is Rs 6,000 / 2,000 / 2,000, at 100 / 50 / 20 that is
60 LARGE, 40 MID and 100 SMALL units; through year 1 the prices move together, so it stays at its
own targets (no month outside its bands before April 2019), while its drift is measured against
its own targets, not the toy's.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.refusal import BacktestRefused
from engine.backtest.run import Run
from engine.backtest.simulate import simulate
from engine.backtest.strategies import Options, Strategy
from engine.vocabulary import Side
from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402

LAST = date(2020, 3, 31)
HEAVY = toy.POLICY.replace('"Large" 50%', '"Large" 60%').replace('"Mid" 30%', '"Mid" 20%')


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("compare")
    return {name: toy.policy(tmp, name=name, text=text) for name, text in (("toy", toy.POLICY), ("heavy", HEAVY))}


@pytest.fixture(scope="module")
def runs(policies) -> dict[str, Run]:
    options = Options(last=LAST, strategies=(Strategy.POLICY, Strategy.BUY_AND_HOLD),
                      policies=(("same", policies["toy"]), ("heavy", policies["heavy"])))
    return {run.label: run for run in simulate(policies["toy"], toy.prices(), options)}


def test_compared_policies_run_after_the_strategies_with_their_labels(runs):
    assert list(runs) == ["policy", "buy-and-hold", "same", "heavy"]
    assert runs["same"].strategy is Strategy.POLICY and runs["heavy"].strategy is Strategy.POLICY


def test_the_policy_compared_with_itself_runs_as_the_policy_does(runs):
    same, policy = runs["same"], runs["policy"]
    assert same.orders == policy.orders and same.transactions == policy.transactions
    assert same.taxes == policy.taxes and same.cash == policy.cash and same.months == policy.months


def test_a_compared_policy_buys_by_its_own_targets_and_is_measured_by_them(runs):
    heavy = runs["heavy"]
    first = [(o.security, o.units) for o in heavy.orders if o.day == date(2018, 4, 2) and o.side is Side.BUY]
    assert first == [("LARGE", D("60.000")), ("MID", D("40.000")), ("SMALL", D("100.000"))]
    assert all(not m.outside and m.drift == 0 for m in heavy.months[:12])
    assert heavy.invested == D(240000)


def test_a_compared_policy_of_other_investors_or_unpriced_funds_is_refused(tmp_path: Path, policies):
    ravi = toy.policy(tmp_path, name="ravi", text=toy.POLICY.replace('investor asha "Asha"', 'investor ravi "Ravi"'))
    with pytest.raises(BacktestRefused) as refused:
        simulate(policies["toy"], toy.prices(), Options(last=LAST, strategies=(), policies=(("ravi", ravi),)))
    assert refused.value.code == "C116" and "`ravi` declares the investors ravi" in str(refused.value)
    other = toy.policy(tmp_path, name="other",
                       text=toy.POLICY.replace('fund SMALL "Small fund"', 'fund OTHER "Other fund"'))
    with pytest.raises(BacktestRefused) as refused:
        simulate(policies["toy"], toy.prices(), Options(last=LAST, strategies=(), policies=(("other", other),)))
    assert refused.value.code == "C117" and "Small (its fund OTHER) has no price on or before 2018-04-02" in \
        str(refused.value)


@pytest.mark.slow
def test_the_command_compares_policy_files(tmp_path: Path):
    """`--compare heavy.rules`: the built-in rows are as without it, byte for byte, and a row
    `heavy` follows; a policy file with an error is refused as `lotwise check` refuses it
    (file:line:col, exit 1); two files of one stem, or a stem that is a strategy's name, are a
    usage error (exit 2)."""
    (tmp_path / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (tmp_path / "heavy.rules").write_text(HEAVY, encoding="utf-8")
    (tmp_path / "bad.rules").write_text(toy.POLICY.replace('"Mid" 30%', '"Mid" 30'), encoding="utf-8")
    (tmp_path / "prices.csv").write_text(toy.prices_csv(), encoding="utf-8")
    assert lotwise(tmp_path, "init", "--policy", "toy.rules").returncode == 0
    assert lotwise(tmp_path, "import", "prices.csv").returncode == 0
    plain = lotwise(tmp_path, "backtest", "--to", "2020-03", "--strategy", "policy", "band")
    both = lotwise(tmp_path, "backtest", "--to", "2020-03", "--strategy", "policy", "band", "--compare", "heavy.rules")
    assert both.returncode == 0 and not both.stderr, both.stderr
    rows = plain.stdout.splitlines()
    assert both.stdout.splitlines()[:5] == rows[:5] and both.stdout.splitlines()[5].startswith("heavy ")
    bad = lotwise(tmp_path, "backtest", "--compare", "bad.rules")
    check = lotwise(tmp_path, "check", "bad.rules")
    assert bad.returncode == check.returncode == 1 and "bad.rules:5:" in bad.stderr
    assert bad.stderr.splitlines()[0] == next(line for line in check.stderr.splitlines() if line.startswith("bad.rules"))
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "heavy.rules").write_text(HEAVY, encoding="utf-8")
    (tmp_path / "band.rules").write_text(HEAVY, encoding="utf-8")
    (tmp_path / "heavy (no harvest).rules").write_text(HEAVY, encoding="utf-8")  # heavy's twin's label
    for files in (["heavy.rules", "x/heavy.rules"], ["band.rules"], ["heavy.rules", "heavy (no harvest).rules"]):
        twice = lotwise(tmp_path, "backtest", *[a for f in files for a in ("--compare", f)])
        assert twice.returncode == 2 and "each compared policy is named by its file's stem" in twice.stderr


def test_a_label_may_not_be_another_s_twin_s():
    """`mine (no harvest)` beside `mine` would be taken for mine's twin without harvesting, and mine's
    harvest measured against another policy: refused (C118), as a strategy's name or a repeat is."""
    from engine.backtesting import label_clash

    assert label_clash(["mine", "theirs"]) is None
    assert label_clash(["mine", "mine (no harvest)"]) == "mine (no harvest)"
    assert label_clash(["mine (no harvest)", "mine"]) == "mine (no harvest)"
    assert label_clash(["calendar"]) == "calendar" and label_clash(["a", "a"]) == "a"
