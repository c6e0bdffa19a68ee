"""The server's own retention timer (bot.retention.run_periodically, started by the
app's lifespan): with a short interval from the configuration, old message text
and web sessions that will not come back are purged, and nothing else changes.
The real app and its lifespan, the real SQLite file.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.dialogue import Bot
from bot.storage import Store

from .conftest import Platforms, running, wait_for

NOW = datetime.now(UTC)
TABLES = ("interactions", "sessions", "users", "feedback")


def iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat(timespec="milliseconds")


def seed(store: Store) -> None:
    """Old and new text; web sessions: one-shot (goes), came back (stays), idle past
    the cookie's life (goes); a Telegram user seen once long ago (stays)."""
    rows = [
        # event id, channel, user key, days ago, text
        ("e-old-web", "web", "web-oneshot", 200, "old question 090-1234-5678"),
        ("e-old-tg", "telegram", "tg-once", 200, "old telegram question"),
        ("e-back-1", "web", "web-back", 3, "first visit"),
        ("e-back-2", "web", "web-back", 2, "came back"),
        ("e-new-tg", "telegram", "tg-once", 10, "recent question"),
        ("e-idle", "web", "web-idle", 190, None),
        ("e-idle-2", "web", "web-idle", 185, None),
    ]
    with store.lock:
        for event, channel, key, days, text in rows:
            store.db.conn.execute(
                "insert into interactions (event_id, ts, channel, user_key, kind, outcome,"
                " text) values (?, ?, ?, ?, 'text', 'answer', ?)",
                [event, iso(days), channel, key, text],
            )
        for key, channel, first in (
            ("web-oneshot", "web", 200),
            ("web-back", "web", 3),
            ("web-idle", "web", 190),
            ("tg-once", "telegram", 200),
        ):
            store.db.conn.execute(
                "insert into users (user_key, channel, active, first_seen) values (?, ?, 1, ?)",
                [key, channel, iso(first)],
            )
        for key, updated in (("web-oneshot", 200), ("web-back", 2), ("web-idle", 185)):
            store.db.conn.execute(
                "insert into sessions (user_key, data, updated) values (?, '{}', ?)",
                [key, iso(updated)],
            )
        store.db.conn.execute(
            "insert into feedback (event_id, ts, user_key, entry, helpful)"
            " values ('e-back-2', ?, 'web-back', 'garbage.days', 1)",
            [iso(2)],
        )


def dump(db: Path) -> dict[str, set[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {t: set(conn.execute(f"select * from {t}").fetchall()) for t in TABLES}
    finally:
        conn.close()


def text_of(db: Path, event: str) -> str | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("select text from interactions where event_id = ?", [event]).fetchone()
        return row[0] if row else "<no row>"
    finally:
        conn.close()


def test_the_server_purges_on_its_timer_and_touches_nothing_else(
    tmp_path: Path, bot: Bot, platforms: Platforms
) -> None:
    platforms.reset()
    db = tmp_path / "retention.sqlite3"
    store = Store(db)
    seed(store)
    store.close()
    before = dump(db)
    with running(
        tmp_path, bot, platforms, db=db.name, retention_first_after=0.3, retention_every=0.5
    ):
        wait_for(lambda: text_of(db, "e-old-web") is None, timeout=15)
        wait_for(lambda: len(dump(db)["sessions"]) == 1, timeout=15)
        after = dump(db)
        # The timer runs again: text that turns old later is purged by a later run.
        conn = sqlite3.connect(db)
        conn.execute(
            "insert into interactions (event_id, ts, channel, user_key, kind, outcome, text)"
            " values ('e-late', ?, 'telegram', 'tg-once', 'text', 'answer', 'late text')",
            [iso(181)],
        )
        conn.commit()
        conn.close()
        wait_for(lambda: text_of(db, "e-late") is None, timeout=15)

    # Exactly what retention removes, nothing else: the old texts set to NULL...
    purged_text = {r for r in before["interactions"] if r[1] in ("e-old-web", "e-old-tg")}
    assert len(purged_text) == 2
    text_col = 13  # interactions: id, event_id, ts, ..., text (schema 1 order)
    expected = (before["interactions"] - purged_text) | {
        (*r[:text_col], None, *r[text_col + 1 :]) for r in purged_text
    }
    assert after["interactions"] == expected  # every row kept: the counts stay
    # ...the one-shot and the idle web sessions and their users; the rest untouched.
    gone = {"web-oneshot", "web-idle"}
    assert after["sessions"] == {r for r in before["sessions"] if r[0] not in gone}
    assert after["users"] == {r for r in before["users"] if r[0] not in gone}
    assert after["feedback"] == before["feedback"]
    assert text_of(db, "e-new-tg") == "recent question"
    assert text_of(db, "e-back-1") == "first visit"
