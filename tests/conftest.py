"""Shared helpers: write a policy to a temporary file and check it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No per-example deadline: on a shared 2-core machine a slow example is load, not a bug,
# and a deadline would make such runs fail at random. CI runs the same examples every time
# (a failure there reproduces anywhere); local runs explore new ones (CI=true for CI's).
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")

from engine.policy import CheckResult, check_file

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "rules").rglob("*.rules")) + sorted((REPO / "examples").rglob("*.rules"))

# A minimal valid tax law, so portfolio tests do not depend on india.rules.
MINI_LAW = """
tax "Mini" {
    year starts April 1
    lots fifo per account
    class equity {
        long-term after 12 months
        sold from 2018-04-01: short 20%, long 12.5%
        exemption Rs 1,25,000 from FY 2018-19
    }
}
"""


@pytest.fixture
def check(tmp_path: Path):
    """check(text, name="policy.rules", **other_files) -> CheckResult."""

    def run(text: str, name: str = "policy.rules", **others: str) -> CheckResult:
        for other, body in others.items():
            (tmp_path / other.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / other.replace("__", "/")).write_text(body, encoding="utf-8")
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return check_file(path)

    return run


def codes(result: CheckResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def error_codes(result: CheckResult) -> list[str]:
    return [d.code for d in result.diagnostics if d.is_error]


@pytest.fixture(scope="session")
def check_policy():
    """A policy with one investor and one equity fund with an exit load, on the shipped law."""
    import tempfile

    path = Path(tempfile.mkdtemp()) / "p.rules"
    path.write_text('use "india"\nportfolio {\n investor asha "Asha"\n asset "Equity" 100% class equity\n'
                    ' fund EQ1 "Equity fund" holds "Equity" exit load 1% within 365 days\n}\n')
    result = check_file(path)
    assert result.ok
    return result.policy


def lotwise(directory: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command as a user runs it: a new process in `directory` (stdout, stderr, exit code)."""
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=directory, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def write_file(tmp_path: Path, name: str, text: str) -> Path:
    """`text` written as UTF-8 bytes (no newline translation) to tmp_path/name: an input file as a user has it."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def read_import(tmp_path: Path, name: str, text: str, policy):
    """`text` written to tmp_path/name and read by the importers as `lotwise import` reads it (its format found)."""
    from engine.book.importers import read_file

    return read_file(write_file(tmp_path, name, text), name, policy)


def located(result) -> list[tuple]:
    """Each diagnostic of an import as (code, line, column)."""
    return [(d.code, d.span.line, d.span.column) for d in result.diagnostics]
