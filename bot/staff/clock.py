"""Timestamps: stored in UTC (like the interaction log), shown in the city's time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.analytics.periods import DEFAULT_TZ


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def local(ts: str | datetime | None, tz: str = DEFAULT_TZ) -> str:
    """'2026-11-24 10:31' in the city's time zone, for people to read."""
    if not ts:
        return ""
    when = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
