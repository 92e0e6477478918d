"""Escaping text from the user's data (names, accounts, reasons) for reports a spreadsheet or a
browser opens. Numbers lotwise formats itself are never passed through here.

- CSV (OWASP's CSV-injection rule): a text cell starting with `=`, `+`, `-`, `@`, a tab or a
  carriage return would be run as a formula by Excel, LibreOffice or Google Sheets; it gets a
  leading `'`, which the spreadsheet shows as text.
- Markdown: `\\` and `|` are backslash-escaped (a `|` would split a table cell), and `<`, `>`, `&`
  become HTML entities (a renderer passes raw HTML through); line breaks become spaces (a new
  line would end a table row or a list item).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> str:
    """A text cell for a CSV: `'` before a cell a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def md_text(value: object) -> str:
    """Text for Markdown (a table cell, a heading, a list item) that renders as itself."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
