"""AST -> Policy: merge `override`s, build the frozen model, check what it means.

Syntax is checked by the parser; this step checks sense: targets summing to 100%,
a stop below its trigger, rules that overlap in time, funds holding undeclared
assets, unknown tax classes, and so on. Each check has its own code (docs/
rules-language.md lists them). All problems are reported, not just the first.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from datetime import date
from decimal import Decimal
from itertools import combinations
from typing import Callable

from engine.diagnostics import Diagnostic, Span, error, warning
from engine.literals import format_percent, fy_label, indian_grouping
from engine.policy import ast
from engine.policy import model as m
from engine.vocabulary import (BuyMethod, ChargedOn, ChargeKind, Combine, DriftMeasure, Preference, RateKind,
                               RebalanceMethod, SecurityKind, SellSourceKind, Term, TriggerKind)

_PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
_ONE = Decimal(1)


def _origin(span: Span) -> str:
    return f"{span.path}:{span.line}"


class Checker:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def err(self, code: str, message: str, span: Span | None, hint: str | None = None,
            notes: tuple[tuple[str, Span], ...] = ()) -> None:
        self.diagnostics.append(error(code, message, span, hint, notes))

    def warn(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(warning(code, message, span, hint))

    def duration_bound(self, d: ast.Duration) -> None:
        """A holding period or window of more than 100 years is a typo (and beyond the calendar)."""
        if _in_unit(d)[1] > {"days": 36600, "months": 1200}[_in_unit(d)[0]]:
            self.err("V304", f"{d} is longer than 100 years", d.span, "check the number")

    def percent(self, lit: ast.Lit | None, what: str, *, allow_zero: bool = True,
                maximum: Decimal = _ONE) -> Decimal | None:
        """A percentage within [0, 100%] (or (0, 100%]); reports V304 otherwise."""
        if lit is None:
            return None
        value: Decimal = lit.value
        low_ok = value >= 0 if allow_zero else value > 0
        if not low_ok or value > maximum:
            bound = "from 0%" if allow_zero else "above 0%"
            self.err("V304", f"{what} must be {bound} up to {format_percent(maximum)}, not {lit.text}",
                     lit.span, "check the number")
        return value

    # ------------------------------------------------------------- merging
    def duplicates(self, block: ast.Block) -> None:
        """Two statements saying the same thing in one block."""
        seen: dict[tuple, ast.Node] = {}
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
            name = _describe_key(item)
            self.err(code, f"{what} {name} is defined twice in one block" if code != "V311"
                     else f"{name} is stated twice in the `{block.kind}` block",
                     item.span, "keep one; to change a shipped rule, write it in an `override` block",
                     notes=(("first defined here", first.span),))

    def merge_top(self, items: list[ast.Node]) -> dict[str, ast.Block]:
        merged: dict[str, ast.Block] = {}
        for block in items:
            if not isinstance(block, ast.Block):
                continue
            self.duplicates(block)
            base = merged.get(block.kind)
            if block.override:
                if base is None:
                    self.err("V315", f"`override {block.kind}` has nothing to override", block.header,
                             f"no `{block.kind}` block comes before it; remove `override`")
                    merged[block.kind] = dataclasses.replace(block, override=False)
                else:
                    merged[block.kind] = _merge(base, block)
                continue
            if base is not None:
                self.err("V314", f"a second `{block.kind}` block", block.header,
                         f"to change the one already defined, write `override {block.kind} {{ ... }}`",
                         notes=(("the first is here", base.header),))
                continue
            merged[block.kind] = block
        return merged

    # ------------------------------------------------------------- tax law
    def tax(self, block: ast.Block) -> m.TaxLaw | None:
        items = block.items
        year = _one(items, ast.YearStart)
        fifo = _one(items, ast.FifoScope)
        ok = True
        if year is None:
            self.err("V340", "the tax law does not say when the financial year starts", block.header,
                     "add `year starts April 1`")
            ok = False
        else:
            try:
                date(2001, year.month.value, year.day.value or 0)
            except (ValueError, TypeError):
                self.err("V327", f"{year.month.text} {year.day.text} is not a day of the year", year.span,
                         "write a real date, e.g. year starts April 1")
                ok = False
        if fifo is None:
            self.err("V340", "the tax law does not say how lots are matched", block.header,
                     "add `lots fifo per account` (s.45(2A) and CBDT Circular 768)")
            ok = False
        anniversary = _one(items, ast.Anniversary)
        cess = [self.cess(c) for c in items if isinstance(c, ast.Cess)]
        self.overlapping_years([c for c in items if isinstance(c, ast.Cess)], "cess rates")
        classes = [self.tax_class(b) for b in items if isinstance(b, ast.Block) and b.kind == "class"]
        class_names = {c.name for c in classes}
        set_off, carry = [], None
        for sub in (b for b in items if isinstance(b, ast.Block) and b.kind == "set-off"):
            for rule in sub.items:
                if isinstance(rule, ast.SetOffRule):
                    set_off.append(m.SetOffRule(loss=Term(rule.loss), against=tuple(Term(g) for g in rule.gains)))
                elif isinstance(rule, ast.CarryForward):
                    if rule.years.value <= 0:
                        self.err("V304", "losses are carried forward for at least one year", rule.years.span)
                    carry = rule.years.value
        charges, charge_nodes = [], []
        for sub in (b for b in items if isinstance(b, ast.Block) and b.kind == "charges"):
            for charge in sub.items:
                charges.append(self.charge(charge, class_names))
                charge_nodes.append(charge)
        self.overlapping_charges(charge_nodes, charges)
        index, dated_indexes = [], []
        series_blocks = [b for b in items if isinstance(b, ast.Block) and b.kind == "cost-inflation-index"]
        for sub in series_blocks:
            points = []
            for entry in sub.items:
                if entry.value.value <= 0:
                    self.err("V304", "a cost inflation index is a positive number", entry.value.span)
                points.append(m.IndexPoint(fy=entry.year.value, index=entry.value.value))
            points.sort(key=lambda p: p.fy)
            if sub.years is None:
                index.extend(points)
                continue
            years = sub.years
            if years.first is not None and years.last is not None and years.last < years.first:
                self.err("V305", f"{fy_label(years.first)} comes after {fy_label(years.last)}", years.span,
                         "write the earlier year first")
            dated_indexes.append(m.IndexSeries(sales_first=years.first, sales_last=years.last,
                                               points=tuple(points), origin=_origin(sub.span)))
        self.overlapping_series([b for b in series_blocks if b.years is not None])
        if not ok:
            return None
        return m.TaxLaw(
            name=block.name.value if block.name else None,
            year_start_month=year.month.value, year_start_day=year.day.value,
            lot_scope=fifo.scope,
            anniversary_is_long_term=bool(anniversary and anniversary.term == Term.LONG),
            cess=tuple(cess), classes=tuple(c for c in classes), set_off=tuple(set_off),
            carry_forward_years=carry, charges=tuple(charges),
            same_day_rebuy_netted=any(isinstance(i, ast.Rebuy) for i in items),
            cost_inflation_index=tuple(sorted(index, key=lambda p: p.fy)),
            dated_indexes=tuple(dated_indexes),
        )

    def overlapping_series(self, blocks: list[ast.Block]) -> None:
        """Two dated cost inflation index series serving sales of one FY would leave the
        index to chance (V306)."""
        for a, b in combinations(blocks, 2):
            if a.key == b.key:
                continue  # the same years twice: V311
            ya, yb = a.years, b.years
            lo = max(ya.first if ya.first is not None else -1, yb.first if yb.first is not None else -1)
            hi = min(ya.last if ya.last is not None else 10**6, yb.last if yb.last is not None else 10**6)
            if lo <= hi:
                self.err("V306", f"two cost inflation index series serve sales of {fy_label(max(lo, 0))}"
                         if lo >= 0 else "two cost inflation index series serve the same sales", b.header,
                         "give each FY of sale one series: make the ranges meet (up to FY X / from FY X+1)",
                         notes=(("the other is here", a.header),))

    def fy_span(self, years: ast.FYRange) -> m.FYSpan:
        if years.last is not None and years.last < years.first:
            self.err("V305", f"{fy_label(years.first)} comes after {fy_label(years.last)}", years.span,
                     "write the earlier year first")
        return m.FYSpan(first=years.first, last=years.last)

    def cess(self, c: ast.Cess) -> m.CessRule:
        self.percent(c.rate, "cess")
        return m.CessRule(rate=c.rate.value, years=self.fy_span(c.years) if c.years else None,
                          origin=_origin(c.span))

    def overlapping_years(self, nodes: list, what: str) -> None:
        """Year ranges of one kind of rule (exemptions, cess) must not be ambiguous (V306).
        As with dated rules, `from FY X` with no end is superseded by a later-starting
        rule; a rule with no years applies to every year and so overlaps any other."""
        for a, b in combinations(nodes, 2):
            if a.key == b.key:
                continue  # the same years twice: reported as stated twice (V311)
            ya, yb = a.years, b.years
            if ya is None or yb is None:
                bare, other = (a, b) if ya is None else (b, a)
                since = _years_text(other.years) if other.years else ""
                self.err("V306", f"{what}: one applies to every year, so it overlaps the other", bare.span,
                         f"give it years; in an override the same years replace the other: "
                         f"cess {bare.rate.text}{since}", notes=(("the other is here", other.span),))
                continue
            a_last = ya.last if ya.last is not None else 10**6
            b_last = yb.last if yb.last is not None else 10**6
            if not (ya.first <= b_last and yb.first <= a_last):
                continue
            first = ya if (ya.first, a_last) <= (yb.first, b_last) else yb
            if ya.first != yb.first and first.last is None:
                continue  # superseded from the later start on
            self.err("V306", f"{what} overlap from {fy_label(max(ya.first, yb.first))}", b.span,
                     "give each financial year one value; make the ranges meet without overlapping",
                     notes=(("the other is here", a.span),))

    def tax_class(self, block: ast.Block) -> m.TaxClass:
        name = block.name.value
        long_term = _one(block.items, ast.LongTermAfter)
        grandfather = _one(block.items, ast.Grandfather)
        exemptions = [e for e in block.items if isinstance(e, ast.Exemption)]
        self.overlapping_years(exemptions, f"exemptions of class {name}")
        rules = [self.dated(d) for d in block.items if isinstance(d, ast.Dated)]
        self.overlapping_rules([d for d in block.items if isinstance(d, ast.Dated)], rules, name)
        if long_term is not None:
            self.duration_bound(long_term.duration)
        if long_term is not None and long_term.duration.count <= 0:
            self.err("V304", "a holding period is at least one day", long_term.duration.span,
                     "write the period the law sets, e.g. long-term after 12 months")
        return m.TaxClass(
            name=name,
            long_term_after=_duration(long_term.duration) if long_term else None,
            grandfather_on_or_before=grandfather.date.value if grandfather else None,
            exemptions=tuple(m.ExemptionRule(amount=e.amount.value, years=self.fy_span(e.years),
                                             origin=_origin(e.span)) for e in exemptions),
            rules=tuple(rules),
            origin=_origin(block.span),
        )

    def dated(self, node: ast.Dated) -> m.DatedRule:
        fields: dict[str, object] = {}
        for condition in node.conditions:
            prefix = condition.on
            if f"{prefix}_from" in fields or f"{prefix}_to" in fields:
                self.err("V320", f"`{prefix}` is given twice in one rule", condition.span,
                         f"give one range: {prefix} from A to B")
                continue
            if condition.first and condition.last and condition.last < condition.first:
                self.err("V305", f"the dates are in the wrong order: {condition.first} is after {condition.last}",
                         condition.span, "write the earlier date first")
            fields[f"{prefix}_from"] = condition.first
            fields[f"{prefix}_to"] = condition.last
        names = {"short-rate": "short_rate", "long-rate": "long_rate",
                 "long-term-after": "long_term_after", "always-short-term": "always_short_term"}
        words = {"short-rate": "short", "long-rate": "long", "long-term-after": "long-term after",
                 "always-short-term": "always short-term"}
        given: set[str] = set()
        for setting in node.settings:
            # `always short-term at slab` also sets the short rate: in either order, a
            # second short rate is a conflict, not a silent replacement.
            sets = {setting.kind} | ({"short-rate"} if setting.kind == "always-short-term" and setting.rate else set())
            clash = sets & given
            if clash:
                if setting.kind in given:
                    message = f"`{words[setting.kind]}` is given twice in one rule"
                else:  # a short rate given both by `short` and by `always short-term at`
                    message = "the short-term rate is given twice in one rule (by `short` and `always short-term at`)"
                self.err("V320", message, setting.span, "keep one of them")
                continue
            given |= sets
            name = names[setting.kind]
            if setting.kind == "long-term-after":
                self.duration_bound(setting.duration)
                if setting.duration.count <= 0:
                    self.err("V304", "a holding period is at least one day", setting.duration.span,
                             "write the period the law sets, e.g. long-term after 24 months")
                fields[name] = _duration(setting.duration)
                continue
            if setting.kind == "always-short-term":
                fields[name] = True
                if setting.rate is not None:
                    fields["short_rate"] = self.rate(setting.rate)
                continue
            fields[name] = self.rate(setting.rate)
            if setting.kind == "long-rate":
                fields["indexed"] = setting.indexed
                if setting.unindexed_rate is not None:
                    if not setting.indexed or setting.rate.value == RateKind.SLAB:
                        self.err("V343", "`or ... without, whichever is less` compares an indexed rate with an "
                                 "unindexed one; this long rate is not indexed", setting.unindexed_rate.span,
                                 "write long 20% with indexation or 10% without, whichever is less")
                    fields["long_rate_unindexed"] = self.percent(setting.unindexed_rate, "a tax rate")
        return m.DatedRule(origin=_origin(node.span), **fields)

    def rate(self, lit: ast.Lit) -> m.Rate:
        if lit.value in tuple(RateKind):
            return RateKind(lit.value)
        self.percent(lit, "a tax rate")
        return lit.value

    def overlapping_rules(self, nodes: list[ast.Dated], rules: list[m.DatedRule], class_name: str) -> None:
        """Two rules of the same precedence that can both apply to one sale and set the
        same thing are ambiguous (V306) when they start on the same day, or when the one
        starting first was given an end that runs past the other's start. (An open-ended
        `from X` rule is simply superseded by a later one: see DatedRule.order.)"""
        settings = ("long_term_after", "short_rate", "long_rate", "indexed", "always_short_term")
        for (na, a), (nb, b) in combinations(zip(nodes, rules), 2):
            if a.precedence != b.precedence or na.key == nb.key:  # same dates twice: V311
                continue
            if not (_overlap(a.sold_from, a.sold_to, b.sold_from, b.sold_to)
                    and _overlap(a.bought_from, a.bought_to, b.bought_from, b.bought_to)):
                continue
            first = a if a.order <= b.order else b
            if a.order != b.order and not first.has_end:
                continue
            shared = [s for s in settings if getattr(a, s) not in (None, False) and getattr(b, s) not in (None, False)]
            if shared:
                self.err("V306", f"two rules of class {class_name} both set "
                         f"{shared[0].replace('_', ' ')} for the same dates", nb.span,
                         "make their date ranges meet without overlapping (before X / from X)",
                         notes=(("the other rule is here", na.span),))

    def charge(self, node: ast.Charge, class_names: set[str]) -> m.Charge:
        self.percent(node.rate, "a charge")
        for target in node.targets:
            if target.tax_class is not None and target.tax_class.value not in class_names:
                self.unknown_class(target.tax_class, class_names)
        return m.Charge(
            kind=ChargeKind(node.kind), rate=node.rate.value, side=ChargedOn(node.side),
            targets=tuple(m.ChargeTarget(tax_class=t.tax_class.value if t.tax_class else None, kind=t.kind)
                          for t in node.targets),
            start=node.start.value if node.start else None, origin=_origin(node.span))

    def overlapping_charges(self, nodes: list[ast.Charge], charges: list[m.Charge]) -> None:
        """Two charges of one kind starting the same day and covering the same side of the
        same securities would leave the rate to chance (V306). A later start supersedes."""
        for (na, a), (nb, b) in combinations(zip(nodes, charges), 2):
            if na.key == nb.key or a.kind != b.kind or a.start != b.start:
                continue
            sides_meet = a.side == b.side or "purchase-and-sale" in (a.side, b.side)
            targets_meet = any(ta.kind == tb.kind and (ta.tax_class is None or tb.tax_class is None
                                                       or ta.tax_class == tb.tax_class)
                               for ta in a.targets for tb in b.targets)
            if sides_meet and targets_meet:
                self.err("V306", f"two {a.kind.replace('-', ' ')} rates apply to the same trades from the same day",
                         nb.span, "give one rate, or start the new one on a later date with `from`",
                         notes=(("the other is here", na.span),))

    def unknown_class(self, lit: ast.Lit, class_names: set[str]) -> None:
        close = difflib.get_close_matches(lit.value, sorted(class_names), n=1)
        hint = f"did you mean `{close[0]}`?" if close else None
        known = ", ".join(sorted(class_names)) or "none"
        self.err("V313", f"unknown tax class `{lit.value}`", lit.span,
                 (hint + " " if hint else "") + f"The tax law defines: {known}.")

    # ----------------------------------------------------------- portfolio
    def portfolio(self, block: ast.Block, class_names: set[str] | None) -> m.Portfolio:
        investors, assets, securities = [], [], []
        alias_owner: dict[str, ast.Investor] = {}
        for node in block.items:
            if not isinstance(node, ast.Investor):
                continue
            if node.pan is not None and not _PAN.match(node.pan.value):
                self.err("V328", f"`{node.pan.value}` is not a PAN", node.pan.span,
                         "a PAN is five letters, four digits and a letter, like ABCPS1234K")
            self.slab_rates(node)
            sip = node.sip.value if node.sip is not None else None
            if sip is not None and (sip <= 0 or sip != sip.to_integral_value()):
                self.err("V344", f"a SIP amount is whole rupees above zero, not {node.sip.text}", node.sip.span,
                         f"write whole rupees: sip Rs {indian_grouping(str(int(sip)))}" if sip > 1 else
                         "write the investor's money each month, e.g. sip Rs 30,000, or leave `sip` out")
                sip = None
            for alias in node.aliases:
                other = alias_owner.get(alias.value.casefold())
                if other is not None and other.id.value != node.id.value:
                    self.err("V337", f'the alias "{alias.value}" names two investors', alias.span,
                             "an alias must identify one investor", notes=(("also used here", other.span),))
                alias_owner[alias.value.casefold()] = node
            investors.append(m.Investor(
                id=node.id.value, name=node.name.value, pan=node.pan.value if node.pan else None,
                slab_rates=tuple(m.SlabRate(rate=sl.rate.value,
                                            years=m.FYSpan(first=sl.years.first, last=sl.years.last)
                                            if sl.years else None) for sl in node.slabs),
                aliases=tuple(a.value for a in node.aliases), sip=sip))
        asset_nodes = [n for n in block.items if isinstance(n, ast.Asset)]
        asset_names = {a.name.value for a in asset_nodes}
        total = Decimal(0)
        for node in asset_nodes:
            target = self.percent(node.target, "a target")
            band = self.percent(node.band, "a band")
            total += target or 0
            if band is not None and target is not None and band > target:
                self.err("V303", f"the band {node.band.text} is larger than the target {node.target.text}",
                         node.band.span, f"a band is the most the weight may stray either way; "
                         f"at most {node.target.text} here")
            if node.tax_class is not None and class_names is not None and node.tax_class.value not in class_names:
                self.unknown_class(node.tax_class, class_names)
            assets.append(m.Asset(name=node.name.value, target=node.target.value,
                                  band=node.band.value if node.band else None,
                                  tax_class=node.tax_class.value if node.tax_class else None))
        if asset_nodes and total != _ONE:
            self.err("V301", f"the targets add up to {format_percent(total)}, not 100%", block.header,
                     "change the targets so that they add up to exactly 100%")
        asset_class = {a.name: a.tax_class for a in assets}
        security_nodes = [n for n in block.items if isinstance(n, ast.Security)]
        declared = {s.id.value for s in security_nodes}
        for node in security_nodes:
            built = self.security(node, asset_names, asset_class, declared, class_names)
            if built is not None:
                securities.append(built)
        seen_ids: dict[str, ast.Security] = {}
        for node in security_nodes:  # an ISIN names one security, as an id or an `isin`
            for lit in (node.id, node.isin):
                if lit is None:
                    continue
                other = seen_ids.get(lit.value)
                if other is not None and other is not node:
                    self.err("V310", f"{lit.value} names two securities", lit.span,
                             "an id or ISIN may identify only one security",
                             notes=(("also here", other.span),))
                seen_ids.setdefault(lit.value, node)
        by_id = {s.id: s for s in securities}
        for sec in securities:
            if sec.replacement and sec.replacement in by_id and by_id[sec.replacement].asset != sec.asset:
                node = next(n for n in security_nodes if n.id.value == sec.id)
                self.warn("V325", f"legacy {sec.id} holds \"{sec.asset}\" but its replacement holds "
                          f"\"{by_id[sec.replacement].asset}\"", node.replacement.span,
                          "a replacement usually holds the same asset")
        buyable = {s.holds.value for s in security_nodes if s.holds and not s.legacy}
        for node in asset_nodes:
            if node.name.value not in buyable:
                self.warn("V324", f'no fund to buy for asset "{node.name.value}"', node.span,
                          f'declare one: fund ISIN "Name" holds "{node.name.value}"')
        if not investors:
            self.warn("V338", "the portfolio declares no investor", block.header,
                      'add one: investor asha "Asha Sharma"')
        return m.Portfolio(name=block.name.value if block.name else None, investors=tuple(investors),
                           assets=tuple(assets), securities=tuple(securities))

    def slab_rates(self, node: ast.Investor) -> None:
        """Each slab rate from 0% to 100%; one without years at most (the rate of every FY not
        otherwise stated); no FY given two rates (V342)."""
        bare = None
        for slab in node.slabs:
            self.percent(slab.rate, "a slab rate")
            if slab.years is None:
                if bare is not None:
                    self.err("V320", "a slab rate without years is given twice for one investor", slab.span,
                             "keep one; give the others years: slab 20% for FY 2019-20 to FY 2021-22",
                             notes=(("the first is here", bare.span),))
                bare = slab
            else:
                self.fy_span(slab.years)
        dated = [sl for sl in node.slabs if sl.years is not None]
        for a, b in combinations(dated, 2):
            ya, yb = a.years, b.years
            a_last = ya.last if ya.last is not None else 10**6
            b_last = yb.last if yb.last is not None else 10**6
            if ya.first <= b_last and yb.first <= a_last:
                self.err("V342", f"{node.id.value} has two slab rates for {fy_label(max(ya.first, yb.first))}",
                         b.span, "give each financial year one slab rate: make the ranges meet without "
                         "overlapping (for FY 2019-20 to FY 2021-22, from FY 2022-23)",
                         notes=(("the other is here", a.span),))

    def security(self, node: ast.Security, asset_names: set[str], asset_class: dict[str, str | None],
                 declared: set[str], class_names: set[str] | None) -> m.Security | None:
        ok = True
        if node.holds is None:
            self.err("V317", f"{node.kind} {node.id.value} does not say which asset it holds", node.span,
                     'add holds "Asset name" after its name')
            return None
        asset = node.holds.value
        if asset not in asset_names:
            close = difflib.get_close_matches(asset, sorted(asset_names), n=1)
            self.err("V307", f'{node.id.value} holds "{asset}", which is not a declared asset', node.holds.span,
                     f'did you mean "{close[0]}"?' if close else f'declare it: asset "{asset}" 10%')
            ok = False
        tax_class = node.tax_class.value if node.tax_class else asset_class.get(asset)
        if tax_class is None and asset in asset_names:  # an unknown asset is reported already
            self.err("V316", f"{node.id.value} has no tax class", node.span,
                     f"add `class equity` (or another class) to the {node.kind} or to its asset")
            ok = False
        elif class_names is not None and node.tax_class is not None and tax_class not in class_names:
            self.unknown_class(node.tax_class, class_names)
            ok = False
        if node.replacement is not None:
            if node.replacement.value == node.id.value:
                self.err("V312", f"{node.id.value} cannot replace itself", node.replacement.span,
                         "name the fund that should take its place")
                ok = False
            elif node.replacement.value not in declared:
                self.err("V312", f"the replacement {node.replacement.value} is not declared", node.replacement.span,
                         f'declare it: fund {node.replacement.value} "Name" holds "{asset}"')
                ok = False
        previous = None
        for step in node.exit_load:
            self.percent(step.rate, "an exit load")
            if step.within.count <= 0:
                self.err("V304", "an exit load lasts at least one day", step.within.span,
                         "copy the window from the scheme's documents, e.g. 1% within 365 days")
            self.duration_bound(step.within)
            length = _in_unit(step.within)
            if previous is not None and length[0] != previous[0]:
                # 12 months is 365 or 366 days depending on the allotment date: no exact order.
                self.err("V329", "exit-load steps must all be in days, or all in months and years",
                         step.within.span, "write every step in the same unit, as the scheme's documents do")
            elif previous is not None and length[1] <= previous[1]:
                self.err("V329", "exit-load periods must grow: each step lasts longer than the one before",
                         step.span, "list the steps from the shortest period to the longest")
            previous = length
        for lit in (node.minimum_purchase, node.minimum_redemption, node.minimum_redemption_units):
            if lit is not None and lit.value <= 0:
                self.err("V304", "a minimum must be more than zero", lit.span)
        self.percent(node.expense_ratio, "an expense ratio")
        if not ok or tax_class is None:
            return None
        return m.Security(
            id=node.id.value, kind=SecurityKind(node.kind), name=node.name.value, asset=asset, tax_class=tax_class,
            legacy=node.legacy is not None,
            replacement=node.replacement.value if node.replacement else None,
            exit_load=tuple(m.ExitLoadStep(rate=s.rate.value, within=_duration(s.within)) for s in node.exit_load),
            minimum_purchase=_value(node.minimum_purchase), minimum_redemption=_value(node.minimum_redemption),
            minimum_redemption_units=_value(node.minimum_redemption_units),
            isin=_value(node.isin), expense_ratio=_value(node.expense_ratio))

    # -------------------------------------------------------------- rules
    def buy(self, block: ast.Block) -> m.BuyRule:
        method = _one(block.items, ast.BuyMethod)
        return m.BuyRule(method=BuyMethod(method.method)) if method else m.BuyRule()

    def sell(self, block: ast.Block, asset_names: set[str] | None) -> m.SellRule | None:
        items = block.items
        start, stop = _one(items, ast.Start), _one(items, ast.Stop)
        pace, ceiling = _one(items, ast.Pace), _one(items, ast.Ceiling)
        missing = [w for w, n in (("start above X%", start), ("stop at or below Y%", stop)) if n is None]
        if pace is None and ceiling is None:
            missing.append("sell Z% of portfolio per month (or a ceiling that steps down)")
        if missing:
            self.err("V318", "the sell rule is incomplete: it needs " + ", ".join(missing), block.header,
                     "see docs/rules-language.md, Controlled selling")
            return None
        start_level = self.percent(start.level, "a start trigger")
        stop_level = self.percent(stop.level, "a stop level")
        if stop_level >= start_level:
            self.err("V302", f"the stop level {stop.level.text} must be below the start trigger {start.level.text}",
                     stop.span, "selling starts above the trigger and stops at or below a lower level")
        source_node = (pace or ceiling).source
        rate, ceiling_model = None, None
        if pace is not None:
            rate = self.percent(pace.rate, "a selling rate", allow_zero=False)
        else:
            self.percent(ceiling.start, "a ceiling")
            self.percent(ceiling.stop, "a ceiling")
            if ceiling.stop.value >= ceiling.start.value:
                self.err("V305", "a ceiling steps down: its first level must be above its last", ceiling.span,
                         "write ceiling steps down from 10% to 5% over 6 months")
            months = _whole_months(ceiling.over)
            if ceiling.over.unit == "days" or months <= 0:
                self.err("V304", "a ceiling steps down over a whole number of months", ceiling.over.span,
                         "write over 6 months")
            ceiling_model = m.Ceiling(start=ceiling.start.value, stop=ceiling.stop.value, months=max(months, 1))
        source = m.SellSource()
        if source_node is not None:
            if source_node.kind == SellSourceKind.NAMED and asset_names is not None:
                for lit in source_node.assets:
                    if lit.value not in asset_names:
                        self.err("V319", f'"{lit.value}" is not a declared asset', lit.span,
                                 "name assets exactly as the portfolio declares them")
            source = m.SellSource(kind=SellSourceKind(source_node.kind), assets=tuple(a.value for a in source_node.assets))
        measure = _one(items, ast.Measure)
        return m.SellRule(
            measure=DriftMeasure(measure.measure) if measure else m.DEFAULT_MEASURE,
            start_above=start_level, stop_at_or_below=stop_level, rate_per_month=rate,
            ceiling=ceiling_model, source=source,
            only_long_term_lots=_one(items, ast.LongTermLotsOnly) is not None,
            never_pay_exit_load=_one(items, ast.NeverPayExitLoad) is not None)

    def rebalance(self, block: ast.Block) -> m.RebalanceRule | None:
        method = _one(block.items, ast.Method)
        if method is None:
            self.err("V318", "the rebalance rule does not say how", block.header,
                     "add one of: bring every asset back to target / bring assets outside their band "
                     "back to target / use new money only")
            return None
        due = _one(block.items, ast.Due)
        triggers, combine = (), Combine.ANY
        if due is not None:
            words = {c.value for c in due.connectives}
            if len(words) > 1:
                self.err("V333", "`or` and `and` are mixed in one trigger", due.span,
                         "use only `or` (any trigger) or only `and` (all triggers)")
            combine = Combine(words.pop()) if len(words) == 1 else Combine.ANY
            built = []
            for trigger in due.triggers:
                self.percent(trigger.level, "a drift level")
                built.append(m.Trigger(kind=TriggerKind(trigger.kind), level=trigger.level.value if trigger.level else None))
            triggers = tuple(built)
        warn = _one(block.items, ast.CostWarning)
        if warn is not None:
            self.percent(warn.percent, "a cost threshold")
        return m.RebalanceRule(
            method=RebalanceMethod(method.method), triggers=triggers, combine=combine,
            warn_cost_percent=warn.percent.value if warn and warn.percent else None,
            warn_cost_amount=warn.amount.value if warn and warn.amount else None)

    def harvest(self, block: ast.Block) -> m.HarvestRule:
        items = block.items
        gains, losses = _one(items, ast.RealiseGains), _one(items, ast.LossThreshold)
        short = _one(items, ast.ShortTermGains)
        prefer = _one(items, ast.Prefer)
        if prefer is not None:
            seen: set[str] = set()
            for item in prefer.items:
                if item.value in seen:
                    self.err("V311", f"`{item.text}` is listed twice in the preference order", item.span)
                seen.add(item.value)
        return m.HarvestRule(
            realise_gains=gains is not None,
            margin=gains.margin.value if gains and gains.margin else Decimal(0),
            loss_threshold=losses.amount.value if losses else None,
            use_losses_within_year=_one(items, ast.UseLossesWithinYear) is not None,
            short_term_gains_limit=(None if short is None else
                                    (short.limit.value if short.limit else Decimal(0))),
            never_pay_exit_load=_one(items, ast.NeverPayExitLoad) is not None,
            preference=tuple(dict.fromkeys(Preference(i.value) for i in prefer.items)) if prefer else ())


# ------------------------------------------------------------------ helpers
def _one(items, kind):
    return next((i for i in items if isinstance(i, kind)), None)


def _value(lit: ast.Lit | None):
    return lit.value if lit is not None else None


def _duration(d: ast.Duration) -> m.Duration:
    return m.Duration(count=d.count, unit=d.unit)


def _in_unit(d: ast.Duration) -> tuple[str, int]:
    """("days", n) or ("months", n): durations comparable exactly only within one unit."""
    return ("days", d.count) if d.unit == "days" else ("months", d.count * (12 if d.unit == "years" else 1))


def _whole_months(d: ast.Duration) -> int:
    return d.count * {"days": 0, "months": 1, "years": 12}[d.unit]


def _years_text(years: ast.FYRange) -> str:
    """The years as a policy writes them: ` from FY A`, ` for FY A`, ` for FY A to FY B`."""
    if years.last is None:
        return f" from {fy_label(years.first)}"
    if years.last == years.first:
        return f" for {fy_label(years.first)}"
    return f" for {fy_label(years.first)} to {fy_label(years.last)}"


def _overlap(a_first: date | None, a_last: date | None, b_first: date | None, b_last: date | None) -> bool:
    lo = max(a_first or date.min, b_first or date.min)
    hi = min(a_last or date.max, b_last or date.max)
    return lo <= hi


def _describe_key(node: ast.Node) -> str:
    if isinstance(node, (ast.Investor, ast.Security)):
        return node.id.value
    if isinstance(node, ast.Asset):
        return f'"{node.name.value}"'
    if isinstance(node, ast.Block):
        return f"class {node.name.value}" if node.kind == "class" else f"`{node.kind}`"
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
        "exemption": "an exemption for the same years", "cess": "a cess for the same years",
        "dated": "a rule with the same dates", "set-off": "a set-off rule for the same loss",
        "charge": "the same charge", "index": "an index for the same year", "use": "the same `use`",
    }
    return words.get(node.key[0], "this statement")


def _merge(base: ast.Block, over: ast.Block) -> ast.Block:
    """`override`: statements of `over` replace those of `base` with the same key;
    nested blocks (classes, set-off, charges) merge the same way; new ones are added."""
    items = list(base.items)
    for item in over.items:
        index = next((i for i, existing in enumerate(items) if existing.key == item.key), None)
        if index is None:
            items.append(item)
        elif isinstance(item, ast.Block) and isinstance(items[index], ast.Block):
            items[index] = _merge(items[index], item)
        else:
            items[index] = item
    return dataclasses.replace(base, items=tuple(items), name=over.name or base.name)


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
    rules: dict[str, Callable] = {
        "buy": lambda b: checker.buy(b),
        "sell": lambda b: checker.sell(b, asset_names),
        "rebalance": lambda b: checker.rebalance(b),
        "harvest": lambda b: checker.harvest(b),
    }
    built = {kind: build(blocks[kind]) for kind, build in rules.items() if kind in blocks}
    if portfolio is not None and not any(a.band is not None for a in portfolio.assets):
        band_rules = []
        rebalance, sell = built.get("rebalance"), built.get("sell")
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
    if any(d.is_error for d in checker.diagnostics):
        return None, checker.diagnostics
    policy = m.Policy(sources=sources, tax=tax, portfolio=portfolio, stated=frozenset(built), **built)
    return policy, checker.diagnostics
