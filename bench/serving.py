"""Start `resbot serve` (or the bare echo app) as a separate process, for the benches.

Shared by bench/webhook.py and bench/memory.py: signed LINE bodies, free ports,
the server's CPU seconds and resident memory from /proc (Linux), and the fake
LINE API in a process of its own (`FakeLine`).
`src` runs resbot from another source tree (e.g. `git archive` of an earlier
commit) with this virtualenv, so before and after are measured in one run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-channel-secret"
USERS = 200
"""Residents the bench's webhooks come from (request n from resident n % USERS). A
warm-up of USERS requests gives each a previous question, as in steady use: a short
new text is then read beside it (a second search), as residents' follow-ups are."""


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def line_body(
    n: int,
    text: str | None = None,
    *,
    postback: str | None = None,
    follow: bool = False,
    users: int = USERS,
) -> bytes:
    """One signed-able LINE webhook body with a unique event id: text, postback or follow."""
    event: dict[str, object] = {
        "mode": "active",
        "timestamp": 1763780000000,
        "source": {"type": "user", "userId": f"U{n % users:032x}"},
        "webhookEventId": f"01BENCH{n:020d}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"reply-{n}",
    }
    if follow:
        event["type"] = "follow"
    elif postback is not None:
        event["type"] = "postback"
        event["postback"] = {"data": postback}
    else:
        event["type"] = "message"
        event["message"] = {"id": str(n), "type": "text", "quoteToken": "q", "text": text or ""}
    return json.dumps({"destination": "Ubench", "events": [event]}).encode()


def server_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the process used so far; None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int, field: str = "VmRSS") -> float | None:
    """Resident set size in MiB (VmRSS; RssFile: the part that maps files, such as
    MeCab's dictionary, shared and reclaimable by the kernel); None off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    """A server process on a free loopback port, stopped with SIGINT on exit."""

    def __init__(self, cmd: list[str], env: dict[str, str], cwd: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT: uvicorn drains and exits
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    """`cmd` bound to one CPU by taskset (util-linux); unchanged when `cpu` is None."""
    return cmd if cpu is None else ["taskset", "-c", str(cpu), *cmd]


def resbot(
    tmp: Path, api_url: str, src: Path | None = None, name: str = "resbot", cpu: int | None = None
) -> Server:
    """`resbot serve` with LINE on (against the fake API at `api_url`), its own database;
    `cpu`: bound to that CPU, threads and all."""
    env = {
        **os.environ,
        "RESBOT_DB": str(tmp / f"{name}.sqlite3"),
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "LINE_API_BASE": api_url,
    }
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, "-m", "bot.cli", "serve"]
    if os.environ.get("BENCH_PROFILE") and src is None:
        # --gil: only samples holding the GIL, i.e. where Python spends CPU, not waits;
        # 500 Hz without pausing the server (the default 100 Hz gave a few hundred
        # samples per run, mostly of the start-up).
        profile = ["py-spy", "record", "--gil", "--nonblocking", "-r", "500"]
        profile += ["-o", os.environ["BENCH_PROFILE"], "-f", "raw"]
        cmd = [*profile, "--", *cmd]
    return Server(pinned(cmd, cpu), env, str(tmp))


def bare(tmp: Path, cpu: int | None = None) -> Server:
    """The bare Starlette echo app (bench/bare_app.py) on the same uvicorn, same options."""
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--app-dir",
        str(REPO),
        "--log-level",
        "info",
        "--no-access-log",
    ]
    return Server(pinned(cmd, cpu), dict(os.environ), str(tmp))


def _serve_fake_line(conn: Connection) -> None:
    """In the child process: the fake LINE API until told to stop; answers "replies"
    with the number of reply calls it has received."""
    from tests.fakes import FakeApi, Served, line_app

    api = FakeApi()
    with Served(line_app(api)) as fake:
        conn.send(fake.url)
        while conn.recv() == "replies":
            conn.send(len(api.of("/v2/bot/message/reply")))


class FakeLine:
    """The fake LINE API (tests.fakes) in a process of its own.

    In the bench's process it shared the senders' GIL, and its list of every call
    it had received made the bench's cycle collections longer and longer: both
    showed up in the latencies measured, as if the server had been slow
    (docs/performance.md, eleventh round). resbot's reply calls reach it as before."""

    def __enter__(self) -> FakeLine:
        ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve_fake_line, args=(child,), daemon=True)
        self._proc.start()
        if not self._conn.poll(60):
            self._proc.kill()
            raise RuntimeError("the fake LINE API did not start")
        self.url: str = self._conn.recv()
        return self

    def replies(self) -> int:
        """Reply calls the fake has received so far."""
        self._conn.send("replies")
        return int(self._conn.recv())

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
