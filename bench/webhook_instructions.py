"""Instructions per LINE webhook in `resbot serve`, counted by valgrind's callgrind.

CPU seconds per request (bench/webhook.py) swing by ±5 % from run to run on a
shared machine, more than most single cuts save. The instructions the server
executes per webhook are the same within 0.5 % from run to run: they show what
a change saves, in user space (the kernel's share, e.g. socket calls, is not
counted, nor is the cost of cache misses). The server starts under callgrind with
counting off, is warmed up (200 webhooks: each resident has asked once, so every
counted text has a previous question beside it, as in steady use), then counts
while `--requests` signed text webhooks are sent from one sender; the fake LINE
API answers the replies as in bench/webhook.py. `--novel` makes every text new (no remembered
answer); `--before DIR` also counts a server from another source tree
(`git archive <commit> bot knowledge translations | tar -x -C DIR`).
Needs valgrind (`apt-get install valgrind`); slow: about a minute per server.

    .venv/bin/python bench/webhook_instructions.py [--requests 200] [--novel] [--before DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.serving import SECRET, USERS, Server
from bench.webhook import level
from tests.fakes import FakeApi, Served, line_app


def count(src: Path | None, api_url: str, requests: int, novel: bool) -> float:
    """Millions of instructions per webhook of a server run from `src` (None: this tree)."""
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        env = {
            **os.environ,
            "RESBOT_DB": str(tmp / "bench.sqlite3"),
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
            "LINE_API_BASE": api_url,
        }
        if src is not None:
            env["PYTHONPATH"] = str(src)
        out = tmp / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        cmd += [f"--callgrind-out-file={out}", sys.executable, "-m", "bot.cli", "serve"]
        server = Server(cmd, env, str(tmp))
        try:
            server.wait_ready(timeout=900)
            asyncio.run(level(server, 1, 10**6, USERS))  # lazy parts load, each resident asks once
            control = ["callgrind_control", "-i"]
            subprocess.run([*control, "on", str(server.pid)], check=True, capture_output=True)
            asyncio.run(level(server, 1, 2 * 10**6, requests, novel))
            subprocess.run([*control, "off", str(server.pid)], check=True, capture_output=True)
            dump = ["callgrind_control", "-d", str(server.pid)]
            subprocess.run(dump, check=True, capture_output=True)
        finally:
            server.stop()
        total = 0
        for dumped in tmp.glob("callgrind.out*"):
            for line in dumped.read_text(errors="replace").splitlines():
                if line.startswith("totals:"):
                    total += int(line.split()[1])
        return total / requests / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200, help="counted webhooks per server")
    ap.add_argument("--novel", action="store_true", help="a new text in every request")
    ap.add_argument("--before", type=Path, help="also count resbot from this source tree")
    args = ap.parse_args()
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    api = FakeApi()
    trees: dict[str, Path | None] = {"resbot": None}
    if args.before:
        trees["before"] = args.before
    print("texts:", "each new (--novel)" if args.novel else "repeated, remembered")
    with Served(line_app(api)) as fake:
        figures = {
            name: count(src, fake.url, args.requests, args.novel) for name, src in trees.items()
        }
    for name, millions in figures.items():
        print(f"{name:<8}{millions:8.3f} M instructions per webhook")
    if "before" in figures:
        change = (figures["resbot"] / figures["before"] - 1) * 100
        print(f"resbot vs before: {change:+.1f} %")


if __name__ == "__main__":
    main()
