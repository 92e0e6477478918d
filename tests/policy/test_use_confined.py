"""Issue 12.5: a policy reads only policies. `use` takes a shipped name or a path inside the
policy's folder (symlinks followed); anything else is U203, reported before the file is read,
so no line of it ever shows, in text or in `check --json`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import MINI_LAW, error_codes, lotwise
from engine.policy.loader import Outside, resolve_use, shipped_rules_dir

pytestmark = pytest.mark.slow  # check and check --json as processes for every refused path

SECRET = "root:x:0:0:SECRET-LINE:/root:/bin/bash"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/outside.rules (a real rules file, and a secret line), tmp/pol/ the policy's folder."""
    (tmp_path / "outside.rules").write_text(MINI_LAW + f"# {SECRET}\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "pol" / "sub").mkdir(parents=True)
    return tmp_path


def _check(policy: Path, text: str):
    policy.write_text(text, encoding="utf-8")
    return (lotwise(policy.parent, "check", policy.name),
            lotwise(policy.parent, "check", "--json", policy.name))


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../etc/passwd", "../outside.rules",
                                    "../secret.txt", "./sub/../../secret.txt"])
def test_use_outside_the_folder_is_refused_and_shows_nothing(tree, target):
    plain, as_json = _check(tree / "pol" / "p.rules", f'use "{target}"\n')
    assert plain.returncode == 1 and as_json.returncode == 1
    assert "error[U203]" in plain.stderr and "Traceback" not in plain.stderr
    codes = [d["code"] for f in json.loads(as_json.stdout)["files"] for d in f["diagnostics"]]
    assert codes == ["U203"]
    for out in (plain.stdout, plain.stderr, as_json.stdout, as_json.stderr):
        assert "SECRET-LINE" not in out and "root:x:" not in out and "tax \"Mini\"" not in out


def test_symlink_inside_pointing_outside_is_refused(tree):
    (tree / "pol" / "sub" / "law.rules").symlink_to(tree / "outside.rules")
    plain, as_json = _check(tree / "pol" / "p.rules", 'use "./sub/law.rules"\n')
    assert "error[U203]" in plain.stderr
    assert "SECRET-LINE" not in plain.stderr + as_json.stdout
    assert [d["code"] for d in json.loads(as_json.stdout)["files"][0]["diagnostics"]] == ["U203"]


def test_symlinked_directory_pointing_outside_is_refused(tree):
    (tree / "pol" / "linked").symlink_to(tree)
    plain, _ = _check(tree / "pol" / "p.rules", 'use "./linked/outside.rules"\n')
    assert "error[U203]" in plain.stderr and "SECRET-LINE" not in plain.stderr


def test_missing_file_outside_is_refused_not_reported_missing(tree):
    """Whether a file exists outside the folder is not told either."""
    plain, _ = _check(tree / "pol" / "p.rules", 'use "../no-such.rules"\n')
    assert "error[U203]" in plain.stderr and "U201" not in plain.stderr


def test_nested_use_may_not_escape_either(tree, check):
    result = check('use "./sub/a.rules"\n', **{"sub__a.rules": 'use "../../outside.rules"\n'})
    assert error_codes(result) == ["U203"]
    assert result.diagnostics[0].span.path.endswith("a.rules")
    assert not any("Mini" in text for text in result.sources.values())


def test_inside_the_tree_still_works(check):
    result = check('use "./sub/more.rules"\nuse "india"\n',
                   **{"sub__more.rules": 'use "../law.rules"\nbuy monthly {\n}\n', "law.rules": "# law\n"})
    assert result.ok, result.diagnostics


def test_shipped_files_cannot_be_used_to_escape():
    shipped = shipped_rules_dir()
    including = shipped / "presets" / "perpetual.rules"
    with pytest.raises(Outside):
        resolve_use("../../../../../../etc/passwd", including, shipped.resolve())
    with pytest.raises(Outside):
        resolve_use("/etc/passwd", including, shipped.resolve())
    assert resolve_use("../india.rules", including, shipped.resolve()) is not None
    assert resolve_use("india", including, shipped.resolve()) == shipped / "india.rules"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_inside_the_folder_is_not_opened(tree):
    os.mkfifo(tree / "pol" / "pipe.rules")
    plain, _ = _check(tree / "pol" / "p.rules", 'use "./pipe.rules"\n')
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
