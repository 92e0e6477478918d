"""`override` and duplicates: the top-level blocks merged (a later `override` block replaces the
statements of the same key, ast.Node.key), statements stated twice in one block reported."""

from __future__ import annotations

import dataclasses

from engine.diagnostics import Fix, Span
import engine.policy.ast as ast
from engine.policy.checker import BaseChecker


class MergeChecker(BaseChecker):
    def duplicates(self, block: ast.Block) -> None:
        """Two statements saying the same thing in one block."""
        seen: dict[tuple[object, ...], ast.Node] = {}
        for item in block.items:
            if isinstance(item, ast.Block):
                self.duplicates(item)
            first = seen.get(item.key)
            if first is None:
                seen[item.key] = item
                continue
            code, what = {
                ast.Investor: ("V308", "investor"),
                ast.Asset: ("V309", "asset"),
                ast.Security: ("V310", "security"),
            }.get(type(item), ("V311", "this"))
            name = describe_key(item)
            self.err(code, f"{what} {name} is defined twice in one block" if code != "V311"
                     else f"{name} is stated twice in the `{block.kind}` block",
                     item.span, "keep one; to change a shipped rule, write it in an `override` block",
                     notes=(("first defined here", first.span),))
            self.blame(item.span)  # e.g. no V324 "no fund to buy" for the second definition

    def merge_top(self, items: list[ast.Node]) -> dict[str, ast.Block]:
        merged: dict[str, ast.Block] = {}
        for block in items:
            if not isinstance(block, ast.Block):
                continue
            self.duplicates(block)
            base = merged.get(block.kind)
            if block.override:
                if base is None:
                    hint, fix = _nothing_to_override(block, items)
                    self.err("V315", f"`override {block.kind}` has nothing to override", block.header, hint,
                             fix=fix)
                    # read as the first block: its "incomplete" (V318, V340) only echo this; a sum of
                    # targets (V301) or a missing investor (V338) at the same header are mistakes of their own
                    self.blame(block.header, frozenset({"V318", "V340"}))
                    merged[block.kind] = dataclasses.replace(block, override=False)
                else:
                    merged[block.kind] = merge(base, block)
                continue
            if base is not None:
                self.err("V314", f"a second `{block.kind}` block", block.header,
                         f"to change the one already defined, write `override {block.kind} {{ ... }}`",
                         notes=(("the first is here", base.header),))
                continue
            merged[block.kind] = block
        return merged


# The shipped file that defines each kind of block (pinned by tests/policy/test_echoes.py).
SHIPPED_BLOCKS = {"tax": "india", "buy": "perpetual", "sell": "perpetual", "harvest": "perpetual",
                  "portfolio": "textbook-bands", "rebalance": "textbook-bands"}


def _nothing_to_override(block: ast.Block, items: list[ast.Node]) -> tuple[str, Fix | None]:
    """V315's hint: with nothing `use`d at all, the `use` that was probably meant (and, for an
    editor, that line put at the top of the file)."""
    used = any(isinstance(i, ast.Block) and i.header.path != block.header.path for i in items)
    if used or block.kind not in SHIPPED_BLOCKS:
        return f"no `{block.kind}` block comes before it; remove `override`", None
    use = f'use "{SHIPPED_BLOCKS[block.kind]}"'
    top = Span(block.header.path, 1, 1, 1, 1)
    return (f"nothing to override: add `{use}` above (override changes a block of a used file)",
            Fix(f"add `{use}` at the top", top, use + "\n"))


def describe_key(node: ast.Node) -> str:
    if isinstance(node, (ast.Investor, ast.Security)):
        return str(node.id.value)
    if isinstance(node, ast.Asset):
        return f'"{node.name.value}"'
    if isinstance(node, ast.Block):
        if node.kind == "class" and node.name is not None:  # the grammar names every class
            return f"class {node.name.value}"
        return f"`{node.kind}`"
    words = {
        "LongTermLotsOnly": "`only long-term lots`", "NeverPayExitLoad": "`never pay exit load`",
        "UseLossesWithinYear": "`use harvested losses within the year`", "CostWarning": "the cost warning",
        "Rebuy": "the same-day rebuy rule",
        "Start": "the start trigger", "Stop": "the stop level", "pace": "the selling pace",
        "Measure": "the drift measure", "YearStart": "the start of the year", "FifoScope": "lot matching",
        "Anniversary": "the anniversary rule", "LongTermAfter": "the holding period",
        "Grandfather": "grandfathering", "Method": "the method", "Due": "when it is due",
        "BuyMethod": "the buying method", "CarryForward": "carry forward",
        "RealiseGains": "gain harvesting", "LossThreshold": "the loss threshold",
        "ShortTermGains": "the short-term gains rule", "Prefer": "the preference order",
        "Proceeds": "what the proceeds buy",
        "exemption": "an exemption for the same years", "cess": "a cess for the same years",
        "dated": "a rule with the same dates", "set-off": "a set-off rule for the same loss",
        "charge": "the same charge", "index": "an index for the same year", "use": "the same `use`",
        "FutureTaxValue": "the value of future tax", "ExpectedGrowth": "the expected growth",
        "HarvestWhen": "a harvest trigger of this kind (and window)",
        "ExpenseSavings": "the value of expense savings",
        "Adviser": "the adviser", "Disclaimer": "the disclaimer",
    }
    return words.get(str(node.key[0]), "this statement")


def merge(base: ast.Block, over: ast.Block) -> ast.Block:
    """`override`: statements of `over` replace those of `base` with the same key;
    nested blocks (classes, set-off, charges) merge the same way; new ones are added."""
    items = list(base.items)
    for item in over.items:
        index = next((i for i, existing in enumerate(items) if existing.key == item.key), None)
        if index is None:
            items.append(item)
        elif isinstance(item, ast.Block) and isinstance(existing := items[index], ast.Block):
            items[index] = merge(existing, item)
        else:
            items[index] = item
    return dataclasses.replace(base, items=tuple(items), name=over.name or base.name)
