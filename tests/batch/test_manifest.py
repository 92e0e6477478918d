"""The manifest (engine/batch/clients.py): a table per client, paths relative to the manifest,
every mistake refused before any client is touched, each at its file:line:col; and the folder
discovery's order and its refusals."""

import subprocess
import sys
from pathlib import Path

import pytest

from engine.batch.clients import discover, read_manifest
from engine.batch.jobs import Client
from engine.inputs import Refused


def located(refused: Refused) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in refused.diagnostics]


def books(tmp_path: Path, *names: str) -> None:
    for name in names:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "lotwise.db").write_bytes(b"")


def test_a_manifest_lists_clients_sorted_with_their_options(tmp_path):
    books(tmp_path, "sharma", "iyer")
    (tmp_path / "sharma" / "family.rules").write_text("")
    (tmp_path / "m.toml").write_text(
        '[sharma]\nbook = "sharma/lotwise.db"\npolicy = "sharma/family.rules"\nmoney = {ravi = 20000, asha = 30000}\n'
        '\n["iyer family"]\nbook = "iyer/lotwise.db"\ninvestor = "meera"\n')
    assert read_manifest(tmp_path / "m.toml") == [
        Client("iyer family", tmp_path / "iyer" / "lotwise.db", None, (), "meera"),
        Client("sharma", tmp_path / "sharma" / "lotwise.db", tmp_path / "sharma" / "family.rules",
               (("asha", 30000), ("ravi", 20000)))]


def test_every_mistake_at_its_line_and_column(tmp_path):
    books(tmp_path, "a")
    (tmp_path / "m.toml").write_text(
        '[a]\nbook = "a/lotwise.db"\n  monney = {x = 1}\n'      # 3: unknown key, indented 2
        '[b]\nbook = "b/lotwise.db"\n'                          # 5: no such book
        '[c]\npolicy = "c.rules"\n'                             # 6: no book (the header), 7: no policy
        '[d]\nbook = "a/lotwise.db"\nmoney = {x = 1.5}\n')       # 10: money not whole rupees
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "m.toml")
    assert sorted(located(e.value)) == [("C203", 3, 3), ("C204", 5, 1), ("C204", 6, 1), ("C205", 7, 1),
                                        ("C206", 10, 1)]
    assert e.value.sources[str(tmp_path / "m.toml")].startswith("[a]")
    assert e.value.diagnostics[0].message == "unknown key `monney` for client a"  # an inline table, not [a.monney]


def test_not_toml_and_not_a_table(tmp_path):
    (tmp_path / "m.toml").write_text('[a]\nbook = "x\n')
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "m.toml")
    assert located(e.value) == [("C201", 2, 10)]  # where the string should have closed: the line's end
    (tmp_path / "m.toml").write_text('a = 1\n')
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "m.toml")
    assert located(e.value) == [("C202", 1, 1)]
    (tmp_path / "m.toml").write_text('')
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "m.toml")
    assert located(e.value) == [("C202", 1, 1)]
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "none.toml")
    assert e.value.code == "C201"


def test_folders_are_clients_when_they_hold_a_book(tmp_path):
    books(tmp_path, "zeta", "alpha", ".hidden")
    (tmp_path / "reports").mkdir()  # no book: not a client
    assert [c.name for c in discover(tmp_path)] == ["alpha", "zeta"]
    with pytest.raises(Refused) as e:
        discover(tmp_path / "reports")
    assert e.value.code == "C200"


def test_the_command_says_a_manifests_mistakes_with_file_line_col(tmp_path):
    (tmp_path / "m.toml").write_text('[a]\nbook = "nowhere/lotwise.db"\n')
    done = subprocess.run([sys.executable, "-m", "engine", "batch", "status", "--manifest", "m.toml"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("m.toml:2:1: error[C204]: client a's book nowhere/lotwise.db does not exist")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_bare_name_with_a_dot_is_blamed_at_its_header_with_the_quoting_fix(tmp_path):
    """`[c.db]` is TOML for a table `db` inside a client `c` (found by hand when a manifest was
    written from folder names, one of them `empty.db`): the mistake is said at that header's line,
    not at the file's first, with the quoted name as the fix."""
    books(tmp_path, "a", "c.db")
    (tmp_path / "m.toml").write_text('[a]\nbook = "a/lotwise.db"\n\n[c.db]\nbook = "c.db/lotwise.db"\n')
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "m.toml")
    (found,) = e.value.diagnostics
    assert (found.code, found.span.line, found.span.column) == ("C203", 4, 1)
    assert found.message == "`[c.db]` makes a table `db` inside client c"
    assert found.hint == 'a name with a dot is quoted: ["c.db"]'


def test_names_that_are_not_file_names_a_book_twice_a_folder_for_a_book_and_a_quoted_key(tmp_path):
    """A reviewer's cases: ["../escaped"] would write its report outside --reports and ["sub/name"]
    fails writing it (C210, at the header); one book listed by two clients would be planned and counted
    twice (C204 at the second's `book`); a book that is a directory is said so; a quoted key's mistake
    is at its own line, not the header's."""
    books(tmp_path, "a", "b")
    (tmp_path / "dir.db").mkdir()
    (tmp_path / "m.toml").write_text(
        '["../escaped"]\nbook = "a/lotwise.db"\n'          # 1: C210
        '["sub/name"]\nbook = "a/lotwise.db"\n'            # 3: C210
        '[first]\nbook = "a/lotwise.db"\n'                 # 5
        '[second]\nbook = "./a/lotwise.db"\n'              # 8: C204, the same book
        '[third]\nbook = "dir.db"\n'                       # 10: C204, a directory
        '[fourth]\nbook = "b/lotwise.db"\n\n"policy" = "none.rules"\n')  # 14: C205 at the quoted key
    with pytest.raises(Refused) as e:
        read_manifest(tmp_path / "m.toml")
    assert sorted(located(e.value)) == [("C204", 8, 1), ("C204", 10, 1), ("C205", 14, 1), ("C210", 1, 1),
                                        ("C210", 3, 1)]
    messages = {d.span.line: d.message for d in e.value.diagnostics}
    assert messages[8] == "client second's book is client first's too"
    assert messages[10] == "client third's book dir.db is a directory"
    assert messages[1] == "client name `../escaped` cannot be its report's file name"


def test_for_ray_and_dask_the_paths_are_made_absolute(tmp_path, monkeypatch):
    """A cluster's workers do not share the batch's working directory (a reviewer's point): `absolute`
    gives them the paths from /; the local pool keeps the paths as the adviser typed them."""
    from engine.batch.clients import absolute

    monkeypatch.chdir(tmp_path)
    given = [Client("a", Path("clients/a/lotwise.db")), Client("b", Path("b/lotwise.db"), Path("b/p.rules"))]
    assert absolute(given) == [Client("a", tmp_path / "clients/a/lotwise.db"),
                               Client("b", tmp_path / "b/lotwise.db", tmp_path / "b/p.rules")]
