"""Generated price scenarios (issue 15 item 4; engine/backtest/scenario.py, scenario_file.py): the
model's numbers derived by hand, its reproducibility, its statistics, and every error of a
scenario file with its place."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.scenario import (AssetModel, Regime, Scenario, cholesky, path, paths, prices,
                                      securities_of)
from engine.backtest.scenario_file import load_scenario, read_scenario
from engine.backtest.toml_places import place
from engine.diagnostics import render_all
from engine.policy import check_file

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "scenarios" / "sideways-crash.toml"


def navs(found, security):
    return [p.price for p in found if p.security == security]


def flat(mean="12%", months=13, volatility="0%", more=""):
    text = f'start = "2008-01"\nmonths = {months}\n[assets.A]\nmean = "{mean}"\nvolatility = "{volatility}"\n{more}'
    scenario, diagnostics = read_scenario(text, "s.toml")
    assert not diagnostics, render_all(diagnostics, {"s.toml": text})
    return scenario


# ------------------------------------------------------------------------------------ by hand
def test_zero_volatility_grows_by_the_stated_mean_exactly():
    """12% a year, no volatility: the monthly factor is exp(ln(1.12)/12) = 1.12^(1/12) =
    1.0094887929..., so month k is 100 x 1.12^(k/12): month 1 100.9489, month 6 100 x sqrt(1.12)
    = 105.8301, month 12 112.0000 (the float path rounds to these at 4 places, half-even)."""
    found = navs(prices(flat()), "A")
    assert found[0] == D("100.0000")
    assert found[1] == D("100.9489")
    assert found[6] == D("105.8301")
    assert found[12] == D("112.0000")
    by_decimal = [(100 * D("1.12") ** (D(k) / 12)).quantize(D("0.0001")) for k in range(13)]
    assert found == by_decimal


def test_a_crash_of_35_percent_over_6_months_takes_100_to_65():
    """No growth, no volatility, `change = "-35%"` over 6 months from 2008-01: each step is
    0.65^(1/6) = exp(ln(0.65)/6) = exp(-0.0717970) = 0.9307199..., so 2008-02 is 93.0720 (check:
    0.93072^6 = 0.64999), 2008-07 is 65.0000 and it stays there."""
    scenario = flat(mean="0%", months=9, more='[[regimes]]\nassets = ["A"]\nstart = "2008-01"\nmonths = 6\nchange = "-35%"\n')
    found = navs(prices(scenario), "A")
    assert found[0] == D("100.0000")
    assert found[1] == D("93.0720")
    assert found[6:] == [D("65.0000")] * 3
    assert found[:7] == [(100 * D("0.65") ** (D(k) / 6)).quantize(D("0.0001")) for k in range(7)]


def test_a_bull_run_after_growth_and_a_regime_without_volatility():
    """12% a year to 2008-07 (100 x 1.12^(6/12) = 105.8301), then a bull run of +60% over 18
    months with `volatility = "0%"` on an asset of 30% volatility... but the asset's own months
    are random, so the asset here has none: 105.8301... x 1.6 = 169.3281 (from the unrounded
    100 x sqrt(1.12) = 105.83005244, x 1.6 = 169.32808391), then 12% a year again: 6 months
    later x sqrt(1.12) = 179.2000 (100 x 1.12 x 1.6 = 179.2 exactly)."""
    scenario = flat(months=31, more='[[regimes]]\nassets = ["A"]\nstart = "2008-07"\nmonths = 18\nchange = "+60%"\n'
                                    'volatility = "0%"\nname = "bull"\n')
    found = navs(prices(scenario), "A")
    assert (found[6], found[24], found[30]) == (D("105.8301"), D("169.3281"), D("179.2000"))


def test_a_regime_without_volatility_is_exact_in_a_volatile_asset():
    """An asset of 30% volatility crashes by exactly 35% (to the rounding of the two NAVs) over a
    regime that says `volatility = "0%"`, whatever the seed."""
    scenario = flat(volatility="30%", months=20,
                    more='[[regimes]]\nassets = ["A"]\nstart = "2008-05"\nmonths = 6\nchange = "-35%"\nvolatility = "0%"\n')
    for seed in range(5):
        found = navs(prices(scenario, seed=seed), "A")
        assert abs(found[10] - found[4] * D("0.65")) <= D("0.0001")
        assert found[3] != found[4] != found[11]  # the asset's own months move


def test_prices_fall_on_the_stated_day_moved_to_the_next_weekday():
    """day = 1: 2006-04-01 was a Saturday (-> Monday 3rd), 2006-05-01 a Monday, 2006-07-01 a
    Saturday (-> 3rd); day = 10: 2006-06-10 a Saturday -> 12th."""
    text = 'start = "2006-04"\nmonths = 4\n[assets.A]\nmean = "5%"\nvolatility = "10%"\n'
    scenario, _ = read_scenario(text, "s.toml")
    assert [p.date for p in prices(scenario)] == [date(2006, 4, 3), date(2006, 5, 1), date(2006, 6, 1), date(2006, 7, 3)]
    scenario, _ = read_scenario("day = 10\n" + text, "s.toml")
    assert [p.date for p in prices(scenario)] == [date(2006, 4, 10), date(2006, 5, 10), date(2006, 6, 12), date(2006, 7, 10)]


def test_cholesky_by_hand():
    """[[1, .6], [.6, 1]] = L L^T with L = [[1, 0], [.6, .8]] (0.8 = sqrt(1 - .36))."""
    lower = cholesky([[1.0, 0.6], [0.6, 1.0]])
    assert lower is not None and lower[1][0] == pytest.approx(0.6) and lower[1][1] == pytest.approx(0.8)
    assert cholesky([[1.0, 1.0], [1.0, 1.0]]) is None  # perfectly correlated: semi-definite only


# ------------------------------------------------------------------------------ reproducible
def dump(found):
    return "".join(f"{p.date},{p.security},{p.price}\n" for p in found).encode()


def example():
    policy = check_file(REPO / "examples" / "family" / "family.rules").policy
    securities = securities_of(policy.portfolio)
    scenario, diagnostics, text = load_scenario(str(EXAMPLE), securities)
    assert not diagnostics, render_all(diagnostics, {str(EXAMPLE): text})
    return scenario, securities


def test_the_same_seed_gives_byte_identical_prices_and_another_seed_others():
    scenario, securities = example()
    first = dump(prices(scenario, securities))
    assert dump(prices(scenario, securities)) == first
    assert dump(prices(scenario, securities, seed=scenario.seed)) == first
    assert dump(prices(scenario, securities, seed=scenario.seed + 1)) != first
    many = [dump(p) for p in paths(scenario, 3, securities=securities)]
    assert len(set(many + [first])) == 4
    assert many[2] == dump(path(scenario, 2, securities=securities))  # a worker makes path k alone
    assert many == [dump(p) for p in paths(scenario, 3, seed=scenario.seed, securities=securities)]


@pytest.mark.slow
def test_the_prices_do_not_depend_on_the_process():
    """Byte-identical in fresh processes with different string hashing (no hash() in the seeds)."""
    code = textwrap.dedent(f"""
        import hashlib, sys
        sys.path.insert(0, {str(REPO / 'tests' / 'backtest')!r})
        from test_scenario import dump, example
        from engine.backtest.scenario import prices, path
        scenario, securities = example()
        data = dump(prices(scenario, securities)) + dump(path(scenario, 7, 3, securities))
        print(hashlib.sha256(data).hexdigest())
    """)
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                              env={**os.environ, "PYTHONHASHSEED": str(n), "PYTHONPATH": str(REPO)}).stdout
               for n in (1, 2)}
    assert len(digests) == 1


def test_the_example_gives_every_fund_of_the_family_a_path():
    """240 months x 5 funds; the first on 2006-04-10 (a Monday), the last on 2026-03-10; each
    fund starts at 100 but the legacy one, which says 250; the legacy fund follows the Nifty 50
    with its own noise, the index fund exactly."""
    scenario, securities = example()
    found = prices(scenario, securities)
    assert len(found) == 1200 and found[0].date == date(2006, 4, 10) and found[-1].date == date(2026, 3, 10)
    assert [p.price for p in found[:5]] == [D(100)] * 4 + [D(250)]
    assert navs(found, "INF179K01BE2") != [n * D("2.5") for n in navs(found, "INF789F01XA0")]


def test_a_fund_added_changes_no_other_path_and_without_tracking_follows_its_asset():
    """The asset has 3% tracking noise for its funds; Y and V say 0%: they are the asset's path
    itself, from 50 and from 100, so V is twice Y to the rounding of the two (0.0001 + 2 x 0.00005)."""
    scenario = flat(volatility="20%", months=24,
                    more='tracking = "3%"\n[funds.Y]\ntracking = "0%"\nstart_nav = 50\n[funds.V]\ntracking = "0%"\n')
    one = prices(scenario, {"X": "A"})
    many = prices(scenario, {"X": "A", "Y": "A", "Z": "A", "V": "A"})
    assert navs(one, "X") == navs(many, "X") != navs(many, "Z")
    assert navs(many, "Y")[0] == D(50) and navs(many, "V")[0] == D(100)
    assert all(abs(v - 2 * y) <= D("0.0002") for v, y in zip(navs(many, "V"), navs(many, "Y")))
    assert navs(many, "X") != navs(many, "V")


# ------------------------------------------------------------------------------- statistics
def test_a_long_path_has_the_stated_mean_volatility_and_correlations():
    """12,000 months (N = 11,999 returns) of three assets. Monthly log returns r have mean ln(1 + m)/12 - s^2/2 and
    standard deviation s = v/sqrt(12); the pairs have the stated correlations. Tolerance: 4
    standard errors of each estimate (s/sqrt(N) for a mean, s/sqrt(2N) for a standard deviation,
    (1 - rho^2)/sqrt(N) for a correlation; 4 of them are passed by chance once in ~16,000), plus
    the NAVs' 4 places (at most 0.00005 / NAV in a log return: NAVs stay above 10 here, so < 1e-5
    per month, 1e-9 in the mean after the telescoping sum). The seed is fixed: the test does not
    flicker; the tolerance says the model, not luck, makes it pass."""
    text = textwrap.dedent("""
        start = "2000-01"
        months = 12000
        seed = 15
        [assets.A]
        mean = "10%"
        volatility = "15%"
        [assets.B]
        mean = "12%"
        volatility = "25%"
        [assets.C]
        mean = "2%"
        volatility = "5%"
        [correlations]
        assets = ["A", "B", "C"]
        matrix = [[1, 0.8, -0.3], [0.8, 1, 0.2], [-0.3, 0.2, 1]]
    """)
    scenario, diagnostics = read_scenario(text, "s.toml")
    assert not diagnostics
    found = prices(scenario)
    returns = {}
    for name in "ABC":
        levels = navs(found, name)
        returns[name] = [math.log(levels[t + 1] / levels[t]) for t in range(len(levels) - 1)]
    n = len(returns["A"])
    spec = {"A": (0.10, 0.15), "B": (0.12, 0.25), "C": (0.02, 0.05)}
    for name, (m, v) in spec.items():
        r = returns[name]
        mean = sum(r) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in r) / (n - 1))
        s = v / math.sqrt(12)
        assert abs(mean - (math.log1p(m) / 12 - s * s / 2)) < 4 * s / math.sqrt(n), name
        assert abs(sd - s) < 4 * s / math.sqrt(2 * n), name
    for (a, b), rho in {("A", "B"): 0.8, ("A", "C"): -0.3, ("B", "C"): 0.2}.items():
        assert abs(correlation(returns[a], returns[b]) - rho) < 4 * (1 - rho * rho) / math.sqrt(n), (a, b)


def correlation(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    cov = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y))


def test_the_expected_yearly_growth_is_the_mean():
    """1,000 paths of one year at 10% and 20% volatility: the mean of the final NAVs is 110 within
    4 standard errors (the yearly factor's sd is 1.1 x sqrt(exp(0.04) - 1) = 0.2222, so 22.22 on a
    NAV of 100, / sqrt(1000) = 0.70); the median is lower, 100 x exp(ln 1.1 - 0.02) = 107.82."""
    scenario = flat(mean="10%", volatility="20%")
    finals = sorted(float(navs(p, "A")[12]) for p in paths(scenario, 1000, seed=1))
    assert abs(sum(finals) / 1000 - 110) < 4 * 0.70
    assert abs((finals[499] + finals[500]) / 2 - 107.82) < 2.5


# --------------------------------------------------------------------------------- errors
GOOD = textwrap.dedent("""\
    start = "2008-01"
    months = 24
    [assets."Nifty 50"]
    mean = "12%"
    volatility = "18%"
    [assets.Gold]
    mean = "8%"
    volatility = "15%"
