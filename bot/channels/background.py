"""Replies sent after the webhook was acknowledged, tracked until they finish.

LINE wants its webhook answered within 2 s and Telegram resends slow ones, so
a webhook returns once the event is claimed and answered in the database; the
platform call runs here with its own timeout. The claim row stays `owed` until
the call was attempted (bot.claims), so a crash in between leaves it visible
and retryable. Tasks are referenced until done (asyncio keeps only weak
references) and drained when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("resbot.background")
DRAIN_SECONDS = 15.0  # longer than one reply's timeout, shorter than a deploy's patience


class Background:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(job)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s background reply failed", self.name, exc_info=task.exception())

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Wait for the replies still on their way; cancel what is left after `timeout`
        (their claims stay `owed`)."""
        if not self.tasks:
            return
        pending = set(self.tasks)
        _, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.error("%s: %d replies cancelled at shutdown, left owed", self.name, len(late))
            await asyncio.wait(late, timeout=1.0)
