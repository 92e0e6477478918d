"""Lark tree -> AST (ast.py): typed nodes with spans, literals read exactly.

Every literal that cannot be read (`1,2,500`, `2024-02-30`, `FY 2025-27`) is reported
with its span; the statement holding it is dropped, as is any statement that the
parser reported a syntax error in, so one mistake yields one diagnostic.
"""

from __future__ import annotations

from datetime import date, timedelta
from collections.abc import Sequence
from typing import Callable, Literal

from lark import Token, Tree

from engine import literals
from engine.diagnostics import Diagnostic, Span, error
import engine.policy.ast as ast
from engine.policy.grammar import lark_parser, terminal_names
from engine.policy.prune import Child, PTree, branch, branches, leaf, prune
from engine.policy.transform_harvest import HarvestStatements
from engine.policy.transform_report import ReportStatements

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_UNITS: dict[str, ast.Unit] = {"day": "days", "days": "days", "month": "months", "months": "months",
          "year": "years", "years": "years"}
_BLOCK_KINDS = {
    "portfolio_block": "portfolio", "buy_block": "buy", "sell_block": "sell",
    "rebalance_block": "rebalance", "harvest_block": "harvest", "tax_block": "tax",
    "class_block": "class", "setoff_block": "set-off", "charges_block": "charges",
    "index_block": "cost-inflation-index",
    "report_block": "report",
}


class _Drop(Exception):
    """The statement being built is dropped (its problem is already reported)."""


