"""Memory the process no longer uses, given back to the system (issue 14: a plan of 100,000 lots
under 500 MB).

HiGHS allocates hundreds of MiB for one investor's program of tens of thousands of columns and
frees them when its model is dropped; glibc's malloc keeps most freed pages in the process's heap
for later allocations, which Python's objects (in their own arenas) never reuse, so the process's
resident memory (RSS) stays at the solve's peak while the plan's decisions and JSON are built after
it: 100,000 lots of 5 investors, about 100 MiB (a rising market) to 320 MiB (losses behind gains)
held for nothing. `give_back` asks glibc to return them (`malloc_trim(0)`: free pages anywhere in
the heap, not only at its top). Elsewhere (no glibc: macOS, musl, Windows) it does nothing. What the
plan computes is untouched: this is only the process's bookkeeping.
"""

from __future__ import annotations

from functools import cache
from typing import Callable


def give_back() -> None:
    """Return freed heap pages to the system, where the C library can (glibc); else nothing."""
    trim = _trim()
    if trim is not None:
        trim(0)


@cache
def _trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (None where there is none)."""
    try:
        import ctypes

        function: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # no C library to ask, or not glibc
        return None
    return function
