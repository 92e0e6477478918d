"""Saved plans: the hashes of a plan's inputs, the plan id derived from them, and the plans
table of the book (schema 5).

The inputs are what the plan is a function of: the policy as resolved (every `use`d file
merged, as `lotwise show` prints it), the book's transactions, the prices on or before
`as_of`, the grandfathering FMVs, the brought-forward losses, `as_of`, the command's options
and the engine's version. The same inputs give the same id and the same plan, byte for byte
(nothing in a plan reads the clock).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from engine import __version__
from engine.book import Book
from engine.policy.model import Policy


def _digest(rows) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(map(str, row)).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def policy_hash(policy: Policy) -> str:
    """The resolved policy (every `use`d file merged) and the text of each file, not where the
    files are: the same policy copied elsewhere has the same hash."""
    resolved = policy.model_dump(mode="json", exclude={"sources"})
    texts = sorted(source.sha256 for source in policy.sources)
    return hashlib.sha256(json.dumps([resolved, texts], sort_keys=True).encode()).hexdigest()


def input_hashes(book: Book, policy: Policy, as_of: date, options: dict) -> dict[str, str]:
    db = book.db
    return {
        "policy": policy_hash(policy),
        "transactions": _digest(db.execute(
            "SELECT date, investor, account, security, type, units, price, charges FROM transactions "
            "ORDER BY date, id")),
        "prices": _digest(db.execute("SELECT security, date, price FROM prices WHERE date <= ? "
                                     "ORDER BY security, date", (as_of.isoformat(),))),
        "fmv": _digest(db.execute("SELECT security, fmv FROM fmv ORDER BY security")),
        "losses": _digest(db.execute("SELECT investor, fy, term, amount, into_fy FROM losses "
                                     "ORDER BY investor, fy, term, into_fy")),
        "as_of": as_of.isoformat(),
        "options": json.dumps(options, sort_keys=True),
        "engine": __version__,
    }


def plan_id(kind: str, hashes: dict[str, str]) -> str:
    """`YE-` and 12 hex digits of the hash of the inputs' hashes."""
    text = json.dumps(hashes, sort_keys=True)
    return {"year-end": "YE"}.get(kind, kind[:2].upper()) + "-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def save(book: Book, ident: str, kind: str, as_of: date, fy: int, hashes: dict, body: str) -> bool:
    """Keep the plan; False when the book already has it (the same inputs)."""
    with book.transaction():
        if book.db.execute("SELECT 1 FROM plans WHERE id = ?", (ident,)).fetchone():
            return False
        book.db.execute("INSERT INTO plans (id, kind, as_of, fy, inputs, body) VALUES (?, ?, ?, ?, ?, ?)",
                        (ident, kind, as_of.isoformat(), fy, json.dumps(hashes, sort_keys=True), body))
    return True


def saved(book: Book) -> list[tuple[str, str, str, int, str]]:
    """(id, kind, as_of, fy, body) of every saved plan, by as_of then id."""
    return list(book.db.execute("SELECT id, kind, as_of, fy, body FROM plans ORDER BY as_of, id"))


def load(book: Book, ident: str) -> tuple[str, str] | None:
    """(id, body) of the plan whose id is `ident` or starts with it (when only one does)."""
    rows = list(book.db.execute("SELECT id, body FROM plans WHERE substr(id, 1, ?) = ? ORDER BY id",
                                (len(ident), ident)))  # a prefix, compared as text (no wildcards)
    exact = [r for r in rows if r[0] == ident]
    if exact:
        return exact[0]
    return rows[0] if len(rows) == 1 else None


def latest(book: Book) -> tuple[str, str] | None:
    """(id, body) of the plan saved last (the book's insertion order); None when there is none."""
    return book.db.execute("SELECT id, body FROM plans ORDER BY rowid DESC LIMIT 1").fetchone()
