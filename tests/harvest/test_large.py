"""Large books (issue 14, item 6): the reach bound, the time limit and its gap, progress.

The tighter reach (engine/harvest/reach.py `reach_of`: each other queue adds only the most net
loss a sale from its front can add) must give the same plans as the bound it replaced (every loss lot
of every queue counted as room for each queue) on the referee's instances; the exhaustive referee
(test_optimizer_referee.py) checks the new bound against every FIFO-legal plan too.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import pytest

from engine.harvest import reach as rc
from engine.harvest.program import TIME_LIMIT, Program, Solved
from engine.vocabulary import Term

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "harvest"), str(ROOT / "bench")]


def _old_reach(queues, baseline):
    """The bound until issue 14: every loss lot in reach of any queue counted as room for every queue."""
    in_reach = sum(-float(h.gain) for q in queues for h in q.holdings[:q.eligible] if h.gain < 0)
    long_gains = sum((g for b, g in baseline.base_gain.items() if b[0] == Term.LONG), Fraction(0))
    room = max(0.0, float(baseline.allowance) + float(sum(baseline.base_loss.values(), Fraction(0)))
               - float(long_gains)) + in_reach + 1.0
    return {q.key: rc.reach_in(q, room, lambda h: float(h.gain)) for q in queues}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plain", "rich"])
def test_tighter_reach_gives_the_plans_of_the_old_bound_on_the_referee_instances(tmp_path, monkeypatch, kind):
    """120 instances of each of the referee's kinds: the same units in every queue (and so the same
    plan) with the new reach as with the old one, which the referee proved exact."""
    import test_optimizer_referee as referee

    from engine.harvest.optimizer import plan_year_end

    make = referee._instance if kind == "plain" else referee._rich_instance
    new = rc.reach_of
    for seed in random.Random(14).sample(range(10_000), 120):
        policy, holdings, position = make(tmp_path, seed)[:3]
        as_of = referee.AS_OF
        plans = {}
        for name, reach in (("new", new), ("old", _old_reach)):
            monkeypatch.setattr(rc, "reach_of", reach)
            plans[name] = [(ip.investor, ip.units, ip.outcome.tax_value)
                           for ip in plan_year_end(policy, holdings, position, as_of).investors]
        assert plans["new"] == plans["old"], seed


def test_net_loss_room_is_the_deepest_point_of_losses_less_long_term_gains():
    """A queue of (long-term gain 100, loss -300, long-term gain 150, loss -50): sold to its second
    lot it realises 300 - 100 = 200 of net loss, to its fourth 350 - 250 = 100: the room it can add
    to other queues is 200 (until issue 14 all its losses counted: 350)."""
    from types import SimpleNamespace

    def lot(gain):
        return SimpleNamespace(gain=D(gain), value=D(1000), exit_load=D(0), rate=None,
                               term=Term.LONG)

    q = SimpleNamespace(holdings=tuple(lot(g) for g in ("100", "-300", "150", "-50")), eligible=4)
    assert rc.net_loss_room(q) == 200.0
    q_short = SimpleNamespace(holdings=(SimpleNamespace(gain=D(100), value=D(1000), exit_load=D(0), rate=None,
                                                        term=Term.SHORT), lot("-300")), eligible=2)
    assert rc.net_loss_room(q_short) == 300.0  # a short-term gain needs no room for long-term gains: generous


def test_the_time_limit_defaults_agree():
    from engine import api
    from engine.cli import harvest
    import inspect

    assert harvest.TIME_LIMIT == TIME_LIMIT == inspect.signature(api.plan_year_end).parameters["time_limit"].default


def _book(tmp_path: Path, lots: int = 6000) -> Path:
    import harvest_large

    book, _ = harvest_large.build(tmp_path, "b", 5, lots)
    return book


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *argv], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)


@pytest.fixture(scope="module")
def large_book(tmp_path_factory) -> Path:
    return _book(tmp_path_factory.mktemp("large"))


def test_a_time_limit_with_no_plan_found_fails_loudly(large_book):
    """A microsecond is not enough to find any plan of 1,200 lots: exit 1 and H102, never "nothing to harvest"."""
    done = _run("plan", "year-end", "--book", str(large_book), "--as-of", "2026-03-20", "--no-save",
                "--time-limit", "0.000001")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("lotwise: inv0: the optimizer found no plan within the time limit of 1e-06 s")
    assert "nothing to harvest" not in done.stderr
    failed = _run("plan", "year-end", "--book", str(large_book), "--as-of", "2026-03-20", "--no-save",
                  "--time-limit", "0.000001", "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["diagnostics"][0]["code"] == "H102"


def test_a_bad_time_limit_is_a_usage_error(large_book):
    done = _run("plan", "year-end", "--book", str(large_book), "--as-of", "2026-03-20", "--time-limit", "0")
    assert done.returncode == 2
    assert "`0`: a number of seconds above zero" in done.stderr


def test_a_time_limit_that_binds_with_a_plan_reports_its_gap(large_book, monkeypatch):
    """The solver stopped at its limit holding the zero plan, its bound Rs 12.34 above: the plan
    says the gap (JSON `gap`, the text's line, warning H101), gets an id of its own, and is not
    "nothing to harvest"."""
    from datetime import date

    from engine import api
    from engine.reports.year_end import plan_text

    def stopped(self: Program, log: bool = False, time_limit: float | None = None) -> Solved:
        return Solved([0.0] * len(self.cost), False, 12.334, "Time limit reached")

    with api.open_book(large_book, access=api.Access.OWN) as book:
        policy = api.load_policy(large_book.parent / "bench.rules").policy
        exact = api.plan_year_end(book, policy, date(2026, 3, 20), save=False)
        monkeypatch.setattr(Program, "solve", stopped)
        # programs over STAGED_ABOVE columns: the first of the two solves stopped (solve_staged gives its plan)
        monkeypatch.setattr(Program, "solve_staged", lambda self, first, log=False, time_limit=None:
                            stopped(self, log, time_limit))
        made = api.plan_year_end(book, policy, date(2026, 3, 20), save=False, time_limit=2.5)
    assert [i.get("gap") for i in made.data["investors"]] == ["12.34"] * 5  # rounded up to the paisa
    assert "gap" not in exact.data["investors"][0]
    assert made.plan_id != exact.plan_id and made.options["time_limit"] == 2.5
    assert [d.code for d in made.problems if d.code == "H101"] == ["H101"] * 5
    assert made.problems[-1].message == ("inv4: the optimizer's time limit of 2.5 s bound: the plan is proven within "
                                         "Rs 12.34 of the best, not within Re 1")
    text = plan_text(made.data)
    assert "not proven the best: the optimizer's time limit bound; no plan is worth more than Rs 12.34 above" in text
    assert "nothing to harvest" not in text


def test_progress_is_drawn_only_on_a_terminal(large_book, monkeypatch):
    """The plain line (NO_COLOR: no escape code; rich's coloured line: tests/cli/test_terminal.py)."""
    from engine.cli.progress import terminal_progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal_progress(stream=io.StringIO()) is None
    out = Tty()
    ticks = iter([0.0, 3.2, 7.9])
    show = terminal_progress(stream=out, clock=lambda: next(ticks))
    assert show is not None
    show(0, 2, "asha")
    show(2, 2, "")
    line = "planning asha (1 of 2 investors, 3 s)"
    assert out.getvalue() == f"\r{line}\r{' ' * len(line)}\r"
    done = _run("plan", "year-end", "--book", str(large_book), "--as-of", "2026-03-20", "--no-save")
    assert done.returncode == 0 and "planning" not in done.stderr  # not a terminal: nothing new on stderr


@pytest.mark.slow
def test_bench_quick_smoke():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "harvest_large.py"), "--quick", "--cases", "a5,b20"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "a5: 6,000 lots" in done.stdout and "b20: 4,800 lots" in done.stdout
