"""SQLite storage (sqlite-utils): sessions and the interaction log.

One write path for everything the service keeps; the core never imports this.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

SCHEMA_VERSION = 1


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(str(path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    def _migrate(self) -> None:
        sessions = self.db.table("sessions")
        if not sessions.exists():
            sessions.create({"user_key": str, "data": str, "updated": str}, pk="user_key")
        interactions = self.db.table("interactions")
        if not interactions.exists():
            interactions.create(
                {
                    "id": int,
                    "event_id": str,
                    "ts": str,
                    "channel": str,
                    "user_key": str,
                    "kind": str,
                    "lang": str,
                    "outcome": str,
                    "topic": str,
                    "entry": str,
                    "score": float,
                    "desk_referral": int,
                    "latency_ms": float,
                    "text": str,
                },
                pk="id",
            )
            interactions.create_index(["event_id"], unique=True)
            interactions.create_index(["ts"])
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def load_session(self, user_key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select data from sessions where user_key = ?", [user_key]))
        return json.loads(rows[0]["data"]) if rows else None

    def save_session(self, user_key: str, data: dict[str, Any]) -> None:
        self.db.table("sessions").upsert(
            {
                "user_key": user_key,
                "data": json.dumps(data, ensure_ascii=False),
                "updated": now_iso(),
            },
            pk="user_key",
        )

    def seen(self, event_id: str) -> bool:
        rows = list(self.db.query("select 1 from interactions where event_id = ?", [event_id]))
        return bool(rows)

    def log(self, row: dict[str, Any]) -> bool:
        """Insert one interaction; False when its event id was already logged."""
        with self.db.conn:
            cur = self.db.conn.execute(
                "insert or ignore into interactions (event_id, ts, channel, user_key, kind, lang,"
                " outcome, topic, entry, score, desk_referral, latency_ms, text)"
                " values (:event_id, :ts, :channel, :user_key, :kind, :lang, :outcome, :topic,"
                " :entry, :score, :desk_referral, :latency_ms, :text)",
                row,
            )
        return cur.rowcount == 1
