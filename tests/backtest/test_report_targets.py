"""The report's targets checked before a run (engine/cli/backtest_report.py `target_problem`): a
directory that cannot be written is said before a long run, not after it. As root every directory
is writable, so the check's answer is given (os.access) rather than made with permissions."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from engine.cli import backtest_report


def test_an_unwritable_directory_is_said_before_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    args = argparse.Namespace(html=str(tmp_path / "report.html"), png=str(tmp_path))
    assert backtest_report.target_problem(args) is None
    monkeypatch.setattr(backtest_report.os, "access", lambda path, mode: False)
    assert backtest_report.target_problem(args) == f"cannot write {tmp_path / 'report.html'}: the directory " \
        f"{tmp_path} is not writable"
    args.html = None
    assert backtest_report.target_problem(args) == f"cannot write the charts into {tmp_path}: the directory is " \
        "not writable"
