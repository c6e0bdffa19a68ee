"""A crash between logging an event and replying to it must not lose the reply.

The semantics (bot.claims): a platform event stays `owed` until its reply was
attempted. The webhook answers 200 once the event is logged; the reply goes out
in the background (bot.channels.background). A failure there marks the row
`retry`, so a redelivery (LINE redelivers when our 200 did not reach it) is
answered; a process that died leaves it `owed`, and a redelivery reaching the
restarted server (or arriving after `stale_after`) is answered. Either way:
exactly one reply, one log row.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.channels.line import LineChannel
from bot.channels.telegram import TelegramChannel
from bot.core.dialogue import Bot
from bot.service import Service

from .conftest import (
    Platforms,
    line_event,
    post_line,
    post_tg,
    rows,
    running,
    tg_update,
    wait_for,
)

EVENT = "01RELIABILITY{:013d}"


async def crash(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("simulated crash between logging and replying")


def test_failure_before_the_reply_is_answered_by_the_line_redelivery(
    client: TestClient, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(LineChannel, "reply", crash)
        assert post_line(client, line_event(7)).status_code == 200  # logged: acknowledged
    (row,) = rows(client)
    assert row["delivery"] == "retry" and row["outcome"] == "answer"
    assert platforms.replies() == []
    assert post_line(client, line_event(7, redelivery=True)).status_code == 200
    assert [r["replyToken"] for r in platforms.replies()] == ["token-7"]
    (row,) = rows(client)
    assert row["delivery"] == "done"
    # Any further redelivery is a duplicate again.
    assert post_line(client, line_event(7, redelivery=True)).status_code == 200
    assert len(platforms.replies()) == 1 and len(rows(client)) == 1


def test_other_events_of_the_same_webhook_are_not_answered_twice(
    client: TestClient, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = LineChannel.reply

    async def crash_on_second(self: LineChannel, token: str, result: Any) -> None:
        if token == "token-11":
            raise RuntimeError("simulated crash")
        await real(self, token, result)

    with monkeypatch.context() as m:
        m.setattr(LineChannel, "reply", crash_on_second)
        res = post_line(client, line_event(10, user="U10"), line_event(11, user="U11"))
        assert res.status_code == 200
    again = [
        line_event(10, user="U10", redelivery=True),
        line_event(11, user="U11", redelivery=True),
    ]
    assert post_line(client, *again).status_code == 200
    tokens = sorted(r["replyToken"] for r in platforms.replies())
    assert tokens == ["token-10", "token-11"]
    assert len(rows(client)) == 2


def test_a_server_that_died_before_replying_answers_the_redelivery_after_restart(
    tmp_path: Path, bot: Bot, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    platforms.reset()
    with running(tmp_path, bot, platforms) as first, monkeypatch.context() as m:
        m.setattr(LineChannel, "reply", crash)
        m.setattr(Service, "undelivered", lambda self, event_id: None)  # died: nothing ran
        post_line(first, line_event(8))
        (row,) = rows(first)
        assert row["delivery"] == "owed"
    time.sleep(0.01)
    with running(tmp_path, bot, platforms) as second:  # the restarted server
        # Answered once: by the start's re-send pass (bot.channels.resend) or by the
        # redelivery, whichever takes the owed row first; the reply token is young.
        assert post_line(second, line_event(8, redelivery=True)).status_code == 200
        wait_for(lambda: len(platforms.replies()) >= 1)
        assert [r["replyToken"] for r in platforms.replies()] == ["token-8"]
        assert post_line(second, line_event(8, redelivery=True)).status_code == 200
        wait_for(lambda: rows(second)[0]["delivery"] == "done")
        assert len(platforms.replies()) == 1
        (row,) = rows(second)
        assert row["delivery"] == "done" and row["event_id"] == EVENT.format(8)


def test_an_owed_reply_is_left_alone_until_it_is_stale(
    client: TestClient, platforms: Platforms
) -> None:
    """Within `stale_after` another worker may still be replying: the redelivery waits."""
    service = client.app.state.service  # type: ignore[attr-defined]
    service.claims.stale_after = 0.3
    from bot.core.types import Incoming

    incoming = Incoming(text="hello")
    assert service.handle("line", "U9", incoming, EVENT.format(9), reply_owed=True) is not None
    assert post_line(client, line_event(9, user="U9", redelivery=True)).status_code == 200
    assert platforms.replies() == []
    time.sleep(0.35)
    assert post_line(client, line_event(9, user="U9", redelivery=True)).status_code == 200
    assert [r["replyToken"] for r in platforms.replies()] == ["token-9"]
    assert len(rows(client)) == 1


def test_failure_before_the_telegram_send_is_answered_by_the_redelivery(
    client: TestClient, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(TelegramChannel, "_send", crash)
        assert post_tg(client, tg_update(7)).status_code == 200
    assert rows(client)[0]["delivery"] == "retry"
    assert platforms.sends() == []
    assert post_tg(client, tg_update(7)).status_code == 200
    sent = len(platforms.sends())
    assert sent >= 1
    assert post_tg(client, tg_update(7)).status_code == 200
    assert len(platforms.sends()) == sent
    (row,) = rows(client)
    assert row["event_id"] == "tg:7" and row["delivery"] == "done"


def test_a_bug_in_the_bot_leaves_no_row_and_the_redelivery_is_answered(
    client: TestClient, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    with monkeypatch.context() as m:
        m.setattr(service.bot, "handle", lambda *a: 1 / 0)
        assert post_line(client, line_event(12)).status_code == 500
        assert client.post("/api/chat", json={"text": "hi"}).status_code == 500
    assert rows(client) == []  # the claim was taken back: nothing half-written
    assert post_line(client, line_event(12, redelivery=True)).status_code == 200
    assert len(platforms.replies()) == 1 and len(rows(client)) == 1
