"""Signed LINE webhooks against a running `resbot serve` on loopback.

Starts a fake LINE API (the real SDK client replies to it over HTTP) and
`resbot serve` as a separate process, then sends signed text-message webhooks
with 1, 10 and 50 concurrent senders. Prints requests/s, p50/p99 latency and
the server's CPU per request for each level, whether the target at 10 senders
is met, and checks that no interaction was lost or logged twice (rows in the
interaction log == requests sent). With BENCH_PROFILE=<file> the server runs
under py-spy (pip install py-spy) and writes a raw profile there. Bounded: a
fixed number of requests per level, loopback only; it stops by itself.

    .venv/bin/python bench/webhook.py [--requests 600]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.questions import QUESTIONS  # noqa: E402
from tests.fakes import FakeApi, Served, line_app  # noqa: E402

SECRET = "bench-channel-secret"
TARGET_RATE = 300  # requests/s at 10 concurrent senders (issue: channels)
TARGET_P99_MS = 100


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def body_for(n: int) -> bytes:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": 1763780000000,
        "source": {"type": "user", "userId": f"U{n % 200:032x}"},
        "webhookEventId": f"01BENCH{n:020d}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"reply-{n}",
        "message": {
            "id": str(n),
            "type": "text",
            "quoteToken": "q",
            "text": QUESTIONS[n % len(QUESTIONS)],
        },
    }
    return json.dumps({"destination": "Ubench", "events": [event]}).encode()


def server_cpu(pid: int) -> float | None:
    """CPU seconds the server process used so far (Linux /proc; None elsewhere).

    Per level this tells whether the server or the senders set the pace: the
    senders and the fake LINE API share this machine's cores with the server."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


async def level(url: str, concurrency: int, start: int, count: int) -> tuple[float, float, int]:
    """Send `count` signed webhooks from `concurrency` senders: (req/s, p99 ms, errors)."""
    latencies: list[float] = []
    errors = 0
    queue = list(range(start, start + count))
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                n = queue.pop()
                body = body_for(n)
                t0 = time.perf_counter()
                r = await client.post(url, content=body, headers={"X-Line-Signature": sign(body)})
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    rate = count / elapsed
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"{concurrency:>3} senders: {rate:7.0f} req/s   p50 {p50:6.1f} ms"
        f"   p99 {p99:6.1f} ms   errors {errors}"
    )
    return rate, p99, errors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=600, help="requests per concurrency level")
    args = ap.parse_args()
    api = FakeApi()
    with Served(line_app(api)) as fake, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        port = free_port()
        env = {
            **os.environ,
            "RESBOT_DB": str(db),
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
            "LINE_API_BASE": fake.url,
        }
        cmd = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
        if os.environ.get("BENCH_PROFILE"):
            cmd = ["py-spy", "record", "-o", os.environ["BENCH_PROFILE"], "-f", "raw", "--", *cmd]
        server = subprocess.Popen(
            cmd,
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise SystemExit("resbot serve did not start")
            sent = 0
            asyncio.run(level(base + "/line/webhook", 1, 10**6, 30))  # warm-up
            sent += 30
            figures = {}
            for c in (1, 10, 50):
                before = server_cpu(server.pid)
                figures[c] = asyncio.run(
                    level(base + "/line/webhook", c, sent + 10**6, args.requests)
                )
                sent += args.requests
                after = server_cpu(server.pid)
                if before is not None and after is not None:
                    ms = (after - before) * 1000 / args.requests
                    print(f"     server CPU {ms:.2f} ms per request")
            rate, p99, errors = figures[10]
            met = rate >= TARGET_RATE and p99 < TARGET_P99_MS and not errors
            print(
                f"target at 10 senders (>= {TARGET_RATE} req/s,"
                f" p99 < {TARGET_P99_MS} ms, no errors):",
                "met" if met else "MISSED",
            )
            time.sleep(0.5)
            rows = sqlite3.connect(db).execute("select count(*) from interactions").fetchone()[0]
            replies = len(api.of("/v2/bot/message/reply"))
            print(
                f"requests {sent}, interaction rows {rows}, replies sent {replies}:",
                "no loss, no double count" if rows == sent == replies else "MISMATCH",
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
