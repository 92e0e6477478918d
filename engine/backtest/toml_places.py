"""Where a key of a TOML file is written: tomllib gives a syntax error's line and column but no
places for the values it returns, so a scenario's semantic errors find their key here.

`place(text, path, keys)` scans the lines for table headers (`[a."b c"]`, `[[regimes]]`, the n-th
of an array of tables being index n) and `key = value` lines (multi-line arrays and strings
skipped), and gives the span of the longest prefix of `keys` written in the file: ("assets",
"Nifty 50", "volatility") is that key's line, ("correlations", "matrix", 1, 2) the `matrix` key's,
("regimes", 1) the second `[[regimes]]` header. It reads only what tomllib accepted.
"""

from __future__ import annotations

from engine.diagnostics import Span, source_lines

Key = tuple[str | int, ...]


def split_key(text: str) -> tuple[str, ...]:
    """A dotted key's parts: `a."b.c".d` -> ("a", "b.c", "d"); quotes removed, spaces trimmed."""
    parts: list[str] = []
    current, quote = "", ""
    for char in text.strip():
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return tuple(parts)


def _depth(text: str, depth: int, quote: str) -> tuple[int, str]:
    """The bracket depth and open multi-line quote after `text`, outside strings and comments."""
    i = 0
    while i < len(text):
        if quote:
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
            i += 2 if quote == '"""' and text[i] == "\\" else 1
            continue
        char = text[i]
        if char == "#":
            break
        if text.startswith('"""', i) or text.startswith("'''", i):
            quote = text[i:i + 3]
            i += 3
            continue
        if char in "\"'":
            end = text.find(char, i + 1)
            while char == '"' and end > 0 and text[end - 1] == "\\":
                end = text.find(char, end + 1)
            i = len(text) if end < 0 else end + 1
            continue
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        i += 1
    return depth, quote


def _assignment(line: str) -> tuple[str, int] | None:
    """The key text of a `key = value` line and its 0-based column, or None."""
    stripped = line.lstrip()
    quote = ""
    for i, char in enumerate(stripped):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "=":
            return stripped[:i].rstrip(), len(line) - len(stripped)
    return None


def place(text: str, path: str, keys: Key) -> Span | None:
    """The span of the longest prefix of `keys` written in `text` (None when not even its first)."""
    best: tuple[int, Span] | None = None
    table: Key = ()
    arrays: dict[tuple[str, ...], int] = {}
    depth, quote = 0, ""
    for number, line in enumerate(source_lines(text), 1):
        if depth or quote:  # inside a multi-line array, inline table or string
            depth, quote = _depth(line, depth, quote)
            continue
        stripped = line.strip()
        column = len(line) - len(line.lstrip()) + 1
        if stripped.startswith("["):
            double = stripped.startswith("[[")
            inner = stripped[2:stripped.find("]]")] if double else stripped[1:stripped.find("]")]
            name = split_key(inner)
            if double:
                arrays[name] = arrays.get(name, -1) + 1
                found: Key = (*name, arrays[name])
            else:
                found = name
            table, key_text = found, stripped[:stripped.find("]") + (2 if double else 1)]
        else:
            assigned = _assignment(line)
            if assigned is None:
                continue
            key_text, start = assigned
            found, column = (*table, *split_key(key_text)), start + 1
            depth, quote = _depth(line[line.index("=", start) + 1:], 0, "")
        if found == keys[:len(found)] and (best is None or len(found) > best[0]):
            best = (len(found), Span(path, number, column, number, column + len(key_text)))
    return best[1] if best else None
