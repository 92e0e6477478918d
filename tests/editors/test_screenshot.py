"""The script that makes docs/editors.md's screenshot (editors/screenshot/make.py, issue 18 item 5).

CI does not take the screenshot; it checks the diagnostic the picture shows is the one
`lotwise check --json` gives today, and that the page (Monaco, from `npm ci` in
editors/screenshot, which .ci/run does) loads in headless Chromium with its marker set.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "editors" / "screenshot"
if not (REPO / "editors").is_dir():  # an sdist carries no editors/ (pyproject.toml's sdist include)
    pytest.skip("editors/ is not in this copy of lotwise", allow_module_level=True)
sys.path[:0] = [str(SCREENSHOT)]

import make  # noqa: E402


def test_the_pictured_mistake_gives_p111_with_its_hint(tmp_path):
    """rohit.rules line 20 is `    due semi-annually or when any band is breached`: misspelt, the
    word starts at column 9 (four spaces and `due `) and is 12 characters long, to column 21."""
    policy = make.policy_with_a_mistake(tmp_path)
    (found,) = make.check_json(policy)
    assert (found["code"], found["severity"], found["message"]) == ("P111", "error", "unknown word `semi-anually` here")
    assert found["span"] == {"path": "rohit.rules", "line": 20, "column": 9, "end_line": 20, "end_column": 21}
    assert found["hint"].startswith("did you mean `semi-annually`?")
    data = make.page_data(policy)
    assert "semi-annually" in data["keywords"] and "portfolio" in data["blocks"]


def test_the_page_loads_in_headless_chromium_with_its_marker():
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    if not (SCREENSHOT / "node_modules" / "monaco-editor").is_dir():
        pytest.skip("monaco-editor is not installed: `npm ci` in editors/screenshot (.ci/run does it)")
    done = subprocess.run([sys.executable, str(SCREENSHOT / "make.py"), "--check"], capture_output=True, text=True,
                          timeout=300)
    assert (done.returncode, done.stdout) == (0, "ready: 1 marker(s)\n"), done.stderr
