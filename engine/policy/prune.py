"""The parse tree made ready for the AST's builder: spans from tokens, keywords dropped."""

from __future__ import annotations

from lark import Tree


def prune(tree, keywords: frozenset[str]) -> None:
    """In one pass, bottom-up: give every subtree the span of its first and last token,
    then drop keyword and punctuation tokens (types in `keywords`) from its children.
    The parser keeps all tokens; the AST's builder (transformer.py) wants only the meaningful ones."""
    stack = [(tree, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            stack.extend((child, False) for child in node.children if type(child) is Tree)
            continue
        first = last = None
        kept = []
        for child in node.children:
            if type(child) is Tree:
                edge = child.meta
                if edge.empty:
                    kept.append(child)
                    continue
                kept.append(child)
            else:
                edge = child
                if child.type not in keywords:
                    kept.append(child)
            if first is None:
                first = edge
            last = edge
        meta = node.meta
        if first is None:
            meta.empty = True
        else:
            meta.empty = False
            meta.line, meta.column, meta.start_pos = first.line, first.column, first.start_pos
            meta.end_line, meta.end_column, meta.end_pos = last.end_line, last.end_column, last.end_pos
        node.children = kept
