"""The engine keeps its shape (issue 13 items 4 and 7, docs/architecture.md): no module over 500
lines, no function over 80, no private name imported across modules, no import cycle (lazy,
function-level imports count), the arrows pointing down the pipeline, floats only where the
solver's program is made or read, `lotwise check` loading only what it needs, and mypy (strict,
pyproject.toml) finding no error."""

import ast
import importlib.util
import os
import subprocess
import sys

import pytest

from helpers.structure import ROOT, is_private, modules, reaches, targets

# The pipeline's order (docs/architecture.md): a module imports only modules of its own stage or
# of the stages before it. The shared modules import no stage.
SHARED = {"engine", "engine.diagnostics", "engine.literals", "engine.transactions", "engine.calendar", "engine.fmv",
          "engine.files", "engine.vocabulary", "engine.precision", "engine.progress"}
API_LAYER = {"engine.api", "engine.inputs", "engine.importing", "engine.new_book", "engine.status", "engine.gains",
             "engine.saved", "engine.opportunity", "engine.backtesting", "engine.fetched_prices",
             "engine.reporting", "engine.from_statement"}
API_LAYER |= {"engine.plan_results", "engine.year_end_checks"}  # issue 16: month plans and rebalances saved
ORDER = ("policy", "ledger", "book", "tax", "plans", "harvest", "backtest", "reports", "api", "batch", "lsp", "cli")
FLOATS_ALLOWED = {"engine.harvest.program", "engine.harvest.formulation", "engine.harvest.reach", "engine.harvest.rounding",
                  "engine.harvest.loss_chain", "engine.harvest.migration_room", "engine.backtest.scenario"}


def stage(name: str) -> int:
    """0 for the shared modules, then 1 for policy ... 9 for the shell."""
    if name in SHARED:
        return 0
    if name in API_LAYER:
        return ORDER.index("api") + 1
    if name == "engine.__main__":
        return ORDER.index("cli") + 1
    return ORDER.index(name.split(".")[1]) + 1


def test_no_module_over_500_lines_and_no_function_over_80():
    long = []
    for m in modules().values():
        if m.lines > 500:
            long.append((m.name, m.lines))
        long += [(m.name, n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(m.tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 80]
    assert not long


def test_no_private_name_imported_across_modules():
    crossing = [(m.name, imp.module, name) for m in modules().values() for imp in m.imports()
                if imp.module.startswith("engine") and imp.module != m.name
                for name in imp.names if is_private(name)]
    assert not crossing


def test_no_import_cycle():
    assert not [name for name in modules() if name in reaches(name)]


def test_the_arrows_point_down_the_pipeline():
    """A module imports its own stage or the stages before it; the reports name the API's records
    as types only (under `if TYPE_CHECKING:`)."""
    upward = [(m.name, t) for m in modules().values() for t in targets(m, typing=False) if stage(t) > stage(m.name)]
    assert not upward


def test_submodules_never_import_names_from_their_package_init():
    """A package's __init__ may gather its submodules' names; a submodule importing them from it
    instead of from its sibling is how the policy package's cycle came about."""
    found = [(m.name, imp.module, n) for m in modules().values() if m.path.name != "__init__.py"
             for imp in m.imports() if imp.module == m.package and m.package != "engine"
             for n in imp.names if f"{imp.module}.{n}" not in modules()]
    assert not found


def test_floats_only_where_the_program_is_made_or_read():
    floats = [(m.name, n.lineno) for m in modules().values() if m.name.startswith("engine.harvest")
              and m.name not in FLOATS_ALLOWED for n in ast.walk(m.tree)
              if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "float")
              or (isinstance(n, ast.Constant) and isinstance(n.value, float))]
    assert not floats


def test_sql_is_spoken_only_by_the_book():
    speaking = [(m.name, n.lineno) for m in modules().values() if not m.name.startswith("engine.book")
                for n in ast.walk(m.tree) if isinstance(n, ast.Attribute) and n.attr in {"execute", "executemany"}]
    assert not speaking


@pytest.mark.slow
def test_check_of_a_tiny_policy_loads_no_stage_it_does_not_need(tmp_path):
    rules = tmp_path / "tiny.rules"
    rules.write_text('use "india"\nuse "perpetual"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine", "check", str(rules)],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "LOTWISE_NO_CACHE": "1"})
    assert done.returncode == 0, done.stderr
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    unwanted = ("engine.api", "engine.inputs", "engine.importing", "engine.book", "engine.tax", "engine.plans",
                "engine.harvest", "engine.ledger", "engine.reports", "tabulate", "babel", "holidays", "highspy",
                "pydantic")
    assert not sorted(m for m in loaded if any(m == u or m.startswith(u + ".") for u in unwanted)), done.stderr


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_mypy_finds_no_error(monkeypatch):
    from mypy import api

    monkeypatch.chdir(ROOT)
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, out + err
