"""Typographic quotes (“ ” ‘ ’), as word processors and phones type them, read as straight `"`.

A policy's names are quoted with the straight double quote. A name typed with curly quotes is
reported once (P180) and then read as if it were straight, so that the rest of its statement,
and of its block, is checked in the same run. Curly quotes inside a straight-quoted name
(`"Asha’s fund"`) and in comments are text, left alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

from engine.diagnostics import Diagnostic, Fix, Span, error

OPENERS = {"“": "”", "”": "”", "‘": "’", "’": "’"}
_DOUBLE = {"“", "”"}
_INTEREST = re.compile('[\n#"“”‘’]')  # what the scan stops at; the rest is skipped at C speed


def straighten(text: str, path: str) -> tuple[str, list[Diagnostic]]:
    """`text` with each typographic quote that delimits a name made `"` (the same length, so
    offsets hold), and a P180 for each such name."""
    if not any(ch in text for ch in OPENERS):
        return text, []
    chars = list(text)
    problems: list[Diagnostic] = []
    i, line, line_start = 0, 1, 0
    while (found := _INTEREST.search(text, i)) is not None:
        i = found.start()
        ch = text[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
        elif ch == "#":
            i = _line_end(text, i)
            continue
        elif ch == '"':
            i = _string_end(text, i + 1, None)
            continue
        elif ch in OPENERS:
            end = _string_end(text, i + 1, ch)  # past its closing quote, or the end of the line
            closed = end - 1 > i and (text[end - 1] in OPENERS or text[end - 1] == '"')
            chars[i] = '"'
            if closed:
                chars[end - 1] = '"'
            shown = text[i:end] if closed else text[i:end].rstrip()
            straight = '"' + (text[i + 1:end - 1] if closed else text[i + 1:end].rstrip()) + '"'
            span = Span(path, line, i - line_start + 1, line, end - line_start + 1)
            problem = error("P180", f"typographic quote in {shown}: use a straight \"", span, f"write {straight}")
            problems.append(replace(problem, fix=Fix(f"write {straight}", span, straight)) if closed else problem)
            i = end
            continue
        i += 1
    return "".join(chars), problems


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _string_end(text: str, i: int, opener: str | None) -> int:
    """Just past the quote closing a name that starts before `i` (opened by `opener`, None for a
    straight quote), or the end of the line when it is not closed there."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            return i
        if ch == "\\" and i + 1 < n and text[i + 1] != "\n":  # an escape; a `\` ending a line ends nothing
            i += 2
            continue
        if ch == '"':
            return i + 1
        if opener is not None and ch in OPENERS and _closes(opener, text, i):
            return i + 1
        i += 1
    return n


def _closes(opener: str, text: str, i: int) -> bool:
    """Whether the typographic quote at `i` closes a name opened by `opener`: a double quote
    closes a double; a single closes a single unless a letter follows (an apostrophe: it’s)."""
    if opener in _DOUBLE:
        return text[i] in _DOUBLE
    if text[i] in _DOUBLE:
        return False
    return not (i + 1 < len(text) and text[i + 1].isalpha())
