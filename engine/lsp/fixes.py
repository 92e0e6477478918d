"""Quick fixes: the mechanical ones a diagnostic's hint names (a did-you-mean name, a missing `%`,
a missing `{`), as a span to replace and its new text. A diagnostic that carries a structured
`fix` (engine.diagnostics.Fix) gives it; otherwise it is read from the code and the hint."""

from __future__ import annotations

import re

from engine.diagnostics import Diagnostic, Fix, Span, source_lines

_DID_YOU_MEAN = re.compile(r"did you mean (`([^`]+)`|\"([^\"]+)\")\?")
_WRITE = re.compile(r"^write (\S+%)$")


def fix_of(d: Diagnostic, text: str) -> Fix | None:
    if d.fix is not None:
        return d.fix
    span = d.span
    if span is None or span.end_line != span.line:
        return None
    if d.code == "P110":  # a number that needs a percent sign
        written = _WRITE.match(d.hint or "")
        if written:
            return Fix(f"write {written.group(1)}", span, written.group(1))
        return Fix("add %", Span(span.path, span.line, span.end_column, span.line, span.end_column), "%")
    lines = source_lines(text)
    line = lines[span.line - 1] if span.line <= len(lines) else ""
    if d.code == "P104":  # a block's `{` missing: insert it before the statement that follows the header
        if line[: span.column - 1].strip():  # not a statement's start (`portfolio K {`: the quotes are missing)
            return None
        return Fix("insert `{`", Span(span.path, span.line, span.column, span.line, span.column), "{ ")
    found = _DID_YOU_MEAN.search(d.hint or "") or _DID_YOU_MEAN.search(d.message)
    if found is None:
        return None
    word = found.group(2) or found.group(3)
    quoted = found.group(3) is not None
    wrong = line[span.column - 1: span.end_column - 1]
    if len(word) < len(wrong.strip('"')) and wrong.strip('"').startswith(word):
        return None  # `yearend` -> `year`: the rest of the word is more than a typo (`year end`), no edit is sure
    new = f'"{word}"' if quoted and wrong.startswith('"') else word
    return Fix(f"change to {new}", span, new)
