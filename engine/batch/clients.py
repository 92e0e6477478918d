"""The clients of a batch: found in a directory (one folder per client holding its book,
`lotwise.db`, which remembers its policy from `init --policy`) or listed in a manifest (TOML: a
table per client), in a sorted, deterministic order (docs/advisers.md).

A manifest's mistakes are refused together, each as a diagnostic at its file:line:col (C201-C206),
before any client is touched: a batch that would stop halfway on a typo is worse than none."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.batch.jobs import Client
from engine.diagnostics import Diagnostic, Span, error
from engine.inputs import Refused

__all__ = ["BOOK_NAME", "discover", "read_manifest", "absolute"]

BOOK_NAME = "lotwise.db"  # a client's book in its folder
KEYS = ("book", "policy", "money", "investor")  # a manifest table's keys


def discover(folder: Path) -> list[Client]:
    """Every folder directly under `folder` holding a book (BOOK_NAME), by name; a folder without
    one is not a client (a reports folder, say). Refused C200 when `folder` is not a directory or
    holds no client."""
    if not folder.is_dir():
        raise Refused(f"{folder} is not a directory of clients", code="C200", values={"folder": str(folder)})
    found = [Client(child.name, child / BOOK_NAME) for child in sorted(folder.iterdir(), key=lambda p: p.name)
             if child.is_dir() and not child.name.startswith(".") and (child / BOOK_NAME).is_file()]
    if not found:
        raise Refused(f"no client in {folder}: a client is a folder holding its book, {BOOK_NAME}", code="C200",
                      values={"folder": str(folder)})
    return found


def read_manifest(path: Path) -> list[Client]:
    """The clients a manifest lists, by table name; paths relative to the manifest's folder.
    Refused C201 (cannot be read or not TOML), C202-C206 (a table's mistakes) with every
    diagnostic found, each at its line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Refused(f"cannot read the manifest {path}: {e}", code="C201", values={"manifest": str(path)}) from None
    name = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line, column = _toml_position(str(e))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", str(e))
        raise Refused(diagnostics=[error("C201", f"the manifest is not TOML: {message}",
                                         _span(name, line, column))], sources={name: text}) from None
    lines = text.splitlines()
    clients: list[Client] = []
    problems: list[Diagnostic] = []
    for client in sorted(data):
        table = data[client]
        where = _Locator(name, lines, client)
        if not isinstance(table, dict):
            problems.append(error("C202", f"`{client}` is not a client's table: write [{client}] and its keys "
                                  "under it", where.key(client), hint="a client is a table: [name] then book = ..."))
            continue
        if not client.strip() or client.startswith(".") or any(c in client for c in '/\\\0:'):
            problems.append(error("C210", f"client name `{client}` cannot be its report's file name",
                                  where.header(), hint="a name without / \\ : and not starting with a dot "
                                  '(its report is written as NAME.html), as ["sharma family"]'))
            continue
        made = _client(client, table, path.parent, where, problems)
        if made is not None:
            clients.append(made)
    problems += _twice(clients, lines, name)
    if not clients and not problems:
        problems.append(error("C202", "the manifest lists no client", _span(name, 1, 1),
                              hint='a table per client: [name] then book = "folder/lotwise.db"'))
    if problems:
        raise Refused(diagnostics=problems, sources={name: text})
    return clients


def _twice(clients: list[Client], lines: list[str], name: str) -> list[Diagnostic]:
    """C204 for a book listed by a second client: planned twice, it would be counted twice in the totals."""
    first: dict[Path, str] = {}
    out = []
    for client in clients:
        book = client.book.resolve()
        if book in first:
            out.append(error("C204", f"client {client.name}'s book is client {first[book]}'s too",
                             _Locator(name, lines, client.name).key("book"),
                             hint="list each book once: the batch would plan it twice and count it twice"))
        else:
            first[book] = client.name
    return out


def _client(name: str, table: Mapping[str, Any], base: Path, where: _Locator,
            problems: list[Diagnostic]) -> Client | None:
    """One table as a Client, or None with its mistakes added to `problems`."""
    before = len(problems)
    for key in table:
        if key not in KEYS and isinstance(table[key], dict) and not where.sets(key):  # [name.key]: a dot in a name
            problems.append(error("C203", f"`[{name}.{key}]` makes a table `{key}` inside client {name}",
                                  where.key(key), hint=f'a name with a dot is quoted: ["{name}.{key}"]'))
            return None  # the rest (no book for `name`, say) would only echo this
        if key not in KEYS:
            problems.append(error("C203", f"unknown key `{key}` for client {name}", where.key(key),
                                  hint="a client's keys: " + ", ".join(KEYS)))
    book = table.get("book")
    if not isinstance(book, str) or not book:
        problems.append(error("C204", f"client {name} has no book: give book = \"folder/lotwise.db\"",
                              where.key("book") if "book" in table else where.header()))
    elif (base / book).is_dir():
        problems.append(error("C204", f"client {name}'s book {book} is a directory", where.key("book"),
                              hint="name the book's file, as \"folder/lotwise.db\""))
    elif not (base / book).is_file():
        problems.append(error("C204", f"client {name}'s book {book} does not exist", where.key("book")))
    policy = table.get("policy")
    if policy is not None and (not isinstance(policy, str) or not (base / policy).is_file()):
        problems.append(error("C205", f"client {name}'s policy {policy} does not exist", where.key("policy")))
    money = table.get("money", {})
    if not isinstance(money, dict) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                              for v in money.values()):
        problems.append(error("C206", f"client {name}'s money must be each investor's whole rupees, "
                              "as {asha = 30000, ravi = 20000}", where.key("money")))
    investor = table.get("investor")
    if investor is not None and not isinstance(investor, str):
        problems.append(error("C206", f"client {name}'s investor must be an investor's id, in quotes",
                              where.key("investor")))
    if len(problems) > before:
        return None
    return Client(name, base / str(book), None if policy is None else base / str(policy),
                  tuple(sorted(money.items())), investor)


