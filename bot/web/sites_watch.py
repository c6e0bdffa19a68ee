"""Reload the evacuation-site index when `resbot shelters import` wrote a new list.

The import runs in another process (the CLI), so the server looks at the import's
`imported.json` every few seconds (one stat) and, when it changed, reads the sites and
builds the index in a worker thread, then swaps it into the running bot. A resident's
question never builds it (bot.core.dialogue.Bot.reload_sites).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from bot.core.dialogue import Bot
from bot.shelters import store

log = logging.getLogger("resbot.shelters")
INTERVAL = 10.0  # seconds between looks at imported.json


class SitesWatch:
    def __init__(self, current_bot: Callable[[], Bot], interval: float = INTERVAL) -> None:
        self.current_bot = current_bot  # the staff pages may swap the Bot: ask each time
        self.interval = interval
        self.seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        path = store.folder(self.current_bot().kb.root) / store.META_FILE
        try:
            st = path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def check(self) -> bool:
        """Reload when the import changed since the last look; True if it did."""
        stamp = self._stamp()
        if stamp == self.seen:
            return False
        index = self.current_bot().reload_sites()
        self.seen = stamp
        log.info("evacuation sites reloaded: %d emergency site(s)", len(index.sites))
        return True

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await run_in_threadpool(self.check)
            except Exception:  # a half-written file: the next look tries again
                log.exception("evacuation sites: reload failed; keeping the loaded list")
