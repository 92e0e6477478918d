"""Benchmarks for the policy language. Run: python bench/run.py [--quick]

Measures, each as the best of several runs (wall clock, this machine):
  - parse + validate of every shipped rules file;
  - parse + validate of a generated 5,000-line policy (target < 0.5 s);
  - start-up of `lotwise --help` (target < 0.3 s) and a whole `lotwise check`;
  - `lotwise fmt` of the 5,000-line policy.
Figures are recorded by hand in docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def generated_policy(lines: int) -> str:
    """A valid policy of about `lines` lines: many assets, each with two funds."""
    per_asset = 5  # asset line + fund + fund with two continuation lines
    assets = max(1, (lines - 10) // per_asset)
    # Targets in basis points that sum to exactly 100%.
    base, extra = divmod(10000, assets)
    out = ['use "india"', "", 'portfolio "Generated" {', '    investor asha "Asha Sharma" pan ABCPS1234K']
    for i in range(assets):
        bp = base + (1 if i < extra else 0)
        out.append(f'    asset "Asset {i}" {bp // 100}.{bp % 100:02d}% band 0.01% class equity')
        out.append(f'    fund INF{i:07d}A1 "Index fund {i}" holds "Asset {i}"')
        out.append(f'    fund INF{i:07d}B2 "Active fund {i}" holds "Asset {i}"')
        out.append(f"        legacy, replace with INF{i:07d}A1")
        out.append("        exit load 1% within 365 days")
    out.append("}")
    return "\n".join(out) + "\n"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def command_time(argv: list[str], repeat: int) -> float:
    def run():
        subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run()  # warm the page cache and Lark's table cache
    return best(run, repeat)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run for CI)")
    args = parser.parse_args()
    repeat = 2 if args.quick else 7

    from engine.policy import check_file
    from engine.policy.fmt import format_source

    rows: list[tuple[str, float, str]] = []
    shipped = sorted((REPO / "rules").rglob("*.rules")) + sorted((REPO / "examples").rglob("*.rules"))
    check_file(shipped[0])  # build the grammar once, as a long-running process would
    for path in shipped:
        rows.append((f"check {path.relative_to(REPO)}", best(lambda: check_file(path), repeat), ""))

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "generated.rules"
        text = generated_policy(5000)
        big.write_text(text, encoding="utf-8")
        n_lines = text.count("\n")
        result = check_file(big)
        assert result.ok, result.diagnostics[:3]
        rows.append((f"check generated policy ({n_lines} lines)", best(lambda: check_file(big), repeat), "< 0.5 s"))
        rows.append((f"fmt generated policy ({n_lines} lines)",
                     best(lambda: format_source(text, "generated.rules"), repeat), ""))

        exe = shutil.which("lotwise")
        cli = [exe] if exe else [sys.executable, "-m", "engine"]
        env_note = "" if exe else " (python -m engine)"
        rows.append(("lotwise --help" + env_note, command_time(cli + ["--help"], repeat * 2), "< 0.3 s"))
        family = str(REPO / "examples" / "family" / "family.rules")
        rows.append(("lotwise check examples/family" + env_note, command_time(cli + ["check", family], repeat), ""))
        rows.append((f"lotwise check generated ({n_lines} lines)" + env_note,
                     command_time(cli + ["check", str(big)], repeat), ""))

    width = max(len(r[0]) for r in rows)
    print(f"lotwise bench: Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores, {platform.platform()}")
    for name, seconds, target in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.1f} ms  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
