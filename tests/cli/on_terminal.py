"""A command run as a process with its standard error (and, when asked, its standard output) on a
pseudo-terminal, as a user at a terminal runs it: what the terminal received, byte for byte."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    code: int
    terminal: bytes  # what the pseudo-terminal received (stderr, and stdout when on it)
    stdout: bytes  # stdout when piped (b"" when it was on the terminal)


def run_on_tty(args: Sequence[str], *, env: Mapping[str, str] | None = None, stdout_on_tty: bool = False,
               cwd: Path | None = None, timeout: float = 300) -> Ran:
    """`python -m engine ARGS` with stderr on a pty (80 columns) and stdout on it too or on a pipe."""
    main, side = pty.openpty()
    os.set_blocking(main, False)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM")}
    full = base | {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT)} | dict(env or {})
    full = {k: v for k, v in full.items() if v is not None}
    proc = subprocess.Popen([sys.executable, "-m", "engine", *args], stdin=subprocess.DEVNULL, stderr=side,
                            stdout=side if stdout_on_tty else subprocess.PIPE, env=full, cwd=cwd or ROOT)
    os.close(side)
    got = bytearray()
    out = b""
    if not stdout_on_tty:
        import threading

        parts: list[bytes] = []
        reader = threading.Thread(target=lambda: parts.append(proc.stdout.read()))  # type: ignore[union-attr]
        reader.start()
    while True:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the terminal's last writer has gone
                break
            if not chunk:
                break
            got += chunk
        elif proc.poll() is not None:
            try:
                while chunk := os.read(main, 65536):
                    got += chunk
            except OSError:
                pass
            break
    code = proc.wait(timeout=timeout)
    os.close(main)
    if not stdout_on_tty:
        reader.join(timeout)
        out = parts[0] if parts else b""
    return Ran(code, bytes(got), out)
