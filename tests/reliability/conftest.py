"""The app wired to fake LINE and Telegram APIs that can also be made slow.

Events are built here rather than read from ../shared so that these tests run
in a city's clone too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.fakes import FakeApi, Served, line_app, settle, telegram_app

LINE_SECRET = "reliability-line-secret"
LINE_TOKEN = "reliability-line-access-token"
TG_TOKEN = "654321:RELIABILITY-TOKEN"
TG_SECRET = "reliability-telegram-secret"


@dataclass
class Slow:
    """Seconds every call to a fake API waits before answering (0: at once)."""

    seconds: float = 0.0


@dataclass
class Platforms:
    line: FakeApi = field(default_factory=FakeApi)
    telegram: FakeApi = field(default_factory=FakeApi)
    slow: Slow = field(default_factory=Slow)
    line_url: str = ""
    telegram_url: str = ""

    def replies(self) -> list[dict[str, Any]]:
        return [c.body for c in self.line.of("/v2/bot/message/reply")]

    def sends(self) -> list[dict[str, Any]]:
        return [c.body for c in self.telegram.of("/sendMessage")]

    def reset(self) -> None:
        self.line.clear()
        self.telegram.clear()
        self.line.fail_next.clear()
        self.telegram.fail_next.clear()
        self.line.delay_next.clear()
        self.telegram.delay_next.clear()
        self.slow.seconds = 0.0


def slowed(app: Starlette, slow: Slow) -> Any:
    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and slow.seconds:
            await asyncio.sleep(slow.seconds)
        await app(scope, receive, send)

    return asgi


@pytest.fixture(scope="module")
def platforms() -> Iterator[Platforms]:
    p = Platforms()
    with (
        Served(slowed(line_app(p.line), p.slow)) as line,
        Served(slowed(telegram_app(p.telegram), p.slow)) as tg,
    ):
        p.line_url, p.telegram_url = line.url, tg.url
        yield p


@contextmanager
def running(
    tmp_path: Path, bot: Bot, platforms: Platforms, db: str = "bot.sqlite3", **overrides: Any
) -> Iterator[TestClient]:
    """The whole app (both webhooks on) as a test client, lifespan included."""
    settings = load_settings(
        env_file=None,
        **{
            "db_path": tmp_path / db,
            "line_channel_secret": LINE_SECRET,
            "line_access_token": LINE_TOKEN,
            "line_api_base": platforms.line_url,
            "telegram_token": TG_TOKEN,
            "telegram_secret_token": TG_SECRET,
            "telegram_api_base": f"{platforms.telegram_url}/bot",
            **overrides,
        },
    )
    with TestClient(create_app(settings, bot), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture()
def client(tmp_path: Path, bot: Bot, platforms: Platforms) -> Iterator[TestClient]:
    platforms.reset()
    with running(tmp_path, bot, platforms) as c:
        yield c


# ------------------------------------------------------------------ events
def sign(body: bytes, secret: str = LINE_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def line_event(
    n: int, text: str = "what day is plastic collection", user: str = "U1", redelivery: bool = False
) -> dict[str, Any]:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": 1763780000000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": f"01RELIABILITY{n:013d}",
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": f"token-{n}",
        "message": {"id": str(n), "type": "text", "quoteToken": "q", "text": text},
    }


def post_line(client: TestClient, *events: dict[str, Any]) -> Any:
    body = json.dumps({"destination": "Ureliability", "events": list(events)}).encode()
    res = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
    settle(client)  # the reply is sent after the 200
    return res


def tg_update(
    n: int, text: str = "what day is plastic collection", user: int = 42
) -> dict[str, Any]:
    who = {"id": user, "is_bot": False, "first_name": "R", "language_code": "en"}
    chat = {"id": user, "type": "private"}
    return {
        "update_id": n,
        "message": {"message_id": n, "date": 1763780000, "chat": chat, "from": who, "text": text},
    }


def post_tg(client: TestClient, update: dict[str, Any]) -> Any:
    res = client.post(
        "/telegram/webhook",
        content=json.dumps(update).encode(),
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    settle(client)  # the reply is sent after the 200
    return res


def rows(client: TestClient, where: str = "1") -> list[dict[str, Any]]:
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.lock:
        return list(store.db.query(f"select * from interactions where {where} order by id"))


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Replies go out in the background (bot.channels.replies): wait until `check` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