class Builder(HarvestStatements, ReportStatements):
    def __init__(self, path: str, error_offsets: list[int]) -> None:
        self.path = path
        self.error_offsets = sorted(error_offsets)
        self.diagnostics: list[Diagnostic] = []
        self._bad = False

    # ------------------------------------------------------------ helpers
    def span(self, item: Child) -> Span:
        if isinstance(item, Token):
            # Lark types a token's position optional; every token of lexer.py has one.
            assert item.line is not None and item.column is not None
            end_col = item.end_column if item.end_column else item.column + len(item.value)
            return Span(self.path, item.line, item.column, item.end_line or item.line, end_col)
        meta = item.meta
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _broken(self, tree: PTree) -> bool:
        meta = tree.meta
        if getattr(meta, "empty", True) or not self.error_offsets:
            return False
        return any(meta.start_pos <= offset <= meta.end_pos for offset in self.error_offsets)

    def read(self, child: Child, reader: Callable[[str], object]) -> ast.Lit:
        token = leaf(child)
        try:
            value = reader(str(token))
        except literals.LiteralError as e:
            self.diagnostics.append(error(e.code, e.message, self.span(token), e.hint))
            self._bad = True
            value = None
        return ast.Lit(value=value, text=str(token), span=self.span(token))

    def string(self, token: Child) -> ast.Lit:
        return self.read(token, _unquote)

    def amount(self, child: Child) -> ast.Lit:
        token = branch(child).children[0]
        return self.read(token, literals.read_amount)

    def percent(self, token: Child) -> ast.Lit:
        return self.read(token, literals.read_percent)

    def duration(self, child: Child) -> ast.Duration:
        tree = branch(child)
        count_token, unit = tree.children
        count = self.read(count_token, literals.read_int)
        return ast.Duration(count=count.value if count.value is not None else 0,
                            unit=_UNITS[str(unit)], span=self.span(tree))

    def fy_range(self, child: Child) -> ast.FYRange:
        tree = branch(child)
        years = [self.read(t, literals.read_fy) for t in tree.children]
        first = years[0].value
        if tree.data == "fy_from":
            last = None
        else:
            last = years[1].value if len(years) > 1 else first
        return ast.FYRange(first=first if first is not None else 0, last=last, span=self.span(tree))

    def _attrs(self, children: list[Child]) -> dict[str, PTree]:
        """Attribute subtrees by name, reporting any given twice."""
        seen: dict[str, PTree] = {}
        for tree in map(branch, children):
            name = tree.data
            if name in seen:
                self.diagnostics.append(error(
                    "V320", f"`{_ATTR_WORDS.get(name, name)}` is given twice in one statement",
                    self.span(tree), "keep one of them" if name != "slab_attr" else
                    "give the rates in one list, each with its years: slab 30%, slab 20% for FY 2019-20 to FY 2021-22"))
                self._bad = True
                continue
            seen[name] = tree
        return seen

    # ----------------------------------------------------------- structure
    def file(self, tree: PTree) -> ast.File:
        items = self.statements(tree.children)
        span = Span(self.path, 1, 1, 1, 1)
        return ast.File(path=self.path, items=items, span=span)

    def statements(self, children: Sequence[Child]) -> tuple[ast.Node, ...]:
        nodes = []
        for child in children:
            if not isinstance(child, Tree):
                continue
            is_block = child.data.endswith("_block")
            if not is_block and self._broken(child):
                continue
            self._bad = False
            try:
                node = self.build(child)
            except _Drop:
                continue
            if self._bad and not is_block:
                continue
            nodes.append(node)
        self._bad = False
        return tuple(nodes)

    def build(self, tree: PTree) -> ast.Node:
        if tree.data in _BLOCK_KINDS:
            return self.block(tree)
        method: Callable[[PTree], ast.Node] = getattr(self, "b_" + tree.data)
        return method(tree)

    def block(self, tree: PTree) -> ast.Block:
        override = any(isinstance(c, Tree) and c.data == "override" for c in tree.children)
        name = None
        years = None
        body = []
        for child in tree.children:
            if isinstance(child, Token) and child.type in {"STRING", "NAME"}:
                name = self.string(child) if child.type == "STRING" else self.read(child, str)
            elif isinstance(child, Tree) and child.data in _SALES_YEARS:
                years = self.sales_years(child)
            elif isinstance(child, Tree) and child.data != "override":
                body.append(child)
        span = self.span(tree)
        header = Span(self.path, span.line, span.column, span.line, span.column + 1)
        if name is not None:
            header = Span(self.path, span.line, span.column, name.span.end_line, name.span.end_column)
        if years is not None:
            header = Span(self.path, span.line, span.column, years.span.end_line, years.span.end_column)
        return ast.Block(kind=_BLOCK_KINDS[tree.data], name=name, override=override,
                         items=self.statements(body), header=header, span=span, years=years)

    def sales_years(self, tree: PTree) -> ast.FYRange:
        """`for sales in FY A to FY B`, `for sales from FY A`, `for sales up to FY B`."""
        years = [self.read(t, literals.read_fy).value for t in tree.children]
        if None in years:
            years = [0] * len(years)  # reported; the block stays, so its entries are checked
        if tree.data == "sales_in":
            first, last = years[0], years[-1]
        elif tree.data == "sales_from":
            first, last = years[0], None
        else:
            first, last = None, years[0]
        return ast.FYRange(first=first, last=last, span=self.span(tree))

    def b_use_stmt(self, tree: PTree) -> ast.Use:
        return ast.Use(target=self.string(tree.children[0]), span=self.span(tree))

    # ----------------------------------------------------------- portfolio
    def b_investor_stmt(self, tree: PTree) -> ast.Investor:
        ident, name, *rest = tree.children
        attrs = self._attrs(rest)
        pan = attrs.get("pan_attr")
        slab = attrs.get("slab_attr")
        alias = attrs.get("alias_attr")
        sip = attrs.get("sip_attr")
        return ast.Investor(
            id=self.read(ident, str), name=self.string(name),
            pan=self.read(pan.children[0], str) if pan else None,
            slabs=tuple(self.slab_rate(s) for s in branches(slab)) if slab else (),
            aliases=tuple(self.string(t) for t in alias.children) if alias else (),
            sip=self.amount(sip.children[0]) if sip else None,
            span=self.span(tree),
        )

    def slab_rate(self, tree: PTree) -> ast.SlabRate:
        rate, *years = tree.children
        return ast.SlabRate(rate=self.percent(rate), years=self.fy_range(years[0]) if years else None,
                            span=self.span(tree))

    def b_asset_stmt(self, tree: PTree) -> ast.Asset:
        name, target, *rest = tree.children
        attrs = self._attrs(rest)
        band, cls = attrs.get("band_attr"), attrs.get("class_attr")
        return ast.Asset(
            name=self.string(name), target=self.percent(target),
            band=self.percent(band.children[0]) if band else None,
            tax_class=self.read(cls.children[0], str) if cls else None, span=self.span(tree),
            consolidate_into=self.read(attrs["consolidate_cont"].children[0], str) if "consolidate_cont" in attrs else None,
        )

    def b_security_stmt(self, tree: PTree) -> ast.Security:
        kind, ident, name, *rest = tree.children
        minimums = self._minimums([t for t in map(branch, rest) if t.data == "minimum_cont"])
        attrs = self._attrs([t for t in rest if branch(t).data != "minimum_cont"])
        holds = self.string(attrs["holds_attr"].children[0]) if "holds_attr" in attrs else None
        tax_class = self.read(attrs["class_attr"].children[0], str) if "class_attr" in attrs else None
        legacy = replacement = None
        if "legacy_cont" in attrs:
            legacy_tree = attrs["legacy_cont"]
            legacy = ast.Lit(value=True, text="legacy", span=self.span(legacy_tree))
            if legacy_tree.children:
                replacement = self.read(branch(legacy_tree.children[0]).children[0], str)
        steps = []
        for step in branches(attrs["exit_load_cont"]) if "exit_load_cont" in attrs else ():
            rate, within = step.children
            steps.append(ast.LoadStep(rate=self.percent(rate), within=self.duration(within), span=self.span(step)))
        isin = self.read(attrs["isin_attr"].children[0], str) if "isin_attr" in attrs else None
        expense = self.percent(attrs["expense_cont"].children[0]) if "expense_cont" in attrs else None
        return ast.Security(kind=branch(kind).data, id=self.read(ident, str), name=self.string(name),
                            span=self.span(tree), holds=holds, tax_class=tax_class, legacy=legacy,
                            replacement=replacement, exit_load=tuple(steps), isin=isin, expense_ratio=expense,
                            minimum_purchase=minimums.get("minimum_purchase"),
                            minimum_redemption=minimums.get("minimum_redemption"),
                            minimum_redemption_units=minimums.get("minimum_redemption_units"))

    def _minimums(self, minimums: list[PTree]) -> dict[str, ast.Lit]:
        """`minimum purchase Rs 500`, `minimum redemption Rs 1,000` (or `... 10 units`), each once."""
        fields: dict[str, ast.Lit] = {}
        for m in minimums:
            which, quantity = branches(m)
            key = which.data  # minimum_purchase | minimum_redemption
            if quantity.data == "unit_count":
                if key == "minimum_purchase":
                    self.diagnostics.append(error("V321", "a minimum purchase is an amount in rupees, not units",
                                                  self.span(m), "write minimum purchase Rs 500"))
                    self._bad = True
                    continue
                target = "minimum_redemption_units"
                value = self.read(quantity.children[0], literals.read_number)
            else:
                target = key
                value = self.amount(quantity.children[0])
            if target in fields or (target.startswith("minimum_redemption") and
                                    {"minimum_redemption", "minimum_redemption_units"} & fields.keys()):
                self.diagnostics.append(error("V320", "the minimum is given twice in one statement",
                                              self.span(m), "keep one of them"))
                self._bad = True
                continue
            fields[target] = value
        return fields

    # -------------------------------------------------------------- buying
    def b_buy_stmt(self, tree: PTree) -> ast.BuyMethod:
        method = {"proportional": "proportional", "even_drift": "even-drift"}[branch(tree.children[0]).data]
        return ast.BuyMethod(method=method, span=self.span(tree))

    # ------------------------------------------------------------- selling
    def b_measure_stmt(self, tree: PTree) -> ast.Measure:
        measure = branch(tree.children[0]).data.replace("_", "-")
        return ast.Measure(measure=measure, span=self.span(tree))

    def b_start_stmt(self, tree: PTree) -> ast.Start:
        return ast.Start(level=self.percent(tree.children[0]), span=self.span(tree))

    def b_stop_stmt(self, tree: PTree) -> ast.Stop:
        return ast.Stop(level=self.percent(tree.children[0]), span=self.span(tree))

    def _source(self, children: list[Child]) -> ast.SellSource | None:
        for child in children:
            if isinstance(child, Tree) and child.data == "sell_from":
                source = branch(child.children[0])
                kind = {"overweight_assets": "overweight", "assets_outside_band": "outside-band",
                        "named_assets": "named"}[source.data]
                assets = tuple(self.string(t) for t in source.children)
                return ast.SellSource(kind=kind, assets=assets, span=self.span(child))
        return None

    def b_pace_stmt(self, tree: PTree) -> ast.Pace:
        return ast.Pace(rate=self.percent(tree.children[0]), source=self._source(tree.children[1:]),
                        span=self.span(tree))

    def b_ceiling_stmt(self, tree: PTree) -> ast.Ceiling:
        start, stop, over, *rest = tree.children
        return ast.Ceiling(start=self.percent(start), stop=self.percent(stop), over=self.duration(over),
                           source=self._source(rest), span=self.span(tree))

    def b_long_term_lots_stmt(self, tree: PTree) -> ast.LongTermLotsOnly:
        return ast.LongTermLotsOnly(span=self.span(tree))

    def b_exit_load_stmt(self, tree: PTree) -> ast.NeverPayExitLoad:
        return ast.NeverPayExitLoad(span=self.span(tree))

    # --------------------------------------------------------- rebalancing
    def b_method_stmt(self, tree: PTree) -> ast.Method:
        return ast.Method(method=branch(tree.children[0]).data, span=self.span(tree))

    def b_due_stmt(self, tree: PTree) -> ast.Due:
        triggers, connectives = [], []
        for child in branches(tree):
            if child.data in {"any_of", "all_of"}:
                word = "any" if child.data == "any_of" else "all"
                connectives.append(ast.Lit(value=word, text=word, span=self.span(child)))
            else:
                level = self.percent(child.children[0]) if child.children else None
                triggers.append(ast.Trigger(kind=child.data.replace("_", "-"), level=level,
                                            span=self.span(child)))
        return ast.Due(triggers=tuple(triggers), connectives=tuple(connectives), span=self.span(tree))

    def b_warn_stmt(self, tree: PTree) -> ast.CostWarning:
        limit = branch(tree.children[0])
        if limit.data == "cost_percent":
            return ast.CostWarning(percent=self.percent(limit.children[0]), span=self.span(tree))
        return ast.CostWarning(amount=self.amount(limit.children[0]), span=self.span(tree))

    # ---------------------------------------------------------- harvesting
    def b_gains_stmt(self, tree: PTree) -> ast.RealiseGains:
        margin = self.amount(tree.children[0]) if tree.children else None
        return ast.RealiseGains(margin=margin, span=self.span(tree))

    def b_losses_stmt(self, tree: PTree) -> ast.LossThreshold:
        return ast.LossThreshold(amount=self.amount(tree.children[0]), span=self.span(tree))

    def b_use_losses_stmt(self, tree: PTree) -> ast.UseLossesWithinYear:
        return ast.UseLossesWithinYear(span=self.span(tree))

    def b_short_term_stmt(self, tree: PTree) -> ast.ShortTermGains:
        limit = self.amount(tree.children[0]) if tree.children else None
        return ast.ShortTermGains(limit=limit, span=self.span(tree))

    def b_prefer_stmt(self, tree: PTree) -> ast.Prefer:
        items = tuple(ast.Lit(value=c.data.replace("_", "-"), text=c.data.replace("_", " "),
                              span=self.span(c)) for c in branches(tree))
        return ast.Prefer(items=items, span=self.span(tree))

    # ------------------------------------------------------------- tax law
    def b_year_stmt(self, tree: PTree) -> ast.YearStart:
        month, day = tree.children
        return ast.YearStart(
            month=ast.Lit(value=_MONTHS.index(str(month)) + 1, text=str(month), span=self.span(month)),
            day=self.read(day, literals.read_int), span=self.span(tree))

    def b_fifo_stmt(self, tree: PTree) -> ast.FifoScope:
        scopes: dict[str, Literal["account", "investor"]] = {"per_account": "account", "per_investor": "investor"}
        scope = scopes[branch(tree.children[0]).data]
        return ast.FifoScope(scope=scope, span=self.span(tree))

    def b_anniversary_stmt(self, tree: PTree) -> ast.Anniversary:
        return ast.Anniversary(term=branch(tree.children[0]).data.replace("_", "-"), span=self.span(tree))

    def b_cess_stmt(self, tree: PTree) -> ast.Cess:
        rate, *rest = tree.children
        years = self.fy_range(rest[0]) if rest else None
        return ast.Cess(rate=self.percent(rate), years=years, span=self.span(tree))

    def b_rebuy_stmt(self, tree: PTree) -> ast.Rebuy:
        return ast.Rebuy(span=self.span(tree))

    def b_long_term_stmt(self, tree: PTree) -> ast.LongTermAfter:
        return ast.LongTermAfter(duration=self.duration(tree.children[0]), span=self.span(tree))

    def b_grandfather_stmt(self, tree: PTree) -> ast.Grandfather:
        return ast.Grandfather(date=self.read(tree.children[0], literals.read_date), span=self.span(tree))

    def b_exemption_stmt(self, tree: PTree) -> ast.Exemption:
        amount, years = tree.children
        return ast.Exemption(amount=self.amount(amount), years=self.fy_range(years), span=self.span(tree))

    def b_dated_stmt(self, tree: PTree) -> ast.Dated:
        conditions, settings = [], []
        for child in branches(tree):
            if child.data in {"sold", "bought"}:
                conditions.append(self._condition(child))
            else:
                settings.append(self._setting(child))
        return ast.Dated(conditions=tuple(conditions), settings=tuple(settings), span=self.span(tree))

    def _condition(self, tree: PTree) -> ast.Condition:
        rng = branch(tree.children[0])
        dates = [self.read(t, literals.read_date).value for t in rng.children]
        if None in dates:
            raise _Drop
        if rng.data == "before":
            if dates[0] == date.min:
                self.diagnostics.append(error("V305", f"nothing can be {tree.data} before {dates[0]}",
                                              self.span(rng), "check the date"))
                raise _Drop
            first, last = None, dates[0] - timedelta(days=1)
        elif rng.data == "on_or_before":
            first, last = None, dates[0]
        else:
            first, last = dates[0], (dates[1] if len(dates) > 1 else None)
        return ast.Condition(on=tree.data, first=first, last=last, span=self.span(tree))

    def _rate(self, item: Child) -> ast.Lit:
        if isinstance(item, Tree):  # slab
            return ast.Lit(value="slab", text="slab", span=self.span(item))
        return self.percent(item)

    def _setting(self, tree: PTree) -> ast.Setting:
        kind = tree.data.replace("_", "-")
        span = self.span(tree)
        if kind == "long-term-after":
            return ast.Setting(kind=kind, duration=self.duration(tree.children[0]), span=span)
        if kind == "always-short-term":
            rate = self._rate(tree.children[0]) if tree.children else None
            return ast.Setting(kind=kind, rate=rate, span=span)
        if kind == "long-exempt":
            return ast.Setting(kind="long-rate", rate=ast.Lit(value="exempt", text="exempt", span=span), span=span)
        if kind == "long-rate":
            rate_child, *rest_children = tree.children
            rest = [branch(c) for c in rest_children]
            lower = next((c for c in rest if c.data == "lower_of"), None)
            return ast.Setting(kind=kind, rate=self._rate(rate_child),
                               indexed=any(c.data == "with_indexation" for c in rest),
                               unindexed_rate=self.percent(lower.children[0]) if lower else None, span=span)
        return ast.Setting(kind=kind, rate=self._rate(tree.children[0]), span=span)

    def b_setoff_stmt(self, tree: PTree) -> ast.SetOffRule:
        loss, *gains = (c.data.replace("_", "-") for c in branches(tree))
        return ast.SetOffRule(loss=loss, gains=tuple(gains), span=self.span(tree))

    def b_carry_stmt(self, tree: PTree) -> ast.CarryForward:
        return ast.CarryForward(years=self.read(tree.children[0], literals.read_int), span=self.span(tree))

    def b_charge_stmt(self, tree: PTree) -> ast.Charge:
        kind, rate, side, *rest = tree.children
        targets, start = [], None
        for child in rest:
            if isinstance(child, Token):
                start = self.read(child, literals.read_date)
                continue
            *cls, target_kind = child.children
            targets.append(ast.ChargeTarget(
                tax_class=self.read(cls[0], str) if cls else None,
                kind=_TARGET_KINDS[branch(target_kind).data], span=self.span(child)))
        side_name = {"on_purchase": "purchase", "on_sale": "sale",
                     "on_purchase_and_sale": "purchase-and-sale"}[branch(side).data]
        return ast.Charge(kind=branch(kind).data.replace("_", "-"), rate=self.percent(rate), side=side_name,
                          targets=tuple(targets), start=start, span=self.span(tree))

    def b_index_stmt(self, tree: PTree) -> ast.IndexEntry:
        year, value = tree.children
        return ast.IndexEntry(year=self.read(year, literals.read_fy),
                              value=self.read(value, literals.read_int), span=self.span(tree))


