"""Saved plans: the hashes of a plan's inputs, the plan id derived from them, and the plans
table of the book (schemas 5 and 8).

The inputs are what the plan is a function of: the policy as resolved (every `use`d file
merged, as `lotwise show` prints it), the book's transactions dated on or before `as_of` (a
later import does not change a past plan's id), the prices on or before `as_of`, the
grandfathering FMVs the plan read with their source (the book's, or casparser-isin's for funds
the book lacks: engine/fmv.py), the brought-forward losses, the exchange holidays around `as_of`
(`calendar_hash`), `as_of`, the command's options and the engine's version, and for a month plan
the selling state remembered from the month before, for a rebalance the day of the last one. The
same inputs give the same id and the same plan, byte for byte (nothing in a plan reads the clock). The command reads all of them from one snapshot of the
book (`Book.snapshot`), so an import that commits meanwhile is in neither or both.

With the plan the book keeps the policy as applied: the resolved policy and the text of every
file it was read from (`policy_record`), so that an auditor can read what decided, not only
its hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Iterable, Mapping

from engine import __version__
from engine.book.store import Book
from engine.book.rows import BookDamaged, plan_body, plan_policy, plan_problem
from engine.fmv import FmvTable
from engine.policy.model import Policy


def _digest(rows: Iterable[Iterable[object]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(map(str, row)).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def policy_hash(policy: Policy) -> str:
    """The resolved policy (every `use`d file merged) and the text of each file, not where the
    files are: the same policy copied elsewhere has the same hash."""
    resolved = policy.to_json(exclude={"sources"})
    texts = sorted(source.sha256 for source in policy.sources)
    return hashlib.sha256(json.dumps([resolved, texts], sort_keys=True).encode()).hexdigest()


def policy_record(policy: Policy, texts: Mapping[str, str]) -> str:
    """The policy as applied, kept with a saved plan: every file's name, sha256 and text (as
    `check` read them; `texts` by the names in `policy.sources`) and the resolved policy."""
    files = [{"file": source.path, "sha256": source.sha256, "text": texts.get(source.path)}
             for source in policy.sources]
    return json.dumps({"files": files, "resolved": policy.to_json(exclude={"sources"})},
                      sort_keys=True, ensure_ascii=False)


def input_hashes(book: Book, policy: Policy, as_of: date, options: Mapping[str, object],
                 fmv: FmvTable, more: Mapping[str, str] | None = None) -> dict[str, str]:
    """The hashes of a plan's inputs (the module's docstring), then `more`: what else of the book
    a kind of plan reads (a month plan the selling state of the month before, a rebalance the
    day of the last one; a year-end plan nothing, so its ids are as they were)."""
    db = book.db
    day = as_of.isoformat()
    return {
        "policy": policy_hash(policy),
        "transactions": _digest(db.execute(
            "SELECT date, investor, account, security, type, units, price, charges FROM transactions "
            "WHERE date <= ? ORDER BY date, id", (day,))),
        "prices": _digest(db.execute("SELECT security, date, price FROM prices WHERE date <= ? "
                                     "ORDER BY security, date", (day,))),
        "fmv": _digest((security, value, source.value) for security, value, source in fmv.rows()),
        "losses": _digest(db.execute("SELECT investor, fy, term, amount, into_fy FROM losses "
                                     "ORDER BY investor, fy, term, into_fy")),
        "calendar": calendar_hash(as_of),
        "as_of": day,
        "options": json.dumps(options, sort_keys=True),
        "engine": __version__,
        **(more or {}),
    }


def calendar_hash(as_of: date) -> str:
    """The exchange holidays a plan's dates can depend on (engine/calendar.py): its order and
    rebuy days after `as_of`, and the age in trading days of the prices before it; two installs
    whose holiday calendars differ there (an estimated holiday moved) give two ids."""
    from datetime import timedelta

    from engine.calendar import closed_between, holiday_name, uncovered_years

    first, last = as_of - timedelta(days=CALENDAR_BEFORE), as_of + timedelta(days=CALENDAR_AFTER)
    return _digest([(day.isoformat(), holiday_name(day)) for day in closed_between(first, last)]
                   + [("not known", year) for year in uncovered_years(first, last)])


# The window of days around `as_of` whose holidays a plan's id covers: prices older than 60
# days before it are stale by any count, and no order or rebuy is dated 30 days after it.
CALENDAR_BEFORE, CALENDAR_AFTER = 60, 30


def plan_id(kind: str, hashes: Mapping[str, str]) -> str:
    """`YE-` (`HV-` for `plan harvest`, `MP-` for `plan month`, `RB-` for `rebalance`) and 12 hex
    digits of the hash of the inputs' hashes."""
    text = json.dumps(hashes, sort_keys=True)
    return (PREFIXES.get(kind, kind[:2].upper()) + "-" + hashlib.sha256(text.encode()).hexdigest()[:12])


