"""`lotwise lsp` end to end: a real server process over stdio, driven by pytest-lsp's client, one
test per feature with real positions and contents (docs/lsp.md).

The policy below has a 😀 (two UTF-16 code units, one character) before its error, so a position
that counted characters instead of UTF-16 units would be one short: `asset "Gold 😀" 40` puts
`40` at character 19 of its line, UTF-16 unit 20."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")  # the `test` extra's; `lotwise lsp` itself needs only pygls
from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]

POLICY = """use "india"

portfolio "Kapoor ₹" {
    investor meera "Meera Kapoor"
    asset "Nifty 50" 60% class equity
    asset "Gold 😀" 40
    fund INF789F01XA0 "UTI Nifty 50 Index Fund - Direct Growth" holds "Nifty 50"
}
"""
GOOD = POLICY.replace('40\n', '40%\n    etf GOLDBEES "Nippon India Gold ETF" holds "Gold 😀" class other-listed\n')


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "engine", "lsp", "--as-of", "2026-12-07"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


def opened(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    uri = path.resolve().as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="lotwise", version=1, text=text)))
    return uri


async def diagnostics_of(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    return client.diagnostics[uri]


async def test_diagnostics_on_open_and_change_in_utf16_units(client, tmp_path):
    uri = opened(client, tmp_path / "kapoor.rules", POLICY)
    [missing] = await diagnostics_of(client, uri)
    assert missing.code == "P110" and missing.source == "lotwise"
    assert missing.severity == types.DiagnosticSeverity.Error
    assert missing.message == "the number `40` needs a percent sign here\nhint: write 40%"
    assert missing.range == types.Range(types.Position(5, 20), types.Position(5, 22))
    # Fixed by a change: the `%` added, a fund for Gold: only the warnings `check` gives remain.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument(text=GOOD)]))
    after = await diagnostics_of(client, uri)
    assert list(after) == []  # `lotwise check` of GOOD: "ok: 1 file(s), 0 error(s), 0 warning(s)"


async def test_a_used_files_error_is_shown_on_the_use_line(client, tmp_path):
    (tmp_path / "law.rules").write_text('tax "T" {\n    cess 4\n}\n', encoding="utf-8")
    uri = opened(client, tmp_path / "main.rules", 'use "./law.rules"\n' + POLICY.replace(' 40\n', ' 40%\n'))
    found = await diagnostics_of(client, uri)
    cess = next(d for d in found if d.code == "P110")
    assert cess.range == types.Range(types.Position(0, 4), types.Position(0, 17))  # `"./law.rules"`
    assert cess.message == f"{tmp_path / 'law.rules'}:2:10: the number `4` needs a percent sign here\nhint: write 4%"
    where = cess.related_information[0].location
    assert where.uri == (tmp_path / "law.rules").resolve().as_uri()
    assert where.range.start == types.Position(1, 9)


async def test_a_change_to_an_open_used_file_rechecks_the_file_that_uses_it(client, tmp_path):
    law = opened(client, tmp_path / "law.rules", 'tax "T" {\n    cess 4\n}\n')
    await diagnostics_of(client, law)
    main = opened(client, tmp_path / "main.rules", 'use "./law.rules"\n')
    await diagnostics_of(client, main)
    assert [d.code for d in client.diagnostics[main]] == ["P110"]  # law.rules' `cess 4`, on the use line
    client.text_document_did_change(types.DidChangeTextDocumentParams(  # fixed in the editor, not saved
        types.VersionedTextDocumentIdentifier(uri=law, version=2),
        [types.TextDocumentContentChangeWholeDocument(text='tax "T" {\n    cess 4%\n}\n')]))
    for _ in range(600):  # law.rules' diagnostics, then main.rules' again (both may come at once)
        if "P110" not in [d.code for d in client.diagnostics[main]]:
            break
        await asyncio.sleep(0.05)
    assert "P110" not in [d.code for d in client.diagnostics[main]]
    assert (tmp_path / "law.rules").read_text(encoding="utf-8").count("cess 4\n") == 1  # the disk's unchanged


async def test_hover_on_a_statement_a_tax_class_and_an_isin(client, tmp_path):
    uri = opened(client, tmp_path / "good.rules", GOOD)
    await diagnostics_of(client, uri)
    doc = types.TextDocumentIdentifier(uri=uri)
    asset = await client.text_document_hover_async(types.HoverParams(doc, types.Position(3, 6)))
    assert "a person whose lots are taxed on their own" in asset.contents.value
    # `class equity` on 2026-12-07: a sale then is under F(No.2)A 2024 (india.rules: 20% / 12.5%,
    # Rs 1,25,000 exemption from FY 2024-25, so in FY 2026-27).
    law = await client.text_document_hover_async(types.HoverParams(doc, types.Position(4, 34)))
    text = law.contents.value
    assert "the law in force on 2026-12-07" in text
    assert "- short-term gains: 20%" in text and "- long-term gains: 12.5%" in text
    assert "- exemption Rs 1,25,000 per investor in FY 2026-27" in text
    assert "s.111A and s.112A as amended by F(No.2)A 2024" in text
    fund = await client.text_document_hover_async(types.HoverParams(doc, types.Position(7, 12)))
    assert fund.contents.value.startswith("**UTI Nifty 50 Index Fund - Direct Growth**")
    assert 'holding "Nifty 50"' in fund.contents.value


async def test_completion_of_statements_rule_sets_assets_and_securities(client, tmp_path):
    text = GOOD.replace("    investor meera", "    \n    investor meera")
    uri = opened(client, tmp_path / "c.rules", text)
    await diagnostics_of(client, uri)
    doc = types.TextDocumentIdentifier(uri=uri)

    async def labels(line: int, character: int) -> list[str]:
        found = await client.text_document_completion_async(types.CompletionParams(doc, types.Position(line, character)))
        return [i.label for i in found.items]

    # A statement of the portfolio block starts here (grammar.lark: _portfolio_item).
    assert await labels(3, 4) == ["asset", "etf", "fund", "investor", "stock"]
    # After an investor's name, its attributes or the next statement.
    assert await labels(4, 34) == ["alias", "asset", "etf", "fund", "investor", "pan", "sip", "slab", "stock"]
    assert await labels(0, 5) == ["india", "perpetual", "textbook-bands"]  # inside `use "`
    holds = text.split("\n")[8].index('holds "') + 7
    assert await labels(8, holds) == ["Nifty 50", "Gold 😀"]  # inside `holds "`, the assets declared
    into = text.split("\n")[5] + " consolidate into "
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument(text=text.replace(text.split("\n")[5], into))]))
    assert await labels(5, len(into)) == ["GOLDBEES", "INF789F01XA0"]  # an ISIN or symbol: those declared


async def test_go_to_a_use_target_and_an_assets_declaration(client, tmp_path):
    uri = opened(client, tmp_path / "d.rules", GOOD)
    await diagnostics_of(client, uri)
    doc = types.TextDocumentIdentifier(uri=uri)
    use = await client.text_document_definition_async(types.DefinitionParams(doc, types.Position(0, 7)))
    assert use.uri.endswith("/india.rules")
    holds = GOOD.split("\n")[7].index('holds "Nifty 50"') + 9
    asset = await client.text_document_definition_async(types.DefinitionParams(doc, types.Position(7, holds)))
    assert asset.uri == uri and asset.range == types.Range(types.Position(4, 10), types.Position(4, 20))


async def test_formatting_is_fmts_and_none_on_a_syntax_error(client, tmp_path):
    uri = opened(client, tmp_path / "f.rules", 'portfolio{asset "A" 100%}\n')
    await diagnostics_of(client, uri)
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)
    [edit] = await client.text_document_formatting_async(
        types.DocumentFormattingParams(types.TextDocumentIdentifier(uri=uri), options))
    assert edit.new_text == 'portfolio {\n    asset "A" 100%\n}\n'
    assert edit.range == types.Range(types.Position(0, 0), types.Position(1, 0))
    bad = opened(client, tmp_path / "bad.rules", POLICY)
    await diagnostics_of(client, bad)
    assert await client.text_document_formatting_async(
        types.DocumentFormattingParams(types.TextDocumentIdentifier(uri=bad), options)) is None


async def test_outline_of_blocks_and_their_statements(client, tmp_path):
    uri = opened(client, tmp_path / "o.rules", GOOD)
    await diagnostics_of(client, uri)
    found = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri=uri)))
    assert [s.name for s in found] == ['use "india"', 'portfolio "Kapoor ₹"']
    assert [c.name for c in found[1].children] == [
        "investor meera", 'asset "Nifty 50"', 'asset "Gold 😀"', "etf GOLDBEES", "fund INF789F01XA0"]
    assert found[1].range == types.Range(types.Position(2, 0), types.Position(8, 1))


async def test_code_action_applies_the_suggested_fix(client, tmp_path):
    uri = opened(client, tmp_path / "x.rules", POLICY)
    [missing] = await diagnostics_of(client, uri)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri=uri), missing.range, types.CodeActionContext([missing])))
    [fix] = actions
    assert fix.title == "write 40%" and fix.kind == types.CodeActionKind.QuickFix
    assert list(fix.edit.changes[uri]) == [types.TextEdit(missing.range, "40%")]


async def test_a_change_just_before_a_close_publishes_nothing_after_it(client, tmp_path):
    """A reviewer's case: a didChange (its check waiting out the debounce) then a didClose at once:
    the close clears the document's diagnostics, and the change's check, cancelled, publishes nothing
    after it (it used to publish the saved file's errors again, or fail on a deleted file)."""
    uri = opened(client, tmp_path / "closing.rules", POLICY)
    assert [d.code for d in await diagnostics_of(client, uri)] == ["P110"]
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument(text=POLICY.replace("60%", "60"))]))
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    await asyncio.sleep(0.5)  # 50 times the debounce: a late publication would have come by now
    assert list(client.diagnostics[uri]) == []
