"""The shell, the API and the reports keep their shape (issue 13 item 5): engine/cli parses,
reads the clock, the environment and files, calls the API and renders; engine/api*.py and the
modules behind it (inputs, importing, new_book, status, gains, saved) compute; engine/reports
renders. Modules under 500 lines, functions under 80, no private name imported across modules,
no import cycle through them (lazy, function-level imports and TYPE_CHECKING ones count), and
`lotwise check` of a tiny policy loads none of the stages it does not need."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"
API_LAYER = ("api.py", "inputs.py", "importing.py", "new_book.py", "status.py", "gains.py", "saved.py")


def _files() -> list[Path]:
    return (sorted((ENGINE / "cli").glob("*.py")) + sorted((ENGINE / "reports").glob("*.py"))
            + sorted(p for p in ENGINE.glob("api*.py")) + [ENGINE / name for name in API_LAYER if name != "api.py"])


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(module, names) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def test_no_module_over_500_lines_and_no_function_over_80():
    for path in _files():
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, (path.name, node.name)


def test_no_private_name_imported_across_modules():
    for path in _files():
        for module, names in _imports(path):
            if module.startswith("engine"):
                assert not [n for n in names if n.startswith("_") and not n.endswith("__")], (path.name, module, names)


def _graph() -> dict[str, set[str]]:
    """engine's modules and what each imports (a module, or a module's name that is a module)."""
    paths = {_module(p): p for p in ENGINE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        graph[name] = set()
        for module, names in _imports(path):
            for candidate in [module] + [f"{module}.{n}" for n in names]:
                if candidate in paths and candidate != name:
                    graph[name].add(candidate)
    return graph


def test_no_import_cycle_through_the_shell_the_api_or_the_reports():
    graph = _graph()
    ours = {_module(p) for p in _files()}

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for module in sorted(ours):
        assert module not in reaches(module), module


def test_the_arrows_point_down_the_pipeline():
    """Nothing below the API imports the shell; nothing below the shell imports the API's
    functions (the reports name its records as types only); the API never imports the shell."""
    graph = _graph()
    for module, targets in graph.items():
        if not module.startswith("engine.cli") and module != "engine.__main__":  # `python -m engine`: the shell
            assert not [t for t in targets if t.startswith("engine.cli")], module
    for path in sorted((ENGINE / "reports").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # the API only under `if TYPE_CHECKING:`
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module != "engine.api" and not node.module.startswith("engine.cli"), path.name


def test_check_of_a_tiny_policy_loads_no_stage_it_does_not_need(tmp_path):
    rules = tmp_path / "tiny.rules"
    rules.write_text('use "india"\nuse "perpetual"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine", "check", str(rules)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "LOTWISE_NO_CACHE": "1"})
    assert done.returncode == 0, done.stderr
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    unwanted = {"engine.api", "engine.inputs", "engine.importing", "engine.book", "engine.tax", "engine.plans",
                "engine.harvest", "engine.ledger", "tabulate", "babel", "holidays", "highspy"}
    assert not sorted(m for m in loaded if m in unwanted or m.split(".")[0] in {"tabulate", "babel", "holidays",
                                                                                  "highspy"}
                      or any(m.startswith(u + ".") for u in unwanted)), done.stderr
