"""Faults: a locked or full database, a platform API that times out or fails.

What must hold each time: the webhook answers so that the platform redelivers
(5xx) when nothing was done, or 200 when the event was handled; the server keeps
serving; nothing half-written stays; an ERROR log line says what failed.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import bot.channels.line as line_channel
import bot.channels.telegram as telegram_channel
from bot.core.dialogue import Bot

from .conftest import Platforms, line_event, post_line, post_tg, rows, running, tg_update


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def integrity(client: TestClient) -> str:
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.lock:
        return str(store.db.execute("PRAGMA integrity_check").fetchone()[0])


# ------------------------------------------------------------------ database
def test_locked_database_answers_503_and_the_redelivery_is_handled_once(
    client: TestClient, platforms: Platforms, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    store.db.execute("PRAGMA busy_timeout=100")  # the default 5 s, shortened for the test
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # e.g. a long maintenance job in another process
    try:
        assert post_line(client, line_event(1)).status_code == 503
        assert post_tg(client, tg_update(1)).status_code == 503
        web = client.post("/api/chat", json={"text": "hello"})
        assert web.status_code == 503 and web.headers["retry-after"]
        assert "try again" in web.json()["error"]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert platforms.replies() == [] and platforms.sends() == []
    assert any("database unavailable" in m and "locked" in m for m in errors(caplog))
    assert rows(client) == []
    # The platforms redeliver once the lock is gone: each answered and logged once.
    assert post_line(client, line_event(1, redelivery=True)).status_code == 200
    assert post_tg(client, tg_update(1)).status_code == 200
    assert len(platforms.replies()) == 1 and platforms.sends()
    assert sorted(r["event_id"] for r in rows(client)) == ["01RELIABILITY0000000000001", "tg:1"]
    assert client.post("/api/chat", json={"text": "hello"}).status_code == 200


class FullDisk:
    """The store's connection, with writes that fail like a full disk.

    `after_claim`: only the writes after the claim fail (the claim fitted, the
    answer did not); otherwise every write fails."""

    def __init__(self, conn: sqlite3.Connection, after_claim: bool) -> None:
        self.conn = conn
        self.after_claim = after_claim

    def execute(self, sql: str, *args: Any) -> Any:
        verb = sql.lstrip().split(None, 1)[0].lower()
        claim = sql.lstrip().startswith("insert or ignore into interactions")
        release = verb == "delete" or "delivery = 'retry'" in sql
        failing = verb in ("insert", "update", "delete") and not (
            self.after_claim and (claim or release)
        )
        if failing:
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def test_disk_full_mid_event_leaves_nothing_half_written(
    client: TestClient,
    platforms: Platforms,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    real = store.db.conn
    monkeypatch.setattr(store.db, "conn", FullDisk(real, after_claim=True))
    assert post_line(client, line_event(2)).status_code == 503
    assert post_tg(client, tg_update(2)).status_code == 503
    assert client.post("/api/chat", json={"text": "hi"}).status_code == 503
    assert any("database or disk is full" in m for m in errors(caplog))
    monkeypatch.setattr(store.db, "conn", real)
    # The claims were taken back: no row, no reply, a sound database.
    assert rows(client) == [] and platforms.replies() == [] and platforms.sends() == []
    assert integrity(client) == "ok"
    assert client.get("/healthz").status_code == 200
    assert post_line(client, line_event(2, redelivery=True)).status_code == 200
    assert post_tg(client, tg_update(2)).status_code == 200
    assert len(rows(client)) == 2 and len(platforms.replies()) == 1


def test_disk_full_for_every_write_after_the_claim_leaves_no_claim_behind(
    client: TestClient, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim and the turn are one transaction (issue 18): when the writes after
    the claim fail, the rollback takes the claim back too, with no undo write that
    could fail in turn, and the redelivery is answered at once."""
    store = client.app.state.store  # type: ignore[attr-defined]
    real = store.db.conn
    monkeypatch.setattr(store.db, "conn", FullDisk(real, after_claim=True))
    assert post_line(client, line_event(3)).status_code == 503
    monkeypatch.setattr(store.db, "conn", real)
    assert rows(client) == []
    assert post_line(client, line_event(3, redelivery=True)).status_code == 200
    assert len(platforms.replies()) == 1
    (row,) = rows(client)
    assert row["outcome"] != "pending" and row["delivery"] == "done"


def test_a_real_sqlite_full_error_is_a_503_too(client: TestClient, tmp_path: Path) -> None:
    """No monkeypatching: SQLite itself says the database is full (max_page_count)."""
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.lock:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count={pages}")
    codes = [
        post_line(client, line_event(100 + i, "x" * 900, user=f"U{i}")).status_code
        for i in range(40)
    ]
    assert 503 in codes, codes
    with store.lock:
        store.db.execute("PRAGMA max_page_count=1073741823")
    assert integrity(client) == "ok"
    assert not rows(client, "outcome = 'pending'")
    assert client.post("/api/chat", json={"text": "hi"}).status_code == 200


# ------------------------------------------------------------------ platform APIs
@pytest.mark.parametrize("fault", ["timeout", "500"])
def test_line_api_fault_keeps_the_event_logged_once_and_the_server_serving(
    client: TestClient,
    platforms: Platforms,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    if fault == "timeout":
        monkeypatch.setattr(line_channel, "TIMEOUT", 0.3)
        platforms.slow.seconds = 1.0
    else:
        platforms.line.fail_next.append(500)
    assert post_line(client, line_event(4)).status_code == 200  # handled: no redelivery
    assert any(m.startswith("LINE reply failed") for m in errors(caplog))
    platforms.slow.seconds = 0.0
    (row,) = rows(client)
    assert row["delivery"] == "done" and row["outcome"] == "answer"
    assert post_line(client, line_event(4, redelivery=True)).status_code == 200
    assert post_line(client, line_event(5)).status_code == 200
    assert "token-5" in [r["replyToken"] for r in platforms.replies()]
    assert len(rows(client)) == 2


@pytest.mark.parametrize("fault", ["timeout", "500"])
def test_telegram_api_fault_keeps_the_update_logged_once_and_the_server_serving(
    tmp_path: Path,
    bot: Bot,
    platforms: Platforms,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    platforms.reset()
    monkeypatch.setattr(telegram_channel, "TIMEOUT", 0.3)  # read when the app is built
    with running(tmp_path, bot, platforms) as client:
        if fault == "timeout":
            platforms.slow.seconds = 1.0
        else:
            platforms.telegram.fail_next.append(500)
        assert post_tg(client, tg_update(4)).status_code == 200
        assert any(m.startswith("Telegram send failed") for m in errors(caplog))
        platforms.slow.seconds = 0.0
        (row,) = rows(client)
        assert row["delivery"] == "done"
        platforms.telegram.clear()
        assert post_tg(client, tg_update(4)).status_code == 200  # redelivered: ignored
        assert post_tg(client, tg_update(5)).status_code == 200
        assert len(platforms.sends()) >= 1 and len(rows(client)) == 2
