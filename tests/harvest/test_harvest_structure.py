"""The year-end optimizer's pieces keep their shape (issue 13): small functions, modules under 500 lines,
no private name imported across modules, no import cycle inside engine/harvest, and floats only where
the solver's program is made or read (program.py, formulation.py, rounding.py)."""

import ast
from pathlib import Path

HARVEST = Path(__file__).resolve().parents[2] / "engine" / "harvest"
FLOATS_ALLOWED = {"program.py", "formulation.py", "rounding.py"}


def _modules():
    return {p.name: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(HARVEST.glob("*.py"))}


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def test_no_function_over_80_lines_and_no_module_over_500():
    for name, tree in _modules().items():
        assert len((HARVEST / name).read_text(encoding="utf-8").splitlines()) <= 500, name
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, (name, node.name)


def test_no_private_name_imported_across_modules():
    for name, tree in _modules().items():
        for module, names in _imports(tree):
            if module.startswith("engine"):
                assert not [n for n in names if n.startswith("_")], (name, module, names)


def test_no_import_cycle_inside_the_package():
    graph = {}
    for name, tree in _modules().items():
        here = "engine.harvest." + name[:-3]
        graph[here] = set()
        for module, names in _imports(tree):
            if module == "engine.harvest":
                graph[here] |= {f"engine.harvest.{n}" for n in names}
            elif module.startswith("engine.harvest."):
                graph[here].add(module)

    def reaches(start, seen):
        for nxt in graph.get(start, ()):
            if nxt not in seen:
                seen.add(nxt)
                reaches(nxt, seen)
        return seen

    for module in graph:
        assert module not in reaches(module, set()), module


def test_floats_only_where_the_program_is_made_or_read():
    for name, tree in _modules().items():
        if name in FLOATS_ALLOWED:
            continue
        floats = [node.lineno for node in ast.walk(tree)
                  if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float")
                  or (isinstance(node, ast.Constant) and isinstance(node.value, float))]
        assert not floats, (name, floats)
