"""Retention: message text is deleted after a while, the counts stay.

Text is kept only so staff can review unanswered questions; after the retention
period (RESBOT_RETENTION_DAYS, default 180) it is set to NULL. The rest of each
row (time, channel, topic, outcome...) is what the monthly KPI reports count, so
it is kept. Called by `resbot log purge` and, being cheap, by a server on a timer.

Web-chat sessions that will never be used again go too (`purge_sessions`): one
that never came back with its cookie (a single log row) after a day, and any that
was idle longer than the cookie lives (180 days). Their log rows stay, with the
pseudonymous key: the counts do not change. Chat-app users are kept (their
follow state and notification settings live there).
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool

from bot.storage import Store

ENV_VAR = "RESBOT_RETENTION_DAYS"
DEFAULT_DAYS = 180
WEB_COOKIE_DAYS = 180  # the web chat's cookie lifetime (bot.channels.webchat)
ONE_SHOT_GRACE = timedelta(days=1)  # a new web session may still come back this long
EVERY = 6 * 3600.0  # seconds between the server's runs (the first: FIRST_AFTER after start)
FIRST_AFTER = 600.0

log = logging.getLogger("resbot.retention")


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


def purge_sessions(store: Store, now: datetime | None = None) -> int:
    """Delete web-chat sessions (and their users rows) never used again; how many."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    one_shot = (now - ONE_SHOT_GRACE).isoformat(timespec="milliseconds")
    expired = (now - timedelta(days=WEB_COOKIE_DAYS)).isoformat(timespec="milliseconds")
    gone = (
        "select user_key from users where channel = 'web' and ("
        " (first_seen < :one_shot and user_key in (select user_key from interactions"
        "  where channel = 'web' group by user_key having count(*) = 1))"
        " or user_key in (select user_key from sessions where updated < :expired))"
    )
    args = {"one_shot": one_shot, "expired": expired}
    with store.lock:
        store.db.conn.execute("BEGIN IMMEDIATE")
        try:
            keys = [r[0] for r in store.db.conn.execute(gone, args).fetchall()]
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                store.db.conn.execute(f"delete from sessions where user_key in ({marks})", chunk)
                store.db.conn.execute(f"delete from users where user_key in ({marks})", chunk)
            store.db.conn.execute("COMMIT")
        except BaseException:
            store.db.conn.execute("ROLLBACK")
            raise
    return len(keys)


async def run_periodically(
    store: Store, every: float = EVERY, first_after: float = FIRST_AFTER
) -> None:
    """`resbot serve`'s retention job, in a worker thread (the loop never waits on it);
    a failed run is logged and tried again next time. Cancel the task to stop it."""
    await asyncio.sleep(first_after)
    while True:
        try:
            texts = await run_in_threadpool(purge_text, store)
            sessions = await run_in_threadpool(purge_sessions, store)
            if texts or sessions:
                log.info("retention: %d text(s), %d web session(s) purged", texts, sessions)
        except Exception:
            log.exception("retention run failed; trying again next time")
        await asyncio.sleep(every)
