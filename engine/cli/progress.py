"""Progress of long work on a terminal: one line on standard error, redrawn in place, gone when
the work ends (docs/terminal.md).

The engine below the CLI prints nothing: the API takes a callback (engine/progress.py `Progress`:
api.plan_year_end, api.import_files, api.backtest, api.monte_carlo), and the CLI passes the one
made here only when standard error is a terminal, so scripts, pipes and the golden tests see
nothing new. On a terminal with colour (engine/cli/terminal.py) the line is drawn by rich, imported
here only then; with NO_COLOR or TERM=dumb it is plain text redrawn with carriage returns, no
escape code at all. A display left open by an error is cleared by `finish` (engine/cli/main.py
calls it after every command).
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, TextIO

from engine.cli.terminal import colour_allowed, raw, width_of
from engine.progress import Progress

REDRAW = 0.1  # seconds between redraws of one unit at most (a new unit, e.g. the next investor, is drawn at once)

_open: list[_Line] = []  # the displays drawn and not yet cleared


def terminal_progress(what: str = "planning", unit: str = "investor", *, stream: TextIO | None = None,
                      clock: Callable[[], float] = time.monotonic, delay: float = 0.0) -> Progress | None:
    """A progress callback drawing e.g. "planning inv3 (4 of 5 investors, 12 s)" on `stream`
    (stderr) when it is a terminal; None when it is not. `unit` names what is counted (an "s" is
    added for more than one); `delay`: seconds of work before anything is drawn, so that short
    work (a small import) shows nothing."""
    out = stream if stream is not None else raw(sys.stderr)
    if out is None or not out.isatty():
        return None
    started = clock()
    line: list[_Line] = []

    def show(done: int, total: int, item: str) -> None:
        now = clock() - started
        if done >= total > 0:  # the end: the line cleared, the output (or the error) follows on a clean line
            if line:
                line.pop().close()
            return
        if now < delay:
            return
        if not line:
            line.append(_Rich(out, what, unit) if colour_allowed(out) else _Line(out, what, unit))
            _open.append(line[0])
        line[0].draw(done, total, item, now)

    return show


def finish() -> None:
    """Every display still drawn cleared (a command that ended, or failed, midway)."""
    while _open:
        _open[-1].close()


def counting(done: int, total: int, unit: str) -> str:
    """"4 of 5 investors", or "12,000 rows" when the total is not known."""
    if total > 0:
        return f"{min(done + 1, total):,} of {total:,} {unit}{'s' if total > 1 else ''}"
    return f"{done:,} {unit}{'' if done == 1 else 's'}"


class _Line:
    """Plain text: the line rewritten after a carriage return and padded over the last one, no
    escape code (NO_COLOR, TERM=dumb)."""

    def __init__(self, out: TextIO, what: str, unit: str):
        self.out, self.what, self.unit = out, what, unit
        self.shown, self.drawn_at, self.item = 0, -REDRAW, ""

    def draw(self, done: int, total: int, item: str, elapsed: float) -> None:
        if not self.due(item, elapsed):
            return
        text = f"{self.what} {item} ({counting(done, total, self.unit)}, {elapsed:.0f} s)".replace("  ", " ")
        text = text[:max(10, width_of(self.out) - 1)]  # never wrapped: a wrapped line is not redrawn in place
        self.out.write("\r" + text.ljust(self.shown))
        self.out.flush()
        self.shown = len(text)

    def due(self, item: str, elapsed: float) -> bool:
        """Whether to redraw: a new unit named, else REDRAW seconds since the last drawing."""
        if item == self.item and elapsed - self.drawn_at < REDRAW:
            return False
        self.item, self.drawn_at = item, elapsed
        return True

    def close(self) -> None:
        self.out.write("\r" + " " * self.shown + "\r")
        self.out.flush()
        if self in _open:
            _open.remove(self)


class _Rich(_Line):
    """rich's progress bar (imported only here, on a terminal with colour): the work, a bar (a
    moving one when the total is not known), the count and the time, erased at the end."""

    def __init__(self, out: TextIO, what: str, unit: str):
        super().__init__(out, what, unit)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=out, force_terminal=True, highlight=False)
        self.bar = Progress(TextColumn("[bold cyan]{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                            TimeElapsedColumn(), console=console, transient=True, auto_refresh=False,
                            redirect_stdout=False, redirect_stderr=False)
        self.task: Any = None

    def draw(self, done: int, total: int, item: str, elapsed: float) -> None:
        if not self.due(item, elapsed):
            return
        description, count = f"{self.what} {item}".strip(), counting(done, total, self.unit)
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task(description, total=total or None, completed=done, count=count)
        else:
            self.bar.update(self.task, description=description, total=total or None, completed=done, count=count)
        self.bar.refresh()

    def close(self) -> None:
        if self.task is not None:
            self.bar.stop()
        if self in _open:
            _open.remove(self)
