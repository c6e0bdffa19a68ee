"""The only glue: load session -> core -> save session -> log the interaction.

Channels call this with channel-neutral values; it knows nothing of their SDKs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
import uuid

from bot.core.dialogue import Bot
from bot.core.types import Incoming, Result, Session
from bot.privacy import mask
from bot.storage import Store, now_iso

DEV_SECRET = b"resbot-development-key-change-me"


def user_key(channel: str, user_id: str, secret: bytes) -> str:
    """Pseudonymous key: HMAC-SHA256 of channel + platform id; the raw id is never stored."""
    return hmac.new(secret, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


def secret_from_env() -> bytes:
    value = os.environ.get("RESBOT_SECRET_KEY")
    # Development default: pseudonyms are stable on this machine only.
    return value.encode() if value else DEV_SECRET


class Service:
    def __init__(self, bot: Bot, store: Store, secret: bytes | None = None) -> None:
        self.bot = bot
        self.store = store
        self.secret = secret or secret_from_env()

    def key(self, channel: str, user_id: str) -> str:
        return user_key(channel, user_id, self.secret)

    def handle(
        self,
        channel: str,
        user_id: str,
        incoming: Incoming,
        event_id: str | None = None,
        *,
        lang: str | None = None,
    ) -> Result | None:
        """Answer one event. None when this event id was already handled (redelivery)."""
        key = self.key(channel, user_id)
        event_id = event_id or f"{channel}:{uuid.uuid4().hex}"
        if not self.store.claim(event_id, channel, key, incoming.kind):
            return None
        started = time.perf_counter()
        self.store.touch_user(key, channel, follow=True if incoming.kind == "follow" else None)
        session = Session.from_dict(self.store.load_session(key))
        if lang:
            session.lang = lang
        result = self.bot.handle(incoming, session)
        self.store.save_session(key, result.session.to_dict())
        if result.feedback is not None:
            self.store.add_feedback(event_id, key, *result.feedback)
        self.store.complete(
            event_id,
            {
                "ts": now_iso(),
                "lang": result.lang,
                "outcome": result.outcome,
                "topic": result.topic,
                "entry": result.entry,
                "score": round(result.score, 4),
                "desk_referral": int(result.desk_referral),
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                "text": mask(incoming.text) if incoming.kind == "text" else None,
            },
        )
        return result

    def record(self, channel: str, user_id: str | None, kind: str, event_id: str | None) -> bool:
        """Log an event that gets no answer (unfollow, unknown types...). False if seen."""
        key = self.key(channel, user_id) if user_id else ""
        event_id = event_id or f"{channel}:{uuid.uuid4().hex}"
        if not self.store.claim(event_id, channel, key, kind):
            return False
        if user_id and kind == "unfollow":
            self.store.touch_user(key, channel, follow=False)
        self.store.complete(event_id, {"outcome": "ignored"})
        return True
