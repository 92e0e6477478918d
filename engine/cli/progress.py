"""Progress of a long plan on a terminal: one line on standard error, redrawn in place.

The engine below the CLI prints nothing: the API takes a callback (api.plan_year_end `progress`),
and the CLI passes this one only when standard error is a terminal, so scripts, pipes and the golden
tests see nothing new on stderr.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO


def terminal_progress(stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
                      ) -> Callable[[int, int, str], None] | None:
    """A progress callback drawing "planning inv3 (4 of 5 investors, 12 s)" on `stream` (stderr)
    when it is a terminal; None when it is not."""
    out = stream if stream is not None else sys.stderr
    if out is None or not out.isatty():
        return None
    started = clock()

    def show(done: int, total: int, investor: str) -> None:
        elapsed = clock() - started
        if done >= total:
            out.write("\r\033[K")  # the line cleared: the plan (or the error) follows on a clean line
        else:
            out.write(f"\r\033[Kplanning {investor} ({done + 1} of {total} investor{'s' if total > 1 else ''}, "
                      f"{elapsed:.0f} s)")
        out.flush()

    return show
