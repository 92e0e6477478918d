"""A document checked as `lotwise check` checks it, and its problems as the protocol's diagnostics.

The same loader and checker, the same codes, messages, hints and spans. A problem in a file the
document `use`s is shown on the `use` line that leads to it (the open document's own line), its
real place given as related information. Other open documents' texts stand for their files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from engine.diagnostics import Diagnostic, Severity, Span
from engine.lsp.fixes import fix_of
from engine.lsp.positions import Lines

if TYPE_CHECKING:
    from engine.policy import CheckResult
    import engine.policy.ast as ast

SOURCE = "lotwise"


@dataclass
class Analysis:
    """One version of a document: its text, the check of it, its own AST (when it parses)."""

    path: Path
    text: str
    overlay: Mapping[Path, str] = field(default_factory=dict)

    @cached_property
    def lines(self) -> Lines:
        return Lines(self.text)

    @cached_property
    def result(self) -> CheckResult:
        from engine.policy import check_file

        return check_file(self.path, overlay={**self.overlay, self.path: self.text})

    @cached_property
    def display(self) -> str:
        from engine.policy.loader import display_path

        return display_path(self.path)

    @cached_property
    def tree(self) -> ast.File | None:
        """The document's own statements (what parses of them), `use` not followed: the loader's
        parse, kept when the check made it (a document of up to loader.KEPT_CHARS)."""
        from engine.policy.loader import parsed_file

        return parsed_file(self.text, self.display)[1]

    def diagnostics(self) -> list[types.Diagnostic]:
        return [self.convert(d) for d in self.result.diagnostics]

    def file_of(self, display: str) -> tuple[Path, str] | None:
        """The path and text of a file the check read, by the name diagnostics give it."""
        for f in self.result.files:
            if f.display == display:
                return f.path, f.text
        return None

    def location(self, span: Span) -> types.Location | None:
        found = self.file_of(span.path)
        if found is None:
            return None
        return types.Location(found[0].resolve().as_uri(), Lines(found[1]).range_of(span))

    def leading_use(self, span: Span) -> Span | None:
        """The `use` in this document through which the file of `span` was read."""
        by_display = {f.display: f for f in self.result.files}
        seen: set[str] = set()
        while span.path != self.display and span.path in by_display and span.path not in seen:
            seen.add(span.path)
            used_at = by_display[span.path].used_at
            if used_at is None:
                return None
            span = used_at
        return span if span.path == self.display else None

    def convert(self, d: Diagnostic) -> types.Diagnostic:
        severity = (types.DiagnosticSeverity.Error if d.severity is Severity.ERROR
                    else types.DiagnosticSeverity.Warning)
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        related = [types.DiagnosticRelatedInformation(where, note)
                   for note, span in d.notes if (where := self.location(span)) is not None]
        at = types.Range(types.Position(0, 0), types.Position(0, 0))
        data = None
        if d.span is not None and d.span.path == self.display:
            at = self.lines.range_of(d.span)
            fix = fix_of(d, self.text)
            if fix is not None:
                data = {"title": fix.title, "range": self.lines.range_of(fix.span), "newText": fix.text}
        elif d.span is not None:
            use = self.leading_use(d.span)
            if use is not None:
                at = self.lines.range_of(use)
            message = f"{d.span}: {message}"
            if (where := self.location(d.span)) is not None:
                related.insert(0, types.DiagnosticRelatedInformation(where, d.message))
        return types.Diagnostic(at, message, severity=severity, code=d.code, source=SOURCE,
                                related_information=related or None, data=_plain(data))


def _plain(data: dict[str, object] | None) -> object:
    """The fix as JSON data (the client gives it back with the code action's request)."""
    if data is None:
        return None
    from lsprotocol import converters

    return converters.get_converter().unstructure(data)
