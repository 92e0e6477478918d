"""`lotwise check -` and `lotwise fmt -` read the policy from standard input (issue 18 item 2), as an
editor formats on save: through a real process, stdin piped. `--stdin-filename` names the policy in
messages and is where its relative `use` paths start; without it the policy is `<stdin>` in the
current directory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

UNFORMATTED = 'portfolio{asset "A" 100%}\n'
FORMATTED = 'portfolio {\n    asset "A" 100%\n}\n'
MISSING_PERCENT = 'portfolio "p" {\n  asset "A" 60%\n  asset "B" 40\n}\n'


def run(cwd, *args, stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, input=stdin, capture_output=True,
                          env=dict(os.environ))


def test_fmt_dash_writes_the_formatted_text_to_stdout(tmp_path):
    done = run(tmp_path, "fmt", "-", stdin=UNFORMATTED.encode())
    assert (done.returncode, done.stdout.decode(), done.stderr) == (0, FORMATTED, b"")
    again = run(tmp_path, "fmt", "-", stdin=FORMATTED.encode())  # already canonical: the same text
    assert (again.returncode, again.stdout.decode()) == (0, FORMATTED)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_fmt_dash_with_a_syntax_error_says_so_on_stderr_and_nothing_on_stdout(tmp_path):
    done = run(tmp_path, "fmt", "-", "--stdin-filename", "policies/p.rules", stdin=MISSING_PERCENT.encode())
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "policies/p.rules:3:13: error[P110]: the number `40` needs a percent sign here",
        "3 |   asset \"B\" 40", "  |             ^^", "hint: write 40%"]


def test_fmt_dash_check_exits_1_when_not_canonical(tmp_path):
    done = run(tmp_path, "fmt", "--check", "-", stdin=UNFORMATTED.encode())
    assert (done.returncode, done.stdout.decode()) == (1, "would reformat <stdin>\n")


def test_check_dash_names_stdin_and_points_at_the_error(tmp_path):
    done = run(tmp_path, "check", "-", stdin=MISSING_PERCENT.encode())
    assert done.returncode == 1
    assert done.stderr.decode().startswith("<stdin>:3:13: error[P110]: the number `40` needs a percent sign here")
    assert done.stdout.decode() == "failed: 1 file(s), 1 error(s), 0 warning(s)\n"


def test_check_dash_reads_relative_use_from_the_stdin_filenames_folder(tmp_path):
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "law.rules").write_text('tax "T" {\n    cess 4\n}\n', encoding="utf-8")
    policy = b'use "./law.rules"\n'
    done = run(tmp_path, "check", "-", "--stdin-filename", "team/main.rules", stdin=policy)
    assert done.returncode == 1
    assert done.stderr.decode().startswith("team/law.rules:2:10: error[P110]")  # found beside team/main.rules
    plain = run(tmp_path, "check", "-", stdin=policy)  # without it: the current directory, no law.rules
    assert plain.stderr.decode().startswith('<stdin>:1:5: error[U201]: cannot find rules "./law.rules"')


def test_check_dash_json_and_a_binary_stdin(tmp_path):
    import json

    done = run(tmp_path, "check", "--json", "-", stdin=FORMATTED.encode())
    data = json.loads(done.stdout)
    assert data["ok"] is True and [f["file"] for f in data["files"]] == ["<stdin>"]
    binary = run(tmp_path, "fmt", "-", stdin=b"a\x00b")
    assert binary.returncode == 1 and binary.stdout == b""
    assert binary.stderr.decode().startswith("<stdin>:1:1: error[F002]: `<stdin>` is a binary file")


def test_a_use_of_the_stdin_file_itself_is_found_as_a_cycle(tmp_path):
    """A reviewer's case: main.rules exists only as standard input (--stdin-filename) and uses
    sub/c.rules, which uses "../main.rules" back: a cycle (U202), not "cannot find" (U201), since the
    text given for main.rules stands for it whether or not it is on disk."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.rules").write_text('use "../main.rules"\n')
    done = run(tmp_path, "check", "--stdin-filename", "main.rules", "-",
               stdin=b'use "./sub/c.rules"\nportfolio "K" {\n asset "E" 100%\n}\n')
    assert done.returncode == 1
    assert "error[U202]: `use` makes a cycle: main.rules -> sub/c.rules -> main.rules" in done.stderr.decode()
    assert "U201" not in done.stderr.decode()
