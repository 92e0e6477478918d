"""Make docs/images/editor-diagnostic.png, the screenshot of docs/editors.md: a shipped-looking
policy (examples/rohit/rohit.rules with `semi-annually` misspelt) in the Monaco editor, VS Code's
editor in a page, with the diagnostic `lotwise check --json` gives as a marker (the squiggle and,
opened under its line, the message and hint), photographed by headless Chromium.

    cd editors/screenshot && npm ci && python make.py          # writes the PNG
    python make.py --check             # only: does the page load? prints "ready: 1 marker(s)"

The page (index.html, page.js) is served from localhost by this script; Chromium runs with a
fresh profile and no network but that. Not run by CI (a 100 MB editor and a browser); run it
when the language or the message changes, and look at the PNG before committing it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "docs" / "images" / "editor-diagnostic.png"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def policy_with_a_mistake(work: Path) -> Path:
    """rohit.rules, as shipped but for one misspelt word: `due semi-anually or when ...`."""
    text = (ROOT / "examples" / "rohit" / "rohit.rules").read_text(encoding="utf-8")
    assert "due semi-annually" in text
    policy = work / "rohit.rules"
    policy.write_text(text.replace("due semi-annually", "due semi-anually"), encoding="utf-8")
    return policy


def check_json(policy: Path) -> list[dict[str, Any]]:
    """The diagnostics of `lotwise check --json` on `policy`, run as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "engine", "check", "--json", policy.name], cwd=policy.parent,
                          capture_output=True, text=True, env=env, timeout=120)
    found: list[dict[str, Any]] = json.loads(done.stdout)["files"][0]["diagnostics"]
    return found


def page_data(policy: Path) -> dict[str, Any]:
    from engine.policy.highlight import BLOCK_KEYWORDS, FILE_KEYWORDS, duration_units, keywords, months

    return {"file": policy.name, "text": policy.read_text(encoding="utf-8"), "diagnostics": check_json(policy),
            "blocks": [*BLOCK_KEYWORDS, *FILE_KEYWORDS],
            "keywords": sorted(keywords() | set(months()) | set(duration_units()))}


class Handler(SimpleHTTPRequestHandler):
    """The page's files from this folder, and policy.json from memory."""

    data = b"{}"

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/policy.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.data)))
            self.end_headers()
            self.wfile.write(self.data)
        else:
            super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("no chromium on PATH")
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="load the page and print its title; no PNG")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # this checkout's engine, run as a script from anywhere
    if not (HERE / "node_modules" / "monaco-editor").is_dir():
        raise SystemExit("run `npm ci` in editors/screenshot first (monaco-editor)")
    with tempfile.TemporaryDirectory() as work:
        Handler.data = json.dumps(page_data(policy_with_a_mistake(Path(work)))).encode()
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(HERE)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        try:
            if args.check:
                dom = chromium(["--virtual-time-budget=20000", "--dump-dom", url], Path(work) / "profile").stdout
                title = re.search(r"<title>(.*?)</title>", dom)
                print(title.group(1) if title else "no title")
                return
            done = chromium(["--window-size=1160,620", "--virtual-time-budget=20000", f"--screenshot={args.out}",
                             url], Path(work) / "profile")
            if not args.out.is_file():
                raise SystemExit(f"chromium made no screenshot: {done.stderr[-2000:]}")
            print(f"wrote {args.out}")
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
