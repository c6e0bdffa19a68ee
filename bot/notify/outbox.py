"""Sends every pending delivery through the senders, and picks up after a crash.

A run first recovers rows a dead sender left `sending` (see `ledger`: at once
when it was a process of this host that is gone, else once its heartbeat is
`stale_after` old: RESBOT_NOTIFY_STALE_AFTER, 30 s), settles rows that must not
go (expired, blocked, unsubscribed), then drains the ledger: LINE in multicast
batches of one message (500 recipients a call), Telegram with a few workers
sharing the rate limiter (on PostgreSQL a window shared by every instance,
`sendslots`); a Telegram row is claimed only when the limiter lets its request
go. Any number of runs may overlap (the server's scheduler on each instance,
`resbot broadcast --send`, a cron `resbot remind`): claims are atomic, so each
row is sent by one of them. While a run holds claims it refreshes their stamps
every `stale_after / 4` seconds, so no other instance takes over a live claim.

The database may become unreachable mid-run: a row whose claim failed stays
`pending` (nothing was sent); an outcome that could not be written is kept in
memory (its claim still held and beating) and written at the next run; the run
stops early and the scheduler's next tick carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.config import Config

from bot.config import Settings
from bot.core.types import Reply
from bot.db import ERRORS
from bot.storage import Store

from . import ledger, messages
from .limits import Limits
from .retry import RetryPolicy
from .senders import LineSender, Outcome, describe

if TYPE_CHECKING:
    from .telegram_sender import TelegramSender

log = logging.getLogger("resbot.notify")
# Seconds after its sender's last heartbeat a claim of another instance (or host)
# counts as interrupted; a dead process on this host is recovered at once.
STALE_AFTER = 30.0
STALE_ENV = "RESBOT_NOTIFY_STALE_AFTER"


def utcnow() -> datetime:
    return datetime.now(UTC)


def stale_after_from_env(env_file: str = ".env") -> float:
    """RESBOT_NOTIFY_STALE_AFTER from the environment or `.env`, as `resbot serve` reads."""
    config = Config(env_file if Path(env_file).exists() else None)
    return float(config(STALE_ENV, cast=float, default=STALE_AFTER))


@dataclass
class Outbox:
    store: Store
    line: LineSender | None = None
    telegram: TelegramSender | None = None
    stale_after: float = field(default_factory=stale_after_from_env)
    clock: Callable[[], datetime] = utcnow
    _messages: dict[int, list[Reply]] = field(default_factory=dict)
    _starting: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Claims this outbox holds (refreshed by the heartbeat), and outcomes not written yet.
    _rows: set[int] = field(default_factory=set)
    _batches: set[int] = field(default_factory=set)
    _unwritten: dict[int, Outcome] = field(default_factory=dict)
    _unwritten_batches: dict[int, tuple[ledger.LineBatch, Outcome]] = field(default_factory=dict)
    unavailable: bool = False  # the last run met an unreachable database

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
        self.unavailable = False
        beat = asyncio.create_task(self._beat(), name="resbot-notify-heartbeat")
        try:
            self._write_unwritten()
            self._recover()
            ledger.screen(self.store, now or self.clock())
            await asyncio.gather(self._line(), self._telegram())
            while wait_for_claims and (held := self._recover().waiting):
                seconds = max(held.values())
                log.warning(
                    "waiting %.0f s for the claims of %s to expire",
                    seconds,
                    ", ".join(sorted(held)),
                )
                await asyncio.sleep(seconds + 0.01)
                self._recover()
                await asyncio.gather(self._line(), self._telegram())
            return ledger.counts(self.store)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _beat(self) -> None:
        """Refresh the stamps of the claims this run holds (see `ledger.heartbeat`)."""
        every = max(0.05, self.stale_after / 4)
        while True:
            await asyncio.sleep(every)
            try:
                ledger.heartbeat(self.store, self._rows, self._batches)
            except ERRORS as exc:  # the claims age meanwhile; sends are not stopped
                log.error("notification heartbeat failed: %s", exc)

    def _down(self, what: str, exc: BaseException) -> None:
        self.unavailable = True
        log.error("database unavailable (%s): left for the next run: %s", what, exc)

    def _write_unwritten(self) -> None:
        """Write the outcomes a database outage kept in memory (their rows stayed claimed)."""
        for row_id, outcome in list(self._unwritten.items()):
            ledger.finish(self.store, row_id, outcome.status, outcome.error)
            del self._unwritten[row_id]
            self._rows.discard(row_id)
        for batch_id, (batch, outcome) in list(self._unwritten_batches.items()):
            ledger.finish_batch(self.store, batch, outcome.status, outcome.error)
            del self._unwritten_batches[batch_id]
            self._batches.discard(batch_id)

    def _recover(self) -> ledger.Recovery:
        found = ledger.recover(self.store, utcnow() - timedelta(seconds=self.stale_after))
        if found.batches or found.unknown:
            log.warning(
                "resuming after an interruption: %d LINE batch(es) resent with their retry key,"
                " %d Telegram message(s) marked unknown (delivery unknown, not resent)",
                found.batches,
                found.unknown,
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
            try:
                batch = ledger.next_line_batch(self.store, sender.limits.line_multicast_max)
            except ERRORS as exc:  # the claim's transaction is rolled back: rows stay pending
                return self._down("claiming a LINE batch", exc)
            if batch is None:
                return
            self._batches.add(batch.id)
            if not batch.deliveries:
                outcome = Outcome("cancelled", "data deleted")
            else:
                async with self._starting:
                    if sender.api is None:
                        await sender.start()
                to = [address for _, address in batch.deliveries]
                try:
                    outcome = await sender.multicast(
                        to, self.message(batch.message_id), batch.retry_key
                    )
                except ERRORS as exc:  # reading the message, nothing sent: no longer beaten,
                    self._batches.discard(batch.id)  # the claim goes stale and is resent
                    return self._down("reading a LINE message", exc)  # with its key
                except Exception as exc:  # a bug or an SDK surprise must not wedge the batch
                    log.exception("LINE multicast raised")
                    outcome = Outcome("failed", describe(exc))
                if outcome.status != "sent":
                    log.warning("LINE multicast to %d failed: %s", len(to), outcome.error)
            try:
                ledger.finish_batch(self.store, batch, outcome.status, outcome.error)
            except ERRORS as exc:
                self._unwritten_batches[batch.id] = (batch, outcome)
                return self._down("writing a LINE batch's outcome", exc)
            self._batches.discard(batch.id)

    async def _telegram(self) -> None:
        sender = self.telegram
        if sender is None:
            return
        try:
            if not ledger.has_pending(self.store, "telegram"):
                return
        except ERRORS as exc:
            return self._down("looking for Telegram rows", exc)
        async with self._starting:  # before any claim: a failed start leaves rows pending
            if sender.bot is None:
                if self.store.is_pg and sender.shared is None:
                    from .sendslots import SendSlots

                    sender.shared = SendSlots(str(self.store.path))
                await sender.start()

        last = 0  # rows up to here are taken by a worker of this run
        # PostgreSQL: other instances drain the same rows; picking spreads them apart.
        picker = f"{ledger.owner()} pick {id(self):x}" if self.store.is_pg else None

        def claim(row_id: int) -> bool:
            if ledger.claim(self.store, row_id):
                self._rows.add(row_id)
                return True
            return False

        async def worker() -> None:
            nonlocal last
            while not self.unavailable:
                try:
                    job = ledger.next_telegram(self.store, last, picker)
                except ERRORS as exc:
                    return self._down("looking for Telegram rows", exc)
                if job is None:
                    return
                last = job.id  # no await since the query: the next worker takes the next row
                try:
                    outcome = await sender.send(
                        job.address,
                        self.message(job.message_id),
                        claim=partial(claim, job.id),
                    )
                except ERRORS as exc:
                    if job.id in self._rows:
                        # Claimed, then a later part or retry could not book its turn: a
                        # part may have arrived, so it is never sent again.
                        self._unwritten[job.id] = Outcome("unknown", f"database unavailable: {exc}")
                    # Else the claim itself failed: the row stays pending, nothing was sent.
                    return self._down("sending a Telegram row", exc)
                except Exception as exc:  # one bad message must not stop the others
                    log.exception("Telegram send raised")
                    outcome = Outcome("failed", describe(exc))
                if outcome.status == "taken":
                    continue
                try:
                    ledger.finish(self.store, job.id, outcome.status, outcome.error)
                    if outcome.status == "blocked":
                        # Telegram's 403: the resident blocked the bot; stop messaging them.
                        self.store.touch_user(job.user_key, "telegram", follow=False)
                except ERRORS as exc:
                    self._unwritten[job.id] = outcome
                    return self._down("writing a Telegram outcome", exc)
                self._rows.discard(job.id)

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
