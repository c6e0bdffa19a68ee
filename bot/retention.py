"""Retention: message text is deleted after a while, the counts stay.

Text is kept only so staff can review unanswered questions; after the retention
period (RESBOT_RETENTION_DAYS, default 180) it is set to NULL. The rest of each
row (time, channel, topic, outcome...) is what the monthly KPI reports count, so
it is kept. Called by `resbot log purge` and, being cheap, by a server on a timer.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from bot.storage import Store

ENV_VAR = "RESBOT_RETENTION_DAYS"
DEFAULT_DAYS = 180


def retention_days() -> int:
    """Days to keep message text: $RESBOT_RETENTION_DAYS, else 180."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return DEFAULT_DAYS
    days = int(value)
    if days < 0:
        raise ValueError(f"{ENV_VAR} must be 0 or more days, not {value!r}")
    return days


def purge_text(store: Store, days: int | None = None, now: datetime | None = None) -> int:
    """Set `text` to NULL on interactions older than `days`; returns how many rows."""
    days = retention_days() if days is None else days
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    cutoff = (now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=days)
    with store.lock:
        cur = store.db.conn.execute(
            "update interactions set text = NULL where ts < ? and text is not null",
            [cutoff.isoformat(timespec="milliseconds")],
        )
    return cur.rowcount
