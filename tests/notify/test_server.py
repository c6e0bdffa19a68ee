"""The scheduler inside the server, and the monthly report's notification counts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.analytics import Month, build_report
from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.notify import ledger
from bot.notify.broadcast import Broadcasts
from bot.storage import Store
from bot.web.app import create_app

from .conftest import TG_TOKEN, Fakes, line_id, subscribe, tg_id


def test_the_server_delivers_queued_broadcasts(
    tmp_path: Path, bot: Bot, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESBOT_TELEGRAM_PER_SECOND", "500")
    db = tmp_path / "server.sqlite3"
    store = Store(db)
    subscribe(store, 1, "line", "es")
    subscribe(store, 2, "telegram", "zh")
    api = Broadcasts(store, bot.kb)
    bid = api.create_broadcast(template="distribution", params={"place": "市役所", "time": "10:00"})
    api.queue(bid)  # e.g. by the staff page; the server's scheduler sends it
    settings = load_settings(
        env_file=None,
        db_path=db,
        line_channel_secret="s",
        line_access_token="test-access-token",
        line_api_base=fakes.line_url,
        telegram_token=TG_TOKEN,
        telegram_secret_token="t",
        telegram_api_base=f"{fakes.tg_url}/bot",
    )
    with TestClient(create_app(settings, bot)) as client:
        deadline = time.time() + 20
        while ledger.pending(store) and time.time() < deadline:
            time.sleep(0.05)
        client.app.state.notify.wake()  # type: ignore[attr-defined]
    received = fakes.received()
    assert set(received) == {line_id(1), tg_id(2)}
    assert "Reparto de agua y comida" in received[line_id(1)][0]
    assert "发放水和食物" in received[tg_id(2)][0]
    assert api.status(bid).state == "done"


def test_the_monthly_report_counts_deliveries_and_sign_ups(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.sqlite3")
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    for i, status in enumerate(["sent", "sent", "sent", "failed", "blocked", "pending"]):
        store.db.conn.execute(
            "insert into notify_deliveries (dedupe_key, source, kind, user_key, channel,"
            " message_id, status, created, updated) values (?, 'broadcast', 'disaster', 'k',"
            " 'line', 1, ?, ?, ?)",
            [f"x{i}", status, now, now],
        )
    for kind in ("volunteer", "class", "class"):
        store.db.conn.execute(
            "insert into notify_signup_counts (kind, ts) values (?, ?)", [kind, now]
        )
    report = build_report(store.db, Month.parse(now[:7]))
    summary = report.total.summary()
    assert summary["deliveries_sent"] == 3
    assert (summary["deliveries_failed"], summary["deliveries_blocked"]) == (1, 1)
    assert (summary["volunteer_signups"], summary["class_signups"]) == (1, 2)
