"""AST -> Policy: merge `override`s, build the frozen model, check what it means.

Syntax is checked by the parser; this step checks sense: targets summing to 100%,
a stop below its trigger, rules that overlap in time, funds holding undeclared
assets, unknown tax classes, and so on. Each check has its own code (docs/
rules-language.md lists them). All problems are reported, not just the first.
The checks live in merge.py, validate_tax.py, validate_portfolio.py and validate_rules.py;
this module runs them in order.
"""

from __future__ import annotations

from typing import TypedDict

from engine.diagnostics import Diagnostic
import engine.policy.ast as ast
from engine.policy.merge import MergeChecker
import engine.policy.model as m
from engine.policy.validate_portfolio import PortfolioChecker
from engine.policy.validate_report import ReportChecker
from engine.policy.validate_rules import RuleChecker
from engine.policy.validate_tax import TaxLawChecker
from engine.vocabulary import RebalanceMethod, SellSourceKind, TriggerKind


class Rules(TypedDict, total=False):
    """The rule blocks a policy states, resolved (the Policy fills in those not stated)."""

    buy: m.BuyRule
    sell: m.SellRule | None
    rebalance: m.RebalanceRule | None
    harvest: m.HarvestRule


class Checker(MergeChecker, TaxLawChecker, PortfolioChecker, RuleChecker, ReportChecker):
    """Every check of a policy's sense, one list of diagnostics."""


def resolve(items: list[ast.Node], sources: tuple[m.SourceInfo, ...] = (),
            semantic: bool = True) -> tuple[m.Policy | None, list[Diagnostic]]:
    """Merge and check top-level blocks; the Policy is None when any error was found."""
    checker = Checker()
    blocks = checker.merge_top(items)
    if not semantic:
        return None, checker.diagnostics
    tax = checker.tax(blocks["tax"]) if "tax" in blocks else None
    class_names = {c.name for c in tax.classes} if tax else None
    portfolio = checker.portfolio(blocks["portfolio"], class_names) if "portfolio" in blocks else None
    asset_names = {a.name for a in portfolio.assets} if portfolio else None
    rules: Rules = {}  # the rules the files state, in this order
    if "buy" in blocks:
        rules["buy"] = checker.buy(blocks["buy"])
    if "sell" in blocks:
        rules["sell"] = checker.sell(blocks["sell"], asset_names)
    if "rebalance" in blocks:
        rules["rebalance"] = checker.rebalance(blocks["rebalance"])
    if "harvest" in blocks:
        rules["harvest"] = checker.harvest(blocks["harvest"])
    rebalance, sell = rules.get("rebalance"), rules.get("sell")
    if portfolio is not None and not any(a.band is not None for a in portfolio.assets):
        band_rules = []
        if rebalance is not None and rebalance.method == RebalanceMethod.PARTIAL:
            band_rules.append("bring assets outside their band back to target")
        if rebalance is not None and any(t.kind == TriggerKind.BAND_BREACHED for t in rebalance.triggers):
            band_rules.append("due when any band is breached")
        if sell is not None and sell.source.kind == SellSourceKind.OUTSIDE_BAND:
            band_rules.append("sell from assets outside their band")
        for rule in band_rules:
            checker.warn("V341", f"`{rule}` can never act: no asset has a band", blocks["portfolio"].header,
                         'give the assets bands: asset "Equity" 60% band 5%')
    if portfolio is not None and tax is None:
        checker.warn("V330", "the portfolio has no tax law", blocks["portfolio"].header,
                     'add `use "india"` at the top of the file')
    report = checker.report(blocks["report"]) if "report" in blocks else None
    if any(d.is_error for d in checker.diagnostics):
        return None, checker.diagnostics
    policy = m.Policy(sources=sources, tax=tax, portfolio=portfolio, stated=frozenset(rules), report=report, **rules)
    return policy, checker.diagnostics
