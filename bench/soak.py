"""Soak and burst test: a real `resbot serve` under a steady mixed load on loopback.

Starts a fake LINE + Telegram API (a separate process that counts the replies)
and `resbot serve` (a separate process), then sends, open-loop at `--rate`
events/s for `--duration` seconds, a mix of signed LINE webhooks, Telegram
updates (with the secret header) and web-chat API calls in seven languages,
with a `--burst-factor`x burst for `--burst` seconds in the middle. A sample of
LINE and Telegram events is sent again as a redelivery (same event id).

Prints throughput, p50/p99 latency (steady and burst), errors, the server's
RSS memory over time (/proc/<pid>/status VmRSS), and checks the books: every
accepted event is exactly one interaction-log row, no row without an event,
no redelivery answered or counted. Bounded: at most `--max-inflight` requests
at once (events over that are shed and counted, never queued), every request
times out, the run stops by itself after duration + drain.

    .venv/bin/python bench/soak.py [--duration 600] [--rate 200] [--hang 0.05] [--check]
                                   [--pin CPU]

With --pin CPU the server starts bound to that CPU (`taskset -c CPU`); the senders
and the fake APIs are not bound. A measurement, not advice: bound, the server's
Telegram sends timed out under this mixed load (docs/performance.md, twelfth round).

With --hang 0.05 the fake LINE API sits on 5% of its calls for --hang-seconds
(30, longer than the server's 10 s API timeout): the webhook must still answer at
once, every answered LINE event must still get exactly one reply call, and no row
may stay `owed` (bench/soak.py checks both).

With --check the exit status is 1 only when an event was lost or counted
twice, a redelivery was answered, or the server died (not on latency, which
depends on the machine's other load).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.questions import QUESTIONS  # noqa: E402
from bot.channels.webchat import sign_sid  # noqa: E402

LINE_SECRET = "soak-line-channel-secret"
TG_TOKEN = "123456:SOAK-TOKEN"
TG_SECRET = "soak-telegram-secret"
SECRET_KEY = "soak-secret-key"
LANG_CODES = ["vi", "pt", "es", "tl", "en", "zh", "ja"]
POSTBACKS = ["menu", "langmenu", "cat:garbage", "cat:disaster"]
CHANNELS = ("line", "telegram", "web")


# ---------------------------------------------------------------- fake platforms
def fake_api_app(hang: float = 0.0, hang_seconds: float = 30.0) -> Any:
    """A raw ASGI fake of the LINE and Telegram APIs that only counts what it gets.

    `hang`: the share of LINE calls (replies, profiles) that are counted, then
    answered only after `hang_seconds`, longer than the server's API timeout."""
    replies: Counter[str] = Counter()  # LINE reply token -> reply calls
    hung = Counter[str]()
    rng = random.Random(2)
    sends = Counter[str]()
    message_id = iter(range(1, 10**12))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].replace(".startup", ".startup.complete")
                await send({"type": kind.replace(".shutdown", ".shutdown.complete")})
                if message["type"] == "lifespan.shutdown":
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path: str = scope["path"]
        out: Any = {}
        if path == "/_stats":
            out = {
                "line_replies": sum(replies.values()),
                "line_tokens": len(replies),
                "line_twice": sum(1 for n in replies.values() if n > 1),
                "tg_sends": sends["sendMessage"],
                "line_hung": hung["line"],
            }
        elif path == "/_tokens":
            out = {"tokens": list(replies)}
        elif path.startswith("/line/"):
            if hang and rng.random() < hang:
                hung["line"] += 1
                if path.endswith("/message/reply"):
                    replies[json.loads(body).get("replyToken", "")] += 1
                try:
                    await asyncio.sleep(hang_seconds)  # the server gave up long before
                except asyncio.CancelledError:  # the fake API shutting down: no traceback
                    return
                path = "/hung"
            if path.endswith("/message/reply"):
                data = json.loads(body)
                replies[data.get("replyToken", "")] += 1
                out = {"sentMessages": [{"id": "m", "quoteToken": "q"}]}
            elif "/profile/" in path:
                out = {"userId": path.rsplit("/", 1)[1], "displayName": "R", "language": "en"}
        elif path.startswith("/tg/"):
            method = path.rsplit("/", 1)[1]
            sends[method] += 1
            result: Any = True
            if method == "getMe":
                result = {"id": 1, "is_bot": True, "first_name": "soak", "username": "soak_bot"}
            elif method == "sendMessage":
                form = dict(parse_qsl(body.decode()))
                result = {
                    "message_id": next(message_id),
                    "date": int(time.time()),
                    "chat": {"id": int(form.get("chat_id", 0)), "type": "private"},
                    "text": form.get("text", ""),
                }
            out = {"ok": True, "result": result}
        raw = json.dumps(out).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": raw})

    return app


