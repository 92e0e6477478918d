"""casparser's FIFO capital gains vs lotwise's replay + realise + year, on one generated
equity-fund ledger. Run: PYTHONPATH=DIR python bench/casparser_side_by_side.py [N]
(with casparser installed outside the project: pip install --target DIR casparser)

casparser (PyPI, not a lotwise dependency) must be importable; the ledger is the one
tests/tax/test_casparser_crosscheck.py checks (3 equity schemes, here 12 folios each, whole
units, 2016-2026). Each figure is the best of --repeat runs (wall clock, this machine):
  casparser  CapitalGainsReport(cas) (FIFO matching and GainEntry creation, which opens
             casparser-isin's SQLite database once per matched part for the FMV) + get_summary()
  lotwise    replay + realise + compute for every FY
The time to build each side's input (CASData validation; Transaction tuples) is not counted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=20000, help="random transactions to draw")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        from casparser.analysis.gains import CapitalGainsReport
    except ImportError as exc:
        print(f"casparser is not importable ({exc}).\nInstall it outside the project venv and point "
              "PYTHONPATH at it:\n  pip install --target DIR casparser\n"
              "  PYTHONPATH=DIR python bench/casparser_side_by_side.py", file=sys.stderr)
        return 2
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "tax"), str(REPO / "tests")]
    import test_casparser_crosscheck as gen  # the generator and the CAS adapter

    from engine.ledger.fifo import replay
    from engine.policy import check_file
    from engine.tax.realised import realise
    from engine.tax.year import compute

    path = Path(tempfile.mkdtemp()) / "p.rules"
    path.write_text(gen.POLICY, encoding="utf-8")
    policy = check_file(path).policy
    investor = policy.portfolio.investors[0]
    folios = tuple(str(1001 + i) for i in range(12))
    txs = gen.generate(args.n, 1, folios)
    cas = gen.to_cas(txs)
    sells = sum(1 for t in txs if t.type.value == "SELL")

    def run_casparser():
        report = CapitalGainsReport(cas)
        assert not report.errors, report.errors
        return report, report.get_summary()

    def run_lotwise():
        parts, _ = gen.lotwise(policy, txs)  # replay + realise
        years = [compute(parts, policy.tax, investor, fy)[0] for fy in sorted({p.fy for p in parts}) if fy >= 2018]
        return parts, years

    def best(fn):
        times, result = [], None
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        return min(times), result

    t_cas, (report, _) = best(run_casparser)
    t_lw, (parts, years) = best(run_lotwise)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"ledger: {len(txs)} transactions ({sells} redemptions), {len(folios)} folios x {len(gen.SCHEMES)} "
          f"schemes, {txs[0].date}..{txs[-1].date}")
    print(f"casparser FIFO gains : {t_cas:8.3f} s  ({len(report.gains)} gain entries)")
    print(f"lotwise replay+realise+year: {t_lw:8.3f} s  ({len(parts)} realised parts, {len(years)} FYs)")
    print(f"(best of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
