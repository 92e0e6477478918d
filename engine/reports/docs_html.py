"""`lotwise docs TOPIC --html FILE`: a page of the docs as one self-contained HTML page.

The Markdown is rendered by markdown-it-py (CommonMark with tables, as GitHub shows the pages); a
fence marked ```lotwise is highlighted by the policy language's Pygments lexer
(engine/reports/policy_html.py), every other fence stays plain (escaped). An image the page
shows from beside it (`images/...png`) is put in the page as a data: URI, so that nothing is
fetched: the page needs nothing but itself. markdown-it-py and Pygments are imported only here,
when a page is made.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from engine.reports.backtest_html import page_start

STYLE = """
pre { background: #f8f8f8; padding: 0.6em; overflow-x: auto; font-size: 0.85em; line-height: 1.3; }
code { font-size: 0.95em; }
table { margin: 0.6em 0; }
td, th { text-align: left; white-space: normal; }
img { max-width: 100%; }
"""
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def title_of(text: str) -> str:
    """The page's title: its first `# ` heading (or "lotwise")."""
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "lotwise")


def fence(code: str, language: str, attributes: str) -> str:
    """markdown-it's `highlight` hook: a ```lotwise fence highlighted; "" leaves any other fence plain."""
    if language != "lotwise":
        return ""
    from engine.reports.policy_html import highlighted

    return highlighted(code)


def inline_images(tokens: list[Any], folder: Path) -> None:
    """Each image whose file is in `folder` (a relative path, no `..`) made a data: URI, in place."""
    for token in tokens:
        for child in token.children or ():
            if child.type != "image":
                continue
            source = str(child.attrGet("src") or "")
            path = folder / source
            kind = IMAGE_TYPES.get(path.suffix.lower())
            if kind is None or "://" in source or ".." in Path(source).parts or not path.is_file():
                continue
            child.attrSet("src", f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}")


def docs_html(text: str, folder: Path | None = None) -> str:
    """The page of the Markdown `text` (module docstring); `folder`: where its images are, if anywhere."""
    from markdown_it import MarkdownIt

    from engine.reports.policy_html import style as policy_style

    markdown = MarkdownIt("commonmark", {"highlight": fence}).enable("table")
    tokens = markdown.parse(text)
    if folder is not None:
        inline_images(tokens, folder)
    body = markdown.renderer.render(tokens, markdown.options, {})
    title = title_of(text)
    head = page_start(title)[:-1]  # its own <h1> is the page's first heading
    page = "\n".join([*head, body, "</body>", "</html>"]) + "\n"
    return page.replace("</style>", STYLE + policy_style() + "</style>", 1)
