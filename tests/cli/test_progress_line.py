"""The progress line itself (engine/cli/progress.py), drawn on a stream that says it is a terminal,
with a clock the test moves: what is written, byte for byte, in the plain form (NO_COLOR); the
coloured form is checked through a real pseudo-terminal in test_terminal.py."""

from __future__ import annotations

import io

import pytest

from engine.cli.progress import counting, finish, terminal_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    return Terminal(), Clock()


def test_no_terminal_no_callback():
    assert terminal_progress(stream=io.StringIO()) is None


def test_counting_names_the_unit_under_way_or_the_count_so_far():
    """Known total: the unit under way (done + 1) of the total; unknown (0): the count so far."""
    assert counting(3, 5, "investor") == "4 of 5 investors"
    assert counting(0, 1, "investor") == "1 of 1 investor"
    assert counting(12000, 0, "row") == "12,000 rows" and counting(1, 0, "row") == "1 row"


def test_the_plain_line_is_redrawn_in_place_and_blanked_at_the_end(plain):
    """asha at 0 s, ravi at 2.4 s (drawn at once: a new unit), ravi again 0.05 s later (not drawn:
    under 0.1 s for the same unit), the end: the line padded over the longer one, then blanked."""
    out, clock = plain
    show = terminal_progress(stream=out, clock=clock)
    assert show is not None
    show(0, 2, "asha")
    clock.now += 2.4
    show(1, 2, "ravi")
    clock.now += 0.05
    show(1, 2, "ravi")
    show(2, 2, "")
    first, second = "planning asha (1 of 2 investors, 0 s)", "planning ravi (2 of 2 investors, 2 s)"
    assert out.getvalue() == f"\r{first}\r{second}\r{' ' * len(second)}\r"


def test_short_work_within_the_delay_shows_nothing(plain):
    """An import's line waits 0.5 s: rows told at 0.2 s and the end at 0.4 s write nothing; rows at
    0.6 s are drawn."""
    out, clock = plain
    show = terminal_progress("importing", "row", stream=out, clock=clock, delay=0.5)
    assert show is not None
    clock.now += 0.2
    show(1000, 0, "t.csv")
    clock.now += 0.2
    show(1, 1, "")
    assert out.getvalue() == ""
    later = terminal_progress("importing", "row", stream=out, clock=clock, delay=0.5)
    assert later is not None
    clock.now += 0.6
    later(2000, 0, "t.csv")
    assert out.getvalue() == "\rimporting t.csv (2,000 rows, 1 s)"
    finish()  # the command ended without the end: the line blanked
    assert out.getvalue().endswith("\r" + " " * len("importing t.csv (2,000 rows, 1 s)") + "\r")
    finish()  # nothing left open: nothing written
    assert out.getvalue().count("\r") == 3
