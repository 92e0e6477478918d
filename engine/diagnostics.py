"""Diagnostics are data: a code, a severity, a span in a file, a message and a hint.

Every stage reports problems by returning Diagnostic values, never by raising at the
user. `render` prints them compiler-style; `as_json` gives the same content as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file: 1-based line and column, end exclusive (column)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class Fix:
    """A mechanical repair a diagnostic suggests: replace `span` (empty: insert) with `text`.
    Never rendered; an editor offers it as a quick fix (engine/lsp/fixes.py)."""

    title: str
    span: Span
    text: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    hint: str | None = None
    # Secondary locations, e.g. "first defined here".
    notes: tuple[tuple[str, Span], ...] = field(default=())
    fix: Fix | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.path, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "span": self.span.to_json() if self.span else None,
            "hint": self.hint,
            "notes": [{"message": m, "span": s.to_json()} for m, s in self.notes],
        }


def error(code: str, message: str, span: Span | None = None, hint: str | None = None,
          notes: tuple[tuple[str, Span], ...] = ()) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, hint, notes)


def warning(code: str, message: str, span: Span | None = None, hint: str | None = None,
            notes: tuple[tuple[str, Span], ...] = ()) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, hint, notes)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def promote_warnings(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """`--strict`: every warning becomes an error with the same code and text."""
    return [
        Diagnostic(d.code, Severity.ERROR, d.message, d.span, d.hint, d.notes, d.fix) for d in diagnostics
    ]


_EXCERPT_WIDTH = 100


def source_lines(text: str) -> list[str]:
    """The lines of a source as the lexer counts them: a line ends at \n, \r\n or a lone \r.
    (Not str.splitlines, which also breaks at form feeds and Unicode separators.)"""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _excerpt(span: Span, sources: dict[str, list[str]]) -> list[str]:
    lines = sources.get(span.path)
    if lines is None:
        return []
    if not lines or span.line > len(lines):
        return []
    src = lines[span.line - 1].expandtabs(1)
    width = len(str(span.line))
    if span.end_line == span.line:
        carets = max(1, span.end_column - span.column)
    else:
        carets = max(1, len(src) - span.column + 1)
    column = span.column
    if len(src) > _EXCERPT_WIDTH:  # show a window around the span, not a whole huge line
        start = max(0, column - 1 - _EXCERPT_WIDTH // 2)
        src = ("..." if start else "") + src[start:start + _EXCERPT_WIDTH] + "..."
        column = column - start + (3 if start else 0)
        carets = min(carets, _EXCERPT_WIDTH)
    pad = " " * (width + 1)
    return [
        f"{span.line:>{width}} | {src}",
        f"{pad}| {' ' * (column - 1)}{'^' * carets}",
    ]


def render(d: Diagnostic, sources: dict[str, str], _lines: dict[str, list[str]] | None = None) -> str:
    """Compiler style: `path:line:col: error[P123]: message`, the line, a caret, the hint."""
    if _lines is None:
        _lines = {path: source_lines(text) for path, text in sources.items()}
    where = f"{d.span}: " if d.span else ""
    out = [f"{where}{d.severity.value}[{d.code}]: {d.message}"]
    if d.span:
        out.extend(_excerpt(d.span, _lines))
    for message, span in d.notes:
        out.append(f"note: {span}: {message}")
    if d.hint:
        out.append(f"hint: {d.hint}")
    return "\n".join(out)


def render_all(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> str:
    lines = {path: source_lines(text) for path, text in sources.items()}  # split each file once
    return "\n\n".join(render(d, sources, lines) for d in sorted(diagnostics, key=Diagnostic.sort_key))
