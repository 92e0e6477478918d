"""Which investor holds a folio of a casparser CAS: the investor named for the whole file, else the
policy's investor with the folio's PAN, else the one whose name or alias is the holder's name
(I157-I159 when there is not exactly one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.book.importers.casparser_fields import JsonObject, Reader
from engine.book.importers.transactions_csv import known_names
from engine.diagnostics import error

if TYPE_CHECKING:
    from engine.policy.model import Policy


def name_key(name: str) -> str:
    """A name as compared: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


@dataclass
class Investors:
    """Folio -> investor: PAN first, then the holder's name against names and aliases."""

    by_pan: dict[str, list[str]]
    by_name: dict[str, list[str]]
    pan_of: dict[str, str | None]
    known: bool  # the policy names investors

    @classmethod
    def of(cls, policy: Policy | None) -> Investors:
        investors = policy.portfolio.investors if policy is not None and policy.portfolio is not None else ()
        by_pan: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        for i in investors:
            if i.pan:
                by_pan.setdefault(i.pan.upper(), []).append(i.id)
            for name in {name_key(i.name), *(name_key(a) for a in i.aliases)}:
                by_name.setdefault(name, []).append(i.id)
        return cls(by_pan, by_name, {i.id: i.pan for i in investors}, bool(investors))

    def find(self, pan: str | None, name: str | None) -> str | tuple[str, str]:
        """The investor's id, or (the error code, the message) when there is not exactly one."""
        if pan and pan.upper() in self.by_pan:
            ids = self.by_pan[pan.upper()]
            if len(ids) == 1:
                return ids[0]
            return "I159", f"PAN {pan} is given to {len(ids)} investors in the policy ({', '.join(ids)})"
        ids = self.by_name.get(name_key(name), []) if name else []
        if len(ids) == 1:
            own = self.pan_of.get(ids[0])
            if pan and own and own.upper() != pan.upper():
                return "I159", (f"the holder \"{name}\" matches investor `{ids[0]}`, but the CAS gives "
                                f"PAN {pan} and the policy gives `{ids[0]}` PAN {own}")
            return ids[0]
        if len(ids) > 1:
            return "I159", f"the holder \"{name}\" matches {len(ids)} investors ({', '.join(ids)})"
        holder = " and ".join(x for x in (f"PAN {pan}" if pan else "", f"name \"{name}\"" if name else "") if x)
        return "I157", f"no investor in the policy has {holder or 'a PAN or name given here'}"


@dataclass(frozen=True)
class Owners:
    """Who holds the folios: the investor named for the whole file (`explicit`; `forced`, its id,
    None when it is not in the policy), else the policy's investors matched by PAN and name."""

    investors: Investors
    holder: str | None  # investor_info.name: the holder of a folio that names none
    explicit: str | None
    forced: str | None
    securities: dict[str, str] | None  # lower-cased ids and ISINs -> id; None: no policy portfolio


def owners_of(r: Reader, top: JsonObject, policy: Policy | None, explicit: str | None) -> Owners:
    holder = None
    info = top.get("investor_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str) and info["name"].strip():
        holder = info["name"].strip()
    investors = Investors.of(policy)
    names, securities = known_names(policy)
    forced = None
    if explicit is not None:
        forced = explicit if names is None else names.get(explicit.lower())
        if forced is None and names is not None:  # (an explicit investor is None only against a policy's names)
            r.problems.append(error("I158", f"the investor `{explicit}` given for `{r.text_path}` is not in the policy",
                                    None, "name an investor the policy declares: "
                                    + (", ".join(sorted(set(names.values()))) or "none")))
    elif not investors.known:
        r.problems.append(error("I157", f"`{r.text_path}`: no policy names the investors, so the folios cannot "
                                "be matched to one", None, "give the policy, or name the investor for the file"))
    return Owners(investors, holder, explicit, forced, securities)