def run_fake_api(port: int, hang: float, hang_seconds: float) -> None:
    import uvicorn

    app = fake_api_app(hang, hang_seconds)
    uvicorn.run(  # a hung call is not waited for at shutdown
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )


# ---------------------------------------------------------------- events
def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def line_event(n: int, user: int, text: str, redelivery: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": f"U{user:032x}"},
        "webhookEventId": f"01SOAK{n:020d}",
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": f"soak-reply-{n}",
    }
    if text in POSTBACKS:
        event.update(type="postback", postback={"data": text})
    else:
        event.update(type="message", message={"id": str(n), "type": "text", "text": text})
        event["message"]["quoteToken"] = "q"
    return event


def tg_update(n: int, user: int, text: str) -> dict[str, Any]:
    who = {"id": 10_000 + user, "is_bot": False, "first_name": "R"}
    who["language_code"] = LANG_CODES[user % len(LANG_CODES)]
    chat = {"id": 10_000 + user, "type": "private"}
    if text in POSTBACKS:
        message = {"message_id": n, "date": int(time.time()), "chat": chat, "text": "menu"}
        query = {"id": str(n), "from": who, "chat_instance": "c", "data": text, "message": message}
        message["from"] = {"id": 1, "is_bot": True, "first_name": "soak"}
        return {"update_id": n, "callback_query": query}
    message = {"message_id": n, "date": int(time.time()), "chat": chat, "from": who, "text": text}
    return {"update_id": n, "message": message}


@dataclass
class Books:
    """What the driver saw: accepted event ids per channel, latencies, errors."""

    accepted: dict[str, set[str]] = field(
        default_factory=lambda: {"line": set(), "telegram": set()}
    )
    web_accepted: int = 0
    uncertain: set[str] = field(default_factory=set)  # errored: may or may not be logged
    web_uncertain: int = 0
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"steady": [], "burst": [], "warm-up": []}
    )
    errors: Counter[str] = field(default_factory=Counter)
    shed: int = 0
    redelivered: int = 0
    redelivery_errors: int = 0
    inflight: int = 0
    by_channel: dict[str, list[float]] = field(
        default_factory=lambda: {"line": [], "telegram": [], "web": []}
    )


