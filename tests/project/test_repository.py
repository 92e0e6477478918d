"""The repository itself: no file names a path of the machine it was written on (issue 11.9).

Such a path means nothing on another machine: a reader who follows it finds nothing, and a
script that uses it fails. Examples in docs and comments name a placeholder (DIR) or a path
relative to the repository instead.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Written with character classes so that this file does not match itself.
MACHINE_PATH = re.compile(r"(/wor[k]/|/tm[p]/[a-z]|/roo[t]/|/hom[e]/[a-z])")
ALLOWED = ("mktemp", "tempfile")  # code that makes a temporary directory, not a path of one machine


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
        return [REPO / name for name in listed.splitlines()]
    except (OSError, subprocess.CalledProcessError):  # not a clone (an sdist): every file
        return [p for p in REPO.rglob("*") if p.is_file() and ".venv" not in p.parts and ".git" not in p.parts]


def test_no_file_names_a_path_of_this_machine():
    found = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line) and not any(word in line for word in ALLOWED):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []
