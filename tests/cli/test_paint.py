"""What engine/cli/terminal.py paints, line by line, in-process: the exact escape codes for a
256-colour terminal (rich's SGR codes: 1 bold, 2 dim, 31 red, 32 green, 33 yellow, 36 cyan, 0
reset), that removing them gives the line back, and when a stream may be painted at all."""

from __future__ import annotations

import io
import re

import pytest

from engine.cli.terminal import Styles, colour_allowed, paint_diagnostics, paint_report

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def styles(monkeypatch) -> Styles:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return Styles(Terminal())


@pytest.mark.parametrize("environ, tty, allowed", [
    ({"TERM": "xterm"}, True, True),
    ({"TERM": "xterm", "NO_COLOR": "1"}, True, False),
    ({"TERM": "xterm", "NO_COLOR": "0"}, True, False),  # any value but ""
    ({"TERM": "xterm", "NO_COLOR": ""}, True, True),  # no-color.org: present and not empty
    ({"TERM": "dumb"}, True, False),
    ({"TERM": "xterm"}, False, False),  # piped
])
def test_when_a_stream_may_be_painted(environ, tty, allowed):
    assert colour_allowed(Terminal() if tty else io.StringIO(), environ) is allowed


def test_a_diagnostic_s_head_carets_and_hint(styles):
    head = "p.rules:3:5: error[P101]: unexpected `nme`"
    assert paint_diagnostics(head, styles, 0) == ("\x1b[1mp.rules:3:5: \x1b[0m\x1b[1;31merror\x1b[0m\x1b[1m[P101]\x1b[0m"
                                                  ": unexpected `nme`")
    warning = "warning[T104]: no FMV for INF1"  # no place: the severity first
    assert paint_diagnostics(warning, styles, 3) == "\x1b[1;33mwarning\x1b[0m\x1b[1m[T104]\x1b[0m: no FMV for INF1"
    assert paint_diagnostics("  |     ^^^", styles, 1) == "  |     \x1b[1;31m^^^\x1b[0m"
    assert paint_diagnostics("hint: write `name`", styles, 2) == "\x1b[1;32mhint:\x1b[0m write `name`"
    assert paint_diagnostics("lotwise: no book", styles, 0) == "\x1b[1;31mlotwise:\x1b[0m no book"
    assert paint_diagnostics("3 |   nme \"Asha\"", styles, 1) == "3 |   nme \"Asha\""  # the source line as it is


def test_a_report_s_title_rules_and_signed_amounts(styles):
    """The first line bold; a rule of dashes dim; -Rs 768.35 red, +2.87 pp green, -3.24 pp red;
    a date's or a name's hyphen (2023-03-15, buy-and-hold) and an unsigned Rs 0 are left alone."""
    assert paint_report("Portfolio on 2026-11-21", styles, 0) == "\x1b[1mPortfolio on 2026-11-21\x1b[0m"
    assert paint_report("-------  --------", styles, 4) == "\x1b[2m-------  --------\x1b[0m"
    line = "L1b802136  2023-03-15  long-term  -Rs 768.35  Rs 0  buy-and-hold  +2.87 pp  -3.24 pp"
    painted = paint_report(line, styles, 5)
    assert painted == ("L1b802136  2023-03-15  long-term  \x1b[31m-Rs 768.35\x1b[0m  Rs 0  buy-and-hold  "
                       "\x1b[32m+2.87 pp\x1b[0m  \x1b[31m-3.24 pp\x1b[0m")
    assert ESCAPE.sub("", painted) == line
