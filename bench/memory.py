"""Resident memory of `resbot serve`: after start, and through 10,000 mixed requests.

Starts a fake LINE API and `resbot serve` (LINE on) as a separate process and
reads its RSS (/proc, Linux) once it answers /healthz, then sends mixed
requests from 4 senders: signed LINE text webhooks in seven languages, LINE
postbacks (menu, categories, feedback, language) and follows, web chat
questions from 50 browser sessions, /healthz. RSS is read every 2,500
requests; the second half must not grow (target: under 300 MB throughout).
`--before DIR` measures resbot from another source tree in the same run
(servers in turn). `--phases` instead loads resbot step by step in a fresh
interpreter and prints what each step adds (RSS and Python allocations seen
by tracemalloc): imports, knowledge, Japanese tagger, index build, app,
first answer in each language, 1,000 answers.

    .venv/bin/python bench/memory.py [--requests 10000] [--before DIR] [--phases]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.questions import QUESTIONS
from bench.serving import Server, line_body, resbot, rss_mib, sign
from tests.fakes import FakeApi, Served, line_app

TARGET_MIB = 300
POSTBACKS = ["menu", "cat:garbage", "langmenu", "lang:vi", "desk", "fb:1:x", "sub:menu"]
LINE_USERS = 1000  # the per-user rate limit stays out of the way (1 message/s each)


def request_for(n: int) -> tuple[str, bytes, dict[str, str]]:
    """The n-th request of the mix: (path, body, headers); an empty body means GET."""
    kind = n % 20
    text = QUESTIONS[n % len(QUESTIONS)]
    if kind < 12:
        body = line_body(n, text, users=LINE_USERS)
    elif kind < 14:
        body = line_body(n, postback=POSTBACKS[n % len(POSTBACKS)], users=LINE_USERS)
    elif kind == 14:
        body = line_body(n, follow=True, users=LINE_USERS)
    elif kind < 19:
        return (
            "/api/chat",
            json.dumps({"text": text}).encode(),
            {"content-type": "application/json"},
        )
    else:
        return "/healthz", b"", {}
    return "/line/webhook", body, {"X-Line-Signature": sign(body)}


async def drive(server: Server, start: int, count: int, senders: int = 4) -> int:
    """Send requests start..start+count; returns the number of non-2xx answers."""
    errors = 0
    todo = iter(range(start, start + count))
    # 50 browser sessions, each keeps its cookie like a browser would.
    web = [httpx.AsyncClient(timeout=30) for _ in range(50)]
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            for n in todo:
                path, body, headers = request_for(n)
                url = server.base + path
                if not body:
                    r = await client.get(url)
                elif path == "/api/chat":
                    r = await web[n % len(web)].post(url, content=body, headers=headers)
                else:
                    r = await client.post(url, content=body, headers=headers)
                errors += r.status_code >= 300

        await asyncio.gather(*(worker() for _ in range(senders)))
    for c in web:
        await c.aclose()
    return errors


def serve_rss(args: argparse.Namespace) -> None:
    # The 50 browser sessions all come from 127.0.0.1: the per-address limit on new
    # web chats (RESBOT_NEW_CHAT_*) would refuse most of them with 429 and leave
    # ~13% of the mix unanswered. Memory is measured on answered requests.
    os.environ["RESBOT_NEW_CHAT_PER_MINUTE"] = "0"
    api = FakeApi()
    with Served(line_app(api)) as fake, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        servers = {"resbot": resbot(tmp, fake.url)}
        if args.before:
            servers["before"] = resbot(tmp, fake.url, src=args.before, name="before")
        try:
            for s in servers.values():
                s.wait_ready()
            step = args.requests // 4
            rows: dict[str, list[float]] = {n: [rss_mib(s.pid) or 0.0] for n, s in servers.items()}
            errors = dict.fromkeys(servers, 0)
            t0 = time.time()
            for i in range(4):
                for name, s in servers.items():
                    errors[name] += asyncio.run(drive(s, i * step, step))
                    rows[name].append(rss_mib(s.pid) or 0.0)
                api.calls.clear()  # the fake keeps every call; not the server's memory
            marks = [0] + [step * (i + 1) for i in range(4)]
            print(f"RSS MiB after N mixed requests ({time.time() - t0:.0f} s):")
            print(
                f"{'server':<8}"
                + "".join(f"{m:>9}" for m in marks)
                + f"{'2nd half':>10}{'errors':>8}"
            )
            for name, values in rows.items():
                growth = values[4] - values[2]
                print(
                    f"{name:<8}"
                    + "".join(f"{v:>9.0f}" for v in values)
                    + f"{growth:>+10.1f}{errors[name]:>8}"
                )
            for name, s in servers.items():
                mapped = rss_mib(s.pid, "RssFile") or 0.0
                print(
                    f"{name}: of the last RSS, {mapped:.0f} MiB maps files (dictionaries,"
                    " libraries: shared, reclaimable)"
                )
            peak = max(rows["resbot"])
            growth = rows["resbot"][4] - rows["resbot"][2]
            print(
                f"target < {TARGET_MIB} MB:",
                "met" if peak * 1.048576 < TARGET_MIB else f"MISSED (peak {peak:.0f} MiB)",
            )
            # Allocator noise is a few MiB; a leak of 1 KiB per request would be ~5 MiB.
            print(
                "no growth in the second half:",
                "met" if growth < 5 else f"MISSED ({growth:+.1f} MiB)",
            )
        finally:
            for s in servers.values():
                s.stop()


PHASES = r"""
import os, sys, time, tracemalloc
from pathlib import Path
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
tracemalloc.start() if TRACE else None
last = [rss(), 0.0, time.perf_counter()]
def phase(name):
    now = rss()
    traced = tracemalloc.get_traced_memory()[0] / 2**20 if TRACE else 0.0
    secs = time.perf_counter() - last[2]
    print(f"{name:<44}{now - last[0]:>+9.1f}{traced - last[1]:>+10.1f}{now:>9.1f}{secs:>8.2f}")
    last[:] = [now, traced, time.perf_counter()]
