"""What a casparser CAS says about its holders and schemes, read for a policy skeleton
(`lotwise init --from-cas`, engine/book/importers/cas_skeleton.py writes it): each holder
(by PAN, else by name, as casparser_investors.py matches a folio to an investor) and each
scheme ever held (redeemed ones too), with the tax class its casparser `type` and its SEBI
category in the name point to (scheme_classes.py). A scheme without an ISIN is I156, as the
importer says it; a file that is not a CAS, the importer's I150-I152.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from engine.book.importers.casparser_fields import Constant, JsonObject, Positions, Reader, Where
from engine.book.importers.casparser_investors import name_key
from engine.book.importers.scheme_classes import SchemeClass, class_of
from engine.diagnostics import Diagnostic, Span, error

SECID = re.compile(r"[A-Z0-9][A-Z0-9&_.\-]*")  # what the policy language takes as a security id


@dataclass(frozen=True)
class Holder:
    """One investor of the statement: a PAN (None when the folios give none) and the names its
    folios give (the first is the investor's name; the others become aliases)."""

    pan: str | None
    names: tuple[str, ...]


@dataclass(frozen=True)
class Scheme:
    """A scheme the statement lists: its ISIN, name, AMC, casparser type, the class it points
    to, and whether any folio still holds units at the statement's end."""

    isin: str
    name: str
    amc: str | None
    kind: str | None
    tax_class: SchemeClass
    held: bool


@dataclass(frozen=True)
class Statement:
    holder: str | None  # investor_info.name
    holders: tuple[Holder, ...]
    schemes: tuple[Scheme, ...]


@dataclass
class _Holders:
    """Folios grouped into holders: by PAN, else by the holder's name; a folio without a PAN
    whose name is a PAN holder's joins that holder (the same person, as the import matches it)."""

    by_pan: dict[str, list[str]] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)  # name key -> names (folios without a PAN)

    def add(self, pan: str | None, name: str | None) -> None:
        if pan:
            names = self.by_pan.setdefault(pan.upper(), [])
            if name and name_key(name) not in map(name_key, names):
                names.append(name)
        else:
            self.by_name.setdefault(name_key(name) if name else "", [name] if name else [])

    def holders(self) -> tuple[Holder, ...]:
        named = {name_key(n) for names in self.by_pan.values() for n in names}
        return (tuple(Holder(pan, tuple(names)) for pan, names in self.by_pan.items())
                + tuple(Holder(None, tuple(names)) for key, names in self.by_name.items() if key not in named))


def read_statement(text: str, path: str) -> tuple[Statement | None, list[Diagnostic]]:
    """The statement's holders and schemes, or None and the errors that stop it."""
    body = text[1:] if text.startswith("\ufeff") else text
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal, parse_constant=Constant)
    except (ValueError, RecursionError) as e:
        line, column = Positions(body, scan=False).place(getattr(e, "pos", 0) or 0)
        return None, [error("I150", f"`{path}` is not valid JSON: {getattr(e, 'msg', e)}",
                            Span(path, line, column, line, column + 1),
                            "is this the file casparser wrote (`casparser CAS.pdf -o cas.json`), unedited?")]
    r = Reader(path, Positions(body))
    top = r.mapping(data, (), "the file")
    folios = r.listing(top, "folios", (), "the file") if top is not None else None
    if top is None or folios is None:
        return None, r.problems
    info = top.get("investor_info")
    holder = r.text(info, "name", ("investor_info",)) if isinstance(info, dict) else None
    holders = _Holders()
    schemes: dict[str, Scheme] = {}
    for i, value in enumerate(folios):
        folio = r.mapping(value, ("folios", i), "a folio")
        if folio is None:
            continue
        holders.add(r.text(folio, "PAN", ("folios", i)), r.text(folio, "name", ("folios", i)) or holder)
        amc = r.text(folio, "amc", ("folios", i))
        for j, scheme_value in enumerate(r.listing(folio, "schemes", ("folios", i), "a folio") or ()):
            _scheme(r, ("folios", i, "schemes", j), scheme_value, amc, schemes)
    if any(d.is_error for d in r.problems):
        return None, r.problems
    if not schemes:
        return None, [error("I168", f"`{path}` lists no schemes", None,
                            "a detailed CAS lists schemes under folios[].schemes[]; is the statement period right?")]
    return Statement(holder, holders.holders(), tuple(schemes.values())), r.problems


def _scheme(r: Reader, sw: Where, value: object, amc: str | None, schemes: dict[str, Scheme]) -> None:
    scheme: JsonObject | None = r.mapping(value, sw, "a scheme")
    if scheme is None:
        return
    name = " ".join((r.text(scheme, "scheme", sw) or "").split())
    isin = r.text(scheme, "isin", sw)
    if isin is None:
        r.error("I156", sw, f"scheme \"{name or sw}\" has no ISIN, so lotwise cannot tell which security it is",
                "casparser could not find its ISIN: update casparser, or add \"isin\" to the scheme "
                "in the JSON by hand")
        return
    if not SECID.fullmatch(isin.upper()):
        r.error("I156", sw + ("isin",), f"scheme \"{name or sw}\" has the ISIN `{isin}`, which is not one",
                "an ISIN is 12 letters and digits, e.g. INF789F01XA0: correct it in the JSON")
        return
    close, _ = r.decimal(scheme, "close", sw)
    held = close is not None and close != 0
    found = schemes.get(isin.upper())
    if found is not None:
        if held and not found.held:
            schemes[found.isin] = Scheme(found.isin, found.name, found.amc, found.kind, found.tax_class, True)
        return
    kind = r.text(scheme, "type", sw)
    schemes[isin.upper()] = Scheme(isin.upper(), name or isin.upper(), amc, kind, class_of(name, kind), held)
