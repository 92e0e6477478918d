"""Completion: the keywords the LALR parser accepts at the cursor, the shipped rule sets inside
`use "`, the assets inside a quoted name, the declared securities where an ISIN or symbol goes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

import engine.policy.ast as ast

if TYPE_CHECKING:
    from engine.lsp.diagnose import Analysis

_USE = re.compile(r'\buse\s+"[^"]*$')
_IN_STRING = re.compile(r'"[^"]*$')
_PARTIAL = re.compile(r"[A-Za-z0-9&_.\-]*$")


def completions(analysis: Analysis, line: int, index: int) -> list[types.CompletionItem]:
    prefix = analysis.lines.line(line)[:index]
    if _USE.search(prefix):
        from engine.policy.loader import shipped_names

        return [types.CompletionItem(n, kind=types.CompletionItemKind.Module, detail="shipped rules")
                for n in shipped_names()]
    if _IN_STRING.search(prefix) and prefix.count('"') % 2 == 1:
        return [types.CompletionItem(name, kind=types.CompletionItemKind.Value, detail="asset")
                for name in asset_names(analysis)]
    partial = _PARTIAL.search(prefix)
    start = index - len(partial.group()) if partial else index
    before = "\n".join(analysis.lines.lines[:line] + [prefix[:start]])
    accepted = accepted_terminals(before)
    if accepted is None:
        accepted = accepted_terminals(open_headers(analysis.lines.lines[:line]) + "\n" + prefix[:start])
    if accepted is None:
        return []
    from engine.policy.grammar import lark_parser, terminal_names

    names = terminal_names(lark_parser())
    items = [types.CompletionItem(names[t], kind=types.CompletionItemKind.Keyword)
             for t in sorted(accepted, key=lambda t: names.get(t, t)) if t in names and names[t][:1].isalpha()]
    if "SECID" in accepted:
        items += [types.CompletionItem(ident, kind=types.CompletionItemKind.Reference, detail=name)
                  for ident, name in securities(analysis)]
    if "STRING" in accepted:
        items += [types.CompletionItem(f'"{name}"', kind=types.CompletionItemKind.Value, detail="asset")
                  for name in asset_names(analysis)]
    return items


def accepted_terminals(text: str) -> set[str] | None:
    """The terminals the parser accepts after `text`; None when `text` has a syntax error."""
    from lark.exceptions import UnexpectedInput

    from engine.policy.grammar import lark_parser
    from engine.policy.parser import normalise

    try:
        interactive = lark_parser().parse_interactive(normalise(text))
        interactive.exhaust_lexer()
        return set(interactive.accepts())  # type: ignore[no-untyped-call]  # untyped in Lark
    except UnexpectedInput:
        return None


def open_headers(lines: list[str]) -> str:
    """The headers of the blocks still open after `lines` (an error elsewhere is left out)."""
    stack: list[str] = []
    for line in lines:
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line).split("#", 1)[0]
        for ch in code:
            if ch == "{":
                stack.append(code[: code.index("{") + 1])
            elif ch == "}" and stack:
                stack.pop()
    return "\n".join(stack)


def asset_names(analysis: Analysis) -> list[str]:
    policy = analysis.result.policy
    if policy is not None and policy.portfolio is not None:
        return [a.name for a in policy.portfolio.assets]
    return [n.name.value for n in walk(analysis.tree) if isinstance(n, ast.Asset)]


def securities(analysis: Analysis) -> list[tuple[str, str]]:
    policy = analysis.result.policy
    if policy is not None and policy.portfolio is not None:
        return [(s.id, s.name) for s in policy.portfolio.securities]
    return [(n.id.value, n.name.value) for n in walk(analysis.tree) if isinstance(n, ast.Security)]


def walk(tree: ast.File | None) -> list[ast.Node]:
    """Every statement of the document, blocks' statements after their block."""
    out: list[ast.Node] = []
    todo = list(tree.items) if tree is not None else []
    while todo:
        node = todo.pop(0)
        out.append(node)
        if isinstance(node, ast.Block):
            todo[:0] = node.items
    return out
