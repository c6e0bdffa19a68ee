"""The reminder and delivery loop inside `resbot serve` (an asyncio task).

Every `RESBOT_NOTIFY_INTERVAL` seconds (default 60; 0 turns it off) it queues
the garbage reminders that are due and drains the delivery ledger, which also
sends broadcasts queued by the staff page (`wake()` makes that immediate). A
restart simply runs the next tick: what was pending is sent, what was missed is
sent late or skipped (see `reminders`), nothing goes twice (see `ledger`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from starlette.config import Config

from bot.config import Settings
from bot.core.dialogue import Bot
from bot.storage import Store

from .outbox import Outbox, outbox_from_settings, utcnow
from .reminders import ReminderReport, Reminders

log = logging.getLogger("resbot.notify")
INTERVAL_ENV = "RESBOT_NOTIFY_INTERVAL"
DEFAULT_INTERVAL = 60.0


class Scheduler:
    def __init__(
        self,
        store: Store,
        bot: Callable[[], Bot],
        outbox: Outbox,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.bot = bot  # a function: the staff pages may reload the knowledge in place
        self.outbox = outbox
        self.interval = interval
        self.clock = clock
        self._reminders: Reminders | None = None
        self._wake = asyncio.Event()

    @property
    def reminders(self) -> Reminders:
        bot = self.bot()
        if self._reminders is None or self._reminders.bot is not bot:
            self._reminders = Reminders(self.store, bot)
        return self._reminders

    def wake(self) -> None:
        """Run the next tick now (e.g. after staff queued a broadcast)."""
        self._wake.set()

    async def tick(self, now: datetime | None = None) -> tuple[ReminderReport, dict[str, int]]:
        now = now or self.clock()
        report = self.reminders.enqueue_due(now)
        counts = await self.outbox.run(now)
        return report, counts

    async def run(self) -> None:
        while True:
            try:
                report, _ = await self.tick()
                if report.queued or report.skipped:
                    log.info(
                        "garbage reminders: %d queued, %d skipped", report.queued, report.skipped
                    )
            except Exception:
                log.exception("notification tick failed; trying again next time")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()


def interval_from_env(env_file: str = ".env") -> float:
    """RESBOT_NOTIFY_INTERVAL from the environment or `.env`, as `resbot serve` reads them."""
    config = Config(env_file if Path(env_file).exists() else None)
    return float(config(INTERVAL_ENV, cast=float, default=DEFAULT_INTERVAL))


class Running:
    """A started (or, with no platform configured, idle) notification loop."""

    def __init__(self, scheduler: Scheduler | None, task: asyncio.Task[None] | None) -> None:
        self.scheduler = scheduler
        self.task = task

    @property
    def outbox(self) -> Outbox | None:
        """For `Broadcasts.send_test` from the staff page (None: nothing configured)."""
        return self.scheduler.outbox if self.scheduler else None

    def wake(self) -> None:
        if self.scheduler is not None:
            self.scheduler.wake()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.scheduler is not None:
            await self.scheduler.outbox.close()


async def start_scheduler(settings: Settings, bot: Callable[[], Bot], store: Store) -> Running:
    """Start the loop when a platform can push and the interval is not 0."""
    interval = interval_from_env()
    outbox = outbox_from_settings(store, settings)
    if interval <= 0 or (outbox.line is None and outbox.telegram is None):
        return Running(None, None)
    scheduler = Scheduler(store, bot, outbox, interval)
    task = asyncio.create_task(scheduler.run(), name="resbot-notify")
    log.info("notifications: reminders and deliveries every %.0f s", interval)
    return Running(scheduler, task)
