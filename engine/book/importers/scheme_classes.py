"""The tax class a scheme of a CAS points to, from the SEBI category its name states (SEBI's
circular of 6 October 2017 on the categorisation of mutual fund schemes) and casparser's `type`:
a first guess for a policy skeleton (`lotwise init --from-cas`), always written with its reason
so that the user checks it; None where neither tells ("check the class").

The classes are those of rules/india.rules: `equity` (equity-oriented: at least 65% in domestic
listed equity, s.112A), `specified-fund` (debt funds, s.50AA), `hybrid` (more than 35% and less
than 65% domestic equity), `other-unlisted` (gold, silver and overseas funds of funds).
docs/from-cas.md has the table as the user reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SchemeClass:
    """The class (None: not told) and why, as the skeleton's comment says it."""

    name: str | None
    why: str


# (phrases, any one of which in the name decides, the class, why). The first row whose phrase
# the name contains wins: the hybrid categories first (an "Equity & Debt" fund is an aggressive
# hybrid, equity-oriented), then gold and overseas, debt, and equity last.
BY_NAME: tuple[tuple[tuple[str, ...], str | None, str], ...] = (
    (("arbitrage",), "equity", "an arbitrage fund is equity-oriented (hedged equity counts)"),
    (("equity savings",), "equity", "an equity savings fund is equity-oriented (hedged equity counts)"),
    (("aggressive hybrid", "equity & debt", "equity and debt", "equity hybrid"), "equity",
     "an aggressive hybrid fund holds 65-80% equity: equity-oriented"),
    (("balanced advantage", "dynamic asset allocation"), "equity",
     "most balanced advantage funds keep 65% in equity (with arbitrage): check the fund's factsheet"),
    (("conservative hybrid", "regular savings", "monthly income"), "specified-fund",
     "a conservative hybrid fund holds 75-90% debt: a specified fund (s.50AA)"),
    (("balanced hybrid",), "hybrid", "a balanced hybrid fund holds 40-60% equity"),
    (("multi asset",), None, "a multi asset allocation fund's class depends on its equity and debt shares"),
    (("bond fof", "bond fund of fund", "debt fof", "debt fund of fund", "gilt fof", "income fof"), None,
     "a fund of debt funds: from 1 April 2025 one with 65% or more in debt funds is a specified fund (s.50AA); "
     "check what it holds"),
    (("gold", "silver", "fund of fund", "fof", "international", "overseas", "global", "nasdaq", "s&p 500",
      "us equity", "feeder", "us", "u s", "usa", "japan", "asia", "asian", "china", "greater china", "taiwan",
      "hang seng", "europe", "european", "emerging market", "emerging markets", "world", "off shore", "offshore",
      "fang", "nyse"), "other-unlisted", "gold, silver and overseas funds (of funds) are neither "
     "equity-oriented nor debt funds"),
    (("liquid", "overnight", "money market", "gilt", "corporate bond", "banking and psu", "banking & psu",
      "short duration", "ultra short", "low duration", "medium duration", "long duration", "dynamic bond",
      "credit risk", "floater", "floating rate", "debt", "bond", "sdl", "g-sec", "gsec", "target maturity",
      "treasury", "income"), "specified-fund", "a debt fund: a specified fund (s.50AA)"),
    (("large cap", "largecap", "mid cap", "midcap", "small cap", "smallcap", "flexi cap", "flexicap", "multi cap",
      "multicap", "large & mid", "large and mid", "elss", "tax saver", "taxsaver", "long term equity", "value",
      "contra", "focused", "dividend yield", "bluechip", "index", "nifty", "sensex", "equity", "sectoral",
      "thematic", "infrastructure", "pharma", "banking", "technology", "consumption"), "equity",
     "an equity fund: equity-oriented"),
)
# casparser's `type` (from its ISIN database) where the name tells nothing.
BY_TYPE = {"EQUITY": ("equity", "casparser's type EQUITY: equity-oriented"),
           "DEBT": ("specified-fund", "casparser's type DEBT: a specified fund (s.50AA)")}
_PATTERNS = tuple((re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(p.replace("-", " ")) for p in phrases)
                              + r")(?![a-z0-9])"), cls, why) for phrases, cls, why in BY_NAME)


def class_of(name: str, kind: str | None) -> SchemeClass:
    """The class a scheme's name (its SEBI category) and casparser `type` point to."""
    text = " ".join(name.lower().replace("-", " ").split())  # Multi-Asset: "multi asset"
    for pattern, cls, why in _PATTERNS:
        found = pattern.search(text)
        if found:
            return SchemeClass(cls, f"the name says \"{found.group()}\" ({why})")
    if kind is not None and kind.upper() in BY_TYPE:
        cls, why = BY_TYPE[kind.upper()]
        return SchemeClass(cls, why)
    told = f"casparser's type {kind}" if kind else "no casparser type"
    return SchemeClass(None, f"neither the name nor {told} tells it")
