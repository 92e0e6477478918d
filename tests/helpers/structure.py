"""The engine's modules read as source: each module's name, its parsed tree and its imports
(function-level and TYPE_CHECKING ones included, relative ones resolved), and the import graph.
tests/project/test_structure.py holds the engine to its shape with these."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"


@dataclass(frozen=True)
class Import:
    module: str  # the module imported from (`from a.b import c`: a.b)
    names: tuple[str, ...]  # the names imported from it (`import a.b`: none)
    line: int
    typing_only: bool  # under `if TYPE_CHECKING:`


@dataclass(frozen=True)
class Module:
    name: str  # engine.book.store
    path: Path
    tree: ast.Module
    lines: int

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    def imports(self) -> list[Import]:
        typing_only = {id(n) for block in ast.walk(self.tree) if _is_type_checking(block)
                       for n in ast.walk(block)}
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    base = self.package.split(".")
                    base = base[:len(base) - node.level + 1]
                    module = ".".join(base + ([module] if module else []))
                found.append(Import(module, tuple(a.name for a in node.names), node.lineno, id(node) in typing_only))
            elif isinstance(node, ast.Import):
                found += [Import(a.name, (), node.lineno, id(node) in typing_only) for a in node.names]
        return found


def _is_type_checking(node: ast.AST) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Module]:
    """Every module of engine/, by name."""
    found = {}
    for path in sorted(ENGINE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found[module_name(path)] = Module(module_name(path), path, ast.parse(text), len(text.splitlines()))
    return found


def targets(module: Module, *, typing: bool = True) -> set[str]:
    """The engine's modules `module` imports (a module, or a name of a package that is a module)."""
    known = modules()
    out = set()
    for imp in module.imports():
        if imp.typing_only and not typing:
            continue
        for candidate in (imp.module, *(f"{imp.module}.{n}" for n in imp.names)):
            if candidate in known and candidate != module.name:
                out.add(candidate)
    return out


def reaches(start: str) -> set[str]:
    """Every module `start` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in targets(modules()[todo.pop()]):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))  # __version__ is public
