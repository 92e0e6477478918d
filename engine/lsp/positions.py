"""The repository's spans (1-based lines, columns counted in characters) and the protocol's
positions (0-based lines, columns counted in UTF-16 code units, as LSP requires by default)."""

from __future__ import annotations

from lsprotocol import types

from engine.diagnostics import Span, source_lines


class Lines:
    """A document's lines as the lexer counts them (\\n, \\r\\n or a lone \\r ends one)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = source_lines(text)

    def line(self, number: int) -> str:
        """Line `number` (0-based); "" past the end."""
        return self.lines[number] if 0 <= number < len(self.lines) else ""

    def utf16(self, line: int, column: int) -> int:
        """The UTF-16 offset in 0-based `line` of 1-based character `column`."""
        prefix = self.line(line)[: max(0, column - 1)]
        return len(prefix.encode("utf-16-le")) // 2

    def column(self, position: types.Position) -> int:
        """The 0-based character index in its line of an LSP position."""
        text, units, index = self.line(position.line), 0, 0
        while index < len(text) and units < position.character:
            units += 2 if ord(text[index]) > 0xFFFF else 1
            index += 1
        return index

    def range_of(self, span: Span) -> types.Range:
        start = types.Position(span.line - 1, self.utf16(span.line - 1, span.column))
        end = types.Position(span.end_line - 1, self.utf16(span.end_line - 1, span.end_column))
        return types.Range(start, end)

    def whole(self) -> types.Range:
        """The whole document, for an edit that replaces it."""
        last = len(self.lines) - 1
        return types.Range(types.Position(0, 0), types.Position(last, len(self.line(last).encode("utf-16-le")) // 2))
