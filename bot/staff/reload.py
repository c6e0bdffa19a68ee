"""Reload the bot after an edit, without a restart.

A new `Bot` is built from the knowledge folder in a worker thread while the old
one keeps answering; then one attribute assignment swaps it into the service
(every channel reads `service.bot` per message, so a message is answered wholly
by the old bot or wholly by the new one). Saves that arrive while a build runs
are covered by the next build, not one build each.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass

from bot import heap
from bot.core import memo
from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
from bot.service import Service

log = logging.getLogger("resbot.staff")


@dataclass(frozen=True)
class Reloaded:
    ok: bool
    seconds: float
    entries: int
    error: str = ""


class Reloader:
    def __init__(self, service: Service) -> None:
        self.service = service
        self._tickets = itertools.count(1)
        self._ticket_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._requested = 0
        self._built = 0

    def reload(self) -> Reloaded:
        """Blocking: call from a worker thread (`run_in_threadpool`)."""
        with self._ticket_lock:
            ticket = self._requested = next(self._tickets)
        started = time.perf_counter()
        with self._build_lock:
            if self._built >= ticket:  # a build that started after our write covers it
                return Reloaded(True, 0.0, len(self.service.bot.kb.entries))
            with self._ticket_lock:
                target = self._requested
            old = self.service.bot
            try:
                new = Bot(load_knowledge(old.kb.root), old.phrases)
            except Exception as exc:  # keep serving the old bot, and say so
                log.exception("reload failed; still serving the previous knowledge")
                return Reloaded(False, time.perf_counter() - started, len(old.kb.entries), str(exc))
            self.service.bot = new
            # The old bot may be frozen with the rest of start-up (bot.heap): thawed,
            # the cycle collector can free it once the last turn using it is done.
            heap.thaw()
            # The new bot's own caches start empty; the module-wide ones (tagging,
            # emergency words) are emptied too, so nothing worked out before the
            # edit answers after it (bot.core.memo).
            memo.clear_all()
            self._built = target
        took = time.perf_counter() - started
        log.info("knowledge reloaded: %d entries in %.1f s", len(new.kb.entries), took)
        return Reloaded(True, took, len(new.kb.entries))
