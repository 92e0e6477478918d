"""Before/after timings of two revisions, alternating. Run: python bench/compare_revisions.py [--quick]

Checks each revision out into a temporary detached `git worktree` (removed at the end, also on
Ctrl-C) and times, in the same run, each revision's own code with the same interpreter
(PYTHONPATH = that worktree), old and new alternating so that the load of a shared machine
drifts on both alike: in each round every item runs once for each revision, back to back, the
revision going first swapping from round to round (AB BA AB ...). Round 0 is a warm-up (byte
code compiled, files cached) and is not counted.

Items:
  - start-up: `lotwise --help`, and `lotwise check` of a tiny policy (use "india", use "perpetual");
  - every command on examples/family, in a fresh book each round: init, import (transactions,
    prices, FMVs), status, lots, gains, plan month --dry-run, rebalance (without --record, which
    records nothing), plan year-end --no-save, plan year-end (saved), why on that plan, plans;
  - bench/book.py --quick and bench/plans.py --quick (each revision's own copy): the whole script,
    and the figures it prints (wall times measured inside the script; no CPU time for those).

For each item: the minimum and median wall time, the after/before ratio of the minimums; the
user + sys CPU time of the child processes (resource.getrusage(RUSAGE_CHILDREN)), less sensitive
to the machine's load than wall time; a verdict, "slower" or "faster" only when the ranges of
the two revisions (CPU time where there is one, else wall) do not overlap, "~" otherwise; and
whether the command printed the same thing in both revisions (paths of the temporary
directories replaced). Progress goes to stderr, the Markdown table to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

REPO = Path(__file__).resolve().parent.parent
BEFORE = "9f328f0"  # the last commit before issue 13 moved anything
AS_OF = "2026-11-21"
TINY_RULES = 'use "india"\nuse "perpetual"\n'
FAMILY = "examples/family"


@dataclass(frozen=True)
class Step:
    """One command of the family sequence: the arguments after `python -m engine`, {book},
    {family} and {tiny} filled in; timed or only run (setup)."""

    name: str
    argv: tuple[str, ...]
    timed: bool = True


STARTUP = (
    Step("start-up: `lotwise --help`", ("--help",)),
    Step("start-up: `lotwise check` of a tiny policy", ("check", "{tiny}")),
)
FAMILY_STEPS = (
    Step("family: init", ("init", "--book", "{book}", "--policy", "{family}/family.rules")),
    Step("family: import (3 files)", ("import", "--book", "{book}", "{family}/transactions.csv",
                                      "{family}/prices.csv", "{family}/fmv.csv")),
    Step("family: status", ("status", "--book", "{book}", "--as-of", AS_OF)),
    Step("family: lots", ("lots", "--book", "{book}")),
    Step("family: gains --fy 2025-26", ("gains", "--book", "{book}", "--fy", "2025-26")),
    Step("family: plan month --dry-run", ("plan", "month", "--book", "{book}", "--as-of", AS_OF, "--dry-run")),
    Step("family: rebalance --method full", ("rebalance", "--book", "{book}", "--method", "full", "--as-of", AS_OF)),
    Step("family: plan year-end --no-save", ("plan", "year-end", "--book", "{book}", "--as-of", AS_OF, "--no-save")),
    Step("family: plan year-end (saved)", ("plan", "year-end", "--book", "{book}", "--as-of", AS_OF)),
    Step("family: why (the saved plan)", ("why", "--book", "{book}")),
    Step("family: plans", ("plans", "--book", "{book}")),
)
SCRIPTS = ("bench/book.py", "bench/plans.py")

# The figures the bench scripts print: (item name, pattern whose group 1 is the figure, factor
# to the unit of the table, seconds unless the name says otherwise). A pattern that stops matching is skipped (the whole script is timed anyway).
FIGURES = {
    "bench/book.py": (
        ("book.py: import 10,000 transactions", r"^import [\d,]+ transactions: ([\d.]+) s", 1.0),
        ("book.py: FY report, years chained", r"^FY \d+ report from the kept ledger.*: ([\d.]+) s", 1.0),
        ("book.py: the FY alone", r"the FY alone, not chained.*: ([\d.]+) s", 1.0),
        ("book.py: report replaying the whole book", r"the same report replaying the whole book: ([\d.]+) s", 1.0),
        ("book.py: reading all open lots", r"reading all [\d,]+ open lots: ([\d.]+) s", 1.0),
        ("book.py: reading every transaction", r"reading every transaction, each row checked: ([\d.]+) s", 1.0),
        ("book.py: importing one more month", r"importing one more month of \d+ transactions: ([\d.]+) s", 1.0),
    ),
    "bench/plans.py": (
        ("plans.py: plan month, whole command", r"^plan month, whole command, best of \d+: ([\d.]+) s", 1.0),
        ("plans.py: `lotwise check` of its policy", r"`lotwise check` of the same policy.*: ([\d.]+) s", 1.0),
        ("plans.py: values (in process)", r"in process: values ([\d.]+) s", 1.0),
        ("plans.py: month plan (in process)", r"in process: .*\bplan ([\d.]+) s", 1.0),
        ("plans.py: every lot valued (in process)", r"every lot valued \(status\) ([\d.]+) s", 1.0),
        ("plans.py: plan year-end, whole command", r"^plan year-end, whole command.*best of \d+: ([\d.]+) s", 1.0),
        ("plans.py: optimizer per instance (ms, not s)", r"optimizer ([\d.]+) ms per instance", 1.0),
    ),
}


@dataclass
class Samples:
    """The measurements of one item for one revision."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    outputs: set[str] = field(default_factory=set)
    failures: int = 0


