"""Checking a large policy with mistakes in it (issue 18: recovery inside blocks).
Run: python bench/policy_errors.py [--repeat N]

bench/run.py times the generated 5,000-line policy when it is valid; this times the same policy
with mistakes in it, where the parser recovers (engine/policy/parser.py) instead of Lark's own
loop: one mistake in its last lines, one in its first asset, a misspelt `portfolo` header with 20
mistakes in the block's body, and 20 names in curly quotes. For each: `parse_text` (the syntax)
and `check_file` (also india.rules, the AST and, when the syntax is right, the meaning), the best
of N runs in CPU time (time.process_time: steadier than wall clock on a shared machine), and the
errors found. Figures are recorded by hand in docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "bench")]


def cpu_best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def cases() -> dict[str, str]:
    from run import generated_policy  # bench/run.py

    lines = generated_policy(5000).split("\n")  # line 4 is the first asset, then one every 5 lines

    def changed(edits: dict[int, tuple[str, str]]) -> str:
        out = lines.copy()
        for i, (old, new) in edits.items():
            assert old in out[i], (i, out[i])
            out[i] = out[i].replace(old, new, 1)
        return "\n".join(out)

    body = {4 + 240 * k: ("% band", " band") for k in range(20)}  # `asset "Asset 0" 0.10 band`: P110
    return {
        "valid": "\n".join(lines),
        "one error in the last lines": changed({len(lines) - 3: ("1%", "1")}),
        "one error in the first asset": changed({4: ("% band", " band")}),
        "portfolo + 20 errors": changed({2: ("portfolio", "portfolo"), **body}),
        "20 curly-quoted names": changed({i: ('asset "', "asset “") for i in body}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    from engine.policy import check_file
    from engine.policy.parser import parse_text

    check_file(REPO / "rules" / "india.rules")  # the grammar built once, as a long-running process would
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.rules"
        for name, text in cases().items():
            path.write_text(text, encoding="utf-8")
            errors = sum(d.is_error for d in check_file(path).diagnostics)
            parse = cpu_best(lambda: parse_text(text, "generated.rules"), args.repeat)
            check = cpu_best(lambda: check_file(path), args.repeat)
            print(f"{name:<30} parse_text {parse * 1000:7.1f} ms   check_file {check * 1000:7.1f} ms   "
                  f"errors {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
