"""The Decimal precision of every computation of the engine, set in one place: the CLI makes
it the process's context at start-up, the API (engine/api.py) runs each call inside it.

Why 60 digits: the importers bound units and prices below 10^12 with 6 decimals (18 digits
each) and amounts below 10^15 (engine/book/importers/csvrows.py), so units x price is below
10^24 with 12 decimals: 36 digits, exact. Summed over even 10^9 lots that stays below 10^33,
and rounded to the paisa it needs 35 digits; a ratio (a split's, a sale's share of a lot)
multiplies by at most 10^12. Python's default of 28 digits fails (InvalidOperation) on such
sums; 60 covers them all, and values a real portfolio holds (under 20 digits) come out the
same either way.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

PRECISION = 60

F = TypeVar("F", bound=Callable[..., Any])


def configure() -> None:
    """Make PRECISION the current thread's context (the CLI, once per process)."""
    decimal.getcontext().prec = PRECISION


def exact() -> AbstractContextManager[decimal.Context]:
    """A context manager running its body with PRECISION (the API, around each call), leaving
    the caller's own context as it was afterwards."""
    return decimal.localcontext(prec=PRECISION)


def with_precision(function: F) -> F:
    """`function`, run inside `exact()`: the API's functions are declared with it."""
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with exact():
            return function(*args, **kwargs)
    return run  # type: ignore[return-value]
