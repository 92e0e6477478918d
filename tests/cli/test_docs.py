"""`lotwise docs [TOPIC]` and where `--help` and `lotwise demo` point (issue 16 item 7): to the
documentation installed with the package (engine/docs in the wheel), not to repository paths a
pip user does not have. Every page they name exists in the repository and in a built wheel."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import lotwise

ROOT = Path(__file__).resolve().parents[2]


def named_topics() -> set[str]:
    """Every `lotwise docs TOPIC` that --help's epilog and the demo's closing words name."""
    from engine.cli.main import build_parser

    demo = (ROOT / "engine" / "cli" / "demo.py").read_text(encoding="utf-8")
    text = (build_parser().epilog or "") + demo
    return set(re.findall(r"lotwise docs ([a-z][\w-]*)", text))


def test_help_and_the_demo_point_to_lotwise_docs_not_to_repository_paths():
    """The epilog names `lotwise docs` and the policy language's page; the demo names the policy
    language's and the file formats' pages; no `docs/...md` path is left in either."""
    from engine.cli.main import build_parser

    epilog = build_parser().epilog or ""
    demo = (ROOT / "engine" / "cli" / "demo.py").read_text(encoding="utf-8")
    assert "`lotwise docs`" in epilog
    assert named_topics() == {"rules-language", "file-formats"}
    assert "docs/" not in epilog and not re.search(r"print\([^)]*docs/\w", demo)
    assert all((ROOT / "docs" / f"{topic}.md").is_file() for topic in named_topics())


def test_docs_lists_the_topics_and_prints_a_page_s_path(tmp_path):
    """From any folder: the list names the folder and each page with its title (terminal.md's is
    "Terminal manners: progress and colour"); a topic prints the page's path, with or without .md;
    an unknown topic is a usage error (exit 2) naming the topics."""
    from engine.cli.docs import docs_dir

    folder = docs_dir()  # the installed package's (a wheel, as CI installs it), or the repository's
    listed = lotwise(tmp_path, "docs")
    assert listed.returncode == 0 and listed.stderr == ""
    assert listed.stdout.startswith(f"lotwise's documentation, installed with it: {folder}\n")
    assert re.search(r"^  terminal +Terminal manners: progress and colour$", listed.stdout, re.M)
    assert re.search(r"^  rules-language +", listed.stdout, re.M)
    for topic in ("rules-language", "rules-language.md"):
        page = lotwise(tmp_path, "docs", topic)
        assert page.returncode == 0 and page.stdout == f"{folder / 'rules-language.md'}\n"
    wrong = lotwise(tmp_path, "docs", "tutorials")
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("lotwise docs: error: no page `tutorials`; the topics are advisers, api, architecture, ")


@pytest.mark.slow  # builds the wheel (pip fetches hatchling into an isolated build environment)
def test_the_wheel_carries_the_docs_the_commands_name(tmp_path):
    """`pip wheel .`: engine/docs/ holds every page of docs/ (and the images the backtest page
    shows), so `lotwise docs` in an installed copy finds what --help and the demo name."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("lotwise-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert {n.removeprefix("engine/docs/") for n in names if re.fullmatch(r"engine/docs/[^/]+\.md", n)} == pages
    assert {f"engine/docs/{t}.md" for t in named_topics() | {"terminal"}} <= names
    assert "engine/docs/images/backtest-value.png" in names and "engine/cli/docs.py" in names


def test_docs_html_writes_the_page_with_its_policies_highlighted(tmp_path):
    """`lotwise docs rules-language --html out.html`: one self-contained page (nothing fetched), its
    title the page's; every ```lotwise fence highlighted by the lexer (the first example's
    `portfolio` a declaration span; as many highlighted blocks as the page has ```lotwise fences)
    and no span an Error token's (`err`); a shell fence plain and escaped. A missing directory is
    F101 (exit 1) and nothing is written."""
    from engine.cli.docs import docs_dir

    source = (docs_dir() / "rules-language.md").read_text(encoding="utf-8")
    done = lotwise(tmp_path, "docs", "rules-language", "--html", "out.html")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "wrote out.html\n")
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>lotwise: The lotwise rules language</title>" in page
    assert page.count('<div class="policy"><pre>') == source.count("```lotwise\n") >= 40
    assert '<span class="kd">portfolio</span>' in page and '<span class="kn">use</span>' in page
    assert 'class="err"' not in page
    assert '<code>$ lotwise check my.rules' in page  # a fence of a command and its output: plain
    assert "<script" not in page and "<link" not in page and 'src="http' not in page and "@import" not in page
    done = lotwise(tmp_path, "docs", "editors", "--html", "missing/out.html")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "lotwise: cannot write missing/out.html: there is no directory missing\n"
    assert list(tmp_path.iterdir()) == [tmp_path / "out.html"]


def test_docs_html_puts_the_pages_images_in_it(tmp_path):
    """editors.md shows images/editor-diagnostic.png: in the page as a data: URI (a PNG)."""
    done = lotwise(tmp_path, "docs", "editors", "--html", "editors.html")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "editors.html").read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in page and 'src="images/' not in page
