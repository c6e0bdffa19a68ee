"""Per-user rate limiting for the chat channels: a token bucket per user key.

A resident who floods the bot (a stuck client, a script, a prank) would fill the
log and slow everyone else down. Each user key gets `burst` messages at once and
`per_second` after that; the first refused message gets one polite "please slow
down" reply, the rest of the flood none, until the bucket has filled up again.
In memory on SQLite (one process): a restart forgives everyone, which is fine.
On PostgreSQL several instances share the traffic, so the buckets live in the
database (`StoredThrottle`): a flood spread over instances is still one flood.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.core.dialogue import Bot
from bot.core.langs import SOURCE_LANG
from bot.core.types import Reply, Result, Session

if TYPE_CHECKING:
    from bot.storage import Store

Verdict = Literal["ok", "warn", "drop"]
MAX_KEYS = 10_000  # past this many buckets, the full (idle) ones are forgotten


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class Throttle:
    def __init__(
        self,
        burst: int = 20,
        per_second: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or per_second <= 0:
            raise ValueError("burst must be 1 or more and per_second more than 0")
        self.burst = float(burst)
        self.per_second = per_second
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}
        self.lock = threading.Lock()

    def take(self, key: str) -> Verdict:
        """ "ok" to serve; "warn" for the first refused message of a flood; then "drop"."""
        now = self.clock()
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                if len(self.buckets) >= MAX_KEYS:
                    self._forget_idle(now)
                bucket = self.buckets[key] = _Bucket(self.burst, now)
            return self._spend(bucket, now)

    def _spend(self, bucket: _Bucket, now: float) -> Verdict:
        """Refill the bucket up to `now`, then take a token (or say why not)."""
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.warned = False  # calm again: a later flood is warned again
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return "ok"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"

    def _forget_idle(self, now: float) -> None:
        full = [
            k
            for k, b in self.buckets.items()
            if b.tokens + (now - b.at) * self.per_second >= self.burst
        ]
        for k in full:
            del self.buckets[k]


class StoredThrottle(Throttle):
    """The same buckets, kept in the database's `throttle_buckets` (wall-clock
    seconds), so every instance on one PostgreSQL database counts one flood.

    A bucket is read and written in one transaction with its row locked (inside
    an event's claim, the per-user lock of `Store.claim` is held already)."""

    PRUNE_EVERY = 1000  # takes between two deletions of full (idle) buckets

    def __init__(
        self,
        store: Store,
        burst: int = 20,
        per_second: float = 1.0,
        clock: Callable[[], float] = time.time,
        scope: str = "user",
    ) -> None:
        super().__init__(burst, per_second, clock)
        self.store, self.scope, self.takes = store, scope, 0

    def take(self, key: str) -> Verdict:
        from bot.notify.subscriptions import transaction  # storage imports notify

        now, name = self.clock(), f"{self.scope}:{key}"
        lock = " for update" if self.store.is_pg else ""
        with transaction(self.store):
            conn = self.store.db.conn
            conn.execute(
                "insert into throttle_buckets (name, tokens, at, warned) values (?, ?, ?, 0)"
                " on conflict do nothing",
                [name, self.burst, now],
            )
            tokens, at, warned = conn.execute(
                "select tokens, at, warned from throttle_buckets where name = ?" + lock, [name]
            ).fetchone()
            bucket = _Bucket(float(tokens), float(at), bool(warned))
            verdict = self._spend(bucket, now)
            conn.execute(
                "update throttle_buckets set tokens = ?, at = ?, warned = ? where name = ?",
                [bucket.tokens, bucket.at, int(bucket.warned), name],
            )
            self.takes += 1
            if self.takes % self.PRUNE_EVERY == 0:
                # Full again by now (and so unwarned): the same as no row at all.
                conn.execute(
                    "delete from throttle_buckets where at < ?",
                    [now - self.burst / self.per_second],
                )
        return verdict


def throttle_from(
    burst: int, per_second: float, store: Store | None = None, scope: str = "user"
) -> Throttle | None:
    """None (no limit) when per_second is 0: the setting that turns limiting off.
    Given a PostgreSQL store, the buckets are shared by every instance."""
    if per_second <= 0:
        return None
    if store is not None and store.is_pg:
        return StoredThrottle(store, burst, per_second, scope=scope)
    return Throttle(burst, per_second)


def refusal(bot: Bot, session: Session, verdict: Verdict) -> Result:
    """What a refused message gets: the polite phrase once per flood, then nothing."""
    lang = session.lang or session.last_lang or SOURCE_LANG
    replies = [Reply(bot.t("slow_down", lang))] if verdict == "warn" else []
    return Result(replies=replies, session=session, lang=lang, outcome="ignored")
