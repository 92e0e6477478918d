"""The resolved policy's base model and its periods: a duration added by calendar, a span of
financial years (the smallest parts of engine/policy/model.py's Policy)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Callable, Literal, ParamSpec, TypeVar, Union, cast

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Strict

from engine.vocabulary import RateKind

# The models are strict, but a word of the vocabulary may be given as its string (a caller
# of the library writes `SellSource(kind="named")`): the field holds the member either way.
WORD = Strict(False)
Rate = Union[Decimal, Annotated[RateKind, WORD]]  # engine.vocabulary.Rate, as a field's type


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", defer_build=True)


P = ParamSpec("P")
M = TypeVar("M", bound=Model)


def checked(cls: Callable[P, M]) -> Callable[P, M]:
    """`cls`'s constructor for values validate.py has checked and mypy has typed: the model is
    built without pydantic validating it again (`model_construct`). Start-up: `lotwise check`
    then builds no validator at all (a validator per model, and pydantic's plugin lookup through
    importlib.metadata, were a fifth of its time); the values, defaults and fields set are those
    of `cls(...)`. Called as `checked(TaxLaw)(year_start_month=4, ...)`, so that mypy checks the
    arguments against the model's own signature."""
    construct = cast(type[M], cls).model_construct  # cast: a model class is its own constructor

    def build(*args: P.args, **kwargs: P.kwargs) -> M:
        assert not args  # models take keywords only
        return construct(None, **kwargs)  # None: the fields set are those given, as cls(...) has them

    return build


def later(start: date, delta: timedelta | relativedelta) -> date:
    """`start` plus `delta`, or date.max when that is past the calendar. Every day lotwise reads
    (a file's dates, --as-of) is at most 9998-12-31, so date.max is after all of them: a lot
    bought on 9998-12-31 becomes long-term, or leaves its exit load, after every such day."""
    try:
        day: date = start + delta
        return day
    except (OverflowError, ValueError):  # relativedelta says ValueError: year 10000 is out of range
        return date.max


class Duration(Model):
    count: int
    unit: Literal["days", "months", "years"]

    def after(self, start: date) -> date:
        """`start` plus this duration, by calendar (29 Feb + 12 months = 28 Feb)."""
        if self.unit == "days":
            return later(start, timedelta(days=self.count))
        months = self.count * (12 if self.unit == "years" else 1)
        return later(start, relativedelta(months=months))

    def __str__(self) -> str:
        unit = self.unit if self.count != 1 else self.unit[:-1]
        return f"{self.count} {unit}"


class FYSpan(Model):
    """Financial years by starting calendar year, inclusive; `last` None: open-ended."""

    first: int
    last: int | None = None

    def contains(self, fy: int) -> bool:
        return self.first <= fy and (self.last is None or fy <= self.last)
