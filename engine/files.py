"""Writing a user's file without ever leaving it damaged.

Every file lotwise writes (`fmt`'s policy, `plan year-end --csv` and `--markdown`, the crash
report) goes through `write_atomically`: the text is written to a temporary file in the
target's directory, flushed and synced, given the target's permission bits, and renamed over
the target. A full disk, a file-size limit or a read-only target fails before the rename: the
old file is untouched and no temporary file is left behind. The caller gets a `WriteError`
that says why, in words for the user. A process killed outright (kill -9, a power cut) before
its rename leaves its temporary file, `.NAME.PID.XXXXXXXX.tmp`, and never a damaged target; the
next write of the same file removes such files whose process is gone.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path


class WriteError(Exception):
    """`path` could not be written; `reason` says why (e.g. `File too large`). The file, if
    it existed, is unchanged."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"cannot write {path}: {reason}; {path} is unchanged")
        self.path = str(path)
        self.reason = reason


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def write_atomically(path: Path | str, text: str | bytes, encoding: str = "utf-8") -> None:
    """Replace (or create) `path` with `text` (encoded by `encoding`; bytes as they are), all or nothing.

    A device or a pipe (`--csv /dev/stdout`) is written directly: there is no file to keep.
    A target that exists but may not be written (read-only permission bits for a user who is
    not root, an immutable file) is refused before anything is written: renaming over it in a
    writable directory would succeed, and so replace a file its owner made read-only."""
    shown = Path(path)
    if shown.exists() and not stat.S_ISREG(os.stat(shown).st_mode):  # /dev/stdout, /dev/null, a pipe
        try:
            with open(shown, "wb") as handle:
                handle.write(text.encode(encoding) if isinstance(text, str) else text)
        except OSError as e:
            raise WriteError(shown, _reason(e)) from None
        return
    target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown  # a link keeps pointing at the file
    if target.is_dir():
        raise WriteError(shown, "it is a directory")
    existed = target.exists()
    if existed and not os.access(target, os.W_OK):
        raise WriteError(shown, "the file is read-only")
    data = text.encode(encoding) if isinstance(text, str) else text
    directory = target.parent if str(target.parent) else Path(".")
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                         delete=False) as handle:
            temporary = handle.name
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if existed:
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        else:  # a new file gets the permissions any new file of the user gets (the umask), not 0600
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
        temporary = None
        sync_directory(directory)
        remove_stale(directory, target.name)
    except OSError as e:
        raise WriteError(shown, _reason(e)) from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def remove_stale(directory: Path, name: str) -> None:
    """Remove the temporary files of `name` that a killed writer left (best effort): only those
    named as `write_atomically` names them, and only when the process that made one is gone."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[A-Za-z0-9_]{{8}}\.tmp")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or int(match[1]) == os.getpid():
            continue
        try:
            os.kill(int(match[1]), 0)
            continue  # its writer is still running
        except ProcessLookupError:
            pass
        except (OSError, OverflowError):  # another user's process, or not a process number: keep it
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def sync_directory(directory: Path) -> None:
    """The rename itself on disk (best effort: not every system can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