""")


def errors(text, securities=None):
    scenario, diagnostics = read_scenario(text, "s.toml", securities)
    assert scenario is None
    return [(d.code, d.span.line if d.span else None, d.span.column if d.span else None, d.message, d.hint)
            for d in diagnostics]


def test_a_toml_syntax_error_has_its_line_and_column():
    [(code, line, column, message, hint)] = errors(GOOD + 'mean = "12%\n')
    assert (code, line, column) == ("S101", 9, 12)  # the line's end: `mean = "12%` is 11 characters
    assert message.startswith("not a TOML file: ") and "docs/backtest.md" in hint
    rendered = render_all(read_scenario(GOOD + 'mean = "12%\n', "s.toml")[1], {"s.toml": GOOD + 'mean = "12%\n'})
    assert rendered.startswith("s.toml:9:12: error[S101]: not a TOML file: the line ends inside a string (a closing quote missing?)")


@pytest.mark.parametrize("change, code, line, column, words", [
    (('volatility = "18%"', 'volatility = "-18%"'), "S105", 5, 1, 'assets."Nifty 50".volatility: -18% is negative'),
    (('mean = "12%"', "mean = 0.12"), "S103", 4, 1, 'assets."Nifty 50".mean: expected a percentage, found 0.12'),
    (('mean = "12%"', 'mean = "-100%"'), "S105", 4, 1, "out of range"),
    (('mean = "12%"', 'mean = "12%"\nmaen = "12%"'), "S104", 5, 1, 'assets."Nifty 50".maen: unknown key'),
    (('months = 24', 'months = 0'), "S105", 2, 1, "months: 0 is out of range"),
    (('start = "2008-01"', 'start = 2008-01-01'), "S103", 1, 1, "start: expected a month, found a date"),
    (('months = 24\n', ''), "S102", None, None, "months: missing"),
    (('mean = "8%"\n', ''), "S102", 6, 1, "assets.Gold.mean: missing"),
])
def test_each_error_of_a_value_says_its_key_and_place(change, code, line, column, words):
    [(found, at, col, message, hint)] = errors(GOOD.replace(*change, 1))
    assert (found, at, col) == (code, line, column) and words in message and hint


def test_the_hints_suggest_the_fix():
    assert errors(GOOD.replace("mean = \"12%\"", "mean = 0.12"))[0][4] == 'write a percentage in quotes, e.g. "12%"'
    assert errors(GOOD.replace('volatility = "18%"', 'volatilty = "18%"'))[0][4] == "did you mean `volatility`?"


CORRELATED = GOOD + '[correlations]\nassets = ["Nifty 50", "Gold"]\nmatrix = [\n    [1, 0.2],\n    [0.2, 1],\n]\n'


@pytest.mark.parametrize("change, code, line, words, hint", [
    (("[0.2, 1]", "[0.3, 1]"), "S107", 11, "correlations.matrix[1][0]: not symmetric: row 2 column 1 is 0.3, "
     "row 1 column 2 is 0.2", 'the correlation of "Nifty 50" and "Gold" is one number'),
    (("0.2", "1"), "S108", 11, "not positive definite", "lower the largest correlations"),
    (('"Gold"]', '"Glod"]'), "S106", 10, 'correlations.assets[1]: unknown asset "Glod"', 'did you mean "Gold"?'),
    (("[1, 0.2],", "[1, 0.2, 0],"), "S113", 11, "expected 2 rows of 2 numbers", "row i, column j"),
    (("[1, 0.2],", "[0.9, 0.2],"), "S105", 11, "row 1 column 1 is 0.9", "an asset moves with itself"),
    (("[1, 0.2],", "[1, 1.2],"), "S105", 11, "row 1 column 2 is 1.2", "from -1 to 1"),
])
def test_each_error_of_the_correlations(change, code, line, words, hint):
    text = CORRELATED.replace(*change)
    [(found, at, _, message, said)] = errors(text)
    assert (found, at) == (code, line) and words in message and hint in said


REGIME = '[[regimes]]\nname = "crash"\nassets = ["Nifty 50"]\nstart = "2008-06"\nmonths = 6\nchange = "-35%"\n'


def test_a_regime_outside_the_span_or_overlapping_another():
    """The scenario's months are 2008-01 to 2009-12 (24); a regime's last price month is its start
    plus its months: 2009-06 + 6 = 2009-12 fits, 2009-07 + 6 = 2010-01 does not."""
    assert read_scenario(GOOD + REGIME.replace("2008-06", "2009-06"), "s.toml")[1] == []
    [(code, line, column, message, hint)] = errors(GOOD + REGIME.replace("2008-06", "2009-07"))
    assert (code, line, column) == ("S109", 12, 1)
    assert message == "regimes[0].start: the regime runs from 2009-07 to 2010-01, outside the scenario's 2008-01 to 2009-12"
    assert hint == "start it earlier or make it shorter: its last price month is at most the scenario's last"
    assert [e[0::4] for e in errors(GOOD + REGIME.replace("2008-06", "2007-12"))] == [("S109", "start it at 2008-01 or later")]
    [(code, line, _, message, _)] = errors(GOOD + REGIME + REGIME.replace("2008-06", "2008-11"))
    assert (code, line) == ("S110", 18) and message == 'regimes[1].start: overlaps regimes[0] for "Nifty 50" (2008-06, 6 months)'
    assert read_scenario(GOOD + REGIME + REGIME.replace("2008-06", "2008-12"), "s.toml")[1] == []  # back to back
    [(code, line, _, message, hint)] = errors(GOOD + REGIME.replace('["Nifty 50"]', '["Nifty50"]'))
    assert (code, line, message, hint) == ("S106", 11, 'regimes[0].assets[0]: unknown asset "Nifty50"', 'did you mean "Nifty 50"?')
    [(code, line, _, message, _)] = errors(GOOD + REGIME.replace('change = "-35%"\n', ""))
    assert (code, line, message) == ("S102", 9, "regimes[0].change: missing")


def test_the_scenario_against_the_policys_funds():
    securities = {"UTI": "Nifty 50", "GOLDBEES": "Gold", "MID": "Midcap 150"}
    [(code, line, _, message, hint)] = errors(GOOD, securities)
    assert (code, line) == ("S111", 3) and message == 'assets: no path for the policy\'s asset "Midcap 150" (its fund MID)'
    assert hint == 'add [assets."Midcap 150"] with its mean and volatility'
    [(code, line, _, message, hint)] = errors(GOOD + "[funds.UIT]\nstart_nav = 10\n", {"UTI": "Nifty 50"})
    assert (code, line, message, hint) == ("S112", 9, "funds.UIT: not a fund of the policy", "did you mean UTI?")
    assert errors(GOOD + "[funds.UTI]\nstart_nav = 0\n", {"UTI": "Nifty 50"})[0][:3] == ("S105", 10, 1)


def test_every_error_of_a_file_is_reported_at_once_and_none_follows_from_another():
    """A bad asset is still declared: the regime naming it and the fund holding it are not errors."""
    text = GOOD.replace('volatility = "18%"', 'volatility = "-1%"').replace("months = 24", "months = 24.5") + REGIME
    assert [e[:2] for e in errors(text, {"UTI": "Nifty 50"})] == [("S103", 2), ("S105", 5)]


def test_places_of_keys():
    text = 'a = 1\n[x."y z"]\nk = [\n  [1],\n]\n[[r]]\nk = 2\n[[r]]\n  k = 3\n'
    assert str(place(text, "f", ("a",))) == "f:1:1"
    assert str(place(text, "f", ("x", "y z", "k", 0, 0))) == "f:3:1"
    assert str(place(text, "f", ("x", "y z", "missing"))) == "f:2:1"
    assert str(place(text, "f", ("r", 1, "k"))) == "f:9:3"
    assert place(text, "f", ("nothing",)) is None


def test_a_scenario_made_in_code():
    """The records are usable without a file: one asset, no noise, 3 months at 0%."""
    scenario = Scenario(start=date(2024, 1, 1), months=3, assets=(AssetModel("A", D(0), D(0)),),
                        regimes=(Regime(("A",), date(2024, 1, 1), 1, D("0.1")),))
    assert navs(prices(scenario), "A") == [D("100.0000"), D("110.0000"), D("110.0000")]
