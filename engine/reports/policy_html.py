"""Policies in HTML: a policy's text highlighted with the language's Pygments lexer
(engine/policy/highlight.py), and the client report's appendix, the policy a saved plan applied
(engine/book/saved_plans.py `policy_record`: each file's name, sha256 and text).

The highlighting is Pygments' HtmlFormatter with CSS classes (`<span class="kd">portfolio</span>`)
under `.policy`, whose rules (`STYLE`) go in the page's own <style>: the page stays
self-contained. The formatter escapes the text. Pygments is imported only when a page is made.

The appendix shows the client's own files (their PANs masked, `pans_masked`); the shipped rules (india.rules, the presets: named
`lotwise:...` by the loader) are named in one line with the lotwise version instead. It is a
collapsed <details> in the page and open in the PDF (`opened`), so a printed report holds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from engine.policy.loader import SHIPPED_PREFIX
from engine.policy.validate_portfolio import PAN


@dataclass(frozen=True)
class PolicyFile:
    """One file of the policy as the plan read it (`text` None: the book kept only its hash)."""

    name: str
    sha256: str
    text: str | None


@dataclass(frozen=True)
class AppliedPolicy:
    """The policy a saved plan applied: the client's own files, and the shipped files' names."""

    own: tuple[PolicyFile, ...]
    shipped: tuple[str, ...]


def applied_policy(record: Mapping[str, Any]) -> AppliedPolicy:
    """The record `policy_record` keeps with a plan, split into the client's files and the shipped ones."""
    files = [PolicyFile(str(f["file"]), str(f["sha256"]), f.get("text")) for f in record["files"]]
    return AppliedPolicy(own=tuple(f for f in files if not f.name.startswith(SHIPPED_PREFIX)),
                         shipped=tuple(f.name.removeprefix(SHIPPED_PREFIX) for f in files
                                       if f.name.startswith(SHIPPED_PREFIX)))


_PAN = re.compile(r"\b(pan[ \t]+)(" + PAN.pattern.strip("^$") + r")\b")  # `pan` and a PAN as the checker knows one


def pans_masked(text: str) -> str:
    """The policy's text with each `pan ABCPS1234K` shown as `pan XXXXX1234X`: a report travels (mail,
    print), and the page has never shown a PAN; the last four digits still tell whose it is."""
    from engine.book.importers.cas_skeleton import masked

    return _PAN.sub(lambda m: m.group(1) + masked(m.group(2)), text)


def highlighted(text: str) -> str:
    """`text` (a policy) as a `<div class="policy"><pre>...` block of Pygments spans."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    from engine.policy.highlight import PolicyLexer

    formatted: str = highlight(text, PolicyLexer(), HtmlFormatter(cssclass="policy"))
    return formatted


@lru_cache(maxsize=1)
def style() -> str:
    """The CSS of the highlighted spans (Pygments' default style), for the page's <style>."""
    from pygments.formatters import HtmlFormatter

    rules: str = HtmlFormatter(cssclass="policy").get_style_defs(".policy")
    return rules + "\n" + LAYOUT


# The text as written, scrolled sideways on a screen; on paper a long line wraps rather than being cut.
LAYOUT = """.policy pre { overflow-x: auto; padding: 0.6em; font-size: 0.85em; line-height: 1.3; }
.policy-applied summary { font-weight: bold; margin-top: 2em; cursor: pointer; }
@media print { .policy pre { white-space: pre-wrap; overflow-wrap: anywhere; } }
"""


def appendix(applied: AppliedPolicy, version: str, *, opened: bool = False) -> list[str]:
    """The report's last section: the client's policy files, highlighted, in a <details>."""
    out = [f'<details id="policy" class="policy-applied"{" open" if opened else ""}>',
           "<summary>The policy this plan applied</summary>"]
    for f in applied.own:
        out.append(f"<h3>{escape(f.name)}</h3>")
        out.append(f'<p class="note">sha256 <code>{escape(f.sha256)}</code></p>')
        out.append(highlighted(pans_masked(f.text)) if f.text is not None
                   else '<p class="note">Its text was not kept; only its hash.</p>')
    if any(f.text is not None and _PAN.search(f.text) for f in applied.own):
        out.append('<p class="note">PANs are shown masked (XXXXX1234X), as <code>lotwise init --from-cas</code> '
                   "writes them; the sha256 is of the file as written.</p>")
    if applied.shipped:
        names = ", ".join(f"<code>{escape(name)}</code>" for name in applied.shipped)
        out.append(f'<p class="note">With the rules shipped with lotwise {escape(version)}: {names} '
                   "(<code>lotwise plans --policy-of PLAN</code> prints them as applied).</p>")
    out.append("</details>")
    return out
