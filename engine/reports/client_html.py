"""`lotwise report --html`: the client's report as one self-contained HTML page (docs/report.md).

Like the backtest's page (engine/reports/backtest_html.py, whose style and helpers it uses) it needs
nothing but itself: no script, no stylesheet, image or font fetched; its chart is inline SVG with text
drawn as paths. Every text from the user's data (names, reasons, the adviser, the disclaimer) is
HTML-escaped. The page is a function of the report alone (nothing reads the clock): the same plan
gives the same bytes. WeasyPrint prints the same page as the PDF (`@page` below: A4).

Order: the heading (what, for whom, when), the summary of why, the allocation (table and chart),
the orders, the tax before and after with the exemption used, the reasons for each sale, the
adviser and the disclaimer, at the foot the plan id with its input hashes, and for a plan saved
with its policy an appendix: the client's policy files as the plan read them, highlighted
(engine/reports/policy_html.py), collapsed in the page and open in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from engine.reports.backtest_html import inline_svg, page_start, table
from engine.reports.client import ClientReport, TaxRow

if TYPE_CHECKING:
    from engine.reports.policy_html import AppliedPolicy

STYLE = """
.who { color: #444; margin-top: 0; }
.summary li { margin: 0.3em 0; }
.adviser { margin-top: 2em; padding: 0.8em 1em; border: 1px solid #ccc; background: #fafafa; }
.disclaimer { color: #444; font-size: 0.9em; }
.foot { margin-top: 2em; border-top: 1px solid #ccc; color: #555; font-size: 0.8em; }
.foot code { font-size: 0.95em; word-break: break-all; }
.foot td { white-space: normal; text-align: left; }
.named td:nth-child(-n+4), .named th:nth-child(-n+4) { text-align: left; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; } }
"""


def money(value: Decimal | None) -> str:
    from engine.literals import format_inr

    return "-" if value is None else format_inr(value)


def percent(value: Decimal | None) -> str:
    from engine.plans.drift import percent as as_percent

    return "-" if value is None else as_percent(value)


def who(report: ClientReport) -> str:
    parts = [report.subtitle]
    if report.portfolio:
        parts.append(f"portfolio {report.portfolio}")
    if report.investors:
        parts.append("for " + ", ".join(report.investors))
    return f'<p class="who">{escape("; ".join(parts))}</p>'


def allocation(report: ClientReport, svg: str | None) -> list[str]:
    if not report.weights:
        return ['<h2 id="allocation">Allocation</h2>',
                '<p class="note">This plan does not change the allocation (it rebuys the same funds).</p>']
    after = any(w.after is not None for w in report.weights)
    head = ["asset", "target", "before", "after"] if after else ["asset", "target", "now"]
    rows = [[w.asset, percent(w.target), percent(w.before)] + ([percent(w.after)] if after else [])
            for w in report.weights]
    out = ['<h2 id="allocation">Allocation</h2>', table(head, rows)]
    if svg is not None:
        caption = ("Each asset's share of the portfolio before and after the plan; the dark line is its target."
                   if after else "Each asset's share of the portfolio; the dark line is its target.")
        out.append(f'<section id="chart-allocation" class="chart">\n<figure>\n{inline_svg(svg, "allocation")}\n'
                   f"<figcaption>{escape(caption)}</figcaption>\n</figure>\n</section>")
    return out


def orders(report: ClientReport) -> list[str]:
    if report.kind == "status":
        return []
    if not report.orders:
        return ['<h2 id="orders">Orders</h2>', '<p class="note">No orders: nothing to buy or sell.</p>']
    taxed = any(o.tax is not None for o in report.orders)
    head = ["date", "investor", "fund", "side", "amount", "units"] + (["tax"] if taxed else [])
    rows = [[o.date, o.investor, o.fund, o.side, money(o.amount), o.units]
            + ([money(o.tax) if o.tax is not None else ""] if taxed else []) for o in report.orders]
    return ['<h2 id="orders">Orders</h2>', f'<div class="named">{table(head, rows)}</div>',
            '<p class="note">Units of a buy (~) are estimated at the last price; the fund allots them at the '
            "day's NAV.</p>"]


def taxes(rows: Sequence[TaxRow]) -> list[str]:
    if not rows:
        return []
    if all(r.tax_before is None for r in rows):  # a month plan or a rebalance: its orders' tax
        return ['<h2 id="tax">Tax</h2>', table(["investor", "tax of these orders (with cess)"],
                                               [[r.investor, money(r.tax_after)] for r in rows])]
    body = [[r.investor, money(r.tax_before), money(r.tax_after), money(r.exemption_before),
             money(r.exemption_after), money(r.exemption_limit)] for r in rows]
    return ['<h2 id="tax">Tax for the year and the exemption used</h2>',
            table(["investor", "tax before", "tax after", "exemption used before", "exemption used after",
                   "exemption (s.112A)"], body),
            '<p class="note">Tax with cess on the year\'s capital gains, before the plan and with it; the '
            "exemption is the long-term gains on equity funds that are tax-free each year (s.112A).</p>"]


def adviser(report: ClientReport) -> list[str]:
    out = []
    if report.adviser is not None:
        registration = (f", SEBI registered investment adviser, registration {report.registration}"
                        if report.registration else "")
        out.append(f'<div class="adviser"><p>Prepared by <strong>{escape(report.adviser)}</strong>'
                   f"{escape(registration)}.</p>")
        if report.disclaimer is not None:
            out.append(f'<p class="disclaimer">{escape(report.disclaimer)}</p>')
        out.append("</div>")
    elif report.disclaimer is not None:
        out.append(f'<div class="adviser"><p class="disclaimer">{escape(report.disclaimer)}</p></div>')
    return out


def foot(report: ClientReport, version: str) -> list[str]:
    if report.plan_id is None:
        what = (f"Not a plan: the book's status, made by lotwise {version} (<code>lotwise report --status</code>)."
                if report.kind == "status" else f"A plan not saved in the book, made by lotwise {version}.")
        return [f'<div class="foot"><p>{what}</p></div>']
    rows = "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>\n" for k, v in report.inputs)
    return ['<div class="foot">',
            f"<p>Plan <strong>{escape(report.plan_id)}</strong>, made by lotwise {escape(version)}. The plan id is "
            "derived from the hashes of its inputs: the same book, policy and date give the same plan. "
            f"<code>lotwise why {escape(report.plan_id)}</code> gives the reason for every lot.</p>",
            f"<table>\n<thead><tr><th>input</th><th>hash or value</th></tr></thead>\n<tbody>\n{rows}</tbody></table>",
            "</div>"]


def client_html(report: ClientReport, svg: str | None, version: str, applied: AppliedPolicy | None = None,
                *, opened: bool = False) -> str:
    """The page (module docstring); `svg` the allocation chart (engine/reports/client_charts.py) or None;
    `applied` the policy the saved plan applied (its appendix, open when `opened`: the PDF), or None."""
    parts = [*page_start(report.title), who(report),
             '<h2 id="summary">Summary</h2>', '<ul class="summary">',
             *[f"<li>{escape(s[:1].upper() + s[1:])}</li>" for s in report.summary], "</ul>",
             *allocation(report, svg), *orders(report), *taxes(report.taxes)]
    if report.reasons:
        parts += ['<h2 id="reasons">Why each sale</h2>', "<ol>", *[f"<li>{escape(r)}</li>" for r in report.reasons],
                  "</ol>"]
    parts += [*adviser(report), *foot(report, version)]
    style = STYLE
    if applied is not None:
        from engine.reports.policy_html import appendix
        from engine.reports.policy_html import style as policy_style

        made_by = dict(report.inputs).get("engine", version)  # the shipped rules of the lotwise that planned
        parts += appendix(applied, made_by, opened=opened)
        style += policy_style()
    html = "\n".join([*parts, "</body>", "</html>"]) + "\n"
    return html.replace("</style>", style + "</style>", 1)
