"""Whether a harvest is due on a day (public as `api.harvest_due`): the policy's `harvest when
...` triggers (engine/harvest/triggers.py) checked on the holdings valued as `lotwise status`
values them (engine/tax/unrealised.py) and the book's prices. Nothing here prints or reads the
clock: `as_of` is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Sequence

from engine.inputs import Refused, load_ledger
from engine.precision import with_precision

if TYPE_CHECKING:
    from pathlib import Path

    from engine.book.store import Book
    from engine.harvest.triggers import Fired
    from engine.policy.model import Policy
    from engine.tax.unrealised import Holding


@dataclass(frozen=True)
class HarvestDue:
    """The triggers that fired on `as_of` (none: no harvest is due, or the policy states no
    trigger: `stated` False)."""

    as_of: date
    stated: bool
    fired: tuple[Fired, ...]

    @property
    def due(self) -> bool:
        return bool(self.fired)


@with_precision
def harvest_due(book: Book, policy: Policy, as_of: date, *, isin_db: Path | None = None) -> HarvestDue:
    """The policy's harvest triggers checked on `as_of`; the book is not read when it states none."""
    if not policy.harvest.triggers:
        return HarvestDue(as_of, False, ())
    from engine.tax.unrealised import value_lots

    loaded = load_ledger(book, policy, as_of, isin_db=isin_db)
    holdings, problems = value_lots(loaded.ledger, policy, book.latest_price, loaded.fmv, as_of)
    if any(d.is_error for d in problems):
        raise Refused(diagnostics=tuple(problems))
    return due_among(book, policy, as_of, holdings)


def due_among(book: Book, policy: Policy, as_of: date, holdings: Sequence[Holding]) -> HarvestDue:
    """The triggers checked on lots already valued on `as_of` (a year-end or harvest plan has them:
    the book's lots are not read and valued again)."""
    from engine.harvest.triggers import fired_triggers

    return HarvestDue(as_of, bool(policy.harvest.triggers), fired_triggers(policy, as_of, holdings,
                                                                           book.prices_between))
