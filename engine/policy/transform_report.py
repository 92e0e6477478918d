"""The AST builders of the `report` block (docs/rules-language.md, "The report block"), a part of
transformer.Builder: `adviser "NAME" registration INA000012345` and `disclaimer "TEXT"`."""

from __future__ import annotations

from typing import Callable

from engine.diagnostics import Span
import engine.policy.ast as ast
from engine.policy.prune import Child, PTree


class ReportStatements:
    """Builders that transformer.Builder inherits; they use its readers."""

    string: Callable[[Child], ast.Lit]
    read: Callable[[Child, Callable[[str], object]], ast.Lit]
    span: Callable[[Child], Span]

    def b_adviser_stmt(self, tree: PTree) -> ast.Adviser:
        name, *rest = tree.children
        registration = rest[0].children[0] if rest and not isinstance(rest[0], str) else None  # registration_attr
        return ast.Adviser(name=self.string(name),
                           registration=self.read(registration, str) if registration is not None else None,
                           span=self.span(tree))

    def b_disclaimer_stmt(self, tree: PTree) -> ast.Disclaimer:
        return ast.Disclaimer(text=self.string(tree.children[0]), span=self.span(tree))