@dataclass
class Revision:
    label: str  # "before" or "after"
    rev: str
    commit: str
    subject: str
    tree: Path
    work: Path  # a scratch directory for its books and files
    samples: dict[str, Samples] = field(default_factory=dict)

    def of(self, item: str) -> Samples:
        return self.samples.setdefault(item, Samples())


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def child_env(tree: Path) -> dict[str, str]:
    """The environment of every child: this one without lotwise's variables, PYTHONPATH the tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTWISE_")}
    env["PYTHONPATH"] = str(tree)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(argv: list[str], tree: Path, cwd: Path) -> tuple[float, float, int, str, str]:
    """Run one child; its wall time, user + sys CPU time (its own and its waited-for children's),
    exit status, stdout and stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=child_env(tree), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode, done.stdout, done.stderr


def normalized(text: str, revision: Revision) -> str:
    """The output with the revision's own paths replaced, to compare the two revisions."""
    return text.replace(str(revision.work), "<work>").replace(str(revision.tree), "<tree>")


def fill(step: Step, revision: Revision, book: Path) -> list[str]:
    values = {"book": str(book), "family": str(revision.tree / FAMILY), "tiny": str(revision.work / "tiny.rules")}
    return [arg.format(**values) for arg in step.argv]


def run_step(step: Step, revision: Revision, python: str, book: Path, count: bool) -> None:
    wall, cpu, status, out, err = run([python, "-m", "engine", *fill(step, revision, book)], revision.tree,
                                      revision.work)
    samples = revision.of(step.name)
    if status != 0:
        samples.failures += 1
        print(f"  {revision.label}: {step.name} exited {status}: {(err or out).strip()[-300:]}", file=sys.stderr)
        return
    samples.outputs.add(hashlib.sha256(normalized(out, revision).encode()).hexdigest())
    if count:
        samples.wall.append(wall)
        samples.cpu.append(cpu)


def run_script(script: str, revision: Revision, python: str, count: bool) -> None:
    wall, cpu, status, out, err = run([python, str(revision.tree / script), "--quick"], revision.tree,
                                      revision.work)
    name = f"{Path(script).name} --quick, the whole script"
    samples = revision.of(name)
    if status != 0:
        samples.failures += 1
        print(f"  {revision.label}: {script} exited {status}: {(err or out).strip()[-300:]}", file=sys.stderr)
        return
    if not count:
        return
    samples.wall.append(wall)
    samples.cpu.append(cpu)
    for item, pattern, unit in FIGURES[script]:
        found = re.search(pattern, out, re.MULTILINE)
        if found:
            revision.of(item).wall.append(float(found.group(1)) * unit)


def pair(revisions: list[Revision], round_no: int) -> list[Revision]:
    """The two revisions in this round's order: AB, then BA, then AB..."""
    return revisions if round_no % 2 == 0 else revisions[::-1]


def forget(books: Iterable[Path]) -> None:
    for book in books:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{book}{suffix}").unlink(missing_ok=True)


def one_round(revisions: list[Revision], python: str, round_no: int, scripts: bool) -> None:
    count = round_no > 0
    order = pair(revisions, round_no)
    for step in STARTUP:
        for revision in order:
            run_step(step, revision, python, revision.work / "unused.db", count)
    books = {revision.label: revision.work / "book.db" for revision in revisions}
    forget(books.values())  # a fresh book each round, under the same name (the same output)
    for step in FAMILY_STEPS:
        for revision in order:
            run_step(step, revision, python, books[revision.label], count and step.timed)
    forget(books.values())
    if scripts and count:
        for script in SCRIPTS:
            for revision in order:
                run_script(script, revision, python, count)


def items_in_order(scripts: bool) -> list[str]:
    names = [s.name for s in STARTUP] + [s.name for s in FAMILY_STEPS if s.timed]
    if scripts:
        for script in SCRIPTS:
            names.append(f"{Path(script).name} --quick, the whole script")
            names += [item for item, _, _ in FIGURES[script]]
    return names


def spread(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{min(values):.3f} / {statistics.median(values):.3f}"


def ratio(before: list[float], after: list[float]) -> str:
    if not before or not after or min(before) == 0:
        return "—"
    return f"{min(after) / min(before):.2f}"


def verdict(before: Samples, after: Samples) -> str:
    a, b = (before.cpu, after.cpu) if before.cpu and after.cpu else (before.wall, after.wall)
    if not a or not b:
        return "failed" if before.failures or after.failures else "—"
    if min(b) > max(a):
        return "slower"
    if max(b) < min(a):
        return "faster"
    return "~"


def same_output(before: Samples, after: Samples) -> str:
    if not before.outputs or not after.outputs:
        return "—"
    if len(before.outputs) > 1 or len(after.outputs) > 1:
        return "varies"
    return "same" if before.outputs == after.outputs else "differs"


def table(revisions: list[Revision], scripts: bool) -> list[str]:
    before, after = revisions
    lines = ["| item | wall before, min / median (s) | wall after, min / median (s) | after/before (min wall) "
             "| CPU before, min / median (s) | CPU after, min / median (s) | after/before (min CPU) "
             "| verdict | output |",
             "|---|---:|---:|---:|---:|---:|---:|:---:|:---:|"]
    for item in items_in_order(scripts):
        b, a = before.of(item), after.of(item)
        failed = f" (failed: {b.failures} before, {a.failures} after)" if b.failures or a.failures else ""
        lines.append(f"| {item}{failed} | {spread(b.wall)} | {spread(a.wall)} | {ratio(b.wall, a.wall)} "
                     f"| {spread(b.cpu)} | {spread(a.cpu)} | {ratio(b.cpu, a.cpu)} | {verdict(b, a)} "
                     f"| {same_output(b, a)} |")
    return lines


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def checkout(label: str, rev: str, scratch: Path) -> Revision:
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    tree = scratch / label
    git("worktree", "add", "--detach", str(tree), commit)
    work = scratch / f"{label}-work"
    work.mkdir()
    (work / "tiny.rules").write_text(TINY_RULES, encoding="utf-8")
    if not (tree / "engine" / "__main__.py").is_file():
        raise SystemExit(f"{rev}: no engine/__main__.py, `python -m engine` cannot run it")
    return Revision(label, rev, commit, git("log", "-1", "--format=%s", commit), tree, work)


def remove(scratch: Path) -> None:
    for label in ("before", "after"):
        if (scratch / label).exists():
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(scratch / label)],
                           capture_output=True)
    shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], capture_output=True)


