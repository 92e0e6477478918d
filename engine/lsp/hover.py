"""Hover: what the statement under the cursor means (statements.py); on a tax class's name, the
law in force on `as_of` with the sections the rules files cite; on a security's ISIN or symbol,
the fund's name and the asset it holds."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from engine.diagnostics import Span
from engine.lsp.statements import BLOCKS, STATEMENTS
import engine.policy.ast as ast

if TYPE_CHECKING:
    from engine.lsp.diagnose import Analysis
    from engine.policy.law import TaxLaw

_WORD = re.compile(r"[A-Za-z0-9&_.\-]+")


def word_at(line: str, index: int) -> str | None:
    """The word (a name, an ISIN, a keyword) around character `index` of `line`."""
    for found in _WORD.finditer(line):
        if found.start() <= index <= found.end():
            return found.group()
    return None


def contains(span: Span, line: int, column: int) -> bool:
    """Whether 1-based (line, column) lies within `span` (its end included: a cursor after the word)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def statements_at(tree: ast.File | None, line: int, column: int) -> list[ast.Node]:
    """The blocks and the statement containing (line, column), outermost first."""
    found: list[ast.Node] = []
    items = tree.items if tree is not None else ()
    while True:
        node = next((n for n in items if contains(n.span, line, column)), None)
        if node is None:
            return found
        found.append(node)
        items = node.items if isinstance(node, ast.Block) else ()


def hover_text(analysis: Analysis, line: int, index: int, as_of: date) -> str | None:
    """Markdown for 0-based `line` and character `index`, or None."""
    word = word_at(analysis.lines.line(line), index)
    path = statements_at(analysis.tree, line + 1, index + 1)
    policy = analysis.result.policy
    if word and policy is not None and policy.portfolio is not None:
        security = policy.portfolio.security(word)
        if security is not None:
            isin = f" (ISIN {security.isin})" if security.isin and security.isin != word else ""
            return (f"**{security.name}**{isin}: a {security.kind.value} holding \"{security.asset}\", "
                    f"tax class `{security.tax_class}`")
    if word and policy is not None and policy.tax is not None and policy.tax.tax_class(word) is not None:
        return law_in_force(analysis, policy.tax, word, as_of)
    if not path:
        return None
    node = path[-1]
    if isinstance(node, ast.Block):
        return BLOCKS.get(node.kind)
    return STATEMENTS.get(type(node).__name__)


def law_in_force(analysis: Analysis, law: TaxLaw, name: str, as_of: date) -> str:
    """The class's treatment of a sale on `as_of` and the rules (with their sections) it comes from."""
    from engine.literals import format_inr, format_percent, fy_label

    def rate(r: object) -> str:
        return "slab" if r == "slab" else format_percent(r) if r is not None else "none"  # type: ignore[arg-type]

    t = law.treatment(name, None, as_of)
    fy = law.fy_of(as_of)
    parts = [f"**Tax class `{name}`**: the law in force on {as_of.isoformat()}", "",
             f"- short-term gains: {rate(t.short_rate)}",
             f"- long-term gains: {'exempt' if t.long_rate == 'exempt' else rate(t.long_rate)}"
             + (" with indexation" if t.indexed else "")]
    if t.long_term_after is not None:
        parts.append(f"- long-term after {t.long_term_after.count} {t.long_term_after.unit}")
    exemption = law.exemption(name, fy)
    if exemption is not None:
        parts.append(f"- exemption {format_inr(exemption)} per investor in {fy_label(fy)}")
    parts += ["", "From:"]
    for origin in t.origins:
        parts.append(f"- `{origin}`" + (f": {cited}" if (cited := cited_at(analysis, origin)) else ""))
    return "\n".join(parts)


def cited_at(analysis: Analysis, origin: str) -> str | None:
    """The comment at the end of a rule's line (`path:line`): the section of law it cites."""
    display, _, number = origin.rpartition(":")
    found = analysis.file_of(display)
    if found is None or not number.isdigit():
        return None
    from engine.policy.fmt import comments_in

    line = int(number)
    comments = [text for _, at, text in comments_in(found[1]) if at == line]
    return comments[0].lstrip("# ").strip() if comments else None
