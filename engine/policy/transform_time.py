"""The AST builders of the harvest block's time statements (docs/rules-language.md, 4.5), a part of
transformer.Builder: `value future tax at RATE a year over YEARS years`, `expect growth of RATE a year`."""

from __future__ import annotations

from typing import Callable

from engine import literals
from engine.diagnostics import Span
import engine.policy.ast as ast
from engine.policy.prune import Child, PTree


class TimeStatements:
    """Builders that transformer.Builder inherits; they use its readers."""

    percent: Callable[[Child], ast.Lit]
    read: Callable[[Child, Callable[[str], object]], ast.Lit]
    span: Callable[[Child], Span]

    def b_discount_stmt(self, tree: PTree) -> ast.FutureTaxValue:
        rate, years = tree.children[0], tree.children[1]
        return ast.FutureTaxValue(rate=self.percent(rate), years=self.read(years, literals.read_int),
                                  span=self.span(tree))

    def b_growth_stmt(self, tree: PTree) -> ast.ExpectedGrowth:
        return ast.ExpectedGrowth(rate=self.percent(tree.children[0]), span=self.span(tree))
