"""Files -> ASTs: read policy files safely and resolve `use`.

`use "india"` names a shipped rule set (rules/india.rules, or rules/presets/NAME.rules);
`use "./other.rules"` is a path relative to the file that says it. Each file is read
once (a second `use` of it is a no-op); a file that uses itself, directly or not, is
a cycle and is reported at the `use` that closes it. Nothing here raises at the user:
unreadable, binary and non-UTF-8 files become diagnostics.
"""

from __future__ import annotations

import functools
import hashlib
import stat
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.diagnostics import Diagnostic, Span, error, warning
import engine.policy.ast as ast

SHIPPED_PREFIX = "lotwise:"
MAX_FILE_BYTES = 8 * 1024 * 1024
PARSED_KEPT = 64  # files parsed kept per process (parsed_file): the shared ones stay, the least used go
KEPT_CHARS = 100_000  # and only files this small (india.rules is about 10,000)


def shipped_rules_dir() -> Path:
    """The shipped rules: inside the installed package (a wheel puts them at
    engine/rules), or the repository's top-level rules/ in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "rules"
    if installed.is_dir():
        return installed
    return package.parent / "rules"


def shipped_names() -> list[str]:
    root = shipped_rules_dir()
    names = [p.stem for p in sorted(root.glob("*.rules"))]
    names += [p.stem for p in sorted((root / "presets").glob("*.rules"))]
    return names


def display_path(path: Path) -> str:
    """How a file is named in diagnostics: shipped files by a stable name."""
    root = shipped_rules_dir().resolve()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: say what the user typed
        return str(path)
    if resolved.is_relative_to(root):
        return SHIPPED_PREFIX + resolved.relative_to(root).as_posix()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class SourceFile:
    display: str
    path: Path
    text: str
    sha256: str
    # The `use` that first read this file (None for the file the load started from): an editor
    # shows a used file's problems on the line of the open file that leads to it.
    used_at: Span | None = None


@dataclass
class LoadResult:
    files: list[SourceFile] = field(default_factory=list)
    # Top-level statements of all files, `use` expanded in place, in order.
    items: list[ast.Node] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    syntax_ok: bool = True

    @property
    def sources(self) -> dict[str, str]:
        return {f.display: f.text for f in self.files}


def read_source(path: Path, display: str) -> tuple[str | None, Diagnostic | None]:
    """The text of a policy file, or a diagnostic saying why it cannot be read."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            return None, error("F001", f"`{display}` is a directory, not a rules file", None,
                               "name a .rules file")
        if not stat.S_ISREG(mode):  # a device or a pipe could be endless
            return None, error("F001", f"`{display}` is not a regular file", None, "name a .rules file")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, error("F001", f"cannot find `{display}`", None, "check the path")
    except OSError as e:
        return None, error("F001", f"cannot read `{display}`: {e.strerror or e}", None, "check the file's permissions")
    return decode_source(data, display)


