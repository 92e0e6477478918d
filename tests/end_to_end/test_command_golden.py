"""Golden files of every reading and planning command on every example, text and JSON, as a
user's terminal gets them (a new process each): the safety net under the engine's refactor into
a library (issue 13, "no behaviour changes"). A difference is a change of what users see; after
an intended one, regenerate with
    LOTWISE_UPDATE_GOLDEN=1 pytest tests/end_to_end/test_command_golden.py
and review the diff like code.

Each example gets one book, built once by `init` and `import` of its files; its commands are run
on fixed dates, in the order below (the saving ones last, so that every earlier output is the
same whichever order the tests run in)."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import lotwise

pytestmark = pytest.mark.slow  # every command on every example, each a new process

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "commands"
UPDATE = bool(os.environ.get("LOTWISE_UPDATE_GOLDEN"))


@dataclass(frozen=True)
class Example:
    name: str
    policy: str
    files: tuple[str, ...]
    as_of: str
    fy: str
    money: tuple[str, ...] = ("--invest", "50000")  # this month's money for `plan month`
    cash: tuple[str, ...] = ("--cash", "100000")  # new money for `rebalance --method cash`


EXAMPLE_BOOKS = (
    Example("family", "family.rules", ("transactions.csv", "prices.csv", "fmv.csv"), "2026-11-21", "2025-26",
            money=("--from", "asha=30000,ravi=20000"), cash=("--from", "asha=60000,ravi=40000")),
    Example("five-stocks", "five-stocks.rules", ("transactions.csv", "prices.csv"), "2025-06-30", "2024-25"),
    Example("rohit", "rohit.rules", ("transactions.csv", "prices.csv"), "2025-06-30", "2024-25"),
    Example("multi-year", "meera.rules", ("transactions.csv", "prices.csv", "fmv.csv", "losses.csv"),
            "2025-03-28", "2024-25"),
)


def commands(example: Example) -> list[tuple[str, list[str]]]:
    """(golden name, arguments) in running order; `{plan}` is the plan saved by `plan year-end`."""
    d, fy = example.as_of, example.fy
    reading = [
        ("lots", ["lots"]),
        ("status", ["status", "--as-of", d]),
        ("gains-fy", ["gains", "--fy", fy]),
        ("gains-all", ["gains", "--fy", "all"]),
        ("plan-month", ["plan", "month", "--as-of", d, *example.money, "--dry-run"]),
        ("rebalance-due", ["rebalance", "--due", "--as-of", d]),
        ("rebalance", ["rebalance", "--as-of", d, "--no-save"]),  # reading: a rebalance saves itself otherwise
        ("rebalance-full", ["rebalance", "--method", "full", "--as-of", d, "--no-save"]),
        ("rebalance-partial", ["rebalance", "--method", "partial", "--as-of", d, "--no-save"]),
        ("rebalance-cash", ["rebalance", "--method", "cash", *example.cash, "--as-of", d, "--no-save"]),
        ("year-end-unsaved", ["plan", "year-end", "--as-of", d, "--no-save"]),
    ]
    out = []
    for name, args in reading:
        out += [(name, args), (name + ".json", args + ["--json"])]
    out += [
        ("year-end", ["plan", "year-end", "--as-of", d]),
        ("plans", ["plans"]),
        ("plans.json", ["plans", "--json"]),
        ("why", ["why", "{plan}"]),
        ("why-all", ["why", "{plan}", "--all"]),
        ("why.json", ["why", "{plan}", "--json"]),
        ("policy-of", ["plans", "--policy-of", "{plan}"]),
    ]
    return out


@pytest.fixture(scope="module", params=EXAMPLE_BOOKS, ids=lambda e: e.name)
def outputs(request, tmp_path_factory):
    """Every command's output on the example's book: {golden name: text}."""
    example: Example = request.param
    where = tmp_path_factory.mktemp(example.name)
    for file in (EXAMPLES / example.name).iterdir():  # names relative to the book's folder, as a user's
        if file.is_file():
            shutil.copy(file, where / file.name)
    book = "book.db"
    assert lotwise(where, "init", "--policy", example.policy, "--book", book).returncode == 0
    imported = lotwise(where, "import", *example.files, "--book", book)
    assert imported.returncode == 0, imported.stderr
    seen: dict[str, str] = {}
    plan = None
    for name, args in commands(example):
        args = [plan if a == "{plan}" else a for a in args]
        if None in args:  # no plan was saved
            continue
        run = lotwise(where, *args, "--book", book)
        seen[name] = (f"$ lotwise {' '.join(args)}\n[exit {run.returncode}]\n{run.stdout}"
                      + (f"[stderr]\n{run.stderr}" if run.stderr else "")).replace(str(where), "<dir>")
        if name == "year-end" and run.returncode == 0:
            plan = next(word for word in run.stdout.split() if word.startswith("YE-"))
    return example, seen


def test_every_command_prints_its_golden_output(outputs):
    example, seen = outputs
    folder = GOLDEN / example.name
    expected_names = {name for name, _ in commands(example)}
    missing, different = [], []
    for name, actual in seen.items():
        path = folder / f"{name}.txt"
        if UPDATE or not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            if not UPDATE:
                missing.append(name)
            continue
        if path.read_text(encoding="utf-8") != actual:
            different.append(name)
    assert not missing, f"golden files written, review them: {missing}"
    assert not different, f"outputs differ from tests/golden/commands/{example.name}: {different}"
    assert set(seen) <= expected_names
    assert not [line for text in seen.values() for line in text.splitlines() if "Traceback" in line]
