"""bench/faults.py --quick (issue 12): a few kill -9s of `import`, `plan year-end`, `plan
month`, `rebalance --record` and `fmt`, each checked (the book whole, the import all or
nothing, the commands after it clean, the policy the old or the new bytes). The large run and
its figures: docs/reliability.md, "Kill and fault runs"."""

import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow  # kill -9 of running commands (bench/faults.py --quick)


def test_the_quick_fault_run_holds():
    done = subprocess.run([sys.executable, str(REPO / "bench" / "faults.py"), "--quick"], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "everything held" in done.stdout
    for fault in ("import of 2,000 rows", "plan year-end", "plan month", "rebalance --record", "fmt of a 1 MB policy"):
        assert fault in done.stdout
