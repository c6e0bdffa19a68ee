"""Replies sent after the webhook was acknowledged, tracked until they finish.

LINE wants its webhook answered within 2 s and Telegram resends slow ones, so
a webhook returns once the event is claimed and answered in the database; the
platform call runs here with its own timeout. The claim row stays `owed` until
the call was attempted (bot.claims), so a crash in between leaves it visible
and retryable. Tasks are referenced until done (asyncio keeps only weak
references) and drained when the server stops.

A webhook holds the replies it spawns (`holding`) and starts them only once its
response was written (`after`, a Starlette background task; `start`, called by
the plain ASGI endpoint of bot.web.fastpath once it sent the answer): no reply leaves
before the platform's 200 does: a platform redelivers only an event that did not
get its 200, and that event's reply never left. A `kill -9` after the 200 leaves
the row `owed`; the next start re-sends it (bot.channels.resend), which doubles
only a reply that had reached the platform when the process died.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from starlette.background import BackgroundTask

log = logging.getLogger("resbot.background")
DRAIN_SECONDS = 15.0  # longer than one reply's timeout, shorter than a deploy's patience
Job = Coroutine[Any, Any, None]
Done = Callable[[], None]  # what a plain ASGI endpoint calls once its response was sent
_held: ContextVar[list[Job] | None] = ContextVar("resbot_held_replies", default=None)


class Background:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, job: Job) -> None:
        """Run `job` tracked; inside `holding`, only once the response is written."""
        held = _held.get()
        if held is not None:
            held.append(job)
            return
        task = asyncio.get_running_loop().create_task(job)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    @contextmanager
    def holding(self) -> Iterator[list[Job]]:
        """Collect what the handler spawns (same task, so the same context)."""
        jobs: list[Job] = []
        token = _held.set(jobs)
        try:
            yield jobs
        except BaseException:
            for job in jobs:  # never started: close, no "never awaited" warning
                job.close()
            raise
        finally:
            _held.reset(token)

    def after(self, jobs: list[Job]) -> BackgroundTask | None:
        """A Starlette background task that starts `jobs` after the response is sent."""
        if not jobs:
            return None

        async def start() -> None:  # async: Starlette runs it on the loop, not a thread
            self.start(jobs)

        return BackgroundTask(start)

    def start(self, jobs: list[Job]) -> None:
        """Start held jobs now: their webhook's response has been sent."""
        for job in jobs:
            self.spawn(job)

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
