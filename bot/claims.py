"""Claim-first handling of one platform event, safe against faults and crashes.

Each event id is claimed (a `pending` log row) before the bot runs. The states of
the row's `delivery` column, for events a platform may redeliver (LINE, Telegram):

    owed    claimed (and answered and logged), the reply not yet attempted
    resend  an owed reply left by a crash, taken for a re-send (bot.channels.resend)
    done    the reply was attempted (sent, or refused by the platform: logged)
    retry   the handler failed after the claim: a redelivery is processed again

An `owed` row whose claim is older than the running server (it crashed between
logging and replying) or older than `stale_after` seconds counts as `retry` too,
so the redelivery answers it: one reply in the end, one log row. Only callers that
call `Service.delivered` after replying (LINE, Telegram: `reply_owed=True`) get
`owed` rows; for the others (web chat, CLI) `delivery` stays NULL.

An owed row also keeps, in `reply`, what a re-send needs (the platform address and
the replies, JSON) until it is settled, which clears it. It is sealed (AES-GCM,
keyed from RESBOT_SECRET_KEY; rows sealed with Fernet by earlier versions are still
read), so the raw platform id in it is never readable in the database files, not
even in old -wal frames. A platform redelivers only
an event that got no 200, so the replies of acknowledged events a crash cut off are
re-sent from there (`owed_replies`, `take`): each row is taken by one compare-and-set
on its `claimed` stamp, so of two processes (or a redelivery and a re-send) exactly
one wins. A `resend` row whose re-sender died is taken again after `stale_after`.

The claim, the turn's writes (session, user, effects) and the completed log row
are one SQLite transaction (issue 18: one commit per event instead of ten). If
the handler fails, the transaction is rolled back: neither the claim nor anything
half-written is left, and the platform's redelivery is handled afresh. SQLite
errors (locked, disk full) surface as `Unavailable` so a webhook answers 503 and
the platform redelivers. The `done` mark after the reply is a second, one-row
write: it must come after the reply was attempted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot import storage
from bot.db import ERRORS
from bot.storage import Store

log = logging.getLogger("resbot.service")
STALE_AFTER = 120.0  # seconds: longer than any reply can take (timeouts are 10 s)
SEALED = "g1:"  # an AES-GCM sealed reply; Fernet tokens (earlier versions) start "gAAAAA"


@dataclass(frozen=True)
class Owed:
    """An owed reply a re-send may take: `claimed` is the stamp `take` compares."""

    event_id: str
    channel: str
    claimed: str
    reply: dict[str, Any]


class Unavailable(RuntimeError):
    """The database cannot take the write now (locked, disk full, I/O): try later."""


class Claims:
    def __init__(self, store: Store, stale_after: float = STALE_AFTER, secret: bytes = b"") -> None:
        self.store = store
        self.stale_after = stale_after
        self.started = storage.now_iso()  # the clock of the `claimed` column
        key = hmac.new(secret, b"resbot owed reply", hashlib.sha256).digest()
        self.fernet = Fernet(base64.urlsafe_b64encode(key))  # reads rows sealed before
        self.aead = AESGCM(hmac.new(secret, b"resbot owed reply aes-gcm", hashlib.sha256).digest())

    def seal(self, reply: dict[str, Any]) -> str:
        """The `reply` column's value: the JSON, encrypted and authenticated.

        AES-GCM in one call of the compiled library: Fernet's Python layers (padding,
        HMAC and cipher objects) took 2.5 % of a LINE webhook's instructions."""
        try:
            payload = orjson.dumps(reply)
        except orjson.JSONEncodeError:
            # A forged id with a lone surrogate: ASCII JSON keeps it through the round trip.
            payload = json.dumps(reply).encode()
        nonce = os.urandom(12)  # random 96-bit nonces: safe far beyond this key's use
        sealed = nonce + self.aead.encrypt(nonce, payload, None)
        return SEALED + base64.b64encode(sealed).decode()

    def unseal(self, sealed: str) -> dict[str, Any] | None:
        """The stored reply, or None when it was sealed with another secret key."""
        try:
            if sealed.startswith(SEALED):
                raw = base64.b64decode(sealed[len(SEALED) :], validate=True)
                plain = self.aead.decrypt(raw[:12], raw[12:], None)
            else:
                plain = self.fernet.decrypt(sealed.encode())
            value = json.loads(plain)
        except (InvalidTag, InvalidToken, binascii.Error, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def retry_before(self) -> str:
        """Owed claims older than this were left by a crash: this process or an earlier one."""
        cutoff = storage.iso_ns(time.time_ns() - int(self.stale_after * 1e9))
        if not self.store.is_pg:  # PostgreSQL: other live instances claimed before we started
            cutoff = max(self.started, cutoff)  # one format: text order is time order
        return cutoff

    @contextmanager
    def claimed(
        self, event_id: str, channel: str, key: str, kind: str, owed: bool
    ) -> Iterator[bool]:
        """Yield True when this event is ours to handle, False when it was handled.

        The store's lock and one write transaction are held until the block ends."""
        store = self.store
        with store.lock:
            try:
                store.begin()
                mine = store.claim(
                    event_id, channel, key, kind, owed=owed, retry_before=self.retry_before()
                )
            except ERRORS as exc:
                self._rollback(event_id)
                log.error("database unavailable, event %s not handled: %s", event_id, exc)
                raise Unavailable(str(exc)) from exc
            if not mine:
                self._rollback(event_id)  # nothing was written
                yield False
                return
            try:
                yield True
            except BaseException as exc:
                self._rollback(event_id)
                if isinstance(exc, ERRORS):
                    log.error("database unavailable, event %s not handled: %s", event_id, exc)
                    raise Unavailable(str(exc)) from exc
                raise
            try:
                store.commit()
            except ERRORS as exc:
                self._rollback(event_id)
                log.error("database unavailable, event %s not handled: %s", event_id, exc)
                raise Unavailable(str(exc)) from exc

    def _rollback(self, event_id: str) -> None:
        """Undo the event's transaction: its claim too, so a redelivery handles it."""
        try:
            self.store.rollback()
        except ERRORS as exc:  # SQLite rolls back itself when the connection closes
            log.error("could not roll back event %s: %s", event_id, exc)

    def owed_replies(self, channels: list[str], limit: int = 100) -> list[Owed]:
        """Replies owed by a process that is gone (claimed before this one started),
        or owed (or taken for a re-send) longer than `stale_after`: re-sendable."""
        if not channels:
            return []
        stale = (datetime.now(UTC) - timedelta(seconds=self.stale_after)).isoformat(
            timespec="milliseconds"
        )
        marks = ", ".join("?" for _ in channels)
        with self.store.lock:
            rows = self.store.db.conn.execute(
                "select event_id, channel, claimed, reply from interactions"
                f" where channel in ({marks}) and reply is not null"
                " and ((delivery = 'owed' and claimed < ?)"
                " or (delivery = 'resend' and claimed < ?)) order by id limit ?",
                [*channels, self.retry_before(), stale, limit],
            ).fetchall()
        out = []
        for event_id, channel, claimed, sealed in rows:
            reply = self.unseal(sealed)
            if reply is None:  # RESBOT_SECRET_KEY changed since: it cannot be re-sent
                log.error("owed reply of %s unreadable (new secret key?): dropped", event_id)
                self.settle(event_id, "done")
                continue
            out.append(Owed(event_id, channel, claimed, reply))
        return out

    def take(self, owed: Owed) -> bool:
        """Claim an owed reply for a re-send: True for exactly one taker. One UPDATE
        that matches only while `claimed` is still what was read, so nobody (another
        process, a redelivery) claimed it since."""
        with self.store.lock:
            cur = self.store.db.conn.execute(
                "update interactions set delivery = 'resend', claimed = ?"
                " where event_id = ? and claimed = ? and delivery in ('owed', 'resend')",
                [storage.now_iso(), owed.event_id, owed.claimed],
            )
        return cur.rowcount == 1

    def settle(self, event_id: str, delivery: str) -> None:
        """Mark the reply of a redeliverable event attempted ("done") or failed ("retry")."""
        try:
            self.store.set_delivery(event_id, delivery)
        except ERRORS as exc:  # the interaction is logged; only the mark is missing
            log.error("could not mark event %s %s: %s", event_id, delivery, exc)

    def settle_many(self, marks: list[tuple[str, str]]) -> None:
        """`settle` of many events, one commit (the LINE worker's batched marks)."""
        try:
            self.store.set_deliveries(marks)
        except ERRORS as exc:  # logged; the rows stay owed and are re-sent after a restart
            log.error("could not mark %d events settled: %s", len(marks), exc)
