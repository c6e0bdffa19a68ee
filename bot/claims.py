"""Claim-first handling of one platform event, safe against faults and crashes.

Each event id is claimed (a `pending` log row) before the bot runs. The states of
the row's `delivery` column, for events a platform may redeliver (LINE, Telegram):

    owed   claimed (and answered and logged), the reply not yet attempted
    done   the reply was attempted (sent, or refused by the platform: logged)
    retry  the handler failed after the claim: a redelivery is processed again

An `owed` row whose claim is older than the running server (it crashed between
logging and replying) or older than `stale_after` seconds counts as `retry` too,
so the redelivery answers it: one reply in the end, one log row. Only callers that
call `Service.delivered` after replying (LINE, Telegram: `reply_owed=True`) get
`owed` rows; for the others (web chat, CLI) `delivery` stays NULL.

The claim, the turn's writes (session, user, effects) and the completed log row
are one SQLite transaction (issue 18: one commit per event instead of ten). If
the handler fails, the transaction is rolled back: neither the claim nor anything
half-written is left, and the platform's redelivery is handled afresh. SQLite
errors (locked, disk full) surface as `Unavailable` so a webhook answers 503 and
the platform redelivers. The `done` mark after the reply is a second, one-row
write: it must come after the reply was attempted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from bot import storage
from bot.db import ERRORS
from bot.storage import Store

log = logging.getLogger("resbot.service")
STALE_AFTER = 120.0  # seconds: longer than any reply can take (timeouts are 10 s)


class Unavailable(RuntimeError):
    """The database cannot take the write now (locked, disk full, I/O): try later."""


class Claims:
    def __init__(self, store: Store, stale_after: float = STALE_AFTER) -> None:
        self.store = store
        self.stale_after = stale_after
        self.started = _parse(storage.now_iso())  # the clock of the `claimed` column

    def retry_before(self) -> str:
        """Owed claims older than this were left by a crash: this process or an earlier one."""
        now = datetime.now(UTC)  # per event: no round trip through a string
        cutoff = now - timedelta(seconds=self.stale_after)
        if not self.store.is_pg:  # PostgreSQL: other live instances claimed before we started
            cutoff = max(self.started, cutoff)
        return cutoff.isoformat(timespec="milliseconds")

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

    def settle(self, event_id: str, delivery: str) -> None:
        """Mark the reply of a redeliverable event attempted ("done") or failed ("retry")."""
        try:
            self.store.set_delivery(event_id, delivery)
        except ERRORS as exc:  # the interaction is logged; only the mark is missing
            log.error("could not mark event %s %s: %s", event_id, delivery, exc)


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)