class Driver:
    def __init__(self, base: str, args: argparse.Namespace, books: Books) -> None:
        self.base = base
        self.args = args
        self.books = books
        self.rng = random.Random(5374)
        self._client: aiohttp.ClientSession | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.mix = [c for c, w in zip(CHANNELS, args.mix, strict=True) for _ in range(w)]

    @property
    def client(self) -> aiohttp.ClientSession:
        # aiohttp (not httpx) drives the load: httpx's pool costs more CPU per request
        # than the server under test at a few hundred requests a second.
        if self._client is None:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.args.max_inflight),
                timeout=aiohttp.ClientTimeout(total=self.args.timeout),
            )
        return self._client

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        t0 = time.perf_counter()
        try:
            async with self.client.post(self.base + path, data=body, headers=headers) as res:
                await res.read()
                status = res.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            status = -1
            self.books.errors[type(exc).__name__] += 1
        return status, (time.perf_counter() - t0) * 1000

    async def one(self, n: int, phase: str) -> None:
        books = self.books
        books.inflight += 1
        try:
            channel = self.mix[n % len(self.mix)]
            text = QUESTIONS[n % len(QUESTIONS)]
            if n % 9 == 0:
                text = POSTBACKS[n % len(POSTBACKS)]
            await {"line": self.line, "telegram": self.telegram, "web": self.web}[channel](
                n, phase, text
            )
        finally:
            books.inflight -= 1

    def record(self, phase: str, channel: str, status: int, ms: float) -> bool:
        self.books.latencies[phase].append(ms)
        if phase != "warm-up":
            self.books.by_channel[channel].append(ms)
        if status != 200:
            self.books.errors[f"HTTP {status}" if status > 0 else "no response"] += 1
        return status == 200

    async def line(self, n: int, phase: str, text: str) -> None:
        user = self.rng.randrange(self.args.users)
        body = json.dumps({"destination": "Usoak", "events": [line_event(n, user, text)]})
        status, ms = await self.post(
            "/line/webhook", body.encode(), {"X-Line-Signature": sign(body.encode())}
        )
        event_id = f"01SOAK{n:020d}"
        if not self.record(phase, "line", status, ms):
            self.books.uncertain.add(event_id)
            return
        self.books.accepted["line"].add(event_id)
        if self.rng.random() < self.args.redeliver:
            await asyncio.sleep(self.rng.uniform(0.2, 2.0))
            again = json.dumps(
                {"destination": "Usoak", "events": [line_event(n, user, text, True)]}
            )
            status, _ = await self.post(
                "/line/webhook", again.encode(), {"X-Line-Signature": sign(again.encode())}
            )
            self.books.redelivered += 1
            self.books.redelivery_errors += status != 200

    async def telegram(self, n: int, phase: str, text: str) -> None:
        user = self.rng.randrange(self.args.users)
        body = json.dumps(tg_update(n, user, text)).encode()
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET, "Content-Type": "application/json"}
        status, ms = await self.post("/telegram/webhook", body, headers)
        event_id = f"tg:{n}"
        if not self.record(phase, "telegram", status, ms):
            self.books.uncertain.add(event_id)
            return
        self.books.accepted["telegram"].add(event_id)
        if self.rng.random() < self.args.redeliver:
            await asyncio.sleep(self.rng.uniform(0.2, 2.0))
            status, _ = await self.post("/telegram/webhook", body, headers)
            self.books.redelivered += 1
            self.books.redelivery_errors += status != 200

    async def web(self, n: int, phase: str, text: str) -> None:
        user = self.rng.randrange(self.args.users)
        payload = {"postback": text} if text in POSTBACKS else {"text": text}
        sid = sign_sid(SECRET_KEY.encode(), f"soak{user:020d}")  # as the server signs it
        headers = {"Content-Type": "application/json", "Cookie": f"resbot_sid={sid}"}
        status, ms = await self.post("/api/chat", json.dumps(payload).encode(), headers)
        if self.record(phase, "web", status, ms):
            self.books.web_accepted += 1
        else:
            self.books.web_uncertain += 1

    def spawn(self, n: int, phase: str) -> None:
        if self.books.inflight >= self.args.max_inflight:
            self.books.shed += 1
            return
        task = asyncio.create_task(self.one(n, phase))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def warm_up(self, count: int) -> None:
        for start in range(0, count, 20):
            await asyncio.gather(
                *(self.one(10**9 + n, "warm-up") for n in range(start, start + 20))
            )

    async def run(self, rss: RssSampler) -> float:
        """Open-loop load; returns the load phase's wall time."""
        args = self.args
        loop = asyncio.get_running_loop()
        mid = args.duration / 2
        b0, b1 = mid - args.burst / 2, mid + args.burst / 2
        t0 = loop.time()
        n = 0
        while (elapsed := loop.time() - t0) < args.duration:
            overlap = max(0.0, min(elapsed, b1) - b0)
            due = args.rate * elapsed + (args.burst_factor - 1) * args.rate * overlap
            phase = "burst" if b0 <= elapsed < b1 else "steady"
            while n < due:
                self.spawn(n, phase)
                n += 1
            rss.maybe_sample(elapsed)
            await asyncio.sleep(0.002)
        wall = loop.time() - t0
        drain_until = loop.time() + args.drain
        while self.tasks and loop.time() < drain_until:
            await asyncio.sleep(0.05)
        for task in list(self.tasks):  # past the drain: give up on the stragglers
            task.cancel()
        await self.client.close()
        return wall


