"""`lotwise backtest` through real processes on the toy history (tests/backtest/toy.py): a book
made by `init` and `import prices.csv`, run to March 2020 (`--to 2020-03`: 2 April 2018 to
31 March 2020, as tests/backtest/test_simulate.py runs it).

By hand (test_simulate.py's test_measures_of_buy_and_hold): buy-and-hold sells nothing, so it
pays no tax; its final value is Rs 3,02,925 (every month's Rs 10,000 split 50/30/20 buys units of
exactly 0.001, valued at the prices of 1 March 2020); selling it all on 31 March 2020 costs STT
Rs 3.02 and tax Rs 136.50 (short-term net Rs 875 at 15% + 4% cess), so after selling all it is
Rs 3,02,925 - 3.02 - 136.50 = Rs 3,02,785.48. It placed 72 orders (24 months x 3 funds) and had
an asset outside its 5% band at 9 month ends.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from engine.backtest.strategies import Strategy
from conftest import lotwise

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # toy.py beside this file
import toy  # noqa: E402


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("backtest")
    return toy.book(cwd)


@pytest.fixture(scope="module")
def api_result(book: Path):
    from engine import api

    with api.open_book(book / "lotwise.db") as opened:
        loaded = api.load_policy(book / "toy.rules")
        assert loaded.policy is not None
        return api.backtest(opened, loaded.policy, last=date(2020, 3, 31))


@pytest.fixture(scope="module")
def table(book: Path) -> str:
    done = lotwise(book, "backtest", "--to", "2020-03")
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


def test_the_first_line_says_what_was_run(table: str):
    assert table.splitlines()[0] == ("Backtest 2018-04-02 to 2020-03-31 on the book's prices, Rs 10,000 a month "
                                     "(asha Rs 10,000)")


def test_buy_and_hold_row_is_the_hand_derived_one(table: str):
    row = next(line for line in table.splitlines() if line.startswith("buy-and-hold"))
    cells = row.split()
    assert " ".join(cells[1:3]) == "Rs 3,02,925" and " ".join(cells[3:5]) == "Rs 3,02,785.48"
    assert cells[-1] == "9" and "72" in cells and "Rs 0" in row


def test_the_table_shows_the_apis_measures_for_every_strategy(table: str, api_result):
    from engine.literals import format_inr
    from engine.reports.backtest import harvest_cell, rate

    lines = table.splitlines()
    assert [r.run.strategy for r in api_result.results] == list(Strategy)
    for result in api_result.results:
        m = result.measures
        row = next(line for line in lines if line.split()[0] == result.run.strategy.value)
        for shown in (format_inr(m.final_value), format_inr(m.after_selling_all), rate(m.xirr),
                      rate(m.xirr_after_tax), format_inr(m.tax), rate(m.turnover), rate(m.drift_mean),
                      rate(m.drift_max)):
            assert shown in row
        cells = row.rstrip().split("  ")  # the harvest's cell last (right-aligned): blank, or saved / deferred
        last = [c.strip() for c in cells if c.strip()][-2:]
        assert last == ([str(m.months_outside), harvest_cell(m)] if m.harvest else last[:1] + [str(m.months_outside)])
        assert f" {m.orders} " in row
        assert (m.harvest is not None) == (result.run.strategy is Strategy.POLICY)
    assert "Tax paid per FY" in table and "FY 2019-20" in table


def test_json_gives_the_same_numbers(book: Path, api_result):
    done = lotwise(book, "backtest", "--to", "2020-03", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["first"], data["last"], data["prices"], data["money"]) == \
        ("2018-04-02", "2020-03-31", "book", {"asha": "10000"})
    assert [s["strategy"] for s in data["strategies"]] == [s.value for s in Strategy]
    for shown, result in zip(data["strategies"], api_result.results):
        m = result.measures
        assert D(shown["final_value"]) == m.final_value and D(shown["after_selling_all"]) == m.after_selling_all
        assert D(shown["xirr"]) == m.xirr and D(shown["xirr_after_tax"]) == m.xirr_after_tax
        assert D(shown["tax"]) == m.tax and shown["orders"] == m.orders
        assert D(shown["turnover"]) == m.turnover and D(shown["drift_max"]) == m.drift_max
        assert {k: D(v) for k, v in shown["tax_by_fy"].items()} == \
            {f"FY {fy}-{(fy + 1) % 100:02d}": t for fy, t in m.tax_by_fy.items()}
    hold = data["strategies"][2]
    assert (hold["final_value"], hold["after_selling_all"], hold["tax"]) == ("302925.00", "302785.48", "0.00")
    assert (hold["liquidation"]["stt"], hold["liquidation"]["tax"]) == ("3.02", "136.50")


def test_strategies_chosen_run_in_the_order_given(book: Path):
    done = lotwise(book, "backtest", "--to", "2019-03", "--strategy", "band", "buy-and-hold", "--json")
    assert done.returncode == 0, done.stderr
    assert [s["strategy"] for s in json.loads(done.stdout)["strategies"]] == ["band", "buy-and-hold"]


def test_an_unknown_strategy_is_a_usage_error_naming_the_known_ones(book: Path):
    done = lotwise(book, "backtest", "--strategy", "perpetual")
    assert done.returncode == 2 and not done.stdout
    assert "unknown strategy `perpetual`; the strategies are policy, no-harvest, buy-and-hold, calendar, band" \
        in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_scenario_file_is_refused_at_its_line_and_column(book: Path):
    (book / "bad.toml").write_text('start = "2018-04"\nmonths = 24\n\n[assets.Large]\nmean = "10%"\n'
                                   'volatility = "-5%"\n[assets.Mid]\nmean = 0.12\nvolatility = "20%"\n'
                                   '[assets.Small]\nmean = "13%"\nvolatility = "25%"\n', encoding="utf-8")
    done = lotwise(book, "backtest", "--scenario", "bad.toml")
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert "bad.toml:6:1: error[S105]: assets.Large.volatility: -5% is negative" in done.stderr
    assert "bad.toml:8:1: error[S103]" in done.stderr
    as_json = lotwise(book, "backtest", "--scenario", "bad.toml", "--json")
    assert as_json.returncode == 1
    spans = [(d["code"], d["span"]["line"], d["span"]["column"]) for d in json.loads(as_json.stdout)["diagnostics"]]
    assert ("S105", 6, 1) in spans


def test_a_scenario_runs_without_a_book_and_its_seed_is_said(tmp_path: Path):
    """Generated prices need no book: the policy from --policy; the run ends on the last price (13 months from
    April 2018: 1 April 2019); the same seed gives the same table."""
    (tmp_path / "toy.rules").write_text(toy.POLICY, encoding="utf-8")
    (tmp_path / "s.toml").write_text('start = "2018-04"\nmonths = 13\nseed = 7\n'
                                     + "".join(f'[assets.{a}]\nmean = "10%"\nvolatility = "0%"\n'
                                               for a in ("Large", "Mid", "Small")), encoding="utf-8")
    args = ("backtest", "--scenario", "s.toml", "--policy", "toy.rules", "--strategy", "buy-and-hold")
    done = lotwise(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("Backtest 2018-04-02 to 2019-04-01 on prices generated by "
                                                  "s.toml (seed 7), Rs 10,000 a month")
    again = lotwise(tmp_path, *args, "--seed", "7")
    assert again.stdout == done.stdout


def test_no_money_a_month_is_refused_naming_the_option(tmp_path: Path):
    (tmp_path / "nosip.rules").write_text(toy.POLICY.replace(' sip Rs 10,000', ''), encoding="utf-8")
    (tmp_path / "s.toml").write_text('start = "2018-04"\nmonths = 3\n'
                                     + "".join(f'[assets.{a}]\nmean = "10%"\nvolatility = "0%"\n'
                                               for a in ("Large", "Mid", "Small")), encoding="utf-8")
    done = lotwise(tmp_path, "backtest", "--scenario", "s.toml", "--policy", "nosip.rules")
    assert done.returncode == 1 and not done.stdout and "Traceback" not in done.stderr
    assert "give --money ID=AMOUNT,..." in done.stderr
    paid = lotwise(tmp_path, "backtest", "--scenario", "s.toml", "--policy", "nosip.rules", "--money", "asha=9000",
                   "--json")
    assert paid.returncode == 0, paid.stderr
    assert json.loads(paid.stdout)["money"] == {"asha": "9000"}
