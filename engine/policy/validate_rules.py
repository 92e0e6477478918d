"""The buy, sell, rebalance and harvest blocks checked and resolved into their rules."""

from __future__ import annotations

from decimal import Decimal

import engine.policy.ast as ast
from engine.policy.checker import BaseChecker, duration_of, one, whole_months
import engine.policy.model as m
from engine.vocabulary import (BuyMethod, Combine, DriftMeasure, HarvestTriggerKind, Preference, ProceedsUse,
                               RebalanceMethod, SellSourceKind, TriggerKind)

MAX_HORIZON = 100  # years: a horizon of future tax beyond a lifetime is a typo


class RuleChecker(BaseChecker):
    def buy(self, block: ast.Block) -> m.BuyRule:
        method = one(block.items, ast.BuyMethod)
        return m.BuyRule(method=BuyMethod(method.method)) if method else m.BuyRule()

    def sell(self, block: ast.Block, asset_names: set[str] | None) -> m.SellRule | None:
        items = block.items
        start, stop = one(items, ast.Start), one(items, ast.Stop)
        pace, ceiling = one(items, ast.Pace), one(items, ast.Ceiling)
        if start is None or stop is None or (pace is None and ceiling is None):
            missing = [w for w, n in (("start above X%", start), ("stop at or below Y%", stop)) if n is None]
            if pace is None and ceiling is None:
                missing.append("sell Z% of portfolio per month (or a ceiling that steps down)")
            self.err("V318", "the sell rule is incomplete: it needs " + ", ".join(missing), block.header,
                     "see docs/rules-language.md, Controlled selling")
            return None
        start_level = self.percent(start.level, "a start trigger")
        stop_level = self.percent(stop.level, "a stop level")
        if stop_level >= start_level:
            self.err("V302", f"the stop level {stop.level.text} must be below the start trigger {start.level.text}",
                     stop.span, "selling starts above the trigger and stops at or below a lower level")
        source_node = pace.source if pace is not None else ceiling.source if ceiling is not None else None
        rate, ceiling_model = None, None
        if pace is not None:
            rate = self.percent(pace.rate, "a selling rate", allow_zero=False)
        elif ceiling is not None:  # one of them is there (V318 above)
            self.percent(ceiling.start, "a ceiling")
            self.percent(ceiling.stop, "a ceiling")
            if ceiling.stop.value >= ceiling.start.value:
                self.err("V305", "a ceiling steps down: its first level must be above its last", ceiling.span,
                         "write ceiling steps down from 10% to 5% over 6 months")
            months = whole_months(ceiling.over)
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
        measure = one(items, ast.Measure)
        return m.SellRule(
            measure=DriftMeasure(measure.measure) if measure else m.DEFAULT_MEASURE,
            start_above=start_level, stop_at_or_below=stop_level, rate_per_month=rate,
            ceiling=ceiling_model, source=source,
            only_long_term_lots=one(items, ast.LongTermLotsOnly) is not None,
            never_pay_exit_load=one(items, ast.NeverPayExitLoad) is not None)

    def rebalance(self, block: ast.Block) -> m.RebalanceRule | None:
        method = one(block.items, ast.Method)
        if method is None:
            self.err("V318", "the rebalance rule does not say how", block.header,
                     "add one of: bring every asset back to target / bring assets outside their band "
                     "back to target / use new money only")
            return None
        due = one(block.items, ast.Due)
        triggers: tuple[m.Trigger, ...] = ()
        combine = Combine.ANY
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
        warn = one(block.items, ast.CostWarning)
        if warn is not None:
            self.percent(warn.percent, "a cost threshold")
        return m.RebalanceRule(
            method=RebalanceMethod(method.method), triggers=triggers, combine=combine,
            warn_cost_percent=warn.percent.value if warn and warn.percent else None,
            warn_cost_amount=warn.amount.value if warn and warn.amount else None)

    def harvest(self, block: ast.Block) -> m.HarvestRule:
        items = block.items
        gains, losses = one(items, ast.RealiseGains), one(items, ast.LossThreshold)
        short = one(items, ast.ShortTermGains)
        prefer, proceeds = one(items, ast.Prefer), one(items, ast.Proceeds)
        if prefer is not None:
            seen: set[str] = set()
            for item in prefer.items:
                if item.value in seen:
                    self.err("V311", f"`{item.text}` is listed twice in the preference order", item.span)
                seen.add(item.value)
        future, growth = one(items, ast.FutureTaxValue), one(items, ast.ExpectedGrowth)
        if future is not None:
            self.percent(future.rate, "a discount rate")
            if future.years.value is not None and not 1 <= future.years.value <= MAX_HORIZON:
                self.err("V361", f"a horizon is from 1 to {MAX_HORIZON} years, not {future.years.text}",
                         future.years.span, "the years until the rebought units are expected to be sold")
        if growth is not None:
            self.percent(growth.rate, "an expected growth")
        savings = one(items, ast.ExpenseSavings)
        if savings is not None and savings.years.value is not None and not 1 <= savings.years.value <= MAX_HORIZON:
            self.err("V362", f"expense savings are valued over 1 to {MAX_HORIZON} years, not {savings.years.text}",
                     savings.years.span, "the years the cheaper fund is expected to be held, e.g. `over 5 years`")
        return m.HarvestRule(
            realise_gains=gains is not None,
            margin=gains.margin.value if gains and gains.margin else Decimal(0),
            loss_threshold=losses.amount.value if losses else None,
            use_losses_within_year=one(items, ast.UseLossesWithinYear) is not None,
            short_term_gains_limit=(None if short is None else
                                    (short.limit.value if short.limit else Decimal(0))),
            never_pay_exit_load=one(items, ast.NeverPayExitLoad) is not None,
            preference=tuple(dict.fromkeys(Preference(i.value) for i in prefer.items)) if prefer else (),
            discount_rate=future.rate.value if future else None,
            horizon_years=future.years.value if future else None,
            growth_rate=growth.rate.value if growth else None,
            proceeds=ProceedsUse(proceeds.use.value) if proceeds else None,
            triggers=self.harvest_triggers(items),
            savings_years=savings.years.value if savings else None)

    def harvest_triggers(self, items: tuple[ast.Node, ...]) -> tuple[m.HarvestTrigger, ...]:
        """`harvest when ...`, in the order stated: a drawdown above 0% up to 100% (V304) over a
        window of at least one day (V350) and at most 100 years (V304)."""
        built = []
        for node in items:
            if not isinstance(node, ast.HarvestWhen):
                continue
            if node.window is not None and node.below is not None:
                self.percent(node.below, "a drawdown", allow_zero=False)
                if node.window.count == 0:
                    self.err("V350", f"the high of the last {node.window} is no high: the window is empty",
                             node.window.span, "say how far back the high is looked for, e.g. `the last 12 months`")
                self.duration_bound(node.window)
                built.append(m.HarvestTrigger(kind=HarvestTriggerKind.DRAWDOWN, below=node.below.value,
                                              window=duration_of(node.window)))
            elif node.amount is not None:
                built.append(m.HarvestTrigger(kind=HarvestTriggerKind.LONG_TERM_LOSSES, amount=node.amount.value))
        return tuple(built)