def decode_source(data: bytes, display: str) -> tuple[str | None, Diagnostic | None]:
    """The text of a policy's bytes (a file's, or standard input's: read MAX_FILE_BYTES + 1 of
    them at most), or why it is not a rules file's text."""
    span = Span(display, 1, 1, 1, 1)
    if len(data) > MAX_FILE_BYTES:
        return None, error("F004", f"`{display}` is larger than {MAX_FILE_BYTES} bytes; "
                           "a rules file is far smaller", None, "is this the right file?")
    if b"\x00" in data:
        return None, error("F002", f"`{display}` is a binary file, not a rules file", span,
                           "rules files are plain UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, e.start) + 1
        column = len(data[line_start:e.start].decode("utf-8", errors="replace")) + 1  # in characters
        return None, error("F003", f"`{display}` is not UTF-8 text (byte {e.start})",
                           Span(display, line, column, line, column + 1), "save the file as UTF-8")
    return text, None


class Outside(Exception):
    """`use` names a path outside the tree it may read (see `resolve_use`)."""


def resolve_use(target: str, including: Path, root: Path | None = None,
                given: Collection[Path] = ()) -> Path | None:
    """Where `use "target"` points; None when nothing is there.

    A shipped name (no `/` or `\\`, no `.rules` ending) is looked up among the shipped rules.
    A path is relative to the including file and, once every symlink is followed, must lie
    inside `root` (the real directory of the file the whole load started from, or the shipped
    rules for a shipped file; default: the including file's directory): otherwise it
    raises Outside, before anything about the target, even whether it exists, is looked at.
    `given`: the (resolved) paths whose texts are given rather than read (`load`'s overlay: an
    editor's unsaved documents, standard input's name), which are there whether on disk or not."""
    looks_like_path = "/" in target or "\\" in target or target.endswith(".rules")
    shipped = shipped_rules_dir()
    if looks_like_path:
        boundary = _resolved(root if root is not None else including.parent)
        try:
            real = (including.parent / target).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL: nothing readable
            raise Outside(target) from None
        if not real.is_relative_to(boundary):
            raise Outside(target)
        candidates = [real]
    else:
        candidates = [shipped / f"{target}.rules", shipped / "presets" / f"{target}.rules"]
    for candidate in candidates:
        try:
            if candidate in given or candidate.is_file():
                return candidate
        except (OSError, RuntimeError, ValueError):  # a name too long, a symlink loop: not there
            continue
    return None


def load(path: Path, overlay: Mapping[Path, str] | None = None) -> LoadResult:
    """Read `path` and everything it uses; parse each file once. `overlay`: texts that stand for
    files (standard input's for `path`, an editor's unsaved documents), read instead of the disk."""
    result = LoadResult()
    loaded: set[Path] = set()
    top_root = _resolved(path.parent)
    shipped_root = _resolved(shipped_rules_dir())
    texts = {_resolved(p): t for p, t in (overlay or {}).items()}

    def visit(file_path: Path, stack: tuple[Path, ...], used_at: Span | None) -> None:
        display = display_path(file_path)
        given = texts.get(_resolved(file_path))
        text, problem = (given, None) if given is not None else read_source(file_path, display)
        if text is None:
            assert problem is not None  # read_source gives the text or the problem that stopped it
            if used_at is not None:  # report at the `use` that named it
                problem = error(problem.code, problem.message, used_at, problem.hint)
            result.diagnostics.append(problem)
            result.syntax_ok = False
            return
        key = _resolved(file_path)
        loaded.add(key)
        result.files.append(SourceFile(display, file_path, text,
                                       hashlib.sha256(text.encode("utf-8")).hexdigest(), used_at))
        syntax_problems, tree_ast, literal_problems = parsed_file(text, display)
        result.diagnostics.extend(syntax_problems)
        result.diagnostics.extend(literal_problems)
        if syntax_problems or literal_problems:
            result.syntax_ok = False
        if tree_ast is None:
            return
        if not text.strip():
            result.diagnostics.append(warning("V331", f"`{display}` is empty", Span(display, 1, 1, 1, 1),
                                              "a rules file holds a portfolio, rules or tax law"))
        for item in tree_ast.items:
            if not isinstance(item, ast.Use):
                result.items.append(item)
                continue
            # A shipped file's paths stay among the shipped rules; any other file's stay in the
            # tree of the policy the load started from. Refused before the target is read.
            root = shipped_root if _resolved(file_path).is_relative_to(shipped_root) else top_root
            try:
                target = resolve_use(item.target.value, file_path, root, texts.keys())
            except Outside:
                result.diagnostics.append(error(
                    "U203", f'`use "{item.target.value}"` names a file outside the policy\'s folder; '
                    "it was not read", item.target.span,
                    "a policy may use shipped rules by name and files in its own folder or below; "
                    "copy the file next to the policy and use it by a relative path"))
                result.syntax_ok = False
                continue
            if target is None:
                shown = ", ".join(f'"{n}"' for n in shipped_names())
                result.diagnostics.append(error(
                    "U201", f'cannot find rules "{item.target.value}"', item.target.span,
                    f"shipped rule sets are {shown}; a file is named by a path relative to this one, "
                    'like "./other.rules"'))
                result.syntax_ok = False
                continue
            resolved = _resolved(target)
            if resolved in (_resolved(p) for p in stack + (file_path,)):
                cycle = " -> ".join(display_path(p) for p in stack + (file_path, target))
                result.diagnostics.append(error(
                    "U202", f"`use` makes a cycle: {cycle}", item.span,
                    "remove one of the `use` lines so that no file uses itself"))
                result.syntax_ok = False
                continue
            if resolved in loaded:
                continue  # already read once: its definitions are in place
            visit(target, stack + (file_path,), item.target.span)

    visit(path, (), None)
    return result


def parsed_file(text: str, display: str) -> tuple[tuple[Diagnostic, ...], ast.File | None, tuple[Diagnostic, ...]]:
    """A file's text parsed and built: its syntax errors, its AST (None when nothing could be
    read) and the problems of its literals. A file of up to KEPT_CHARS is kept for the process (the
    AST is frozen; the key is the name and the whole text): the shipped rules every policy uses,
    and a house file all of an adviser's clients use, are parsed once per process (a batch's
    worker, the language server), not once per policy."""
    if len(text) <= KEPT_CHARS:
        return _parsed_kept(text, display)
    return _parse(text, display)


def _parse(text: str, display: str) -> tuple[tuple[Diagnostic, ...], ast.File | None, tuple[Diagnostic, ...]]:
    from engine.policy.parser import parse_text
    from engine.policy.transformer import to_ast

    parsed = parse_text(text, display)
    if parsed.tree is None:
        return tuple(parsed.diagnostics), None, ()
    tree_ast, literal_problems = to_ast(parsed.tree, display, parsed.error_offsets)
    return tuple(parsed.diagnostics), tree_ast, tuple(literal_problems)


_parsed_kept = functools.lru_cache(maxsize=PARSED_KEPT)(_parse)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