PREFIXES = {"year-end": "YE", "harvest": "HV", "month": "MP", "rebalance": "RB"}  # the kinds' (PlanKind) ids


def save(book: Book, ident: str, kind: str, as_of: date, fy: int, hashes: Mapping[str, str], body: str,
         policy: str) -> bool:
    """Keep the plan and the policy as applied (`policy_record`); False when the book already
    has it (the same inputs): it is then made the plan saved last (`latest`), as made again now."""
    with book.transaction():
        if book.db.execute("SELECT 1 FROM plans WHERE id = ?", (ident,)).fetchone():
            _made_last(book, ident)
            return False
        book.db.execute("INSERT INTO plans (id, kind, as_of, fy, inputs, body, policy) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (ident, kind, as_of.isoformat(), fy, json.dumps(hashes, sort_keys=True), body, policy))
    return True


def made_again(book: Book, ident: str) -> None:
    """The saved plan `ident`, found again for the same inputs (`lotwise batch` resuming, which
    skips planning it): made the plan saved last (`latest`), as `save` does for a plan made again."""
    with book.transaction():
        _made_last(book, ident)


def _made_last(book: Book, ident: str) -> None:
    book.db.execute("UPDATE plans SET rowid = (SELECT max(rowid) + 1 FROM plans) WHERE id = ? "
                    "AND rowid < (SELECT max(rowid) FROM plans)", (ident,))


def saved_policy(book: Book, ident: str) -> dict[str, Any] | None:
    """The policy as applied by the saved plan `ident` (`policy_record`); None for a plan saved
    before the book kept policies (schema 8)."""
    row = book.db.execute("SELECT policy FROM plans WHERE id = ?", (ident,)).fetchone()
    return plan_policy(ident, row[0], book.path) if row else None


def saved(book: Book) -> list[tuple[str, str, str, int, str]]:
    """(id, kind, as_of, fy, body) of every saved plan, by as_of then id; every row checked
    (engine/book/rows.py: BookDamaged names a damaged one)."""
    out = []
    for row in book.db.execute("SELECT id, kind, as_of, fy, body, policy FROM plans ORDER BY as_of, id"):
        damage = plan_problem(row)
        if damage is not None:
            raise BookDamaged(damage, book.path)
        out.append(row[:5])
    return out


def load(book: Book, ident: str) -> tuple[str, str] | None:
    """(id, body) of the plan whose id is `ident` or starts with it (when only one does)."""
    rows = list(book.db.execute("SELECT id, body FROM plans WHERE substr(id, 1, ?) = ? ORDER BY id",
                                (len(ident), ident)))  # a prefix, compared as text (no wildcards)
    exact = [r for r in rows if r[0] == ident]
    found = exact[0] if exact else rows[0] if len(rows) == 1 else None
    return None if found is None else (found[0], plan_body(found[0], found[1], book.path))


def latest(book: Book) -> tuple[str, str] | None:
    """(id, body) of the plan saved last, or made again last (`save`); None when there is none."""
    row = book.db.execute("SELECT id, body FROM plans ORDER BY rowid DESC LIMIT 1").fetchone()
    return None if row is None else (row[0], plan_body(row[0], row[1], book.path))


def planned_on(book: Book, kind: str, as_of: date) -> bool:
    """Whether the book has a plan of `kind` made on `as_of` (`lotwise batch`: only then can the
    plan for the same inputs be saved already, and its id is worth finding before planning)."""
    return book.db.execute("SELECT 1 FROM plans WHERE kind = ? AND as_of = ? LIMIT 1",
                           (kind, as_of.isoformat())).fetchone() is not None
