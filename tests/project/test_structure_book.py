"""The book and the ledger keep their shape (issue 13.4, 13.7): engine/book (with its importers
and the kept ledger), engine/ledger and the shared modules they stand on (transactions, literals,
files, calendar, fmv, vocabulary, precision) have small functions, modules under 500 lines, no
private name imported across modules, no import cycle through them (function-level imports
included), and no error from mypy (strict, the settings of pyproject.toml)."""

import ast
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "engine"
SHARED = ("transactions", "literals", "files", "calendar", "fmv", "vocabulary", "precision")
OWNED = sorted([*(ENGINE / "book").rglob("*.py"), *(ENGINE / "ledger").rglob("*.py"),
                *(ENGINE / f"{name}.py" for name in SHARED)])


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, tree: ast.AST):
    """(module, names) of every import in the file, function-level ones included; relative
    imports resolved."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            yield module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))  # __version__ is public


def _trees(paths):
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in paths}


def test_no_function_over_80_lines_and_no_module_over_500():
    for path, tree in _trees(OWNED).items():
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, (str(path), node.name)


def test_no_private_name_imported_across_modules():
    """Neither in these modules nor from them (engine/files.py's two names the CLI still imports
    are the CLI's to change: issue 13)."""
    for path, tree in _trees(OWNED).items():
        for module, names in _imports(path, tree):
            if module.startswith("engine"):
                assert not [n for n in names if _private(n)], (str(path), module, names)
    owned = {_module_name(path) for path in OWNED}
    for path, tree in _trees(sorted(ENGINE.rglob("*.py"))).items():
        for module, names in _imports(path, tree):
            private = [n for n in names if _private(n)]
            if module in owned and module != "engine.files" and _module_name(path) != module:
                assert not private, (str(path), module, names)


def test_no_import_cycle_through_these_modules():
    """The whole engine's import graph (every import, function-level ones too): no cycle reaches
    a module of the book, the ledger or the shared modules."""
    paths = sorted(ENGINE.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path, tree in _trees(paths).items():
        here = _module_name(path)
        graph[here] = set()
        for module, names in _imports(path, tree):
            for candidate in (module, *(f"{module}.{n}" for n in names)):
                if candidate in modules and candidate != here:
                    graph[here].add(candidate)

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for path in OWNED:
        module = _module_name(path)
        assert module not in reaches(module), module


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_finds_no_error_in_these_modules(monkeypatch):
    from mypy import api

    monkeypatch.chdir(REPO)

    files = [str(path.relative_to(REPO)) for path in OWNED]
    out, err, _ = api.run(["--config-file", str(REPO / "pyproject.toml"), "--no-error-summary", *files])
    mine = [line for line in out.splitlines()
            if any(line.startswith(f + ":") for f in files)]
    assert not mine, "\n".join(mine)
