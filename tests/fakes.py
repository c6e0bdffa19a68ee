"""Local fake LINE and Telegram API servers over real HTTP on loopback.

The real SDK clients (line-bot-sdk, python-telegram-bot) talk to these exactly
as they would to the platforms; every request is recorded for assertions.
Only what is truly outside is faked: the platforms' servers.
"""

from __future__ import annotations

import json
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
    ts: float
    content_type: str = ""
    raw: bytes = b""  # the exact body, for binary uploads (rich menu images)


@dataclass
class FakeApi:
    """Records calls; `fail_next` makes the next N calls answer with a status code."""

    calls: list[Call] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    rich_menus: list[dict[str, Any]] = field(default_factory=list)  # GET /richmenu/list
    fail_next: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

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
        call = Call(request.method, request.url.path, body, time.time(), ctype, raw)
        with api.lock:
            api.calls.append(call)
            status = api.fail_next.pop(0) if api.fail_next else 200
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
        with api.lock:
            api.calls.append(Call(request.method, request.url.path, body, time.time()))
            status = api.fail_next.pop(0) if api.fail_next else 200
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
