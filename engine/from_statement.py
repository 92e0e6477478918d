"""Starting from a statement (`lotwise init --from-cas`, public as `api.init_from_cas`): a
policy skeleton written from a casparser CAS (engine/book/importers/cas_skeleton.py), the book
made remembering it, then the statement imported into it as `lotwise import` imports it (its
transactions, and its NAVs as prices). Nothing here prints; `Refused` says why nothing was
written. docs/from-cas.md is the reference.

The skeleton's targets are TODO, so it is read as a draft (engine/policy check_file with
`todo_targets`) for its investors and securities; a draft that does not resolve even so (a fund
whose class the statement does not tell: V316) leaves the book made and the statement not
imported, with the draft's diagnostics for the caller to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.inputs import Refused
from engine.precision import with_precision

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic
    from engine.importing import ImportOutcome
    from engine.new_book import BookMade


@dataclass(frozen=True)
class FromStatement:
    """What `init --from-cas` did: the policy written (`policy`, with its investors' ids and
    assets), the book made or kept (`made`), and the import (`imported`; None when the draft
    has errors other than its TODO targets: `draft` says which)."""

    policy: Path
    investors: tuple[str, ...]
    assets: tuple[str, ...]
    made: BookMade
    imported: ImportOutcome | None
    draft: tuple[Diagnostic, ...]
    sources: dict[str, str]


def read_text(path: Path) -> str:
    """The statement's text, or Refused saying why it cannot be read (I001-I003, I005)."""
    from engine.book.importers import open_regular
    from engine.diagnostics import Diagnostic, error

    handle = open_regular(path, str(path))
    if isinstance(handle, Diagnostic):
        raise Refused(diagnostics=[handle])
    try:
        with handle:
            data = handle.read()
        return data.decode("utf-8-sig")
    except OSError as e:
        raise Refused(diagnostics=[error("I001", f"cannot read `{path}`: {e.strerror or e}", None,
                                         "check the path")]) from None
    except UnicodeDecodeError as e:
        raise Refused(diagnostics=[error("I003", f"`{path}` is not UTF-8 text (byte {e.start})", None,
                                         "save it as UTF-8")]) from None


@with_precision
def init_from_cas(cas: str | Path, book: str | Path, policy: str | Path, *, show_pan: bool = False) -> FromStatement:
    """Write the skeleton policy of the CAS at `cas` to `policy` (never over an existing file:
    Refused C140), make the book at `book` (never an existing one: Refused C142) remembering it,
    and import the CAS. Refused, with
    nothing written, when the CAS cannot be read (its diagnostics), when its holders could be
    told apart only by their PANs and `show_pan` is not given (C141), or when the policy cannot
    be written (F101)."""
    from engine.book.importers.cas_skeleton import skeleton
    from engine.book.importers.cas_statement import read_statement
    from engine.book.store import Book
    from engine.files import WriteError, write_atomically
    from engine.importing import import_files
    from engine.new_book import create_book
    from engine.policy import check_file

    cas, policy = Path(cas), Path(policy)
    if Path(book).exists():  # a statement merged into another book and its policy switched could not be undone
        raise Refused(f"`{book}` already exists; `init --from-cas` starts a new book", code="C142",
                      values={"path": str(book)})
    if policy.exists() or policy.is_symlink():
        raise Refused(f"`{policy}` already exists; lotwise never writes over a policy", code="C140",
                      values={"path": str(policy)})
    text = read_text(cas)
    statement, problems = read_statement(text, str(cas))
    if statement is None:
        raise Refused(diagnostics=problems, sources={str(cas): text})
    drawn = skeleton(statement, show_pan, cas.name)
    if not drawn.matched and len(drawn.investors) > 1:
        raise Refused(f"the holders of `{cas}` can be told apart only by their PANs", code="C141",
                      values={"path": str(cas), "investors": list(drawn.investors)})
    try:
        write_atomically(policy, drawn.text)
    except WriteError as e:
        raise Refused(str(e), code="F101", values={"path": str(policy), "reason": e.reason}) from None
    made = create_book(book, policy, draft=True)
    draft = check_file(policy, todo_targets=True)
    imported = None
    if draft.ok:
        assert draft.policy is not None  # ok: resolved
        forced = drawn.investors[0] if not drawn.matched else None
        opened = Book.open(made.path)  # the import makes its own transaction (as api.Access.OWN)
        try:
            imported = import_files(opened, [str(cas)], draft.policy, investor=forced)
        finally:
            opened.close()
    return FromStatement(policy, drawn.investors, drawn.assets, made, imported,
                         tuple(d for d in draft.diagnostics if d.is_error), draft.sources)
