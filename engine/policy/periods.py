"""The resolved policy's base record and its periods: a duration added by calendar, a span of
financial years (the smallest parts of engine/policy/model.py's Policy)."""

from __future__ import annotations

from dataclasses import MISSING, Field, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from dateutil.relativedelta import relativedelta

from engine.policy.record import Record, fields_of

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform  # frozen_default: typing's from Python 3.12
else:
    from typing import dataclass_transform

JSON = dict[str, Any]


def word(kind: type[Enum], *, default: Any = MISSING) -> Any:
    """A field that holds a word of the vocabulary `kind`: given as the member or as its string
    (a caller of the library writes `SellSource(kind="named")`), it holds the member; another
    string is a ValueError."""
    return field(default=default, metadata={"word": kind})


def words(kind: type[Enum], *, default: Any = MISSING) -> Any:
    """A field that holds a tuple of words of the vocabulary `kind` (as `word`)."""
    return field(default=default, metadata={"words": kind})


@dataclass_transform(kw_only_default=True, frozen_default=True, eq_default=False,
                     field_specifiers=(field, word, words))
class Model(Record):
    """A record of the resolved policy: every subclass is a frozen dataclass of keyword arguments,
    built by validate.py from a checked AST (values already checked there, types by mypy; nothing
    is validated twice). Equality, hash and repr are Record's. `to_json` writes it as JSON values,
    in field order: Decimal as its string, date as ISO 8601, a word of the vocabulary as its
    string, a tuple as a list. Start-up: `lotwise check` imports no validation library (pydantic
    and the creation of its model classes were two fifths of its time)."""

    _words: tuple[tuple[str, type[Enum], bool], ...] = ()  # (field, its vocabulary, a tuple of them)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._words = tuple((name, spec.metadata.get("word") or spec.metadata["words"], "words" in spec.metadata)
                           for name, spec in vars(cls).items()
                           if isinstance(spec, Field) and ("word" in spec.metadata or "words" in spec.metadata))
        dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)

    def __post_init__(self) -> None:
        for name, kind, many in self._words:  # a word given as its string: the member
            value = getattr(self, name)
            object.__setattr__(self, name, tuple(map(kind, value)) if many else kind(value))

    def to_json(self, *, exclude: frozenset[str] | set[str] = frozenset()) -> JSON:
        """The record as JSON values, without the fields named in `exclude` nor those declared
        `field(metadata=HIDDEN)`. The resolved JSON (`show --json`) and, without `sources`, the
        policy's hash in plan ids (engine/book/saved_plans.py) are this: keep it byte for byte."""
        return {f.name: json_value(getattr(self, f.name)) for f in fields_of(type(self))
                if f.name not in exclude and not f.metadata.get("hidden")}


HIDDEN = {"hidden": True}  # a field's metadata: not written by to_json


def json_value(value: object) -> object:
    """One value of a record as JSON (see Model.to_json)."""
    if isinstance(value, Model):
        return value.to_json()
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Enum):  # before str: a word of the vocabulary is a str too
        return value.value
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no JSON form for {type(value).__name__}")


def later(start: date, delta: timedelta | relativedelta) -> date:
    """`start` plus `delta`, or date.max when that is past the calendar. Every day lotwise reads
    (a file's dates, --as-of) is at most 9998-12-31, so date.max is after all of them: a lot
    bought on 9998-12-31 becomes long-term, or leaves its exit load, after every such day."""
    try:
        day: date = start + delta
        return day
    except (OverflowError, ValueError):  # relativedelta says ValueError: year 10000 is out of range
        return date.max


@lru_cache(maxsize=1 << 16)
def calendar_after(start: date, count: int, unit: str) -> date:
    """`start` plus `count` days, months or years, by calendar (Duration.after). A pure function of
    its arguments, remembered: a backtest asks the long-term date of the same purchase days again
    and again (each realised part, each valued lot), and relativedelta's arithmetic is slow."""
    if unit == "days":
        return later(start, timedelta(days=count))
    return later(start, relativedelta(months=count * (12 if unit == "years" else 1)))


class Duration(Model):
    count: int
    unit: Literal["days", "months", "years"]

    def after(self, start: date) -> date:
        """`start` plus this duration, by calendar (29 Feb + 12 months = 28 Feb)."""
        return calendar_after(start, self.count, self.unit)

    def __str__(self) -> str:
        unit = self.unit if self.count != 1 else self.unit[:-1]
        return f"{self.count} {unit}"


class FYSpan(Model):
    """Financial years by starting calendar year, inclusive; `last` None: open-ended."""

    first: int
    last: int | None = None

    def contains(self, fy: int) -> bool:
        return self.first <= fy and (self.last is None or fy <= self.last)
