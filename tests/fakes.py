"""Local fake LINE and Telegram API servers over real HTTP on loopback.

The real SDK clients (line-bot-sdk, python-telegram-bot) talk to these exactly
as they would to the platforms; every request is recorded for assertions.
Only what is truly outside is faked: the platforms' servers.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    ts: float  # time.monotonic(): the clock of the rate limiters it checks
    content_type: str = ""
    raw: bytes = b""  # the exact body, for binary uploads (rich menu images)
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200  # what the fake answered (a delivery counts only when 200)
    answered: float | None = None  # time.monotonic() when its answer left (None: not yet)


@dataclass
class FakeApi:
    """Records calls; `fail_next` makes the next N calls answer with a status code.

    For push tests: `fail_only` limits `fail_next` and `delay_next` to paths ending
    so (e.g. "/message/multicast", "sendMessage"); a 429 carries `retry_after`
    seconds (LINE: Retry-After header, Telegram: parameters.retry_after);
    `delay_next` answers the next calls late (after accepting them) so a client
    times out; `blocked` chat ids get Telegram's 403; LINE remembers accepted
    X-Line-Retry-Key values and answers a repeat with 409, as LINE does;
    `single_use_tokens` makes LINE refuse a reply token used before (400), as LINE does.
    `latency` (seconds, a round trip) and `jitter` put a network between client and
    fake: each call waits half the latency plus up to half the jitter before it is
    recorded (its `ts` is when "the platform" got it) and as long again before it
    is answered, so a round trip takes latency to latency + jitter.
    """

    calls: list[Call] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    rich_menus: list[dict[str, Any]] = field(default_factory=list)  # GET /richmenu/list
    fail_next: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    fail_only: str | None = None
    retry_after: float = 1.0
    delay_next: list[float] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    retry_keys: set[str] = field(default_factory=set)
    single_use_tokens: bool = False
    used_tokens: set[str] = field(default_factory=set)
    latency: float = 0.0
    jitter: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(15))

    def leg(self) -> float:
        """One way of a round trip: half the latency, plus up to half the jitter."""
        return self.latency / 2 + self.rng.uniform(0.0, self.jitter / 2)

    def _next(self, path: str) -> tuple[int, float]:
        """The status and delay for this call (call with the lock held)."""
        if self.fail_only and not path.endswith(self.fail_only):
            return 200, 0.0
        status = self.fail_next.pop(0) if self.fail_next else 200
        delay = self.delay_next.pop(0) if self.delay_next else 0.0
        return status, delay

    def of(self, suffix: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path.endswith(suffix)]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {"_": data}
    if "form" in ctype:
        out: dict[str, Any] = {}
        for k, v in parse_qsl(raw.decode()):
            try:
                out[k] = json.loads(v) if v[:1] in "[{" else v
            except ValueError:
                out[k] = v
        return out
    return {"_raw": raw.decode(errors="replace")}


def line_app(api: FakeApi) -> Starlette:
    async def record(request: Request) -> Response:
        body = await _body(request)
        ctype, raw = request.headers.get("content-type", ""), await request.body()
        headers = dict(request.headers)
        call = Call(request.method, request.url.path, body, time.monotonic(), ctype, raw, headers)
        retry_key = request.headers.get("x-line-retry-key")
        with api.lock:
            api.calls.append(call)
            status, delay = api._next(request.url.path)
            if status == 200 and retry_key and retry_key in api.retry_keys:
                status = 409  # already accepted: LINE does not deliver it again
            elif status == 200 and retry_key:
                api.retry_keys.add(retry_key)
            token = body.get("replyToken")
            if status == 200 and api.single_use_tokens and isinstance(token, str):
                status = 400 if token in api.used_tokens else status
                api.used_tokens.add(token)
            call.status = status
        if delay:
            await asyncio.sleep(delay)
        call.answered = time.monotonic()
        if status == 409 and retry_key:
            return JSONResponse(
                {"message": "The retry key is already accepted"},
                status_code=409,
                headers={"X-Line-Accepted-Request-Id": "fake-accepted"},
            )
        if status == 429:
            return JSONResponse(
                {"message": "Too many requests"},
                status_code=429,
                headers={"Retry-After": str(api.retry_after)},
            )
        if status == 400 and api.single_use_tokens:
            return JSONResponse({"message": "Invalid reply token"}, status_code=400)
        if status != 200:
            return JSONResponse({"message": "fake failure"}, status_code=status)
        path = request.url.path
        if path.endswith("/richmenu/list"):
            return JSONResponse({"richmenus": api.rich_menus})
        if "/profile/" in path:
            uid = path.rsplit("/", 1)[1]
            return JSONResponse(api.profiles.get(uid, {"userId": uid, "displayName": "Resident"}))
        if path.endswith("/richmenu"):
            return JSONResponse({"richMenuId": "richmenu-fake-1"})
        if path.endswith(("/message/reply", "/message/push")):
            sent = [
                {"id": f"m{i}", "quoteToken": "q"} for i, _ in enumerate(body.get("messages", []))
            ]
            return JSONResponse({"sentMessages": sent})
        return JSONResponse({})

    return Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST", "DELETE"])])


def telegram_app(api: FakeApi) -> Starlette:
    counter = iter(range(1, 10**9))

    async def record(request: Request) -> Response:
        body = await _body(request)
        method = request.url.path.rsplit("/", 1)[1]
        if api.latency or api.jitter:
            await asyncio.sleep(api.leg())  # on its way to Telegram
        call = Call(request.method, request.url.path, body, time.monotonic())
        with api.lock:
            api.calls.append(call)
            status, delay = api._next(request.url.path)
            if status == 200 and str(body.get("chat_id", "")) in api.blocked:
                status = 403
            call.status = status
            if api.latency or api.jitter:
                delay += api.leg()  # the answer on its way back
        if delay:
            await asyncio.sleep(delay)
        call.answered = time.monotonic()
        if status == 429:
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry later",
                    "parameters": {"retry_after": api.retry_after},
                },
                status_code=429,
            )
        if status == 403:
            return JSONResponse(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"},
                status_code=403,
            )
        if status != 200:
            return JSONResponse(
                {"ok": False, "error_code": status, "description": "fake failure"},
                status_code=status,
            )
        if method == "getMe":
            result: Any = {
                "id": 1,
                "is_bot": True,
                "first_name": "resbot",
                "username": "resbot_test_bot",
            }
        elif method == "sendMessage":
            result = {
                "message_id": next(counter),
                "date": int(time.time()),
                "chat": {"id": int(body.get("chat_id", 0)), "type": "private"},
                "text": body.get("text", ""),
            }
        else:
            result = True
        return JSONResponse({"ok": True, "result": result})

    return Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])


class Served:
    """Run an ASGI app with uvicorn on a free loopback port in a thread."""

    def __init__(self, app: Starlette) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def settle(client: Any, timeout: float = 30.0) -> None:
    """Wait until the app's background replies (bot.channels.background) are done:
    a webhook answers before its reply is sent."""
    deadline = time.monotonic() + timeout
    channels = getattr(client.app.state, "channels", [])
    while any(ch.background.tasks for ch in channels):
        if time.monotonic() > deadline:
            raise AssertionError("background replies still running")
        time.sleep(0.01)
