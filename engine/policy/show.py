"""`lotwise show`: what the engine understood, and the tax law in force on a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from engine.literals import format_inr, format_percent, fy_label
import engine.policy.model as m
from engine.policy.law import within
from engine.vocabulary import BuyMethod, ChargedOn, Combine, Rate, RateKind, SecurityKind, Term

Json = dict[str, Any]  # JSON-shaped, as `show --json` prints it


def _rate(rate: Rate | None) -> str:
    if rate is None:
        return "-"
    return str(rate) if isinstance(rate, RateKind) else format_percent(rate)


def _long(rate: Rate | None, indexed: bool | None, unindexed: Decimal | None) -> str:
    """A long-term rate as `show` prints it: `20% indexed`, `exempt`, or the lower-of pair."""
    text = _rate(rate) + (" indexed" if indexed else "")
    if unindexed is not None:
        text += f" or {format_percent(unindexed)} unindexed, whichever is less"
    return text


def law_in_force(law: m.TaxLaw, on: date, portfolio: m.Portfolio | None = None) -> Json:
    """Per class, the rules for a sale on `on`, and the purchase-date regimes then in force."""
    fy = law.fy_of(on)
    classes = []
    for cls in law.classes:
        base = law.treatment(cls.name, None, on)
        regimes = [r for r in cls.rules if r.precedence == 2 and within(on, r.sold_from, r.sold_to)]
        exemption = law.exemption(cls.name, fy)
        classes.append({
            "class": cls.name,
            "long_term_after": str(base.long_term_after) if base.long_term_after else None,
            "short_rate": _rate(base.short_rate),
            "long_rate": _rate(base.long_rate),
            "indexed": base.indexed,
            "long_rate_unindexed": format_percent(base.long_rate_unindexed)
            if base.long_rate_unindexed is not None else None,
            "exemption": str(exemption) if exemption is not None else None,
            "grandfather_on_or_before": cls.grandfather_on_or_before.isoformat()
            if cls.grandfather_on_or_before else None,
            "regimes": [_regime(r) for r in regimes],
            "rules_from": list(base.origins),
        })
    return {
        "as_of": on.isoformat(),
        "fy": fy_label(fy),
        "fy_first_day": law.fy_bounds(fy)[0].isoformat(),
        "fy_last_day": law.fy_bounds(fy)[1].isoformat(),
        "anniversary_sale": Term.LONG if law.anniversary_is_long_term else Term.SHORT,
        "lots": f"fifo per {law.lot_scope}",
        "cess": format_percent(law.cess_rate(fy)),
        "classes": classes,
        "charges": _charges_in_force(law, on, portfolio),
        "set_off": [{"loss": s.loss, "against": list(s.against)} for s in law.set_off],
        "carry_forward_years": law.carry_forward_years,
        "same_day_rebuy_netted": law.same_day_rebuy_netted,
        "cost_inflation_index": law.cii(fy, fy),
    }


def _charges_in_force(law: m.TaxLaw, on: date, portfolio: m.Portfolio | None) -> list[Json]:
    """The charges the model applies on `on`, asked of the model itself (TaxLaw.charges_on)
    for each kind of security and tax class in the portfolio (or in the law), grouped."""
    if portfolio is not None and portfolio.securities:
        kinds = sorted({(s.kind, s.tax_class) for s in portfolio.securities})
    else:
        kinds = [(kind, c.name) for kind in SecurityKind for c in law.classes]
    grouped: dict[tuple[ChargedOn, tuple[tuple[str, str], ...]], list[str]] = {}
    for kind, tax_class in kinds:
        probe = m.Security(id="-", kind=kind, name="-", asset="-", tax_class=tax_class)
        for side in (ChargedOn.PURCHASE, ChargedOn.SALE):
            applied = law.charges_on(probe, side, on)
            if applied:
                key = (side, tuple((c.kind, format_percent(c.rate)) for c in applied))
                grouped.setdefault(key, []).append(f"{tax_class} {kind}s")
    return [{"on": side, "charges": [{"charge": k, "rate": r} for k, r in charges], "of": of}
            for (side, charges), of in grouped.items()]


def _slabs(investor: m.Investor) -> str:
    """`30%; 20% for FY 2019-20 to FY 2021-22`: the slab rates as stated, "-" for none."""
    out = []
    for slab in investor.slab_rates:
        years = ""
        if slab.years is not None:
            first, last = slab.years.first, slab.years.last
            years = (f" from {fy_label(first)}" if last is None else f" for {fy_label(first)}" if last == first
                     else f" for {fy_label(first)} to {fy_label(last)}")
        out.append(format_percent(slab.rate) + years)
    return "; ".join(out) or "-"


def _regime(rule: m.DatedRule) -> str:
    when = _range("bought", rule.bought_from, rule.bought_to)
    if rule.sold_from or rule.sold_to:
        when += " and " + _range("sold", rule.sold_from, rule.sold_to)
    parts = []
    if rule.always_short_term:
        parts.append("always short-term")
    if rule.short_rate is not None:
        parts.append(f"short {_rate(rule.short_rate)}")
    if rule.long_rate is not None:
        parts.append(f"long {_long(rule.long_rate, rule.indexed, rule.long_rate_unindexed)}")
    if rule.long_term_after is not None:
        parts.append(f"long-term after {rule.long_term_after}")
    return f"{when}: {', '.join(parts)} ({rule.origin})"


def _range(word: str, first: date | None, last: date | None) -> str:
    if first and last:
        return f"{word} {first} to {last}"
    if first:
        return f"{word} from {first}"
    if last:
        return f"{word} on or before {last}"
    return word


def as_json(policy: m.Policy, on: date) -> Json:
    data = {"as_of": on.isoformat(), "policy": policy.to_json()}
    if policy.tax is not None:
        data["in_force"] = law_in_force(policy.tax, on, policy.portfolio)
    return data


def as_text(policy: m.Policy, on: date) -> str:
    from tabulate import tabulate

    out: list[str] = []
    out.append("Sources: " + ", ".join(f"{s.path} ({s.sha256[:12]})" for s in policy.sources))
    p = policy.portfolio
    if p is not None:
        out.append(f"\nPortfolio: {p.name or '(unnamed)'}")
        if p.investors:
            sips = any(i.sip is not None for i in p.investors)  # the column only when a SIP amount is stated
            out.append(tabulate([[i.id, i.name, i.pan or "-", _slabs(i)]
                                 + ([format_inr(i.sip) if i.sip is not None else "-"] if sips else [])
                                 for i in p.investors],
                                ["investor", "name", "PAN", "slab"] + (["SIP a month"] if sips else [])))
        if p.assets:
            out.append("")
            out.append(tabulate([[a.name, format_percent(a.target),
                                  ("+/-" + format_percent(a.band)) if a.band is not None else "-",
                                  a.tax_class or "-"] for a in p.assets],
                                ["asset", "target", "band", "class"]))
        if p.securities:
            out.append("")
            rows = []
            for s in p.securities:
                notes = []
                if s.legacy:
                    notes.append("legacy" + (f" -> {s.replacement}" if s.replacement else ""))
                into = next((a.consolidate_into for a in p.assets if a.name == s.asset), None)
                if into is not None and into not in (s.id, s.isin) and not (s.legacy and s.replacement):
                    notes.append(f"consolidate -> {into}")
                if s.exit_load:
                    notes.append("exit load " + ", ".join(f"{format_percent(x.rate)} within {x.within}"
                                                           for x in s.exit_load))
                rows.append([s.id, s.kind, s.name, s.asset, s.tax_class, "; ".join(notes) or "-"])
            out.append(tabulate(rows, ["security", "kind", "name", "asset", "class", "notes"]))
    out.extend(_rules_text(policy))
    if policy.tax is not None:
        law = law_in_force(policy.tax, on, policy.portfolio)
        out.append(f"\nTax law in force on {law['as_of']} ({law['fy']}: {law['fy_first_day']} to "
                   f"{law['fy_last_day']}); lots {law['lots']}; anniversary sale is {law['anniversary_sale']}; "
                   f"cess {law['cess']}")
        rows = [[c["class"], _holding(c, policy.tax.anniversary_is_long_term),
                 c["short_rate"], c["long_rate"] + (" indexed" if c["indexed"] else "")
                 + (f" or {c['long_rate_unindexed']} unindexed, lower tax" if c["long_rate_unindexed"] else ""),
                 format_inr(Decimal(c["exemption"])) if c["exemption"] else "-",
                 c["grandfather_on_or_before"] or "-"] for c in law["classes"]]
        out.append(tabulate(rows, ["class", "long-term if held", "STCG", "LTCG", "exemption", "grandfathered to"]))
        for c in law["classes"]:
            for regime in c["regimes"]:
                out.append(f"  {c['class']}: {regime}")
        for row in law["charges"]:
            what = " + ".join(f"{c['charge'].replace('-', ' ')} {c['rate']}" for c in row["charges"])
            out.append(f"Charges on {row['on']} of {', '.join(row['of'])}: {what}")
        if law["set_off"]:
            out.append("Set-off: " + "; ".join(f"{s['loss']} loss against {', '.join(s['against'])} gain"
                                               for s in law["set_off"])
                       + (f"; losses carried forward {law['carry_forward_years']} years"
                          if law["carry_forward_years"] else ""))
        if law["cost_inflation_index"]:
            out.append(f"Cost inflation index for {law['fy']}: {law['cost_inflation_index']}")
    return "\n".join(out) + "\n"


def _holding(c: Json, anniversary_long_term: bool) -> str:
    if c["long_term_after"]:
        return f"{'at least' if anniversary_long_term else 'more than'} {c['long_term_after']}"
    if c["short_rate"] == "-" and c["long_rate"] == "-":
        return "no rule in force"
    return "never"


_MEASURES = {"half-absolute": "half the sum of absolute drifts", "sum-positive": "the sum of positive drifts",
             "largest-absolute": "the largest absolute drift"}


def _rules_text(policy: m.Policy) -> list[str]:
    out = []
    if "buy" in policy.stated:
        how = "in proportion to drift" if policy.buy.method == BuyMethod.PROPORTIONAL else "to an even drift"
        out.append(f"\nBuying: new money to underweight assets only, {how}")
    if policy.sell:
        s = policy.sell
        if s.rate_per_month:
            pace = f"sell {format_percent(s.rate_per_month)} of the portfolio a month"
        else:
            assert s.ceiling is not None  # without a rate, a sell rule has a ceiling (validate_rules.py, V318)
            pace = (f"keep drift under a ceiling stepping from {format_percent(s.ceiling.start)} to "
                    f"{format_percent(s.ceiling.stop)} over {s.ceiling.months} months")
        extra = [w for w, on in (("only long-term lots", s.only_long_term_lots),
                                 ("never paying exit load", s.never_pay_exit_load)) if on]
        out.append(f"Selling: drift is {_MEASURES[s.measure]}; start above {format_percent(s.start_above)}, "
                   f"{pace} from {s.source.kind.replace('-', ' ')} assets, stop at or below "
                   f"{format_percent(s.stop_at_or_below)}" + (f"; {', '.join(extra)}" if extra else ""))
    if policy.rebalance:
        r = policy.rebalance
        due = (" or " if r.combine == Combine.ANY else " and ").join(
            t.kind + (f" {format_percent(t.level)}" if t.level else "") for t in r.triggers)
        out.append(f"Rebalancing: {r.method}" + (f", due {due}" if due else ", on request"))
    if "harvest" in policy.stated:
        h = policy.harvest
        parts = []
        if h.realise_gains:
            parts.append(f"realise gains up to the exemption less {format_inr(h.margin)}")
        if h.loss_threshold is not None:
            parts.append(f"harvest losses over {format_inr(h.loss_threshold)}")
        if h.use_losses_within_year:
            parts.append("use harvested losses within the year")
        if h.short_term_gains_limit is not None:
            parts.append("never realise short-term gains" if h.short_term_gains_limit == 0
                         else f"short-term gains up to {format_inr(h.short_term_gains_limit)}")
        if h.never_pay_exit_load:
            parts.append("never pay exit load")
        if h.preference:
            parts.append("prefer " + ", then ".join(h.preference))
        if h.discount_rate is not None:
            parts.append(f"future tax valued at {format_percent(h.discount)} a year over {h.horizon} "
                         f"year{'s' if h.horizon != 1 else ''}")
        if h.growth_rate is not None:
            parts.append(f"growth expected {format_percent(h.growth)} a year")
        if h.proceeds is not None:
            parts.append("rebuy the same funds" if h.proceeds == "rebuy" else "reallocate proceeds by the buying rule")
        for t in h.triggers:
            parts.append(f"due when an asset is {format_percent(t.below)} below its high of the last {t.window}"
                         if t.window is not None and t.below is not None
                         else f"due when unrealised long-term losses exceed {format_inr(t.amount or Decimal(0))}")
        if h.savings_years is not None:
            parts.append(f"expense savings valued over {h.savings_years} year{'s' if h.savings_years != 1 else ''}")
        out.append("Harvesting: " + "; ".join(parts))
    if policy.report is not None:
        signed = policy.report
        out.append("Report: " + "; ".join(
            [f"adviser {signed.adviser}" + (f", SEBI registration {signed.registration}" if signed.registration else "")]
            * (signed.adviser is not None) + [f"disclaimer: {signed.disclaimer}"] * (signed.disclaimer is not None)))
    return out
