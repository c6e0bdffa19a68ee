"""A platform API that hangs never holds up the webhook (LINE wants 200 within 2 s).

The reply (and the LINE profile lookup, and Telegram's answerCallbackQuery) run
after the 200 with their own bounded timeout; the claim records the attempt.
Bounds are loose (a shared, noisy machine): each would fail by far the old
behaviour of waiting out a 10 s timeout per call inside the webhook.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import bot.channels.line as line_channel
import bot.channels.telegram as telegram_channel
from bot.core.dialogue import Bot
from bot.storage import Store
from tests.fakes import settle

from .conftest import Platforms, line_event, post_line, post_tg, rows, running, sign, tg_update

HANG = 30.0  # seconds the fake API sits on a call: longer than any timeout of ours
LOOSE = 4.0  # the webhook's answer must come well before one API timeout


def timed_post(client: TestClient, path: str, body: bytes, headers: dict[str, str]) -> Any:
    started = time.perf_counter()
    res = client.post(path, content=body, headers=headers)
    return res, time.perf_counter() - started


@pytest.fixture()
def short_timeouts(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short API timeouts, and the bot warmed up (lazy models load on first use)."""
    assert client.post("/api/chat", json={"text": "what day is plastic collection"}).is_success
    client.app.state.store.db.execute("delete from interactions")  # type: ignore[attr-defined]
    monkeypatch.setattr(line_channel, "TIMEOUT", 1.0)
    monkeypatch.setattr(telegram_channel, "TIMEOUT", 1.0)


def test_line_message_is_acknowledged_while_the_reply_api_hangs(
    client: TestClient, platforms: Platforms, short_timeouts: None
) -> None:

    platforms.line.delay_next[:] = [HANG]
    body = json.dumps({"destination": "U", "events": [line_event(1)]}).encode()
    res, took = timed_post(client, "/line/webhook", body, {"X-Line-Signature": sign(body)})
    assert res.status_code == 200 and took < LOOSE
    assert rows(client)[0]["delivery"] == "owed"  # logged, the reply still on its way
    settle(client)
    (row,) = rows(client)
    assert row["delivery"] == "done" and row["outcome"] == "answer"
    assert len(platforms.replies()) == 1  # tried once: the reply token is single-use


def test_line_follow_is_acknowledged_while_profile_and_reply_hang(
    client: TestClient, platforms: Platforms, short_timeouts: None
) -> None:

    platforms.line.delay_next[:] = [HANG, HANG]  # the profile lookup, then the reply
    event = line_event(2, user="Ufollow")
    event["type"], event["follow"] = "follow", {"isUnblocked": False}
    del event["message"]
    body = json.dumps({"destination": "U", "events": [event]}).encode()
    res, took = timed_post(client, "/line/webhook", body, {"X-Line-Signature": sign(body)})
    assert res.status_code == 200 and took < LOOSE
    settle(client)
    assert len(platforms.line.of("/profile/Ufollow")) == 1 and len(platforms.replies()) == 1
    (row,) = rows(client)
    assert row["kind"] == "follow" and row["delivery"] == "done"


def test_telegram_callback_is_acknowledged_while_the_bot_api_hangs(
    client: TestClient, platforms: Platforms, short_timeouts: None
) -> None:

    platforms.telegram.delay_next[:] = [HANG] * 5
    who = {"id": 42, "is_bot": False, "first_name": "R", "language_code": "en"}
    message = {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}, "from": who}
    query = {"id": "q1", "from": who, "chat_instance": "c", "data": "menu", "message": message}
    body = json.dumps({"update_id": 31, "callback_query": query}).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": "reliability-telegram-secret"}
    res, took = timed_post(client, "/telegram/webhook", body, headers)
    assert res.status_code == 200 and took < LOOSE
    settle(client)
    assert len(platforms.telegram.of("/answerCallbackQuery")) == 1
    (row,) = rows(client)
    assert row["event_id"] == "tg:31" and row["delivery"] == "done"


def test_shutdown_waits_for_replies_on_their_way(
    tmp_path: Path, bot: Bot, platforms: Platforms
) -> None:
    platforms.reset()
    platforms.line.delay_next[:] = [0.5]
    platforms.telegram.delay_next[:] = [0.5]
    with running(tmp_path, bot, platforms) as client:
        import json

        body = json.dumps({"destination": "U", "events": [line_event(3)]}).encode()
        client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
        client.post(
            "/telegram/webhook",
            content=json.dumps(tg_update(3)),
            headers={"X-Telegram-Bot-Api-Secret-Token": "reliability-telegram-secret"},
        )
    # The lifespan's shutdown drained both: sent, and the claims settled (and then
    # closed the server's connection: read the file afresh).
    assert len(platforms.replies()) == 1 and len(platforms.sends()) == 1
    got = [
        r["delivery"]
        for r in Store(tmp_path / "bot.sqlite3").db.query("select delivery from interactions")
    ]
    assert got == ["done", "done"]


def test_many_events_while_the_api_hangs_each_logged_once(
    client: TestClient, platforms: Platforms, short_timeouts: None
) -> None:
    platforms.line.delay_next[:] = [HANG] * 3
    platforms.telegram.delay_next[:] = [HANG] * 3
    for n in range(20, 26):
        assert post_line(client, line_event(n, user=f"U{n}")).status_code == 200
        assert post_tg(client, tg_update(n, user=n)).status_code == 200
    assert len(platforms.replies()) == 6 and len(platforms.sends()) == 6
    assert len(rows(client)) == 12 and {r["delivery"] for r in rows(client)} == {"done"}
