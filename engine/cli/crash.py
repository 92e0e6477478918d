"""An internal error (a bug in lotwise, not a problem with the user's input): the details go to
a report file, the user gets one line that says so, and the exit code is 3 (docs/reliability.md).

The CLI calls `report` with the exception, the command line and the time; this module reads no
clock and decides nothing about exit codes.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from engine.files import WriteError, write_atomically


def cache_dir() -> Path:
    """Where lotwise keeps what it may rebuild or the user may send: $XDG_CACHE_HOME/lotwise,
    else ~/.cache/lotwise."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lotwise"


def details(error: BaseException, argv: list[str], version: str, when: datetime) -> str:
    """The report's text: what to send with a bug report."""
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return (f"lotwise {version}: internal error, {when.isoformat(timespec='seconds')}\n"
            f"command: lotwise {' '.join(argv)}\n"
            f"python: {sys.version.split()[0]} ({platform.platform()})\n\n{trace}")


def save_report(text: str, when: datetime) -> Path | None:
    """The report written to the cache directory, else to the system's temporary directory;
    None when neither can be written."""
    name = f"crash-{when.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for directory in (cache_dir(), Path(tempfile.gettempdir()) / "lotwise"):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            write_atomically(directory / name, text)
        except (OSError, WriteError):
            continue
        return directory / name
    return None


def one_line(error: BaseException, version: str, where: Path | None) -> str:
    """What the user sees: one line, no traceback."""
    said = str(error).splitlines()[0] if str(error) else ""
    what = f"{type(error).__name__}: {said}" if said else type(error).__name__
    if len(what) > 200:
        what = what[:197] + "..."
    tail = (f"The details are in {where}; please report them." if where is not None
            else "The details could not be saved; run again with LOTWISE_DEBUG=1 to see them, and please report them.")
    return f"lotwise {version}: internal error ({what}); this is a bug in lotwise, sorry. {tail}"