class RssSampler:
    def __init__(self, pid: int, every: float) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (seconds into the load, MiB)
        self.next = 0.0

    def read(self) -> float:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def maybe_sample(self, elapsed: float) -> None:
        if elapsed >= self.next:
            with contextlib.suppress(OSError):  # the server died: the books will say so
                self.samples.append((elapsed, self.read()))
            self.next = elapsed + self.every


# ---------------------------------------------------------------- reporting
def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, seconds: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{url}: process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up in {seconds:.0f} s")


def books_check(
    db: Path, books: Books, tokens: set[str] | None = None
) -> tuple[list[str], dict[str, Any]]:
    """Compare the interaction log with what the driver saw; problems and figures.

    `tokens`: the LINE reply tokens the fake API got a reply call for: every accepted
    LINE event that was answered (not a throttled "ignored" one) must have one."""
    conn = sqlite3.connect(db)
    rows = conn.execute("select event_id, channel, outcome from interactions").fetchall()
    owed = conn.execute(
        "select count(*) from interactions where delivery in ('owed', 'resend', 'retry')"
    ).fetchone()[0]
    conn.close()
    logged: dict[str, set[str]] = {"line": set(), "telegram": set(), "web": set()}
    for event_id, channel, _ in rows:
        logged.setdefault(channel, set()).add(event_id)
    problems: list[str] = []
    figures: dict[str, Any] = {"rows": len(rows)}
    for channel in ("line", "telegram"):
        accepted = books.accepted[channel]
        lost = accepted - logged[channel]
        extra = logged[channel] - accepted - books.uncertain
        figures[f"{channel} accepted"] = len(accepted)
        figures[f"{channel} rows"] = len(logged[channel])
        if lost:
            problems.append(
                f"{channel}: {len(lost)} accepted event(s) not logged, e.g. {min(lost)}"
            )
        if extra:
            problems.append(f"{channel}: {len(extra)} row(s) for no sent event, e.g. {min(extra)}")
    web = len(logged["web"])  # web calls carry no event id: their rows are counted
    figures["web accepted"], figures["web rows"] = books.web_accepted, web
    if not books.web_accepted <= web <= books.web_accepted + books.web_uncertain:
        problems.append(f"web: {books.web_accepted} accepted calls but {web} log rows")
    outcomes = Counter(o for _, _, o in rows)
    figures["owed/retry rows"] = owed
    if owed:
        problems.append(f"{owed} row(s) whose reply was never attempted (owed/retry)")
    if tokens is not None:
        ignored = {e for e, ch, o in rows if ch == "line" and o == "ignored"}
        unreplied = {
            e
            for e in books.accepted["line"] - ignored
            if f"soak-reply-{int(e.removeprefix('01SOAK'))}" not in tokens
        }
        figures["LINE answered without a reply call"] = len(unreplied)
        if unreplied:
            problems.append(f"line: {len(unreplied)} answered event(s) got no reply call")
    figures["pending rows"] = outcomes.get("pending", 0)
    figures["ignored rows"] = outcomes.get("ignored", 0)
    if outcomes.get("pending", 0):
        problems.append(f"{outcomes['pending']} row(s) left pending")
    return problems, figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=600, help="seconds of load (default 600)")
    ap.add_argument("--rate", type=float, default=200, help="steady events/s (default 200)")
    ap.add_argument("--burst-factor", type=float, default=10, help="burst rate x (default 10)")
    ap.add_argument("--burst", type=float, help="burst seconds (default min(30, duration/10))")
    ap.add_argument("--max-inflight", type=int, default=256, help="cap on requests at once")
    ap.add_argument("--redeliver", type=float, default=0.02, help="share of events redelivered")
    ap.add_argument("--users", type=int, default=3000, help="distinct users per channel")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per request")
    ap.add_argument("--drain", type=float, default=60, help="seconds to wait for stragglers")
    ap.add_argument("--sample", type=float, help="RSS sample interval (default duration/60)")
    ap.add_argument(
        "--mix",
        default="4,3,3",
        type=lambda v: [int(x) for x in v.split(",")],
        help="weights of LINE,Telegram,web chat events (default 4,3,3)",
    )
    ap.add_argument(
        "--hang",
        type=float,
        default=0.0,
        help="share of LINE API calls the fake API sits on (e.g. 0.05; default 0)",
    )
    ap.add_argument(
        "--hang-seconds", type=float, default=30.0, help="how long a hung call waits (30)"
    )
    ap.add_argument(
        "--pin",
        type=int,
        metavar="CPU",
        help="start the server bound to this CPU (taskset)",
    )
    ap.add_argument("--check", action="store_true", help="exit 1 on lost/double/crash only")
    ap.add_argument("--fake-api", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pin is not None and args.pin not in os.sched_getaffinity(0):
        ap.error(f"--pin {args.pin}: this process may use CPUs {sorted(os.sched_getaffinity(0))}")
    if args.fake_api:
        run_fake_api(args.fake_api, args.hang, args.hang_seconds)
        return 0
    args.burst = min(30.0, args.duration / 10) if args.burst is None else args.burst
    args.sample = args.sample or max(1.0, args.duration / 60)
    return soak(args)


def soak(args: argparse.Namespace) -> int:
    api_port, port = free_port(), free_port()
    hang = ["--hang", str(args.hang), "--hang-seconds", str(args.hang_seconds)]
    fake = subprocess.Popen([sys.executable, __file__, "--fake-api", str(api_port), *hang])
    server: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="resbot-soak-") as tmp:
        db, log_path = Path(tmp) / "soak.sqlite3", Path(tmp) / "server.log"
        api = f"http://127.0.0.1:{api_port}"
        env = {
            **os.environ,
            "RESBOT_DB": str(db),
            "RESBOT_SECRET_KEY": SECRET_KEY,
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "soak-line-token",
            "LINE_API_BASE": f"{api}/line",
            "TELEGRAM_BOT_TOKEN": TG_TOKEN,
            "TELEGRAM_SECRET_TOKEN": TG_SECRET,
            "TELEGRAM_API_BASE": f"{api}/tg/bot",
        }
        try:
            wait_ready(f"{api}/_stats", 30, fake)
            with open(log_path, "wb") as log:
                cmd = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]
                if args.pin is not None:
                    cmd = ["taskset", "-c", str(args.pin), *cmd]
                server = subprocess.Popen(
                    cmd,
                    cwd=tmp,
                    env={**env, "PYTHONPATH": str(REPO)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + "/healthz", 90, server)
            books = Books()
            rss = RssSampler(server.pid, args.sample)
            total_est = args.rate * (args.duration + (args.burst_factor - 1) * args.burst)
            print(
                f"soak: {args.duration:.0f} s at {args.rate:.0f} events/s, "
                f"{args.burst_factor:.0f}x burst for {args.burst:.0f} s "
                f"(~{total_est:,.0f} events offered), server pid {server.pid}",
                flush=True,
            )

            async def go() -> float:
                driver = Driver(base, args, books)
                await driver.warm_up(200)
                return await driver.run(rss)

            cpu0, fake0 = cpu_seconds(server.pid), cpu_seconds(fake.pid)
            wall = asyncio.run(go())
            crashed = server.poll() is not None
            figures_cpu = {
                "server": cpu_seconds(server.pid) - cpu0,
                "fake": cpu_seconds(fake.pid) - fake0,
                "driver": own_cpu(),
            }
            time.sleep(0.5)
            stats = httpx.get(f"{api}/_stats", timeout=5).json()
            tokens = set(httpx.get(f"{api}/_tokens", timeout=30).json()["tokens"])
        finally:
            if server is not None and server.poll() is None:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            fake.terminate()
            fake.wait(timeout=10)
        problems, figures = books_check(db, books, tokens)
        log_text = log_path.read_text(errors="replace")
    print(
        f"CPU seconds during the load: server {figures_cpu['server']:.0f}, fake APIs "
        f"{figures_cpu['fake']:.0f}, driver {figures_cpu['driver']:.0f} (of {wall:.0f} s wall)"
    )
    return report(args, books, wall, rss, stats, problems, figures, crashed, log_text)


def report(
    args: argparse.Namespace,
    books: Books,
    wall: float,
    rss: RssSampler,
    stats: dict[str, Any],
    problems: list[str],
    figures: dict[str, Any],
    crashed: bool,
    log_text: str,
) -> int:
    steady, burst = books.latencies["steady"], books.latencies["burst"]
    sent = len(steady) + len(burst)
    accepted = sum(len(s) for s in books.accepted.values()) + books.web_accepted
    print(f"events sent {sent:,} in {wall:.0f} s, accepted {accepted:,}, shed {books.shed:,}")
    print(f"throughput {accepted / wall:,.0f} events/s overall")
    for name, values in (("steady", steady), ("burst", burst)):
        if values:
            print(
                f"  {name:6}: {len(values):7,} events   p50 {statistics.median(values):7.1f} ms"
                f"   p99 {pct(values, 0.99):7.1f} ms   max {max(values):7.1f} ms"
            )
    for channel, values in books.by_channel.items():
        if values:
            print(
                f"  {channel:8}: {len(values):7,} events"
                f"   p50 {statistics.median(values):7.1f} ms   p99 {pct(values, 0.99):7.1f} ms"
            )
    errors = sum(books.errors.values())
    print(f"errors {errors}" + (f" {dict(books.errors)}" if errors else ""))
    print(
        f"redeliveries sent {books.redelivered} ({books.redelivery_errors} not 200); "
        f"LINE reply calls {stats['line_replies']:,} for {stats['line_tokens']:,} tokens, "
        f"{stats['line_twice']} token(s) answered twice; Telegram sends {stats['tg_sends']:,}; "
        f"LINE calls the fake API hung: {stats['line_hung']:,}"
    )
    if rss.samples:
        mib = [m for _, m in rss.samples]
        first = rss.samples[min(len(rss.samples) - 1, 1)][1]
        half = [m for t, m in rss.samples if t >= args.duration / 2] or mib
        print(
            f"server RSS MiB: start {first:.0f}, end {mib[-1]:.0f}, max {max(mib):.0f}, "
            f"growth {mib[-1] - first:+.0f}; second half {min(half):.0f}..{max(half):.0f} "
            f"({len(mib)} samples)"
        )
    print("log rows: " + ", ".join(f"{k} {v:,}" for k, v in figures.items()))
    tracebacks = log_text.count("Traceback")
    error_lines = [line for line in log_text.splitlines() if line.startswith("ERROR")]
    print(f"server log: {len(error_lines)} ERROR line(s), {tracebacks} traceback(s)")
    # What they were, most frequent first, digits masked so repeats group.
    kinds = Counter(re.sub(r"\d+", "N", line)[:160] for line in error_lines)
    for kind, n in kinds.most_common(5):
        print(f"  {n:>6} x {kind}")
    if stats["line_twice"]:
        problems.append(f"{stats['line_twice']} LINE event(s) got two replies")
    if crashed:
        problems.append("the server process died")
    for p in problems:
        print("PROBLEM:", p)
    if not problems:
        print("books: no event lost, none counted twice, no redelivery answered")
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
