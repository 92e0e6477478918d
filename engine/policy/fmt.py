"""`lotwise fmt`: the canonical layout of a rules file, comments kept.

The file is parsed with every token kept; the grammar's naming convention gives
the layout: a `*_stmt` or `*_block` starts a line, a `*_cont` continues the
statement above on a line of its own, indented once more (and so does any
attribute written after one); blocks indent by four
spaces; tokens on a line are separated by one space (none before `,` and `:`).
Comments stay where they were: at the end of a line, or on lines of their own
before the next statement. Runs of blank lines become one; none follow `{`.
Literals are kept as typed (`1.25L` stays `1.25L`). The result parses to the same
AST, and formatting it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.diagnostics import Diagnostic

if TYPE_CHECKING:
    from lark import Token, Tree

INDENT = "    "


@dataclass
class _Line:
    indent: int
    parts: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)
    opens: bool = False  # ends with `{`

    def render(self) -> str:
        text = ""
        for part in self.parts:
            if text and part not in {",", ":"}:
                text += " "
            text += part
        if self.trailing:
            text = (text + "  " if text else "") + "  ".join(self.trailing)
        return INDENT * self.indent + text


def comments_in(text: str) -> list[tuple[int, int, str]]:
    """(offset, line, text) of every comment: a `#` outside a quoted name."""
    found = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line += "\n"
        in_string = escaped = False
        for i, ch in enumerate(line):
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                found.append((offset + i, number, line[i:-1].rstrip()))
                break
        offset += len(line)
    return found


def _events(tree: Tree[Token]) -> list[tuple[Token, int | None]]:
    """Tokens in order, each with the indent of the line it starts (None: same line)."""
    from lark import Token

    events: list[tuple[Token, int | None]] = []

    def walk(node: Tree[Token], depth: int) -> None:
        starts: int | None = None
        name = node.data
        if name.endswith("_stmt") or name.endswith("_block"):
            starts = depth
        elif name.endswith("_cont"):
            starts = depth + 1
        inner = depth
        continued = False  # once a *_cont has begun a line, later attributes get their own
        for child in node.children:
            if isinstance(child, Token):
                if child.value == "{":
                    events.append((child, starts))
                    inner = depth + 1
                elif child.value == "}":
                    events.append((child, depth))
                else:
                    events.append((child, starts))
                starts = None
            else:
                first = len(events)
                if child.data.endswith("_cont"):
                    continued = True
                elif continued and child.data.endswith("_attr"):
                    starts = depth + 1
                walk(child, inner if name.endswith("_block") or name == "start" else depth)
                if starts is not None and len(events) > first:
                    token, own = events[first]
                    events[first] = (token, own if own is not None else starts)
                    starts = None

    walk(tree, 0)
    return events


def format_source(text: str, path: str) -> tuple[str | None, list[Diagnostic]]:
    """The canonical text, or None and the diagnostics when `text` does not parse."""
    from engine.policy.parser import normalise, parse_text

    text = normalise(text)
    parsed = parse_text(text, path)
    if parsed.diagnostics or parsed.tree is None:
        return None, parsed.diagnostics
    tree = parsed.tree
    source_lines = text.split("\n")
    if source_lines[-1] == "":  # the text's final newline ends the last line; it adds none
        source_lines.pop()
    comments = comments_in(text)
    lines: list[_Line] = []
    pending: list[tuple[int, str]] = []  # own-line comments waiting for their indent
    last_line = 0  # source line of the last token or comment placed

    def blank_between(a: int, b: int) -> bool:
        return any(not source_lines[i - 1].strip() for i in range(a + 1, b))

    def start_line(indent: int, source_line: int) -> _Line:
        nonlocal last_line
        for comment_line, comment in pending:
            if lines and not lines[-1].opens and last_line and blank_between(last_line, comment_line):
                lines.append(_Line(indent))
            lines.append(_Line(indent, trailing=[comment]))
            last_line = comment_line
        pending.clear()
        if lines and not lines[-1].opens and last_line and blank_between(last_line, source_line):
            lines.append(_Line(indent))
        line = _Line(indent)
        lines.append(line)
        return line

    comment_index = 0
    current: _Line | None = None
    for token, indent in _events(tree):
        # Lark types a token's position optional; every token of lexer.py has one.
        assert token.line is not None and token.start_pos is not None
        while comment_index < len(comments) and comments[comment_index][0] < token.start_pos:
            _, comment_line, comment = comments[comment_index]
            comment_index += 1
            if current is not None and comment_line == last_line and not pending:
                current.trailing.append(comment)
            else:
                pending.append((comment_line, comment))
        if token.value == "}" and pending:
            assert indent is not None  # _events gives every `}` its block's indent
            start_line(indent + 1, token.line)  # comments before `}` stay inside the block
            lines.pop()
        if indent is not None or current is None:
            current = start_line(indent or 0, token.line)
        elif pending:
            current.trailing.extend(c for _, c in pending)
            pending.clear()
        current.parts.append(" ".join(token.value.split()) if token.type != "STRING" else token.value)
        current.opens = token.value == "{"
        last_line = token.end_line or token.line
    for _, comment_line, comment in comments[comment_index:]:
        if current is not None and comment_line == last_line and not pending:
            current.trailing.append(comment)
        else:
            pending.append((comment_line, comment))
    if pending:
        start_line(0, len(source_lines) + 1)
        lines.pop()
    rendered = "\n".join(line.render().rstrip() for line in lines)
    return (rendered + "\n") if rendered.strip() else "", []
