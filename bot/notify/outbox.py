"""Sends every pending delivery through the senders, and picks up after a crash.

A run first recovers rows a dead sender left `sending` (see `ledger`: at once
when it was a process of this host that is gone, else after `stale_after`),
settles rows that must not go (expired, blocked, unsubscribed), then drains the
ledger: LINE in multicast batches of one message (500 recipients a call),
Telegram with a few workers sharing the rate limiter; a Telegram row is claimed
only when the limiter lets its request go. Any number of runs may overlap (the
server's scheduler, `resbot broadcast --send`, a cron `resbot remind`): claims
are atomic, so each row is sent by one of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.types import Reply
from bot.storage import Store

from . import ledger, messages
from .limits import Limits
from .retry import RetryPolicy
from .senders import LineSender, Outcome, describe

if TYPE_CHECKING:
    from .telegram_sender import TelegramSender

log = logging.getLogger("resbot.notify")
# Seconds a claim of a live or uncheckable sender (another host) may stay `sending`
# before it counts as interrupted; a dead process on this host is recovered at once.
STALE_AFTER = 300.0


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Outbox:
    store: Store
    line: LineSender | None = None
    telegram: TelegramSender | None = None
    stale_after: float = STALE_AFTER
    clock: Callable[[], datetime] = utcnow
    _messages: dict[int, list[Reply]] = field(default_factory=dict)
    _starting: asyncio.Lock = field(default_factory=asyncio.Lock)

    def message(self, message_id: int) -> list[Reply]:
        if message_id not in self._messages:
            self._messages[message_id] = messages.get(self.store, message_id)
        return self._messages[message_id]

    async def run(
        self, now: datetime | None = None, wait_for_claims: bool = False
    ) -> dict[str, int]:
        """Deliver everything pending; returns the ledger's counts per status.

        `wait_for_claims` (`--resume`): when claims of a sender that may be alive
        (another host) are not stale yet, wait until they are, saying so, and
        recover them then; otherwise they are left to their sender."""
        self._recover()
        ledger.screen(self.store, now or self.clock())
        await asyncio.gather(self._line(), self._telegram())
        while wait_for_claims and (held := self._recover().waiting):
            seconds = max(held.values())
            log.warning(
                "waiting %.0f s for the claims of %s to expire", seconds, ", ".join(sorted(held))
            )
            await asyncio.sleep(seconds + 0.01)
            self._recover()
            await asyncio.gather(self._line(), self._telegram())
        return ledger.counts(self.store)

    def _recover(self) -> ledger.Recovery:
        found = ledger.recover(self.store, utcnow() - timedelta(seconds=self.stale_after))
        if found.batches or found.lost:
            log.warning(
                "resuming after an interruption: %d LINE batch(es) resent with their retry key,"
                " %d Telegram message(s) marked failed (delivery unknown)",
                found.batches,
                found.lost,
            )
        return found

    async def close(self) -> None:
        for sender in (self.line, self.telegram):
            if sender is not None:
                await sender.close()

    async def _line(self) -> None:
        sender = self.line
        if sender is None:
            return
        while True:
            batch = ledger.next_line_batch(self.store, sender.limits.line_multicast_max)
            if batch is None:
                return
            if not batch.deliveries:
                ledger.finish_batch(self.store, batch, "cancelled", "data deleted")
                continue
            async with self._starting:
                if sender.api is None:
                    await sender.start()
            to = [address for _, address in batch.deliveries]
            try:
                outcome = await sender.multicast(
                    to, self.message(batch.message_id), batch.retry_key
                )
            except Exception as exc:  # a bug or an SDK surprise must not wedge the batch
                log.exception("LINE multicast raised")
                outcome = Outcome("failed", describe(exc))
            ledger.finish_batch(self.store, batch, outcome.status, outcome.error)
            if outcome.status != "sent":
                log.warning("LINE multicast to %d failed: %s", len(to), outcome.error)

    async def _telegram(self) -> None:
        sender = self.telegram
        if sender is None or not ledger.has_pending(self.store, "telegram"):
            return
        async with self._starting:  # before any claim: a failed start leaves rows pending
            if sender.bot is None:
                await sender.start()

        last = 0  # rows up to here are taken by a worker of this run

        async def worker() -> None:
            nonlocal last
            while True:
                job = ledger.next_telegram(self.store, last)
                if job is None:
                    return
                last = job.id  # no await since the query: the next worker takes the next row
                try:
                    outcome = await sender.send(
                        job.address,
                        self.message(job.message_id),
                        claim=partial(ledger.claim, self.store, job.id),
                    )
                except Exception as exc:  # one bad message must not stop the others
                    log.exception("Telegram send raised")
                    outcome = Outcome("failed", describe(exc))
                if outcome.status == "taken":
                    continue
                ledger.finish(self.store, job.id, outcome.status, outcome.error)
                if outcome.status == "blocked":
                    # Telegram's 403: the resident blocked the bot; stop messaging them.
                    self.store.touch_user(job.user_key, "telegram", follow=False)

        await asyncio.gather(*(worker() for _ in range(sender.limits.telegram_concurrency)))


def outbox_from_settings(
    store: Store,
    settings: Settings,
    limits: Limits | None = None,
    policy: RetryPolicy | None = None,
) -> Outbox:
    """An outbox with a sender for each platform whose token is set."""
    limits = limits or Limits.from_env()
    line = telegram = None
    if settings.line_access_token:
        line = LineSender(str(settings.line_access_token), settings.line_api_base, limits, policy)
    if settings.telegram_token:
        from .telegram_sender import TelegramSender  # PTB only when Telegram is on

        telegram = TelegramSender(
            str(settings.telegram_token), settings.telegram_api_base, limits, policy
        )
    return Outbox(store, line, telegram)
