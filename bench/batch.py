"""Benchmark of a year-end over many small clients (issue 17 item 4). Run: python bench/batch.py
[--clients N] [--engines pool1,pool2,cli1,cli2,ray,dask] [--dir D] [--quick]

Generates N (default 10,000) client folders under a temporary directory (or --dir, kept and reused when
it already holds them), each a different small book: one investor, one or two funds (of 12), a monthly
SIP of each from a month drawn between April 2021 and March 2024 to February 2026 (a few dozen purchases),
a sale of part of the units in July 2025 for one client in three, the price on each purchase a random walk
and the price on 19 March 2026 drawn from 0.75 to 1.15 times the last one, so that some clients hold losses
and some gains; each client's own seeded random numbers (random.Random(k)), so the folders are the same
on every run. The books are written through the API (an empty book made by create_book, copied, and
the client's CSVs imported with import_files), on every core (about 0.025 s a client, wall, on 2 cores).

Then, for each engine, in a process of its own (for its peak memory): the year-end of every client, saved
in its book, as `lotwise plan year-end` does it (load_policy, open_book with Access.OWN, plan_year_end
with save): `pool1` and `pool2` the pool engine of `lotwise batch` (engine/batch/engines.py PoolEngine:
concurrent.futures) of 1 and 2 worker processes; `cli1` and `cli2` the whole command as an adviser runs it,
`lotwise batch plan year-end --manifest M --jobs 1|2` (start-up, the manifest and the summary included); `ray`
and `dask` the engines of `lotwise batch --engine` in their local modes (engine/batch/engine_ray.py,
engine_dask.py; their extras installed). The jobs go to Ray and Dask in slices (engine/batch/batches.py), to
the pool in chunks (engines.py chunk_size), as `lotwise batch` sends them. Each engine plans on a day of its
own (20, 23, 24, 25, 26, 27 March 2026), so that each run writes
its plans as a first run does. Reported: the wall time of the whole run (start-up of the workers and the
cluster included), the time per client (wall / N), the median work of one client inside its worker
(policy read and checked, book opened, plan made and saved; the worker's imports paid by its first
client only) and its CPU time (which a busy machine's waits do not inflate), how busy the workers were
(the clients' work added up / (wall x workers): below 100% is the engine's overhead and idle workers), the
time the engine takes to start and stop with no job, the speed-up against pool1, and the peak memory of the run (the resident sets of the
process and all its descendants added up, sampled every 0.2 s with psutil, which Ray and Dask bring;
without psutil the largest single process, from getrusage).
`--quick` (a smoke test, a few seconds): 20 clients, the pool only.
Figures are recorded by hand in docs/performance.md with the machine and date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
FUNDS = [f"INF{900 + i:06d}01B0" for i in range(12)]
PRICED = date(2026, 3, 19)
DAYS = {"pool1": date(2026, 3, 20), "pool2": date(2026, 3, 23), "ray": date(2026, 3, 24),
        "dask": date(2026, 3, 25), "cli1": date(2026, 3, 26), "cli2": date(2026, 3, 27)}


@dataclass(frozen=True)
class Client:
    name: str
    folder: str
    as_of: str


@dataclass(frozen=True)
class Done:
    name: str
    status: str  # "ok", or the refusal's code
    plan: str
    seconds: float  # the client's work in its worker, wall clock
    cpu: float  # and the worker's CPU time for it (time.process_time: not the waits for a busy core)


def client_files(k: int) -> tuple[str, str, str]:
    """Client k's policy, transactions and prices (CSV texts), from random.Random(k)."""
    rng = random.Random(k)
    funds = rng.sample(FUNDS, rng.choice((1, 2)))
    lines = ['use "india"', 'use "perpetual"', f'portfolio "Client {k}" {{', f'    investor client "Client {k}"']
    shares = ["100%"] if len(funds) == 1 else ["60%", "40%"]
    lines += [f'    asset "A{i}" {s} band 5% class equity' for i, s in enumerate(shares)]
    lines += [f'    fund {f} "Fund {f}" holds "A{i}"' for i, f in enumerate(funds)]
    policy = "\n".join(lines + ["}"]) + "\n"
    txs = ["date,investor,account,security,type,units,price,charges"]
    prices = ["date,security,price"]
    for fund in funds:
        first = rng.randrange(2021 * 12 + 3, 2024 * 12 + 3)  # April 2021 .. March 2024
        price = rng.uniform(20, 400)
        held = 0.0
        for month in range(first, 2026 * 12 + 2):  # .. February 2026
            year, m = divmod(month, 12)
            day = date(year, m + 1, 5)
            price *= rng.uniform(0.94, 1.07)
            units = round(rng.uniform(2000, 10000) / price, 3)
            held += units
            txs.append(f"{day},client,F-{k},{fund},BUY,{units:.3f},{price:.4f},0")
            prices.append(f"{day},{fund},{price:.4f}")
            if day == date(2025, 7, 5) and k % 3 == 0:
                sold = round(held * 0.3, 3)
                held -= sold
                txs.append(f"2025-07-07,client,F-{k},{fund},SELL,{sold:.3f},{price:.4f},0")
                prices.append(f"2025-07-07,{fund},{price:.4f}")
        prices.append(f"{PRICED},{fund},{price * rng.uniform(0.75, 1.15):.4f}")
    return policy, "\n".join(txs) + "\n", "\n".join(sorted(set(prices[1:]))).join([prices[0] + "\n", "\n"])


