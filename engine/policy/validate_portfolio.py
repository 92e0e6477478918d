"""The portfolio block checked and resolved: investors (PAN, slab rates, SIP, aliases), assets
(targets summing to 100%, bands), securities (the asset held, the tax class, the replacement,
exit-load steps, minimums)."""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from itertools import combinations

from engine.literals import format_percent, fy_label, indian_grouping
import engine.policy.ast as ast
from engine.policy.checker import ONE, BaseChecker, duration_of, first_fy, in_unit, value_of
import engine.policy.model as m
from engine.vocabulary import SecurityKind

PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")


class PortfolioChecker(BaseChecker):
    def portfolio(self, block: ast.Block, class_names: set[str] | None) -> m.Portfolio:
        investors = self.investors(block)
        assets, securities = [], []
        asset_nodes = [n for n in block.items if isinstance(n, ast.Asset)]
        asset_names = {a.name.value for a in asset_nodes}
        total = Decimal(0)
        counted: set[str] = set()
        todo = [node for node in asset_nodes if node.target.value is None]
        for node in todo:
            self.todo_target(node)
        for node in asset_nodes:
            given = node.target.value is not None  # else TODO: V370 above (a draft's 0%)
            target = self.percent(node.target, "a target") if given else Decimal(0)
            band = self.percent(node.band, "a band")
            if node.name.value not in counted:  # a second definition is V309, not a wrong sum (V301)
                counted.add(node.name.value)
                total += target or 0
            if given and node.band is not None and band is not None and band > target:
                self.err("V303", f"the band {node.band.text} is larger than the target {node.target.text}",
                         node.band.span, f"a band is the most the weight may stray either way; "
                         f"at most {node.target.text} here")
            if node.tax_class is not None and class_names is not None and node.tax_class.value not in class_names:
                self.unknown_class(node.tax_class, class_names)
            assets.append(m.Asset(name=node.name.value, target=target,
                                  band=node.band.value if node.band else None,
                                  tax_class=node.tax_class.value if node.tax_class else None,
                                  consolidate_into=node.consolidate_into.value if node.consolidate_into else None))
        if asset_nodes and total != ONE and not todo:
            self.err("V301", f"the targets add up to {format_percent(total)}, not 100%", block.header,
                     "change the targets so that they add up to exactly 100%")
        asset_class = {a.name: a.tax_class for a in assets}
        security_nodes = [n for n in block.items if isinstance(n, ast.Security)]
        declared = {s.id.value for s in security_nodes}
        for sec_node in security_nodes:
            built = self.security(sec_node, asset_names, asset_class, declared, class_names)
            if built is not None:
                securities.append(built)
        self.one_security_per_id(security_nodes)
        by_id = {s.id: s for s in securities}
        for sec in securities:
            if sec.replacement and sec.replacement in by_id and by_id[sec.replacement].asset != sec.asset:
                stated = next(n.replacement for n in security_nodes if n.id.value == sec.id)
                assert stated is not None  # the security's node states the replacement it was built with
                self.warn("V325", f"legacy {sec.id} holds \"{sec.asset}\" but its replacement holds "
                          f"\"{by_id[sec.replacement].asset}\"", stated.span,
                          "a replacement usually holds the same asset")
        self.consolidations(asset_nodes, by_id, declared)
        # A fund holding a misspelt asset (V307) holds the asset its hint names: not V324 for that one.
        buyable = {_meant(s.holds.value, asset_names) for s in security_nodes if s.holds and not s.legacy}
        for node in asset_nodes:
            if node.name.value not in buyable:
                self.warn("V324", f'no fund to buy for asset "{node.name.value}"', node.span,
                          f'declare one: fund ISIN "Name" holds "{node.name.value}"')
        if not investors:
            self.warn("V338", "the portfolio declares no investor", block.header,
                      'add one: investor asha "Asha Sharma"')
        return m.Portfolio(name=block.name.value if block.name else None, investors=tuple(investors),
                           assets=tuple(assets), securities=tuple(securities))

    def todo_target(self, node: ast.Asset) -> None:
        """V370: an asset whose target is `TODO` (as `lotwise init --from-cas` writes it); none
        in a draft (`todo_targets`: the skeleton read for its investors and securities)."""
        if not self.todo_targets:
            self.err("V370", f"asset \"{node.name.value}\" has no target yet: replace TODO with a percentage; "
                     "the targets must sum to 100%", node.target.span,
                     f'write the share of the portfolio it should hold, e.g. `asset "{node.name.value}" 25%`')

    def investors(self, block: ast.Block) -> list[m.Investor]:
        """Each investor: a PAN of the right shape, slab rates, a SIP of whole rupees, aliases
        naming one investor only."""
        investors = []
        alias_owner: dict[str, ast.Investor] = {}
        for node in block.items:
            if not isinstance(node, ast.Investor):
                continue
            if node.pan is not None and not PAN.match(node.pan.value):
                self.err("V328", f"`{node.pan.value}` is not a PAN", node.pan.span,
                         "a PAN is five letters, four digits and a letter, like ABCPS1234K")
            self.slab_rates(node)
            sip: Decimal | None = node.sip.value if node.sip is not None else None
            if node.sip is not None and sip is not None and (sip <= 0 or sip != sip.to_integral_value()):
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
                                            years=m.FYSpan(first=first_fy(sl.years), last=sl.years.last)
                                            if sl.years else None) for sl in node.slabs),
                aliases=tuple(a.value for a in node.aliases), sip=sip))
        return investors

    def one_security_per_id(self, security_nodes: list[ast.Security]) -> None:
        """An id or an ISIN names one security (V310)."""
        seen_ids: dict[str, ast.Security] = {}
        for node in security_nodes:  # as an id or as an `isin`
            for lit in (node.id, node.isin):
                if lit is None:
                    continue
                other = seen_ids.get(lit.value)
                if other is not None and other is not node:
                    self.err("V310", f"{lit.value} names two securities", lit.span,
                             "an id or ISIN may identify only one security",
                             notes=(("also here", other.span),))
                seen_ids.setdefault(lit.value, node)

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
        dated = [(sl, sl.years) for sl in node.slabs if sl.years is not None]
        for (a, ya), (b, yb) in combinations(dated, 2):
            a_last = ya.last if ya.last is not None else 10**6
            b_last = yb.last if yb.last is not None else 10**6
            if first_fy(ya) <= b_last and first_fy(yb) <= a_last:
                self.err("V342", f"{node.id.value} has two slab rates for "
                         f"{fy_label(max(first_fy(ya), first_fy(yb)))}",
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
            meant = _meant(asset, asset_names)
            self.err("V307", f'{node.id.value} holds "{asset}", which is not a declared asset', node.holds.span,
                     f'did you mean "{meant}"?' if meant != asset else f'declare it: asset "{asset}" 10%')
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
            length = in_unit(step.within)
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
            exit_load=tuple(m.ExitLoadStep(rate=s.rate.value, within=duration_of(s.within)) for s in node.exit_load),
            minimum_purchase=value_of(node.minimum_purchase), minimum_redemption=value_of(node.minimum_redemption),
            minimum_redemption_units=value_of(node.minimum_redemption_units),
            isin=value_of(node.isin), expense_ratio=value_of(node.expense_ratio))

    def consolidations(self, asset_nodes: list[ast.Asset], by_id: dict[str, m.Security], declared: set[str]) -> None:
        """`consolidate into SECID`: a declared security (V363) that holds the asset (V363)."""
        for node in asset_nodes:
            into = node.consolidate_into
            if into is None:
                continue
            target = by_id.get(str(into.value))
            if into.value not in declared:
                self.err("V363", f"the fund to consolidate into, {into.value}, is not declared", into.span,
                         f'declare it: fund {into.value} "Name" holds "{node.name.value}"')
            elif target is not None and target.asset != node.name.value:
                self.err("V363", f"{into.value} holds \"{target.asset}\", not \"{node.name.value}\"", into.span,
                         f"consolidate into a fund that holds \"{node.name.value}\"")
            elif target is not None and target.legacy:
                self.err("V363", f"{into.value} is legacy: the asset cannot consolidate into it", into.span,
                         f"consolidate into a fund of \"{node.name.value}\" that is not legacy")


def _meant(asset: str, asset_names: set[str]) -> str:
    """The declared asset a name that is not declared was probably meant to be (V307's hint), or
    the name itself."""
    if asset in asset_names:
        return asset
    close = difflib.get_close_matches(asset, sorted(asset_names), n=1)
    return close[0] if close else asset
