"""A policy skeleton written from a CAS (`lotwise init --from-cas`): the shipped law and
rules (`use "india"`, `use "perpetual"`), one investor per holder, every scheme ever held as a
fund holding the asset of its class, and one asset per class with its target `TODO`, which
`lotwise check` reports (V370) until the user writes a percentage. Valid lotwise language but
for the TODOs (and a fund whose class the statement does not tell: V316 until it is given).

Investors are matched to folios by the import as casparser_investors.py matches them: the PAN
when the file states it (`--show-pan`), else the holder's name and aliases; a PAN is written
masked in a comment otherwise (XXXXX1234X: only its digits and last letter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.book.importers.cas_statement import Holder, Scheme, Statement
from engine.book.importers.casparser_investors import name_key

# The asset each class is held as, in the order the skeleton lists them.
ASSETS = {"equity": "Equity", "specified-fund": "Debt", "hybrid": "Hybrid", "other-unlisted": "Gold and overseas"}
UNCLASSIFIED = "Unclassified"
_PLAN_WORDS = re.compile(r"\b(?:regular|direct|plan|option)\b|[^a-z0-9 ]")


@dataclass(frozen=True)
class Skeleton:
    """The policy's text; the investors' ids in the holders' order; `matched`: whether the
    import can tell each folio's investor from the text (by PAN or name), else (one investor)
    the import names the investor for the whole file, or (more than one) it cannot."""

    text: str
    investors: tuple[str, ...]
    matched: bool
    assets: tuple[str, ...] = ()  # the assets declared, in order (each with target TODO)


def quoted(text: str) -> str:
    """A quoted name of the language: `"` and `\\` escaped, on one line."""
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def masked(pan: str) -> str:
    """ABCPS1234K -> XXXXX1234X: enough to tell one's own PAN, not enough to use it."""
    return "X" * 5 + pan[5:9] + "X" if len(pan) == 10 else "X" * len(pan)


def investor_ids(holders: tuple[Holder, ...]) -> tuple[str, ...]:
    """An id per holder: the first word of the name in lower case (`asha`), numbered when taken
    (`asha-2`); `investor` for a holder without a usable name."""
    ids: list[str] = []
    for holder in holders:
        word = re.sub(r"[^a-z0-9_]", "", holder.names[0].split()[0].lower()) if holder.names else ""
        base = word if word[:1].isalpha() else "investor"
        ident, n = base, 1
        while ident in ids:
            n += 1
            ident = f"{base}-{n}"
        ids.append(ident)
    return tuple(ids)


def by_name_only(holders: tuple[Holder, ...]) -> bool:
    """Whether the holders' names alone tell their folios apart (each has one, none shared)."""
    keys = [{name_key(n) for n in h.names} for h in holders]
    return all(keys) and all(not (a & b) for i, a in enumerate(keys) for b in keys[i + 1:])


def skeleton(statement: Statement, show_pan: bool, source: str) -> Skeleton:
    """The policy text for `statement` (read from `source`, named in its heading)."""
    ids = investor_ids(statement.holders)
    matched = by_name_only(statement.holders) or (show_pan and all(h.pan for h in statement.holders))
    title = statement.holder or (statement.holders[0].names[0] if statement.holders[0].names else "My portfolio")
    lines = [f"# A policy skeleton written by `lotwise init --from-cas` from {source}.",
             "# Fill the asset targets marked TODO (they add up to 100%), check each fund's class,",
             "# then run `lotwise check`.",
             'use "india"',
             'use "perpetual"',
             "",
             f"portfolio {quoted(title)} {{"]
    for ident, holder in zip(ids, statement.holders):
        lines += _investor(ident, holder, show_pan)
    lines += ["    # give each investor's income-tax rate, e.g. `slab 30%`: debt funds' gains are taxed at it", ""]
    by_asset: dict[str, list[Scheme]] = {}
    for scheme in statement.schemes:
        by_asset.setdefault(ASSETS.get(scheme.tax_class.name or "", UNCLASSIFIED), []).append(scheme)
    assets = tuple((cls, asset) for cls, asset in (*ASSETS.items(), (None, UNCLASSIFIED)) if asset in by_asset)
    for cls, asset in assets:
        lines.append(f"    asset {quoted(asset)} TODO" + (f" class {cls}" if cls else ""))
    for asset in (*ASSETS.values(), UNCLASSIFIED):
        for scheme in by_asset.get(asset, ()):
            lines += _fund(scheme, asset, statement.schemes)
    lines.append("}")
    return Skeleton("\n".join(lines) + "\n", ids, matched, tuple(asset for _, asset in assets))


def _investor(ident: str, holder: Holder, show_pan: bool) -> list[str]:
    name = holder.names[0] if holder.names else "Investor"
    line = f"    investor {ident} {quoted(name)}"
    if holder.pan and show_pan:
        line += f" pan {holder.pan}"
    if holder.names[1:]:
        line += " alias " + ", ".join(quoted(n) for n in holder.names[1:])
    out = []
    if holder.pan and not show_pan:
        out.append(f"    # PAN {masked(holder.pan)} (masked: `lotwise init --from-cas --show-pan` writes it in full)")
    elif not holder.pan:
        out.append("    # the statement gives no PAN for this holder")
    return out + [line]


def _fund(scheme: Scheme, asset: str, schemes: tuple[Scheme, ...]) -> list[str]:
    notes = [x for x in (scheme.amc, f"casparser type {scheme.kind}" if scheme.kind else None,
                         None if scheme.held else "redeemed: none held at the statement's end") if x]
    cls = scheme.tax_class
    out = ["", *([f"    # {'; '.join(notes)}"] if notes else []),
           f"    # class {cls.name}: {cls.why}" if cls.name else f"    # check the class: {cls.why}; add "
           "`class equity` (or another class of rules/india.rules) to the fund or hold it in another asset"]
    out.append(f"    fund {scheme.isin} {quoted(scheme.name)} holds {quoted(asset)}")
    direct = _direct(scheme, schemes) if re.search(r"\bregular\b", scheme.name, re.IGNORECASE) else None
    if direct is not None:
        out.insert(-1, "    # a regular plan: legacy, to be sold for its direct plan (in this statement)")
        out.append(f"        legacy, replace with {direct.isin}")
    elif re.search(r"\bregular\b", scheme.name, re.IGNORECASE):
        out.insert(-1, "    # a regular plan: a candidate for migration to its direct plan (not in this statement)")
    if not scheme.held and direct is None:
        out.insert(-1, "    # legacy: new money does not buy a scheme you left (remove `legacy` to buy it again)")
        out.append("        legacy")
    return out


def _direct(scheme: Scheme, schemes: tuple[Scheme, ...]) -> Scheme | None:
    """The direct plan of a regular plan's scheme, when the statement lists it (the same name
    but for the plan's words): never guessed from outside the statement."""
    key = " ".join(_PLAN_WORDS.sub(" ", scheme.name.lower()).split())
    return next((s for s in schemes if s is not scheme and re.search(r"\bdirect\b", s.name, re.IGNORECASE)
                 and " ".join(_PLAN_WORDS.sub(" ", s.name.lower()).split()) == key), None)
