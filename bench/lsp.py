"""Benchmark of `lotwise lsp` (issue 18 item 3). Run: python bench/lsp.py [--lines N] [--repeat R]

A generated policy of about --lines lines (default 5,000: `use "india"`, 2 investors, N/4 assets and a
fund for each with its expense ratio and exit load, all valid) is opened in a real server process
(`python -m engine lsp`, spoken to over stdio by pygls's client); then --repeat times (default 15) one
number is changed (the first fund's expense ratio, alternately 0.2% and 0.3%) and the wall time from
sending the didChange to receiving its publishDiagnostics is measured. Printed: the median, the fastest and
the slowest, in milliseconds, and for comparison the checker's own time on the same text in this process
(engine.policy.check_file with the text as overlay; the server's debounce is 30 ms of the figure). The target
is a median under 300 ms. Figures are recorded by hand in docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory


def policy_text(lines: int) -> str:
    """About `lines` lines: 4 a fund (asset, fund, expense ratio, exit load), targets adding to 100%."""
    count = max(1, (lines - 6) // 4)
    share = (Decimal(100) / count).quantize(Decimal("0.0001"))
    out = ['use "india"', "", 'portfolio "Bench" {', '    investor asha "Asha Sharma"', '    investor ravi "Ravi Sharma"']
    for i in range(count):
        target = share if i < count - 1 else Decimal(100) - share * (count - 1)
        out.append(f'    asset "Asset {i}" {target}% class equity')
    for i in range(count):
        out += [f'    fund F{i:06d} "Fund {i}" holds "Asset {i}"', "        expense ratio 0.2%",
                "        exit load 1% within 365 days"]
    out.append("}")
    return "\n".join(out) + "\n"


async def measure(text: str, repeat: int) -> list[float]:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    await client.start_io(sys.executable, "-m", "engine", "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    with TemporaryDirectory() as folder:
        uri = (Path(folder) / "bench.rules").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="lotwise", version=1, text=text)))
        first = await published.get()
        assert not [d for d in first.diagnostics if d.severity == types.DiagnosticSeverity.Error], first.diagnostics
        times = []
        for version in range(2, repeat + 2):
            changed = text.replace("expense ratio 0.2%", "expense ratio 0.3%", 1) if version % 2 else text
            start = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=changed)]))
            while (await published.get()).version != version:
                pass
            times.append((time.perf_counter() - start) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def checker_ms(text: str, repeat: int) -> tuple[float, float]:
    """The median wall and CPU milliseconds of check_file (CPU time: less moved by other processes)."""
    from engine.policy import check_file

    path = Path("bench.rules").resolve()
    check_file(path, overlay={path: text})  # warm-up: the grammar, india.rules' first read
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        check_file(path, overlay={path: text})
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    text = policy_text(args.lines)
    times = asyncio.run(measure(text, args.repeat))
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"{text.count(chr(10))} lines, {len(text)} characters")
    print(f"didChange -> publishDiagnostics: median {statistics.median(times):.0f} ms, "
          f"fastest {min(times):.0f} ms, slowest {max(times):.0f} ms ({len(times)} changes)")
    wall, cpu = checker_ms(text, 9)
    print(f"the checker alone (check_file, in this process): median {wall:.0f} ms wall, {cpu:.0f} ms CPU; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
