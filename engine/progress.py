"""How long work below the CLI says how far it has got: a callback, never a print.

`Progress` is the one signature every long piece of work takes (api.plan_year_end's `progress`,
api.import_files', api.backtest's and api.monte_carlo's): `progress(done, total, what)`, called
before each unit of work with the units `done` so far, the `total` (0 when not known ahead, as the
rows of a streamed CSV are not) and `what` the unit now under way (an investor's id, a file's name,
a strategy's label), and once more when the work ends, with `done == total` and `what` "". The
engine never decides whether or how progress is shown: engine/cli/progress.py draws it on a
terminal and passes None (no calls at all) when standard error is not one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["Progress", "counted"]

Progress = Callable[[int, int, str], None]  # (units done, units in all or 0 when not known, the unit under way)

T = TypeVar("T")


def counted(items: Iterable[T], progress: Progress | None, what: str, *, start: int = 0, every: int = 1000
            ) -> Iterator[T]:
    """`items` as they come, `progress(n, 0, what)` told every `every` items (n counting from
    `start`): for work whose size is not known until it is done (a streamed file's rows)."""
    if progress is None:
        yield from items
        return
    n = start
    for item in items:
        if n % every == 0:
            progress(n, 0, what)
        n += 1
        yield item