_TARGET_KINDS: dict[str, Literal["funds", "etfs", "stocks"]] = {"funds": "funds", "etfs": "etfs", "stocks": "stocks"}
_SALES_YEARS = {"sales_in", "sales_from", "sales_up_to"}

_ATTR_WORDS = {
    "pan_attr": "pan", "slab_attr": "slab", "alias_attr": "alias", "sip_attr": "sip", "band_attr": "band",
    "class_attr": "class", "holds_attr": "holds", "legacy_cont": "legacy",
    "exit_load_cont": "exit load", "isin_attr": "isin", "expense_cont": "expense ratio",
}


def _unquote(text: str) -> str:
    body = text[1:-1]
    if "\\" not in body:
        return body
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1:i + 2]
            if nxt not in {'"', "\\"}:
                raise literals.LiteralError("P122", f"unknown escape `\\{nxt}` in a quoted name",
                                            'only \\" and \\\\ may follow a backslash; write paths with /')
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def to_ast(tree: PTree, path: str, error_offsets: list[int]) -> tuple[ast.File, list[Diagnostic]]:
    """Build the AST; `tree` is pruned in place (parse again to format it)."""
    prune(tree, frozenset(terminal_names(lark_parser())))
    builder = Builder(path, error_offsets)
    return builder.file(tree), builder.diagnostics

