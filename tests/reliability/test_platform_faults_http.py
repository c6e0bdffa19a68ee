"""LINE's and Telegram's APIs hanging, answering 500 or 429: the real server (uvicorn on
loopback, real SDK clients, fake platform servers) acknowledges every webhook in
under 2 s, and the books are exact: each event logged once, its reply attempted
exactly once (LINE's reply token is single-use; neither SDK call is retried), and a
redelivery changes nothing.

What the resident gets: nothing for that event when the call failed (logged as
`LINE reply failed` / `Telegram send failed`); the next message is answered.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import bot.channels.line as line_channel
import bot.channels.telegram as telegram_channel
from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.fakes import Served

from .conftest import (
    LINE_SECRET,
    LINE_TOKEN,
    TG_SECRET,
    TG_TOKEN,
    Platforms,
    line_event,
    sign,
    tg_update,
)

EVENTS = 5
ACK = 2.0  # LINE's documented expectation for a webhook answer
HANG = 30.0  # longer than any timeout of ours


@pytest.fixture()
def server(
    tmp_path: Path, bot: Bot, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Starlette]]:
    platforms.reset()
    monkeypatch.setattr(line_channel, "TIMEOUT", 1.0)  # so the hung calls end in the test
    monkeypatch.setattr(telegram_channel, "TIMEOUT", 1.0)  # read when the app is built
    settings = load_settings(
        env_file=None,
        db_path=tmp_path / "faults.sqlite3",
        line_channel_secret=LINE_SECRET,
        line_access_token=LINE_TOKEN,
        line_api_base=platforms.line_url,
        telegram_token=TG_TOKEN,
        telegram_secret_token=TG_SECRET,
        telegram_api_base=f"{platforms.telegram_url}/bot",
    )
    app = create_app(settings, bot)
    try:
        with Served(app) as served:
            yield served.url, app
    finally:
        platforms.line.fail_only = platforms.telegram.fail_only = None
        platforms.reset()


def quiet(app: Starlette, timeout: float = 30.0) -> None:
    """Wait until every reply sent after a 200 has finished (or timed out)."""
    deadline = time.monotonic() + timeout
    while any(ch.background.tasks for ch in app.state.channels):
        assert time.monotonic() < deadline, "background replies still running"
        time.sleep(0.02)


def timed(http: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    res = http.post(url, content=body, headers={"Content-Type": "application/json", **headers})
    took = time.perf_counter() - started
    assert res.status_code == 200, res.text
    return took


def send_all(http: httpx.Client, url: str, redelivery: bool = False) -> list[float]:
    took = []
    for n in range(EVENTS):
        event = line_event(500 + n, user=f"Ufault{n}", redelivery=redelivery)
        body = json.dumps({"destination": "U", "events": [event]}).encode()
        took.append(timed(http, f"{url}/line/webhook", body, {"X-Line-Signature": sign(body)}))
        update = json.dumps(tg_update(500 + n, user=9000 + n)).encode()
        took.append(
            timed(
                http,
                f"{url}/telegram/webhook",
                update,
                {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
            )
        )
    return took


def log_rows(app: Starlette) -> list[dict[str, Any]]:
    store = app.state.store
    with store.lock:
        return list(store.db.query("select event_id, delivery, outcome from interactions"))


@pytest.mark.parametrize("fault", ["hang", "500", "429"])
def test_every_webhook_is_acknowledged_fast_and_counted_exactly(
    server: tuple[str, Starlette], platforms: Platforms, fault: str
) -> None:
    url, app = server
    with httpx.Client(timeout=30) as http:
        assert http.post(f"{url}/api/chat", json={"text": "hello"}).status_code == 200  # warm
        store = app.state.store
        with store.lock:
            store.db.execute("delete from interactions")
        for api, path in ((platforms.line, "/message/reply"), (platforms.telegram, "sendMessage")):
            api.clear()
            api.fail_only = path
            if fault == "hang":
                api.delay_next[:] = [HANG] * EVENTS
            else:
                api.fail_next[:] = [int(fault)] * EVENTS
        took = send_all(http, url)
        assert max(took) < ACK, took
        quiet(app)
        # Redelivered by both platforms: acknowledged, neither answered nor counted again.
        assert max(send_all(http, url, redelivery=True)) < ACK
        quiet(app)
    replies = Counter(c.body["replyToken"] for c in platforms.line.of("/message/reply"))
    sends = Counter(str(c.body["chat_id"]) for c in platforms.telegram.of("/sendMessage"))
    assert replies == {f"token-{500 + n}": 1 for n in range(EVENTS)}
    assert sends == {str(9000 + n): 1 for n in range(EVENTS)}
    expected_status = 200 if fault == "hang" else int(fault)  # a hung call is answered late
    statuses = {c.status for c in platforms.line.of("/message/reply")}
    statuses |= {c.status for c in platforms.telegram.of("/sendMessage")}
    assert statuses == {expected_status}
    rows = log_rows(app)
    assert len(rows) == 2 * EVENTS and len({r["event_id"] for r in rows}) == 2 * EVENTS
    assert {r["delivery"] for r in rows} == {"done"}
    assert "pending" not in {r["outcome"] for r in rows}
