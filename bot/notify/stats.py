"""Monthly counts for the KPI report: deliveries and sign-ups (read-only).

Deliveries count by their final status in the month they reached it (a message
queued on the 31st and sent on the 1st counts in the new month). A delivery
whose outcome is unknown (cut off mid-send, never resent) counts as failed here:
it cannot be counted as received. Sign-ups come
from the anonymous tally, so a deleted sign-up still counts where it happened.
"""

from __future__ import annotations

import sqlite_utils

METRICS = (
    "deliveries_sent",
    "deliveries_failed",
    "deliveries_blocked",
    "volunteer_signups",
    "class_signups",
)


def monthly_counts(db: sqlite_utils.Database, start: str, end: str) -> dict[str, int]:
    """The five counts for [start, end) (ISO UTC bounds, as analytics.periods gives)."""
    out = dict.fromkeys(METRICS, 0)
    if db.table("notify_deliveries").exists():
        for status, n in db.execute(
            "select case when status = 'unknown' then 'failed' else status end, count(*)"
            " from notify_deliveries where status in ('sent', 'failed', 'blocked', 'unknown')"
            " and updated >= ? and updated < ? group by 1",
            [start, end],
        ).fetchall():
            out[f"deliveries_{status}"] += int(n)
    if db.table("notify_signup_counts").exists():
        for kind, n in db.execute(
            "select kind, count(*) from notify_signup_counts where ts >= ? and ts < ?"
            " group by kind",
            [start, end],
        ).fetchall():
            if f"{kind}_signups" in out:
                out[f"{kind}_signups"] = int(n)
    return out
