"""Colour on a terminal, none anywhere else (docs/terminal.md).

A command's output is painted only when the stream it goes to is a terminal and neither NO_COLOR
(set to anything but "", no-color.org) nor TERM=dumb says otherwise: piped or redirected output,
and so every golden file, is byte for byte what the reports make. Painting is done line by line on
what the commands already print (`painted` wraps sys.stdout and sys.stderr for the command's
time), so no report and no command knows about colour: on standard error the diagnostics (the
place bold, the severity red or yellow, the code bold, the carets red, `hint:` and `note:`) and
`lotwise:` messages; on standard output of the text reports, the title line bold, table rules dim
and signed amounts (rupees, percentage points) green or red. Styles are rendered by rich (imported only when a
stream is painted) for the terminal's colour system.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

# The commands whose standard output is a text report worth painting (not `show`, `fmt`, --json: data).
REPORTS = frozenset({"check", "init", "import", "doctor", "lots", "gains", "status", "plan", "rebalance", "plans",
                     "why", "demo", "backtest", "prices"})

_DIAGNOSTIC = re.compile(r"^(?P<where>\S[^\n]*?:\d+:\d+: )?(?P<severity>error|warning|note)\[(?P<code>[A-Z]+\d+)\]: ")
_CARETS = re.compile(r"^(?P<pad>\s*\| *)(?P<carets>\^+)$")
_LABEL = re.compile(r"^(?P<label>hint:|note:|lotwise:)")
_RULE = re.compile(r"^-+( +-+)* *$")
_SIGNED = re.compile(r"(?<![\w.])(?P<sign>[-+])(?:Rs \d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)? pp\b)")


def colour_allowed(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether `stream` may be painted: a terminal, NO_COLOR unset or "" and TERM not `dumb`."""
    env = os.environ if environ is None else environ
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False
    return tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def width_of(stream: TextIO) -> int:
    """The terminal's width in columns (80 when it cannot be told)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return 80


@contextmanager
def painted(command: str | None, as_json: bool) -> Iterator[None]:
    """sys.stderr painted (diagnostics) and, for a text report, sys.stdout, while the command
    runs, each only when `colour_allowed`; the streams restored after, their last line written."""
    wrapped: list[tuple[str, _Painted]] = []
    if colour_allowed(sys.stderr):
        wrapped.append(("stderr", _Painted(sys.stderr, paint_diagnostics)))
    if command in REPORTS and not as_json and colour_allowed(sys.stdout):
        wrapped.append(("stdout", _Painted(sys.stdout, paint_report)))
    for name, stream in wrapped:
        setattr(sys, name, stream)
    try:
        yield
    finally:
        for name, stream in wrapped:
            stream.flush()
            setattr(sys, name, stream.inner)


Painter = Callable[[str, "Styles", int], str]


class Styles:
    """Rich's styles rendered for the terminal's colour system (none: the text as it is)."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.style import Style

        self.system = Console(file=stream, force_terminal=True).color_system
        self.style = Style.parse

    def __call__(self, text: str, style: str) -> str:
        if self.system is None or not text:
            return text
        from rich.color import ColorSystem

        system = {"256": ColorSystem.EIGHT_BIT}.get(self.system) or ColorSystem[self.system.upper()]
        return self.style(style).render(text, color_system=system)


def paint_diagnostics(line: str, styles: Styles, n: int) -> str:
    """A line of standard error: a diagnostic's head, its carets, a hint or note, `lotwise:`."""
    if found := _DIAGNOSTIC.match(line):
        severity = found["severity"]
        colour = {"error": "bold red", "warning": "bold yellow"}.get(severity, "bold cyan")
        return (styles(found["where"] or "", "bold") + styles(severity, colour) + styles(f"[{found['code']}]", "bold")
                + ": " + line[found.end():])
    if found := _CARETS.match(line):
        return found["pad"] + styles(found["carets"], "bold red")
    if found := _LABEL.match(line):
        colour = {"hint:": "bold green", "note:": "bold cyan"}.get(found["label"], "bold red")
        return styles(found["label"], colour) + line[found.end():]
    return line


def paint_report(line: str, styles: Styles, n: int) -> str:
    """A line of a text report: its first line (the title) and `===` steps bold, table rules dim,
    signed amounts (a loss, a sale: `-Rs 768.35`; a drift: `+2.87 pp`) green (+) or red (-)."""
    if n == 0 or line.startswith("=== "):
        return styles(line, "bold")
    if _RULE.match(line):
        return styles(line, "dim")
    return _SIGNED.sub(lambda m: styles(m[0], "green" if m["sign"] == "+" else "red"), line)


class _Painted(io.TextIOBase):
    """A text stream that writes each whole line to `inner` as `paint` makes it (the rest of a
    line waits for its end, or for flush)."""

    def __init__(self, inner: TextIO, paint: Painter):
        super().__init__()
        self.inner, self.paint, self.styles = inner, paint, Styles(inner)
        self.pending, self.lines = "", 0

    def write(self, text: str) -> int:
        self.pending += text
        if "\n" in self.pending:
            *whole, self.pending = self.pending.split("\n")
            out = []
            for line in whole:
                out.append(self.paint(line, self.styles, self.lines) if line else line)
                self.lines += 1
            self.inner.write("\n".join(out) + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.inner.write(self.paint(self.pending, self.styles, self.lines))
            self.pending = ""
        self.inner.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.inner.encoding

    def __getattr__(self, name: str) -> Any:  # buffer, errors, ...: the terminal's own
        return getattr(self.inner, name)


def raw(stream: TextIO) -> TextIO:
    """The terminal under a painted stream (progress is drawn there, not line by line)."""
    return stream.inner if isinstance(stream, _Painted) else stream
