"""One long-lived thread per channel for its blocking work, and batched "done" marks.

SQLite must stay off the event loop, and `run_in_threadpool` (anyio) cost ~19 %
of the server's CPU per LINE webhook (py-spy, docs/performance.md: capacity
limiter, run-vars, a worker handshake per call, two calls per webhook). A
channel's turns run one at a time anyway (`Service.turns`), so one thread that
takes calls from a queue and hands results back with `call_soon_threadsafe` does
the same job for a fraction of the cost. The caller's context variables go with
each call (`contextvars.copy_context`, as anyio does).

The "reply attempted" marks (`Claims.settle`) are batched: the thread writes all
marks that arrived within `BATCH_SECONDS` (50 ms) in one transaction, and each
`settle` caller waits for that commit. The behaviour this changes (README,
SECURITY.md): a crash in those ≤ 50 ms leaves the attempted reply `owed`, so the
next start re-sends it (bot.channels.resend): LINE's single-use reply token makes
a young one a no-op, an older one goes as a push with a retry key, and Telegram
may show it twice, as any reply in flight at a crash could before.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("resbot.worker")
T = TypeVar("T")
BATCH_SECONDS = 0.05  # a mark waits at most this long for others to share its commit
BATCH_MAX = 256  # marks per transaction at most

_STOP = object()
_MARKS = object()  # marks are waiting (Worker._marks)
Mark = tuple[str, str, "asyncio.Future[None]", asyncio.AbstractEventLoop]
Settle = Callable[[list[tuple[str, str]]], None]


def _resolve(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    """On the loop: hand the thread's outcome to the awaiting coroutine (unless it left)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class Worker:
    """A channel's thread: `call` runs a blocking function there; `settle` marks an
    event's reply attempted, in the next batch. Start inside the running loop."""

    def __init__(self, name: str, settle_many: Settle, batch_seconds: float = BATCH_SECONDS):
        self.name = name
        self.settle_many = settle_many
        self.batch_seconds = batch_seconds
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # Marks wait here, not in the queue: only the first of a batch wakes the
        # thread (`_MARKS`), the others are appended under the lock.
        self._marks: list[Mark] = []
        self._marks_lock = threading.Lock()

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            name = f"resbot-{self.name}"
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()

    async def stop(self) -> None:
        """Write the marks still waiting, then end the thread."""
        thread = self._thread
        if thread is None:
            return
        self._jobs.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, thread.join, 10.0)
        self._thread = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on the channel's thread, awaited without blocking the loop."""
        if self._thread is None:
            raise RuntimeError(f"{self.name} worker was not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(("call", contextvars.copy_context(), fn, args, future, loop))
        return await future

    async def settle(self, event_id: str | None, delivery: str) -> None:
        """Mark the event's reply `delivery` ("done"): returns once the batch holding
        the mark was committed (at most `batch_seconds` later)."""
        if not event_id:
            return
        if self._thread is None:
            raise RuntimeError(f"{self.name} worker was not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._marks_lock:
            self._marks.append((event_id, delivery, future, loop))
            waiting = len(self._marks)
        if waiting == 1 or waiting == BATCH_MAX:  # a new batch, or a full one
            self._jobs.put(_MARKS)
        await future

    def _take_marks(self) -> list[Mark]:
        with self._marks_lock:
            marks, self._marks = self._marks, []
        return marks

    def _run(self) -> None:
        batch = False  # marks are waiting for their commit, due at `deadline`
        deadline = 0.0
        while True:
            try:
                if batch:
                    item = self._jobs.get(timeout=max(0.0, deadline - time.monotonic()))
                else:
                    item = self._jobs.get()
            except queue.Empty:
                item = None  # the oldest mark has waited long enough
            if item is _STOP:
                self._flush(self._take_marks())
                return
            if item is _MARKS and not batch:
                batch, deadline = True, time.monotonic() + self.batch_seconds
            elif item is not None and item is not _MARKS:
                self._call(*item[1:])
            if not batch:
                continue
            if item is None or time.monotonic() >= deadline or len(self._marks) >= BATCH_MAX:
                self._flush(self._take_marks())
                batch = False

    @staticmethod
    def _call(
        ctx: contextvars.Context,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        future: asyncio.Future[Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = ctx.run(fn, *args)
        except BaseException as exc:  # handed to the caller, as a thread pool would
            error = exc
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_resolve, future, value, error)

    def _flush(self, marks: list[Mark]) -> None:
        if not marks:
            return
        try:
            self.settle_many([(event_id, delivery) for event_id, delivery, _, _ in marks])
        except Exception:  # settle_many logs database errors itself; anything else here
            log.exception("%s: %d reply marks not written", self.name, len(marks))
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for _, _, future, loop in marks:
            by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve_all, futures)


def _resolve_all(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        _resolve(future, None, None)
