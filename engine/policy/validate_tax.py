"""The tax law block checked and resolved into engine.policy.law's models: the year's start, lot
matching, cess, classes and their dated rules, set-off, charges, cost inflation index series;
rules that overlap in time are ambiguous (V306)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import combinations

from engine.literals import fy_label
import engine.policy.ast as ast
from engine.policy.checker import BaseChecker, dates_overlap, duration_of, first_fy, one, origin, years_text
import engine.policy.model as m
from engine.vocabulary import ChargedOn, ChargeKind, Rate, RateKind, Term


class TaxLawChecker(BaseChecker):
    def tax(self, block: ast.Block) -> m.TaxLaw | None:
        items = block.items
        year = one(items, ast.YearStart)
        fifo = one(items, ast.FifoScope)
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
        anniversary = one(items, ast.Anniversary)
        cess = [self.cess(c) for c in items if isinstance(c, ast.Cess)]
        self.overlapping_years([c for c in items if isinstance(c, ast.Cess)], "cess rates")
        classes = [self.tax_class(b) for b in items if isinstance(b, ast.Block) and b.kind == "class"]
        class_names = {c.name for c in classes}
        set_off, carry = self.set_off(items)
        charges = self.charges(items, class_names)
        index, dated_indexes = self.index_series(items)
        if not ok or year is None or fifo is None:  # each missing one reported above
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

    def set_off(self, items: tuple[ast.Node, ...]) -> tuple[list[m.SetOffRule], int | None]:
        """The set-off rules and the years losses are carried forward."""
        set_off: list[m.SetOffRule] = []
        carry: int | None = None
        for sub in (b for b in items if isinstance(b, ast.Block) and b.kind == "set-off"):
            for rule in sub.items:
                if isinstance(rule, ast.SetOffRule):
                    set_off.append(m.SetOffRule(loss=Term(rule.loss), against=tuple(Term(g) for g in rule.gains)))
                elif isinstance(rule, ast.CarryForward):
                    if rule.years.value <= 0:
                        self.err("V304", "losses are carried forward for at least one year", rule.years.span)
                    carry = rule.years.value
        return set_off, carry

    def charges(self, items: tuple[ast.Node, ...], class_names: set[str]) -> list[m.Charge]:
        charges, charge_nodes = [], []
        for sub in (b for b in items if isinstance(b, ast.Block) and b.kind == "charges"):
            for charge in sub.items:
                if isinstance(charge, ast.Charge):  # all a charges block holds (grammar.lark)
                    charges.append(self.charge(charge, class_names))
                    charge_nodes.append(charge)
        self.overlapping_charges(charge_nodes, charges)
        return charges

    def index_series(self, items: tuple[ast.Node, ...]) -> tuple[list[m.IndexPoint], list[m.IndexSeries]]:
        """The cost inflation index series for sales no dated series covers, and the dated series."""
        index: list[m.IndexPoint] = []
        dated_indexes: list[m.IndexSeries] = []
        series_blocks = [b for b in items if isinstance(b, ast.Block) and b.kind == "cost-inflation-index"]
        for sub in series_blocks:
            points = []
            for entry in sub.items:
                if not isinstance(entry, ast.IndexEntry):  # all an index block holds (grammar.lark)
                    continue
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
                                               points=tuple(points), origin=origin(sub.span)))
        self.overlapping_series([b for b in series_blocks if b.years is not None])
        return index, dated_indexes

    def overlapping_series(self, blocks: list[ast.Block]) -> None:
        """Two dated cost inflation index series serving sales of one FY would leave the
        index to chance (V306)."""
        for a, b in combinations(blocks, 2):
            if a.key == b.key:
                continue  # the same years twice: V311
            ya, yb = a.years, b.years
            assert ya is not None and yb is not None  # dated series only (the caller's filter)
            lo = max(ya.first if ya.first is not None else -1, yb.first if yb.first is not None else -1)
            hi = min(ya.last if ya.last is not None else 10**6, yb.last if yb.last is not None else 10**6)
            if lo <= hi:
                self.err("V306", f"two cost inflation index series serve sales of {fy_label(max(lo, 0))}"
                         if lo >= 0 else "two cost inflation index series serve the same sales", b.header,
                         "give each FY of sale one series: make the ranges meet (up to FY X / from FY X+1)",
                         notes=(("the other is here", a.header),))

    def cess(self, c: ast.Cess) -> m.CessRule:
        self.percent(c.rate, "cess")
        return m.CessRule(rate=c.rate.value, years=self.fy_span(c.years) if c.years else None,
                          origin=origin(c.span))

    def overlapping_years(self, nodes: Sequence[ast.Cess | ast.Exemption], what: str) -> None:
        """Year ranges of one kind of rule (exemptions, cess) must not be ambiguous (V306).
        As with dated rules, `from FY X` with no end is superseded by a later-starting
        rule; a rule with no years applies to every year and so overlaps any other."""
        for a, b in combinations(nodes, 2):
            if a.key == b.key:
                continue  # the same years twice: reported as stated twice (V311)
            ya, yb = a.years, b.years
            if ya is None or yb is None:
                bare, other = (a, b) if ya is None else (b, a)
                since = years_text(other.years) if other.years else ""
                rate = bare.rate.text if isinstance(bare, ast.Cess) else ""  # only a cess may have no years
                self.err("V306", f"{what}: one applies to every year, so it overlaps the other", bare.span,
                         f"give it years; in an override the same years replace the other: "
                         f"cess {rate}{since}", notes=(("the other is here", other.span),))
                continue
            a_first, b_first = first_fy(ya), first_fy(yb)
            a_last = ya.last if ya.last is not None else 10**6
            b_last = yb.last if yb.last is not None else 10**6
            if not (a_first <= b_last and b_first <= a_last):
                continue
            first = ya if (a_first, a_last) <= (b_first, b_last) else yb
            if a_first != b_first and first.last is None:
                continue  # superseded from the later start on
            self.err("V306", f"{what} overlap from {fy_label(max(a_first, b_first))}", b.span,
                     "give each financial year one value; make the ranges meet without overlapping",
                     notes=(("the other is here", a.span),))

    def tax_class(self, block: ast.Block) -> m.TaxClass:
        assert block.name is not None  # the grammar names every class
        name = block.name.value
        long_term = one(block.items, ast.LongTermAfter)
        grandfather = one(block.items, ast.Grandfather)
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
            long_term_after=duration_of(long_term.duration) if long_term else None,
            grandfather_on_or_before=grandfather.date.value if grandfather else None,
            exemptions=tuple(m.ExemptionRule(amount=e.amount.value, years=self.fy_span(e.years),
                                             origin=origin(e.span)) for e in exemptions),
            rules=tuple(rules),
            origin=origin(block.span),
        )

    def dated(self, node: ast.Dated) -> m.DatedRule:
        dates = self.rule_dates(node)
        words = {"short-rate": "short", "long-rate": "long", "long-term-after": "long-term after",
                 "always-short-term": "always short-term"}
        long_term_after: m.Duration | None = None
        always_short_term = False
        short_rate: Rate | None = None
        long_rate: Rate | None = None
        indexed: bool | None = None
        long_rate_unindexed: Decimal | None = None
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
            if setting.kind == "long-term-after":
                duration = setting.duration
                assert duration is not None  # read with its duration (transformer._setting)
                self.duration_bound(duration)
                if duration.count <= 0:
                    self.err("V304", "a holding period is at least one day", duration.span,
                             "write the period the law sets, e.g. long-term after 24 months")
                long_term_after = duration_of(duration)
                continue
            if setting.kind == "always-short-term":
                always_short_term = True
                if setting.rate is not None:
                    short_rate = self.rate(setting.rate)
                continue
            stated = setting.rate
            assert stated is not None  # a short or long rate is read with its rate (transformer._setting)
            if setting.kind == "short-rate":
                short_rate = self.rate(stated)
                continue
            long_rate = self.rate(stated)
            indexed = setting.indexed
            if setting.unindexed_rate is not None:
                if not setting.indexed or stated.value == RateKind.SLAB:
                    self.err("V343", "`or ... without, whichever is less` compares an indexed rate with an "
                             "unindexed one; this long rate is not indexed", setting.unindexed_rate.span,
                             "write long 20% with indexation or 10% without, whichever is less")
                long_rate_unindexed = self.percent(setting.unindexed_rate, "a tax rate")
        return m.DatedRule(
            origin=origin(node.span),
            sold_from=dates.get("sold_from"), sold_to=dates.get("sold_to"),
            bought_from=dates.get("bought_from"), bought_to=dates.get("bought_to"),
            long_term_after=long_term_after, always_short_term=always_short_term, short_rate=short_rate,
            long_rate=long_rate, indexed=indexed, long_rate_unindexed=long_rate_unindexed)

    def rule_dates(self, node: ast.Dated) -> dict[str, date | None]:
        """`sold_from`, `sold_to`, `bought_from`, `bought_to` as the rule's conditions give them."""
        dates: dict[str, date | None] = {}
        for condition in node.conditions:
            prefix = condition.on
            if f"{prefix}_from" in dates or f"{prefix}_to" in dates:
                self.err("V320", f"`{prefix}` is given twice in one rule", condition.span,
                         f"give one range: {prefix} from A to B")
                continue
            if condition.first and condition.last and condition.last < condition.first:
                self.err("V305", f"the dates are in the wrong order: {condition.first} is after {condition.last}",
                         condition.span, "write the earlier date first")
            dates[f"{prefix}_from"] = condition.first
            dates[f"{prefix}_to"] = condition.last
        return dates

    def rate(self, lit: ast.Lit) -> Rate:
        if lit.value in tuple(RateKind):
            return RateKind(lit.value)
        return self.percent(lit, "a tax rate")

    def overlapping_rules(self, nodes: list[ast.Dated], rules: list[m.DatedRule], class_name: str) -> None:
        """Two rules of the same precedence that can both apply to one sale and set the
        same thing are ambiguous (V306) when they start on the same day, or when the one
        starting first was given an end that runs past the other's start. (An open-ended
        `from X` rule is simply superseded by a later one: see DatedRule.order.)"""
        settings = ("long_term_after", "short_rate", "long_rate", "indexed", "always_short_term")
        for (na, a), (nb, b) in combinations(zip(nodes, rules), 2):
            if a.precedence != b.precedence or na.key == nb.key:  # same dates twice: V311
                continue
            if not (dates_overlap(a.sold_from, a.sold_to, b.sold_from, b.sold_to)
                    and dates_overlap(a.bought_from, a.bought_to, b.bought_from, b.bought_to)):
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
            start=node.start.value if node.start else None, origin=origin(node.span))

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
