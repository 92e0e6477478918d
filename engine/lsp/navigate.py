"""Go to definition (a `use` target, an asset's or a security's declaration) and the outline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from engine.diagnostics import Span
from engine.lsp.complete import walk
from engine.lsp.hover import contains, statements_at, word_at
from engine.lsp.positions import Lines
import engine.policy.ast as ast

if TYPE_CHECKING:
    from engine.lsp.diagnose import Analysis


def definition(analysis: Analysis, line: int, index: int) -> types.Location | None:
    path = statements_at(analysis.tree, line + 1, index + 1)
    node = path[-1] if path else None
    if isinstance(node, ast.Use):
        from engine.policy.loader import Outside, resolve_use

        try:
            target = resolve_use(node.target.value, analysis.path)
        except Outside:
            return None
        if target is None:
            return None
        return types.Location(target.resolve().as_uri(), types.Range(types.Position(0, 0), types.Position(0, 0)))
    if node is None:
        return None
    name = quoted_at(analysis.lines.line(line), index)
    word = word_at(analysis.lines.line(line), index)
    for display, text, tree in trees(analysis):
        for n in walk(tree):
            if name is not None and isinstance(n, ast.Asset) and n.name.value == name:
                return located(analysis, display, text, n.name.span)
            if name is None and word and isinstance(n, ast.Security) and n.id.value == word:
                return located(analysis, display, text, n.id.span)
    return None


def quoted_at(line: str, index: int) -> str | None:
    """The quoted name around character `index`, if the cursor is in one."""
    start = None
    for i, ch in enumerate(line):
        if ch == '"':
            if start is None:
                start = i
            else:
                if start <= index <= i:
                    return line[start + 1:i]
                start = None
    return None


def trees(analysis: Analysis) -> list[tuple[str, str, ast.File | None]]:
    """The document's statements, then each used file's (the loader's parses, kept by the check)."""
    from engine.policy.loader import parsed_file

    out: list[tuple[str, str, ast.File | None]] = [(analysis.display, analysis.text, analysis.tree)]
    out += [(f.display, f.text, parsed_file(f.text, f.display)[1])
            for f in analysis.result.files if f.display != analysis.display]
    return out


def located(analysis: Analysis, display: str, text: str, span: Span) -> types.Location:
    found = analysis.file_of(display)
    path = found[0] if found is not None else analysis.path
    return types.Location(path.resolve().as_uri(), Lines(text).range_of(span))


def symbols(analysis: Analysis) -> list[types.DocumentSymbol]:
    items = analysis.tree.items if analysis.tree is not None else ()
    return [s for n in items if (s := symbol(analysis.lines, n)) is not None]


def symbol(lines: Lines, node: ast.Node) -> types.DocumentSymbol | None:
    if isinstance(node, ast.Block):
        name = ("override " if node.override else "") + node.kind + (f' "{node.name.value}"' if node.name else "")
        children = [s for n in node.items if (s := symbol(lines, n)) is not None]
        kind = types.SymbolKind.Class if node.kind == "class" else types.SymbolKind.Namespace
        return types.DocumentSymbol(name, kind, lines.range_of(node.span), lines.range_of(node.header),
                                    children=children)
    named: tuple[str, types.SymbolKind, ast.Lit] | None = None
    if isinstance(node, ast.Asset):
        named = (f'asset "{node.name.value}"', types.SymbolKind.Field, node.name)
    elif isinstance(node, ast.Investor):
        named = (f"investor {node.id.value}", types.SymbolKind.Object, node.id)
    elif isinstance(node, ast.Security):
        named = (f"{node.kind} {node.id.value}", types.SymbolKind.Constant, node.id)
    elif isinstance(node, ast.Use):
        named = (f'use "{node.target.value}"', types.SymbolKind.Module, node.target)
    if named is None:
        return None
    return types.DocumentSymbol(named[0], named[1], lines.range_of(node.span), lines.range_of(named[2].span),
                                detail=node.name.value if isinstance(node, (ast.Security, ast.Investor)) else None)
