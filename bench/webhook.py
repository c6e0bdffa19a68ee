"""Signed LINE webhooks: a bare Starlette echo app and `resbot serve`, side by side.

Starts a fake LINE API (resbot replies to it over HTTP), the bare
echo app (bench/bare_app.py) and `resbot serve` as separate processes, the last
two on the same uvicorn, then sends signed text-message webhooks with 1 and 10 concurrent
senders to each in turn. Prints, per server and level, requests/s, p50/p99
latency and the server's CPU per request (process CPU seconds / requests, so
load elsewhere on the machine does not count), the resbot/bare ratio, whether
the targets are met (CPU <= 1.0 ms per webhook, p99 < 100 ms at 10 senders),
and checks that no interaction was lost or logged twice (log rows == replies ==
requests). The senders are aiohttp (httpx's pool added hundreds of ms to single
requests at 10 senders), their process runs no cycle collection while a level
runs, and the fake LINE API has a process of its own: each of the three had
been measured as the server's p99 (docs/performance.md, eleventh round).
`--before DIR` also runs resbot from another source tree (e.g.
`git archive <commit> | tar -x -C DIR`) in the same run. The texts cycle through
bench/questions.py, so after the warm-up every answer is one the server remembers
(bot.core.memo); `--novel` makes each text new (the question and its request
number), the cost of a message never seen before. `--pin CPU` also runs the bare
app and resbot bound to that one CPU (`taskset -c CPU`): resbot's two threads then
hand work to each other on one CPU, which shows what the cross-CPU hand-overs
cost (docs/performance.md, twelfth round: a measurement, not advice). With
BENCH_PROFILE=<file> resbot runs under py-spy and writes a raw profile there.
Bounded: a fixed number of requests per level, loopback only; it stops by itself.

    .venv/bin/python bench/webhook.py [--requests 600] [--before DIR] [--senders 1 10 50] [--novel]
                                      [--pin CPU]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.questions import QUESTIONS
from bench.serving import USERS, FakeLine, Server, bare, line_body, resbot, server_cpu, sign

TARGET_CPU_MS = 1.0  # server CPU per LINE text webhook (issue 18)
TARGET_P99_MS = 100  # at 10 senders


@dataclass
class Figures:
    rate: float
    p50: float
    p99: float
    cpu_ms: float
    errors: int


async def level(
    server: Server, concurrency: int, start: int, count: int, novel: bool = False
) -> Figures:
    """Send `count` signed webhooks from `concurrency` senders and time them;
    `novel`: every text differs from all earlier ones (no remembered answer)."""
    url = server.base + "/line/webhook"
    latencies: list[float] = []
    errors = 0
    queue = list(range(start, start + count))
    # aiohttp, not httpx: httpx's pool gave single requests 200-850 ms at 10 senders
    # (p50 16 ms) where the server's own handler never took 50 ms (encode/httpx#3215).
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                n = queue.pop()
                text = QUESTIONS[n % len(QUESTIONS)]
                body = line_body(n, f"{text} {n}" if novel else text)
                headers = {"X-Line-Signature": sign(body)}
                t0 = time.perf_counter()
                async with client.post(url, data=body, headers=headers) as r:
                    await r.read()
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status != 200:
                    errors += 1

        cpu0 = server_cpu(server.pid) or 0.0
        # The senders' own cycle collections would pause all of them at once and
        # count as the server's latency: none while a level runs.
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - t0
        finally:
            gc.enable()
        cpu1 = server_cpu(server.pid) or 0.0
    latencies.sort()
    return Figures(
        rate=count / elapsed,
        p50=statistics.median(latencies),
        p99=latencies[max(0, int(len(latencies) * 0.99) - 1)],
        cpu_ms=(cpu1 - cpu0) * 1000 / count,
        errors=errors,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=600, help="requests per level and server")
    ap.add_argument("--senders", type=int, nargs="+", default=[1, 10])
    ap.add_argument("--before", type=Path, help="also run resbot from this source tree")
    ap.add_argument("--novel", action="store_true", help="a new text in every request")
    ap.add_argument(
        "--pin", type=int, metavar="CPU", help="also run bare and resbot bound to this CPU"
    )
    args = ap.parse_args()
    if args.pin is not None and args.pin not in os.sched_getaffinity(0):
        ap.error(f"--pin {args.pin}: this process may use CPUs {sorted(os.sched_getaffinity(0))}")
    with FakeLine() as fake, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        servers = {"bare": bare(tmp), "resbot": resbot(tmp, fake.url)}
        if args.before:
            servers["before"] = resbot(tmp, fake.url, src=args.before, name="before")
        if args.pin is not None:
            servers[f"bare@{args.pin}"] = bare(tmp, cpu=args.pin)
            servers[f"resbot@{args.pin}"] = resbot(
                tmp, fake.url, name=f"resbot@{args.pin}", cpu=args.pin
            )
        sent = dict.fromkeys(servers, 0)
        try:
            for s in servers.values():
                s.wait_ready()
            for name, s in servers.items():  # warm-up: lazy parts load, each resident asks once
                asyncio.run(level(s, 1, 10**6, USERS))
                sent[name] += USERS
            results: dict[tuple[str, int], Figures] = {}
            for c in args.senders:
                for name, s in servers.items():  # one level at a time, servers in turn
                    results[name, c] = asyncio.run(
                        level(s, c, 2 * 10**6 + sent[name], args.requests, args.novel)
                    )
                    sent[name] += args.requests
            print("texts:", "each new (--novel)" if args.novel else "repeated, remembered")
            print(
                f"{'server':<8}{'senders':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
                f"{'CPU ms/req':>12}{'errors':>8}"
            )
            for (name, c), f in results.items():
                print(
                    f"{name:<8}{c:>8}{f.rate:>9.0f}{f.p50:>9.1f}{f.p99:>9.1f}"
                    f"{f.cpu_ms:>12.2f}{f.errors:>8}"
                )
            for c in args.senders:
                b, r = results["bare", c], results["resbot", c]
                line = (
                    f"ratio resbot/bare at {c:>2} senders: CPU x{r.cpu_ms / b.cpu_ms:.1f},"
                    f" req/s x{r.rate / b.rate:.2f}"
                )
                if "before" in servers:
                    line += f"; before/resbot CPU x{results['before', c].cpu_ms / r.cpu_ms:.1f}"
                if args.pin is not None:
                    p = results[f"resbot@{args.pin}", c]
                    pb = results[f"bare@{args.pin}", c]
                    line += (
                        f"; pinned: resbot/bare CPU x{p.cpu_ms / pb.cpu_ms:.1f},"
                        f" pinned/unpinned resbot CPU x{p.cpu_ms / r.cpu_ms:.2f}"
                    )
                print(line)
            worst_cpu = max(results["resbot", c].cpu_ms for c in args.senders)
            at10 = results.get(("resbot", 10))
            print(
                f"target CPU <= {TARGET_CPU_MS} ms per webhook:",
                "met" if worst_cpu <= TARGET_CPU_MS else f"MISSED ({worst_cpu:.2f} ms)",
            )
            if at10:
                print(
                    f"target p99 < {TARGET_P99_MS} ms at 10 senders, no errors:",
                    "met" if at10.p99 < TARGET_P99_MS and not at10.errors else "MISSED",
                )
            if args.pin is not None:
                worst = max(results[f"resbot@{args.pin}", c].cpu_ms for c in args.senders)
                print(
                    f"resbot bound to CPU {args.pin} (a measurement, not advised: see"
                    f" docs/performance.md): CPU <= {TARGET_CPU_MS} ms per webhook:",
                    "met" if worst <= TARGET_CPU_MS else f"MISSED ({worst:.2f} ms)",
                )
            time.sleep(1.0)  # replies go out after the 200
            replies = fake.replies()
            resbot_names = [n for n in servers if not n.startswith("bare")]
            rows = sum(
                sqlite3.connect(tmp / f"{n}.sqlite3")
                .execute("select count(*) from interactions")
                .fetchone()[0]
                for n in resbot_names
            )
            total = sum(sent[n] for n in resbot_names)
            print(
                f"resbot requests {total}, interaction rows {rows}, replies sent {replies}:",
                "no loss, no double count" if rows == total == replies else "MISMATCH",
            )
        finally:
            for s in servers.values():
                s.stop()


if __name__ == "__main__":
    main()