def header(revisions: list[Revision], python: str, rounds: int, loads: tuple[str, str], started: str) -> list[str]:
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    lines = [f"Machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.machine()}, "
             f"Python {version} ({python}); {started}, {rounds} rounds after a warm-up, old and new alternating "
             f"(AB BA ...).",
             f"Load average (1, 5, 15 min) before: {loads[0]}; after: {loads[1]}.", ""]
    for revision in revisions:
        lines.append(f"- {revision.label}: `{revision.commit[:7]}` ({revision.rev}) {revision.subject[:100]}")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help=f"the old revision (default {BEFORE})")
    parser.add_argument("--after", default="HEAD", help="the new revision (default HEAD)")
    parser.add_argument("--rounds", type=int, help="rounds counted (default 5, or 2 with --quick)")
    parser.add_argument("--quick", action="store_true", help="2 rounds, without bench/book.py and bench/plans.py")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter for both revisions (default: the one running this script)")
    args = parser.parse_args()
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 5)
    scripts = not args.quick
    # so that `finally` removes the worktrees: Ctrl-C even when started in the background of a
    # shell without job control (which ignores SIGINT), and a kill or a closed terminal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = load()
    scratch = Path(tempfile.mkdtemp(prefix="lotwise-compare-"))
    revisions: list[Revision] = []
    try:
        for label, rev in (("before", args.before), ("after", args.after)):
            revisions.append(checkout(label, rev, scratch))
        for round_no in range(rounds + 1):
            print(f"round {round_no}{' (warm-up)' if round_no == 0 else ''} of {rounds}, load {load()}",
                  file=sys.stderr)
            one_round(revisions, args.python, round_no, scripts)
        lines = header(revisions, args.python, rounds, (load_before, load()), started) + table(revisions, scripts)
        print("\n".join(lines))
    except KeyboardInterrupt:
        print("interrupted; removing the worktrees", file=sys.stderr)
        return 130
    finally:
        remove(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
