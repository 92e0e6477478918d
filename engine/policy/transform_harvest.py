"""The AST builders of the harvest block's newer statements (docs/rules-language.md, 4.5), a part of
transformer.Builder: `value future tax at RATE a year over YEARS years`, `expect growth of RATE a year`,
`rebuy the same funds` / `reallocate proceeds by the buying rule`, and `harvest when ...`."""

from __future__ import annotations

from typing import Callable

from engine import literals
from engine.diagnostics import Span
import engine.policy.ast as ast
from engine.policy.prune import Child, PTree, branch


class HarvestStatements:
    """Builders that transformer.Builder inherits; they use its readers."""

    percent: Callable[[Child], ast.Lit]
    amount: Callable[[Child], ast.Lit]
    duration: Callable[[Child], ast.Duration]
    read: Callable[[Child, Callable[[str], object]], ast.Lit]
    span: Callable[[Child], Span]

    def b_discount_stmt(self, tree: PTree) -> ast.FutureTaxValue:
        rate, years = tree.children[0], tree.children[1]
        return ast.FutureTaxValue(rate=self.percent(rate), years=self.read(years, literals.read_int),
                                  span=self.span(tree))

    def b_growth_stmt(self, tree: PTree) -> ast.ExpectedGrowth:
        return ast.ExpectedGrowth(rate=self.percent(tree.children[0]), span=self.span(tree))

    def b_proceeds_stmt(self, tree: PTree) -> ast.Proceeds:
        use = branch(tree.children[0])
        return ast.Proceeds(use=ast.Lit(value=use.data, text=use.data, span=self.span(use)), span=self.span(tree))

    def b_harvest_when_stmt(self, tree: PTree) -> ast.HarvestWhen:
        kids, at = branch(tree.children[0]).children, self.span(tree)  # [amount] or [PERCENT, duration]
        return (ast.HarvestWhen(kind="long-term-losses", amount=self.amount(kids[0]), span=at) if len(kids) == 1 else
                ast.HarvestWhen(kind="drawdown", below=self.percent(kids[0]), window=self.duration(kids[1]), span=at))

    def b_savings_stmt(self, tree: PTree) -> ast.ExpenseSavings:
        return ast.ExpenseSavings(years=self.read(tree.children[0], literals.read_int), span=self.span(tree))
