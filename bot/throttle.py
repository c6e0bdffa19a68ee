"""Per-user rate limiting for the chat channels: a token bucket per user key.

A resident who floods the bot (a stuck client, a script, a prank) would fill the
log and slow everyone else down. Each user key gets `burst` messages at once and
`per_second` after that; the first refused message gets one polite "please slow
down" reply, the rest of the flood none, until the bucket has filled up again.
In memory on purpose: a restart forgives everyone, which is fine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.core.dialogue import Bot
from bot.core.langs import SOURCE_LANG
from bot.core.types import Reply, Result, Session

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


def throttle_from(burst: int, per_second: float) -> Throttle | None:
    """None (no limit) when per_second is 0: the setting that turns limiting off."""
    return Throttle(burst, per_second) if per_second > 0 else None


def refusal(bot: Bot, session: Session, verdict: Verdict) -> Result:
    """What a refused message gets: the polite phrase once per flood, then nothing."""
    lang = session.lang or session.last_lang or SOURCE_LANG
    replies = [Reply(bot.t("slow_down", lang))] if verdict == "warn" else []
    return Result(replies=replies, session=session, lang=lang, outcome="ignored")
