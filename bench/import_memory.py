"""Peak memory and time of `lotwise import` on a large generated transactions CSV (issue 12.7).

    python bench/import_memory.py --mb 100      # a ~100 MB file (about 1.7 million rows)

Runs, each in its own process, as a user would: `lotwise init`, `lotwise import FILE` (the first
import: read, check, write, replay) and the same import again (the file is hashed first and the
book answers "already imported" without parsing). Reports each one's wall time and peak resident
set size, measured by a fresh parent per command with resource.getrusage(RUSAGE_CHILDREN).
Target (issue 12.7): under 500 MB for any file size. Figures go in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
BYTES_PER_ROW = 60  # what bench/book.py's generator writes, on average


def measure(argv: list[str], cwd: Path) -> dict:
    """Wall time and peak RSS of one command, from a fresh parent (RUSAGE_CHILDREN's maximum is
    over all children a process ever waited for, so each command gets its own parent)."""
    probe = ("import json, resource, subprocess, sys, time\n"
             "t = time.perf_counter()\n"
             "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
             "print(json.dumps({'rc': run.returncode, 'seconds': time.perf_counter() - t,\n"
             "                  'peak_kb': peak, 'out': run.stdout[-300:], 'err': run.stderr[-300:]}))\n")
    out = subprocess.run([sys.executable, "-c", probe, *argv], cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=100, help="size of the generated CSV in MB (default 100)")
    args = parser.parse_args()
    from book import generate  # bench/book.py

    rows = int(args.mb * 1_000_000 / BYTES_PER_ROW)
    lotwise = [sys.executable, "-m", "engine"]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        policy, transactions, _ = generate(rows, directory)
        size = transactions.stat().st_size
        print(f"{rows:,} rows, {size / 1e6:.1f} MB")
        steps = [("init", [*lotwise, "init", "--policy", str(policy), "--book", "b.db"]),
                 ("import", [*lotwise, "import", "--book", "b.db", str(transactions)]),
                 ("import again", [*lotwise, "import", "--book", "b.db", str(transactions)])]
        worst = 0
        for name, argv in steps:
            r = measure(argv, directory)
            worst = max(worst, r["peak_kb"]) if name != "init" else worst
            status = "ok" if r["rc"] == 0 else f"exit {r['rc']}: {r['err'].strip()}"
            print(f"{name:>13}: {r['seconds']:7.1f} s, peak RSS {r['peak_kb'] / 1024:7.0f} MB  {status}")
        print(f"peak of the imports: {worst / 1024:.0f} MB (target < 500 MB): {'met' if worst < 500 * 1024 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
