"""The parse tree made ready for the AST's builder: spans from tokens, keywords dropped; and the
builder's typed view of a pruned tree's children (`leaf`, `branch`)."""

from __future__ import annotations

from lark import Token, Tree
from lark.tree import Meta

PTree = Tree[Token]  # a pruned parse tree
Child = Token | PTree  # one of its children: which, at each position, grammar.lark says


def prune(tree: Tree[Token], keywords: frozenset[str]) -> None:
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
        first: Meta | Token | None = None
        last: Meta | Token | None = None
        kept: list[Tree[Token] | Token] = []
        for child in node.children:
            edge: Meta | Token
            if isinstance(child, Tree):
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
        if first is None or last is None:  # both set together
            meta.empty = True
        else:
            meta.empty = False
            # Lark types a token's position optional; every token of lexer.py has one (a library gap).
            meta.line, meta.column, meta.start_pos = first.line, first.column, first.start_pos  # type: ignore[assignment]
            meta.end_line, meta.end_column, meta.end_pos = last.end_line, last.end_column, last.end_pos  # type: ignore[assignment]
        node.children = kept


def leaf(child: Child) -> Token:
    """A child that the grammar makes a token at its position."""
    assert isinstance(child, Token), child
    return child


def branch(child: Child) -> PTree:
    """A child that the grammar makes a subtree at its position."""
    assert isinstance(child, Tree), child
    return child


def branches(tree: PTree) -> list[PTree]:
    """The children of a rule whose children are all subtrees (its keywords pruned)."""
    return [branch(child) for child in tree.children]