POLICIES: dict[tuple[str, ...], object] = {}  # a worker's policies by fund set, for the imports


def make_client(k: int, root: str, template: str) -> str:
    """Client k's folder under `root`: its policy and CSVs, and its book: a copy of the empty book
    `template` (made once by create_book), the CSVs imported through the API with a policy of the same
    funds (only the funds and the investor matter to an import: one read per fund set and worker)."""
    import shutil

    from engine import api

    folder = Path(root) / f"c{k:05d}"
    folder.mkdir(parents=True, exist_ok=True)
    policy, txs, prices = client_files(k)
    for name, text in (("policy.rules", policy), ("transactions.csv", txs), ("prices.csv", prices)):
        (folder / name).write_text(text, encoding="utf-8")
    funds = tuple(line.split()[1] for line in policy.splitlines() if line.lstrip().startswith("fund "))
    if funds not in POLICIES:
        POLICIES[funds] = api.load_policy(folder / "policy.rules").policy
    shutil.copyfile(template, folder / "book.tmp")
    with api.open_book(folder / "book.tmp", access=api.Access.OWN) as book:
        outcome = api.import_files(book, [str(folder / "transactions.csv"), str(folder / "prices.csv")],
                                   POLICIES[funds])  # type: ignore[arg-type]
    assert outcome.ok, outcome
    (folder / "book.tmp").rename(folder / "book.db")  # only a whole book is one
    return folder.name


def generate(root: Path, clients: int) -> float:
    """The missing client folders made on every core; seconds taken."""
    from engine import api

    start = time.perf_counter()
    template = root / "empty.db"
    if not template.exists():
        api.create_book(template)
    missing = [k for k in range(clients) if not (root / f"c{k:05d}" / "book.db").exists()]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        for _ in pool.map(make_client, missing, [str(root)] * len(missing), [str(template)] * len(missing),
                          chunksize=50):
            pass
    return time.perf_counter() - start


def year_end(client: Client) -> Done:
    """One client's year-end, saved in its book, as `lotwise plan year-end` does it."""
    from engine import api

    start, cpu = time.perf_counter(), time.process_time()

    def done(status: str, plan: str = "") -> Done:
        return Done(client.name, status, plan, time.perf_counter() - start, time.process_time() - cpu)

    folder = Path(client.folder)
    try:
        loaded = api.load_policy(folder / "policy.rules")
        if loaded.policy is None:
            return done("policy")
        with api.open_book(folder / "book.db", access=api.Access.OWN) as book:
            made = api.plan_year_end(book, loaded.policy, date.fromisoformat(client.as_of), save=True,
                                     policy_texts=loaded.sources)
        return done("ok", made.plan_id)
    except api.Refused as e:
        return done(e.code or "refused")


def peak_sampler() -> tuple[Callable[[], float], threading.Event]:
    """A thread sampling the resident memory of this process and its descendants: (peak MiB, stop)."""
    stop = threading.Event()
    peak = [0.0]
    try:
        import psutil
    except ImportError:
        import resource

        return (lambda: max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024), stop
    me = psutil.Process()

    def sample() -> None:
        while not stop.wait(0.2):
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            peak[0] = max(peak[0], total / 2**20)

    threading.Thread(target=sample, daemon=True).start()
    return (lambda: peak[0]), stop


