"""The only glue: load session -> core -> save session -> log the interaction.

Channels call this with channel-neutral values; it knows nothing of their SDKs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
import uuid
from functools import partial
from typing import Any

from bot.claims import STALE_AFTER, Claims
from bot.core import memo
from bot.core.dialogue import Bot
from bot.core.types import Incoming, Result, Session, replace
from bot.hostile import clean
from bot.notify import hooks as notify
from bot.privacy import mask
from bot.shelters import opened
from bot.storage import Store, now_iso
from bot.throttle import Throttle, refusal

DEV_SECRET = b"resbot-development-key-change-me"


def user_key(channel: str, user_id: str, secret: bytes) -> str:
    """Pseudonymous key: HMAC-SHA256 of channel + platform id; the raw id is never stored."""
    return hmac.new(secret, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


def secret_from_env() -> bytes:
    value = os.environ.get("RESBOT_SECRET_KEY")
    # Development default: pseudonyms are stable on this machine only.
    return value.encode() if value else DEV_SECRET


class Service:
    def __init__(
        self,
        bot: Bot,
        store: Store,
        secret: bytes | None = None,
        *,
        throttle: Throttle | None = None,
        stale_after: float = STALE_AFTER,
    ) -> None:
        self.bot = bot
        self.store = store
        self.secret = secret or secret_from_env()
        self.throttle = throttle  # None: no per-user rate limit (CLI, tests)
        self.claims = Claims(store, stale_after, self.secret)
        # A resident's pseudonym is one HMAC per message otherwise (bot.core.memo).
        self._keys = memo.bound(self._key)
        # Channels call in from worker threads (no SQLite on the event loop): one
        # turn at a time, so two messages of one resident never interleave their
        # session load and save. The loop stays free while a turn waits on SQLite.
        self.turns = threading.Lock()

    def key(self, channel: str, user_id: str) -> str:
        return self._keys(channel, user_id)

    def _key(self, channel: str, user_id: str) -> str:
        return user_key(channel, user_id, self.secret)

    def handle(
        self,
        channel: str,
        user_id: str,
        incoming: Incoming,
        event_id: str | None = None,
        *,
        lang: str | None = None,
        reply_owed: bool = False,
        reply_to: dict[str, Any] | None = None,
    ) -> Result | None:
        """Answer one event. None when this event id was already handled (redelivery).

        `reply_owed`: the caller will call `delivered` once it attempted the reply
        (LINE, Telegram), so a crash before that lets a redelivery answer the event
        (bot.claims). Without it a claimed event id is simply never handled again.
        `reply_to`: the platform address a re-send needs (bot.channels.resend), kept
        with the replies in the same transaction until the reply is settled."""
        user_id, event_id = clean(user_id), event_id and clean(event_id)
        lang = lang and clean(lang)
        incoming = replace(
            incoming,
            text=clean(incoming.text),
            platform_lang=incoming.platform_lang and clean(incoming.platform_lang),
        )
        key = self.key(channel, user_id)
        owed = reply_owed and event_id is not None
        event_id = event_id or f"{channel}:{uuid.uuid4().hex}"
        with self.turns, self.claims.claimed(event_id, channel, key, incoming.kind, owed) as mine:
            if not mine:
                return None
            keep = reply_to if owed else None
            return self._limited(key, event_id, keep) or self._turn(
                channel, user_id, key, incoming, event_id, lang, keep
            )

    def _kept_reply(self, reply_to: dict[str, Any] | None, result: Result) -> dict[str, str]:
        """The log row's `reply`: what a re-send of this owed reply needs (cleared when
        it is settled), written with the rest of the row in one statement. Nothing
        after "delete my data": the platform id it holds must not outlive it."""
        if reply_to is None or any(e.kind == "forget" for e in result.effects):
            return {}
        # What dataclasses.asdict gives (bot.channels.resend reads it back), built
        # directly: asdict deep-copies field by field, a tenth of the service's CPU.
        replies = [
            {"text": r.text, "buttons": [{"label": b.label, "data": b.data} for b in r.buttons]}
            for r in result.replies
        ]
        payload = {"to": reply_to, "at": now_iso(), "replies": replies}
        return {"reply": self.claims.seal(payload)}

    def _limited(
        self, key: str, event_id: str, reply_to: dict[str, Any] | None = None
    ) -> Result | None:
        """A flooding user's message: logged as ignored (no text), one "slow down" per flood."""
        verdict = self.throttle.take(key) if self.throttle else "ok"
        if verdict == "ok":
            return None
        result = refusal(self.bot, Session.from_dict(self.store.load_session(key)), verdict)
        row = {"lang": result.lang, "outcome": "ignored"}
        self.store.complete(event_id, {**row, **self._kept_reply(reply_to, result)})
        return result

    def _turn(
        self,
        channel: str,
        user_id: str,
        key: str,
        incoming: Incoming,
        event_id: str,
        lang: str | None,
        reply_to: dict[str, Any] | None = None,
    ) -> Result:
        started = time.perf_counter()
        stored = self.store.load_session(key)
        if stored is None or incoming.kind == "follow":
            # A session row is only written below, after its users row: a returning
            # resident's turn needs no insert (one statement fewer per turn).
            self.store.touch_user(key, channel, follow=True if incoming.kind == "follow" else None)
        session = Session.from_dict(stored)
        if lang:
            session.lang = lang
        notify.prepare(self.store, channel, key, session)
        # The open shelters and the active disaster, read only if the answer needs them.
        result = self.bot.handle(incoming, session, partial(opened.live, self.store))
        self.store.save_session(key, result.session.to_dict())
        notify.apply(self.store, channel, user_id, key, result)
        if result.feedback is not None:
            self.store.add_feedback(event_id, key, *result.feedback)
        # `ts` stays the claim's (bot.storage.claim): the indexed column is written once.
        row = {
            "lang": result.lang,
            "outcome": result.outcome,
            "topic": result.topic,
            "entry": result.entry,
            "score": round(result.score, 4),
            "desk_referral": int(result.desk_referral),
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            "text": mask(incoming.text) if incoming.kind == "text" and not result.private else None,
        }
        self.store.complete(event_id, {**row, **self._kept_reply(reply_to, result)})
        if any(e.kind == "forget" for e in result.effects):
            # "Delete my data": the remembered pseudonyms hold raw platform ids, so
            # none may outlive it (an LRU cannot drop one key; refilling is cheap).
            memo.clear(self._keys)
        return result

    def record(self, channel: str, user_id: str | None, kind: str, event_id: str | None) -> bool:
        """Log an event that gets no answer (unfollow, unknown types...). False if seen."""
        user_id, event_id = user_id and clean(user_id), event_id and clean(event_id)
        key = self.key(channel, user_id) if user_id else ""
        event_id = event_id or f"{channel}:{uuid.uuid4().hex}"
        with self.claims.claimed(event_id, channel, key, kind, owed=False) as mine:
            if not mine:
                return False
            if user_id and kind == "unfollow":
                self.store.touch_user(key, channel, follow=False)
            self.store.complete(event_id, {"outcome": "ignored"})
        return True

    def delivered(self, event_id: str | None) -> None:
        """The channel attempted the reply: a redelivery of this event is a duplicate."""
        if event_id:
            self.claims.settle(event_id, "done")

    def undelivered(self, event_id: str | None) -> None:
        """The channel failed before replying: the platform's redelivery answers it."""
        if event_id:
            self.claims.settle(event_id, "retry")
