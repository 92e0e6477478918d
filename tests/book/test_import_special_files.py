"""Issue 12.7: an import reads only regular files (a device or a FIFO is refused, never opened
for a blocking read), hashes the file first, and asks the book before parsing anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, lotwise
from engine.cli.main import main

pytestmark = pytest.mark.slow  # imports of devices and FIFOs through processes

FAMILY = REPO / "examples" / "family" / "family.rules"
HEADER = "date,investor,account,security,type,units,price,charges\n"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    assert lotwise(tmp_path, "init", "--policy", str(FAMILY), "--book", "b.db").returncode == 0
    return tmp_path / "b.db"


def _import(directory: Path, *files: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", "import", "--book", "b.db", *files], cwd=directory,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_at_once(book, device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    run = _import(book.parent, device, timeout=30)
    assert run.returncode == 1, run.stderr
    assert "error[I005]" in run.stderr and "not a regular file" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(book):
    os.mkfifo(book.parent / "pipe.csv")
    run = _import(book.parent, "pipe.csv", timeout=30)  # before the fix: hangs until the timeout
    assert run.returncode == 1 and "error[I005]" in run.stderr


def test_a_directory_is_refused(book):
    (book.parent / "folder.csv").mkdir()
    run = _import(book.parent, "folder.csv")
    assert run.returncode == 1 and "error[I005]" in run.stderr and "Traceback" not in run.stderr


def test_nothing_imported_when_one_file_is_special(book):
    (book.parent / "t.csv").write_text(HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,0\n", encoding="utf-8")
    run = _import(book.parent, "t.csv", "/dev/zero", timeout=30)
    assert run.returncode == 1 and "nothing imported" in run.stderr


def test_an_imported_file_is_recognised_by_its_hash_before_parsing(book, monkeypatch, capsys):
    path = book.parent / "t.csv"
    path.write_text(HEADER + "2024-01-05,asha,F1,INF789F01XA0,BUY,10,100,0\n"
                    "2024-01-06,asha,F1,INF789F01XA0,BUY,5,101,0\n", encoding="utf-8")
    assert main(["import", "--book", str(book), str(path)]) == 0
    capsys.readouterr()

    def must_not_parse(*args, **kwargs):
        raise AssertionError("an already imported file was parsed")

    monkeypatch.setattr("engine.book.importers.read_file", must_not_parse)
    assert main(["import", "--book", str(book), str(path)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"{path}: transactions-csv, 0 added, 2 skipped (already imported)"