def measure(name: str, root: Path, clients: int) -> dict[str, object]:
    """One engine's run over the clients (in this process, started for it)."""
    import batch  # this file by its module name, so that workers find `year_end` by name

    sys.path.insert(0, str(REPO))
    jobs = [batch.Client(f"c{k:05d}", str(root / f"c{k:05d}"), DAYS[name].isoformat()) for k in range(clients)]
    if name.startswith("pool"):
        from engine.batch.engines import PoolEngine

        engine: Any = PoolEngine(int(name[4:]))
        workers = int(name[4:])
    elif name == "ray":
        from engine.batch.engine_ray import RayEngine

        engine, workers = RayEngine(), os.cpu_count() or 1
    else:
        from engine.batch.engine_dask import DaskEngine

        engine, workers = DaskEngine(), os.cpu_count() or 1
    start = time.perf_counter()
    engine.run(batch.year_end, [], None)  # the engine started and stopped with no job: its own overhead
    empty = time.perf_counter() - start
    peak, stop = peak_sampler()
    start = time.perf_counter()
    outcomes = engine.run(batch.year_end, jobs, None)
    wall = time.perf_counter() - start
    stop.set()
    statuses: dict[str, int] = {}
    for o in outcomes:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    assert [o.name for o in outcomes] == [j.name for j in jobs]
    return {"engine": name, "wall": wall, "per_client": wall / clients,
            "work_median": statistics.median(o.seconds for o in outcomes),
            "work_mean": statistics.fmean(o.seconds for o in outcomes), "statuses": statuses, "peak_mib": peak(),
            "cpu_median": statistics.median(o.cpu for o in outcomes), "empty": empty,
            "busy": sum(o.seconds for o in outcomes) / wall / workers,
            "plans": len({o.plan for o in outcomes if o.plan})}


def measure_cli(name: str, root: Path, clients: int) -> dict[str, object]:
    """The whole command as an adviser runs it, `lotwise batch plan year-end --manifest M --jobs N`
    (cli1, cli2), in a process of its own: its wall time (start-up, the manifest, the summary and
    its CSV included) and the CPU of it and its workers (RUSAGE_CHILDREN: reaped descendants)."""
    import csv
    import resource

    manifest = root / f"{name}.toml"
    manifest.write_text("".join(f'[c{k:05d}]\nbook = "c{k:05d}/book.db"\npolicy = "c{k:05d}/policy.rules"\n'
                                for k in range(clients)))
    summary = root / f"{name}.csv"
    peak, stop = peak_sampler()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "engine", "batch", "plan", "year-end", "--manifest", str(manifest),
                           "--as-of", DAYS[name].isoformat(), "--jobs", name[3:], "--csv", str(summary)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stop.set()
    if done.returncode not in (0, 1):
        raise SystemExit(f"{name}: lotwise batch exited {done.returncode}\n{done.stderr[-3000:]}")
    rows = [r for r in csv.DictReader(summary.open()) if r["client"] != "total"]
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"engine": name, "wall": wall, "per_client": wall / clients, "cpu_per_client": cpu / clients,
            "statuses": statuses, "peak_mib": peak(), "plans": len({r["plan_id"] for r in rows if r["plan_id"]})}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--engines", default="pool1,pool2,cli1,cli2,ray,dask")
    parser.add_argument("--dir", type=Path, help="the clients' folders (kept; made when missing)")
    parser.add_argument("--quick", action="store_true", help="20 clients, the pool only")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # one engine's run, in a process of its own
    args = parser.parse_args()
    if args.measure:
        how = measure_cli if args.measure.startswith("cli") else measure
        print(json.dumps(how(args.measure, args.dir, args.clients)))
        return 0
    clients, engines = (20, ["pool1", "pool2"]) if args.quick else (args.clients, args.engines.split(","))
    paths = [str(HERE), str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}  # the workers find `batch` and the engine by name
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(REPO))
        made = generate(root, clients)
        print(f"lotwise bench (batch): Python {platform.python_version()}, {platform.machine()}, "
              f"{os.cpu_count()} cores; {clients:,} clients (made in {made:.1f} s)")
        results = {}
        for name in engines:
            done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", name, "--dir", str(root),
                                   "--clients", str(clients)], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{name}: failed\n{done.stderr[-3000:]}")
                return 1
            results[name] = r = json.loads(done.stdout.strip().splitlines()[-1])
            first = "cli1" if name.startswith("cli") else "pool1"
            speed = (f", speed-up {results[first]['wall'] / r['wall']:.2f}x" if first in results else "")
            if name.startswith("cli"):
                print(f"{name} (lotwise batch --jobs {name[3:]}): {r['wall']:.1f} s, {r['per_client'] * 1000:.1f} ms "
                      f"a client{speed}; CPU {r['cpu_per_client'] * 1000:.1f} ms a client (all processes); "
                      f"peak memory {r['peak_mib']:.0f} MiB; {r['statuses']}, {r['plans']:,} plans")
                continue
            print(f"{name}: {r['wall']:.1f} s, {r['per_client'] * 1000:.1f} ms a client{speed}; one client's work: "
                  f"median {r['work_median'] * 1000:.1f} ms, mean {r['work_mean'] * 1000:.1f} ms, median CPU "
                  f"{r['cpu_median'] * 1000:.1f} ms; workers busy {r['busy']:.0%} of the run; with no job "
                  f"{r['empty']:.1f} s; "
                  f"peak memory {r['peak_mib']:.0f} MiB; {r['statuses']}, {r['plans']:,} plans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
