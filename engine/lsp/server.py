"""The language server over stdio (pygls): documents kept as the editor sends them, checked
after each change (lightly debounced), and the features of docs/lsp.md answered from that check.
`as_of` (the law in force for hover) is given by the command, which reads the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from engine import __version__
from engine.lsp.complete import completions
from engine.lsp.diagnose import Analysis
from engine.lsp.hover import hover_text
from engine.lsp.navigate import definition, symbols
from engine.lsp.positions import Lines

DEBOUNCE_SECONDS = 0.01  # a burst of changes already sent (queued while a check ran) is checked once


class PolicyServer(LanguageServer):
    def __init__(self, as_of: date) -> None:
        super().__init__("lotwise", __version__)
        self.as_of = as_of
        self.analyses: dict[str, tuple[int | None, Analysis]] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}

    def analysis(self, uri: str) -> Analysis:
        """The check of the document's current text (made once per version)."""
        document = self.workspace.get_text_document(uri)
        kept = self.analyses.get(uri)
        if kept is not None and kept[0] == document.version and kept[1].text == document.source:
            return kept[1]
        overlay = {path_of(u): self.workspace.get_text_document(u).source
                   for u in self.workspace.text_documents if u != uri}
        made = Analysis(path_of(uri), document.source, overlay)
        self.analyses[uri] = (document.version, made)
        return made

    def publish(self, uri: str) -> None:
        analysis = self.analysis(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=analysis.diagnostics(), version=self.analyses[uri][0]))

    def schedule(self, uri: str) -> None:
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.ensure_future(self.publish_later(uri))

    async def publish_later(self, uri: str) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:  # closed meanwhile: its diagnostics were cleared
            return
        self.publish(uri)
        for other in self.users_of(uri):  # the open documents that `use` this one see its new text
            self.analyses.pop(other, None)
            self.publish(other)

    def users_of(self, uri: str) -> list[str]:
        changed = path_of(uri).resolve()
        return [other for other, (_, analysis) in list(self.analyses.items())
                if other != uri and any(f.path.resolve() == changed for f in analysis.result.files)]


def path_of(uri: str) -> Path:
    """A document's file (an unsaved one: `untitled.rules` in the current directory)."""
    return Path(to_fs_path(uri) or "untitled.rules")


def build(as_of: date) -> PolicyServer:
    server = PolicyServer(as_of)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PolicyServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PolicyServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PolicyServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PolicyServer, params: types.DidCloseTextDocumentParams) -> None:
        waiting = ls.pending.pop(params.text_document.uri, None)
        if waiting is not None:  # a change just before the close: not to be published after it
            waiting.cancel()
        ls.analyses.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(params.text_document.uri, []))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: PolicyServer, params: types.HoverParams) -> types.Hover | None:
        analysis, (line, index) = at(ls, params.text_document.uri, params.position)
        text = hover_text(analysis, line, index, ls.as_of)
        if text is None:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=['"']))
    def complete(ls: PolicyServer, params: types.CompletionParams) -> types.CompletionList:
        analysis, (line, index) = at(ls, params.text_document.uri, params.position)
        return types.CompletionList(is_incomplete=False, items=completions(analysis, line, index))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def go_to(ls: PolicyServer, params: types.DefinitionParams) -> types.Location | None:
        analysis, (line, index) = at(ls, params.text_document.uri, params.position)
        return definition(analysis, line, index)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def outline(ls: PolicyServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        return symbols(ls.analysis(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: PolicyServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        from engine.policy.fmt import format_source

        analysis = ls.analysis(params.text_document.uri)
        formatted, _ = format_source(analysis.text, analysis.display)
        if formatted is None or formatted == analysis.text:
            return None if formatted is None else []
        return [types.TextEdit(Lines(analysis.text).whole(), formatted)]

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_actions(ls: PolicyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return quick_fixes(params.text_document.uri, params.context.diagnostics)

    return server


def at(ls: PolicyServer, uri: str, position: types.Position) -> tuple[Analysis, tuple[int, int]]:
    analysis = ls.analysis(uri)
    return analysis, (position.line, analysis.lines.column(position))


def quick_fixes(uri: str, diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
    """The fix each diagnostic carries in its data (diagnose.py put it there)."""
    from lsprotocol import converters

    actions = []
    for d in diagnostics:
        data: Any = d.data
        if not isinstance(data, dict) or "range" not in data:
            continue
        edit_range = converters.get_converter().structure(data["range"], types.Range)
        edit = types.WorkspaceEdit(changes={uri: [types.TextEdit(edit_range, str(data["newText"]))]})
        actions.append(types.CodeAction(str(data["title"]), kind=types.CodeActionKind.QuickFix,
                                        diagnostics=[d], edit=edit, is_preferred=True))
    return actions


def serve(as_of: date) -> None:
    """Answer an editor over standard input and output until it says exit."""
    build(as_of).start_io()
