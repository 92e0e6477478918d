"""`lotwise docs [TOPIC]`: where lotwise's documentation is on this machine.

The docs are installed with the package (pyproject.toml: docs/ force-included as engine/docs,
as rules/ and the family example are), so a pip user has the very pages of the version they run,
offline; from a source checkout they are the repository's docs/. Without a topic: the folder and
each topic with its title; with one: the path of its page, to open (`less "$(lotwise docs
tutorial)"`); with `--html FILE`, the page rendered to one self-contained HTML file, its policies
(```lotwise fences) highlighted (api.docs_html). The `--help` epilog and `lotwise demo` point here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def docs_dir() -> Path:
    """The docs: inside the installed package, or the repository's docs/."""
    package = Path(__file__).resolve().parent.parent  # engine/
    installed = package / "docs"
    return installed if installed.is_dir() else package.parent / "docs"


def topics(folder: Path) -> dict[str, str]:
    """Each page's topic (its file's stem) -> its title (the first `# ` heading), by topic."""
    found = {}
    for page in sorted(folder.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        found[page.stem] = next((line[2:].strip() for line in lines if line.startswith("# ")), page.stem)
    return found


def cmd_docs(args: argparse.Namespace) -> int:
    folder = docs_dir()
    known = topics(folder) if folder.is_dir() else {}
    if args.topic is None:
        print(f"lotwise's documentation, installed with it: {folder}")
        width = max((len(t) for t in known), default=0)
        for topic, title in known.items():
            print(f"  {topic:<{width}}  {title}")
        print("`lotwise docs TOPIC` prints the path of a page, e.g. less \"$(lotwise docs rules-language)\"")
        return EXIT_OK
    topic = args.topic.removesuffix(".md")
    if topic not in known:
        print(f"lotwise docs: error: no page `{args.topic}`; the topics are {', '.join(known) or 'none (not installed)'}",
              file=sys.stderr)
        return EXIT_USAGE
    page = folder / f"{topic}.md"
    if args.html is None:
        print(page)
        return EXIT_OK
    return write_html(page, args.html)


def write_html(page: Path, target: str) -> int:
    """`--html FILE`: the page rendered (api.docs_html), written atomically; said on stderr."""
    from engine import api
    from engine.cli.report import target_problem
    from engine.cli.shell import fail
    from engine.files import WriteError, write_atomically

    problem = target_problem(target)
    if problem is None:
        try:
            write_atomically(target, api.docs_html(page.read_text(encoding="utf-8"), page.parent))
        except WriteError as e:
            problem = str(e)
    if problem is not None:
        return fail("F101", problem)
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("docs", help="where the documentation installed with lotwise is: the topics, or "
                                  "the path of one page")
    command.add_argument("topic", nargs="?", metavar="TOPIC", help="a page, e.g. rules-language, file-formats, "
                         "terminal (default: list them)")
    command.add_argument("--html", metavar="FILE", help="write the page as one self-contained HTML file, its "
                         "policies highlighted")
    command.set_defaults(func=cmd_docs)