print(f"{'phase':<44}{'RSS +MiB':>9}{'traced +MiB':>10}{'RSS MiB':>9}{'s':>8}")
phase("interpreter")
import uvicorn, bot.cli, bot.web.app, bot.channels.line
print("  resbot from", Path(bot.__file__).parent)
phase("imports of resbot serve (web app, LINE channel)")
from bot.core.knowledge import load_knowledge
kb = load_knowledge()
phase("knowledge load")
from bot.core.normalize import japanese_tagger, kakasi
japanese_tagger()("ごみ"); kakasi().convert("ごみ")
phase("Japanese tagger + kakasi (fugashi, pykakasi)")
from bot.core.dialogue import Bot
resident_bot = Bot(kb)
phase("Bot: variants, index, lexicon, garbage data")
import tempfile
from bot.config import load_settings
tmp = tempfile.mkdtemp()
app = bot.web.app.create_app(load_settings(None, db_path=Path(tmp) / "x.sqlite3"), bot=resident_bot)
phase("create_app (store, staff pages, scheduler)")
from bot.core.types import Incoming, Session
from bench.questions import QUESTIONS
for q in QUESTIONS:
    resident_bot.handle(Incoming(kind="text", text=q), Session())
phase("first answer in each language")
for i in range(1000):
    resident_bot.handle(Incoming(kind="text", text=QUESTIONS[i % len(QUESTIONS)]), Session())
phase("1,000 more answers")
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith(("RssAnon:", "RssFile:")):
        print(line.split()[0], f"{int(line.split()[1]) / 1024:.1f} MiB")
"""


def phases(args: argparse.Namespace) -> None:
    """Each tree in a fresh interpreter: phases must not share what the first loaded."""
    repo = Path(__file__).resolve().parents[1]
    trees = [("resbot", repo)] + ([("before", args.before)] if args.before else [])
    for name, src in trees:
        env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{repo}"}
        print(f"== {name} ({src})")
        code = f"TRACE = {bool(args.trace)}\n" + PHASES
        # Not from the repository folder: `-c` puts the working folder first on sys.path.
        with tempfile.TemporaryDirectory() as cwd:
            subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--before", type=Path, help="also measure resbot from this source tree")
    ap.add_argument("--phases", action="store_true", help="RSS by loading phase, in-process")
    ap.add_argument("--trace", action="store_true", help="with --phases: tracemalloc too (slower)")
    args = ap.parse_args()
    phases(args) if args.phases else serve_rss(args)


if __name__ == "__main__":
    main()