class _Locator:
    """Where a client's table and its keys are in the manifest's text (tomllib gives values, not
    places): the table's header line, and the first line under it that sets the key."""

    def __init__(self, name: str, lines: list[str], client: str):
        self.name, self.lines = name, lines
        # `[name]`, `["name"]`, or `[name.more]` (a dotted name: TOML makes a table `more` inside `name`)
        header = re.compile(r"^\s*\[\s*(" + re.escape(client) + r'|"' + re.escape(client) + r'")\s*[\].]')
        self.start = next((i for i, line in enumerate(lines) if header.match(line)), None)
        after = [] if self.start is None else range(self.start + 1, len(lines))
        self.end = next((i for i in after if lines[i].lstrip().startswith("[")), len(lines))

    def header(self) -> Span:
        line = 0 if self.start is None else self.start
        return _span(self.name, line + 1, 1 + len(self.lines[line]) - len(self.lines[line].lstrip())
                     if self.lines else 1)

    def key(self, key: str) -> Span:
        line = self._line_setting(key)
        if line is None:
            return self.header()
        return _span(self.name, line + 1, 1 + len(self.lines[line]) - len(self.lines[line].lstrip()))

    def sets(self, key: str) -> bool:
        """Whether a line under the table's header sets `key` (not so for `[client.key]`)."""
        return self._line_setting(key) is not None

    def _line_setting(self, key: str) -> int | None:
        pattern = re.compile(r"^\s*(" + re.escape(key) + r'|"' + re.escape(key) + r'")\s*[=.]')
        first = 0 if self.start is None else self.start + 1
        return next((i for i in range(first, self.end) if pattern.match(self.lines[i])), None)


def _span(name: str, line: int, column: int) -> Span:
    return Span(name, line, column, line, column + 1)


def _toml_position(message: str) -> tuple[int, int]:
    """The line and column a tomllib error names (1, 1 when it names none)."""
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


def absolute(clients: list[Client]) -> list[Client]:
    """The clients with absolute paths, for an engine whose workers are other processes on other
    machines (Ray, Dask): they do not share this process's working directory. (A local pool keeps
    the paths as given, so that messages name the files as the adviser named them.)"""
    return [replace(c, book=c.book.absolute(), policy=None if c.policy is None else c.policy.absolute())
            for c in clients]
