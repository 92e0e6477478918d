"""engine/tax, engine/plans and engine/harvest keep their shape and their types (issue 13 items 4
and 7): no function over 80 lines, no module over 500, no import cycle through them (lazy,
function-level imports count), no private name imported across modules (to or from them), and
mypy (strict, the settings of pyproject.toml) finds no error in them."""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tax", "plans", "harvest")
MINE = tuple(f"engine.{p}" for p in PACKAGES)


def _files():
    return sorted(p for pkg in PACKAGES for p in (ROOT / "engine" / pkg).rglob("*.py"))


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, tree):
    """(module, names) of every import in `tree`, relative ones resolved."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def _is_mine(module):
    return module in MINE or module.startswith(tuple(m + "." for m in MINE))


def test_no_function_over_80_lines_and_no_module_over_500():
    for path in _files():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, (str(path), node.name)


def test_no_private_name_imported_across_modules():
    for path in sorted((ROOT / "engine").rglob("*.py")):
        here = _module_name(path)
        for module, names in _imports(path, ast.parse(path.read_text(encoding="utf-8"))):
            if (_is_mine(here) or _is_mine(module)) and module.startswith("engine") and module != here:
                assert not [n for n in names if n.startswith("_") and not n.startswith("__")], (here, module, names)


def _graph():
    modules = {_module_name(p): p for p in (ROOT / "engine").rglob("*.py")}
    graph = {m: set() for m in modules}
    for here, path in modules.items():
        for module, names in _imports(path, ast.parse(path.read_text(encoding="utf-8"))):
            for candidate in (module, *(f"{module}.{n}" for n in names)):
                if candidate in modules and candidate != here:
                    graph[here].add(candidate)
    return graph


def test_no_import_cycle_through_these_packages():
    graph = _graph()

    def reaches(start):
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for module in graph:
        if _is_mine(module):
            assert module not in reaches(module), module


def test_the_pipeline_points_down():
    """tax imports no plans or harvest; plans imports no harvest; none of them the API or the CLI."""
    above = {"engine.tax": ("engine.plans", "engine.harvest"), "engine.plans": ("engine.harvest",),
             "engine.harvest": ()}
    for path in _files():
        here = _module_name(path)
        package = ".".join(here.split(".")[:2])
        forbidden = (*above[package], "engine.api", "engine.cli", "engine.inputs", "engine.reports")
        for module, _ in _imports(path, ast.parse(path.read_text(encoding="utf-8"))):
            assert not any(module == f or module.startswith(f + ".") for f in forbidden), (here, module)


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_finds_no_error_in_these_packages():
    run = subprocess.run([sys.executable, "-m", "mypy", *(f"engine/{p}" for p in PACKAGES)], cwd=ROOT,
                         capture_output=True, text=True)
    errors = [line for line in run.stdout.splitlines()
              if line.startswith(tuple(f"engine/{p}/" for p in PACKAGES)) and ": error:" in line]
    assert not errors, "\n".join(errors)
