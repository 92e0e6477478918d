"""Golden files: valid policies -> their resolved JSON; invalid ones -> their exact
rendered diagnostics. Regenerate after an intended change with
    LOTWISE_UPDATE_GOLDEN=1 pytest tests/policy/test_policy_golden.py
and review the diff like code."""

import json
import os
from datetime import date
from pathlib import Path

import pytest

from engine.diagnostics import render_all
from engine.policy import check_file
from engine.policy.show import as_json

HERE = Path(__file__).resolve().parents[1]  # tests/, where golden/ is
REPO = HERE.parent
GOLDEN = HERE / "golden"
VALID = sorted((GOLDEN / "valid").glob("*.rules")) + sorted((REPO / "examples").rglob("*.rules"))
INVALID = sorted((GOLDEN / "invalid").glob("*.rules"))
AS_OF = date(2026, 3, 31)
UPDATE = bool(os.environ.get("LOTWISE_UPDATE_GOLDEN"))


def _compare(expected_path: Path, actual: str) -> None:
    if UPDATE or not expected_path.exists():
        expected_path.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {expected_path.name} was missing; written, review it")
    assert actual == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_policy_resolves_to_its_golden_json(path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = check_file(path.relative_to(REPO))
    assert result.ok, render_all(result.diagnostics, result.sources)
    data = as_json(result.policy, AS_OF)
    actual = json.dumps(data, indent=2, sort_keys=True) + "\n"
    name = path.name if path.parent.parent == GOLDEN else f"example-{path.parent.name}-{path.name}"
    _compare(GOLDEN / "valid" / (name.removesuffix(".rules") + ".json"), actual)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_policy_gives_its_golden_diagnostics(path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = check_file(path.relative_to(REPO))
    assert not result.ok
    actual = render_all(result.diagnostics, result.sources) + "\n"
    _compare(path.with_suffix(".txt"), actual)
