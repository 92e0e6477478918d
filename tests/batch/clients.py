"""Client folders for the batch tests, made from the examples as an adviser makes them: a folder
per client, `lotwise init --policy` and `lotwise import` run in it (a new process each), plus two
broken clients: `bad-policy` (its policy edited after init: a syntax error on line 1) and
`corrupt-book` (lotwise.db is random bytes)."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DAY = "2025-03-28"  # FY 2024-25; every example has prices up to it (multi-year's only price day)

SOURCES = {
    "family": ("family", "family.rules", ("transactions.csv", "prices.csv", "fmv.csv")),
    "multi-year": ("multi-year", "meera.rules", ("transactions.csv", "prices.csv", "fmv.csv", "losses.csv")),
    "rohit": ("rohit", "rohit.rules", ("transactions.csv", "prices.csv")),
    "five-stocks": ("five-stocks", "five-stocks.rules", ("transactions.csv", "prices.csv")),
    "bad-policy": ("rohit", "rohit.rules", ("transactions.csv", "prices.csv")),
}


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=folder, capture_output=True, text=True)


def make_clients(root: Path, names: tuple[str, ...]) -> Path:
    """root/clients with a folder per name (SOURCES, or `corrupt-book`)."""
    clients = root / "clients"
    for name in names:
        folder = clients / name
        folder.mkdir(parents=True)
        if name == "corrupt-book":
            (folder / "lotwise.db").write_bytes(bytes(range(256)) * 16)
            continue
        example, policy, files = SOURCES[name]
        shutil.copy(EXAMPLES / example / policy, folder / policy)
        assert run(folder, "init", "--policy", policy).returncode == 0
        done = run(folder, "import", *[str(EXAMPLES / example / f) for f in files])
        assert done.returncode == 0, done.stderr
        if name == "bad-policy":
            text = (folder / policy).read_text()
            (folder / policy).write_text("oops\n" + text)
    return clients
