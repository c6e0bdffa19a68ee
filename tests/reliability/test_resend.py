"""Replies an earlier process left owed are re-sent when the server starts
(bot.channels.resend): LINE with the reply token while it is young (single-use: a
reply that had gone out is not doubled), else a push with a retry key; Telegram
with sendMessage. Each row is taken by exactly one process. The real app and its
lifespan, the real SDKs against the fake platform servers, the real SQLite file.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.channels.line import render_json
from bot.channels.resend import replies_of
from bot.claims import Claims, Owed
from bot.core.dialogue import Bot
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store

from .conftest import LINE_TOKEN, Platforms, running, wait_for

USER = "U0123456789abcdef0123456789abcdef"


def crashed_process(db: Path, bot: Bot) -> dict[str, dict[str, Any]]:
    """What a process killed right after its 200s leaves: owed rows with their reply."""
    store = Store(db)
    service = Service(bot, store)
    events = {
        "line-used": ("line", USER, {"token": "tok-used", "to": USER}),
        "line-young": ("line", USER, {"token": "tok-young", "to": USER}),
        "line-old": ("line", USER, {"token": "tok-old", "to": USER}),
        "tg-owed": ("telegram", "4242", {"chat_id": 4242}),
        "line-done": ("line", USER, {"token": "tok-done", "to": USER}),
    }
    for event_id, (channel, user, to) in events.items():
        incoming = Incoming(kind="text", text="what day is plastic collection")
        service.handle(channel, user, incoming, event_id, reply_owed=True, reply_to=to)
    service.delivered("line-done")  # settled before the crash: never sent again
    with store.lock:
        sealed = dict(
            store.db.conn.execute(
                "select event_id, reply from interactions where reply is not null"
            ).fetchall()
        )
    assert all(USER not in s and "4242" not in s for s in sealed.values())  # encrypted
    stored = {e: service.claims.unseal(s) or {} for e, s in sealed.items()}
    # "line-old" was answered five minutes ago: its reply token is too old to use.
    stored["line-old"]["at"] = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    with store.lock:
        store.db.conn.execute(
            "update interactions set reply = ? where event_id = 'line-old'",
            [service.claims.seal(stored["line-old"])],
        )
    store.close()
    return stored


def states(db: Path) -> dict[str, tuple[str, str | None]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("select event_id, delivery, reply from interactions").fetchall()
    finally:
        conn.close()
    return {e: (d, r) for e, d, r in rows}


def test_a_restart_resends_what_the_dead_process_owed(
    tmp_path: Path, bot: Bot, platforms: Platforms
) -> None:
    platforms.reset()
    platforms.line.single_use_tokens = True
    platforms.line.used_tokens.clear()
    db = tmp_path / "resend.sqlite3"
    stored = crashed_process(db, bot)
    assert set(stored) == {"line-used", "line-young", "line-old", "tg-owed"}
    # The reply of "line-used" had reached LINE when the process died.
    first = {"replyToken": "tok-used", "messages": [{"type": "text", "text": "sent"}]}
    res = httpx.post(
        f"{platforms.line_url}/v2/bot/message/reply",
        json=first,
        headers={"Authorization": f"Bearer {LINE_TOKEN}"},
    )
    assert res.status_code == 200
    try:
        with running(tmp_path, bot, platforms, db=db.name):
            wait_for(lambda: all(d == "done" for d, _ in states(db).values()), timeout=20)
    finally:
        platforms.line.single_use_tokens = False

    by_token: dict[str, list[int]] = {}
    for call in platforms.line.of("/v2/bot/message/reply"):
        by_token.setdefault(call.body["replyToken"], []).append(call.status)
    # Used token: LINE refused the re-send (400), so the resident has it once.
    assert by_token == {"tok-used": [200, 400], "tok-young": [200]}
    replies = platforms.line.of("/v2/bot/message/reply")
    young = next(c for c in replies if c.body["replyToken"] == "tok-young")
    expected = render_json(replies_of(Owed("line-young", "line", "", stored["line-young"])))
    assert young.body["messages"] == expected
    # Too old for its token: pushed to the user, once, with the event's retry key.
    pushes = platforms.line.of("/v2/bot/message/push")
    assert len(pushes) == 1 and pushes[0].body["to"] == USER
    assert pushes[0].headers["x-line-retry-key"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "line-old"))
    assert [m["text"] for m in pushes[0].body["messages"]] == [
        r["text"] for r in stored["line-old"]["replies"]
    ]
    sends = platforms.telegram.of("/sendMessage")
    assert len(sends) == 1 and int(sends[0].body["chat_id"]) == 4242
    assert sends[0].body["text"] == stored["tg-owed"]["replies"][-1]["text"]
    # Every row settled, and nothing a re-send needed (ids, texts) is kept.
    assert states(db) == {
        e: ("done", None) for e in ("line-used", "line-young", "line-old", "tg-owed", "line-done")
    }


def test_two_processes_never_take_the_same_row(tmp_path: Path, bot: Bot) -> None:
    db = tmp_path / "take.sqlite3"
    store = Store(db)
    service = Service(bot, store)
    for n in range(20):
        incoming = Incoming(kind="text", text="hello")
        service.handle(
            "telegram", str(n), incoming, f"tg:{n}", reply_owed=True, reply_to={"chat_id": n}
        )
    time.sleep(0.01)  # the next "processes" start after these claims
    one, two = (Claims(Store(db), 0.3, service.secret) for _ in range(2))
    seen_one, seen_two = one.owed_replies(["telegram"]), two.owed_replies(["telegram"])
    assert len(seen_one) == len(seen_two) == 20
    won_one = {o.event_id for o in seen_one if one.take(o)}
    won_two = {o.event_id for o in seen_two if two.take(o)}
    assert len(won_one) == 20 and won_two == set()  # each row once, whoever came first
    # A redelivery of a taken row is "already handled": no second answer.
    assert service.handle("telegram", "3", Incoming(text="hello"), "tg:3", reply_owed=True) is None
    # Taken rows are not due again until the stale bound: then the re-sender died.
    assert two.owed_replies(["telegram"]) == []
    time.sleep(0.35)
    again = two.owed_replies(["telegram"])
    assert len(again) == 20 and all(two.take(o) for o in again)
    # Sealed with another secret key (RESBOT_SECRET_KEY changed): dropped, not re-sent.
    other = Claims(Store(db), 0.0, b"another key")
    time.sleep(0.01)
    assert other.owed_replies(["telegram"]) == []
    assert store.count("select count(*) as n from interactions where reply is null") == 20
    store.close()


def test_a_reply_owed_past_the_stale_bound_is_resent_by_the_running_server(
    tmp_path: Path, bot: Bot, platforms: Platforms
) -> None:
    platforms.reset()
    with running(tmp_path, bot, platforms, db="late.sqlite3", resend_every=0.1) as client:
        service: Service = client.app.state.service  # type: ignore[attr-defined]
        service.claims.stale_after = 0.5
        # Answered and logged in this process, but its reply task never ran.
        incoming = Incoming(kind="text", text="what day is plastic collection")
        owed_at = time.monotonic()  # the clock of the fakes' Call.ts
        service.handle(
            "telegram", "5151", incoming, "tg:late", reply_owed=True, reply_to={"chat_id": 5151}
        )
        wait_for(lambda: bool(platforms.telegram.of("/sendMessage")), timeout=10)
        wait_for(lambda: states(tmp_path / "late.sqlite3")["tg:late"] == ("done", None))
        time.sleep(0.3)  # more passes: it is not sent again
    (send,) = platforms.telegram.of("/sendMessage")
    assert int(send.body["chat_id"]) == 5151
    assert send.ts - owed_at >= 0.5  # not before the stale bound: its own task may still run
