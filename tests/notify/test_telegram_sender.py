"""The Telegram sender against the fake Telegram over real HTTP (python-telegram-bot)."""

from __future__ import annotations

import asyncio
import time

from bot.core.types import Reply
from bot.notify.telegram_sender import TelegramSender

from .conftest import FAST, QUICK, TG_TOKEN, Fakes

CLAIM = 0.3  # seconds a slow claim blocks the event loop (a database write under load)


def test_the_round_trip_is_the_request_alone_not_the_claim(fakes: Fakes) -> None:
    """The early credit is judged on the request's own round trip: a slow claim
    before it would make the credit longer than the network's two ways."""
    fakes.tg.latency = 0.02
    sender = TelegramSender(TG_TOKEN, f"{fakes.tg_url}/bot", QUICK, FAST)

    def claim() -> bool:
        time.sleep(CLAIM)
        return True

    async def go() -> tuple[str, float]:
        await sender.start()
        try:
            began = time.monotonic()
            outcome = await sender.send("700000001", [Reply("Evacuation drill")], claim)
            return outcome.status, time.monotonic() - began
        finally:
            await sender.close()

    status, whole = asyncio.run(go())
    assert status == "sent"
    assert [c.status for c in fakes.tg.of("sendMessage")] == [200]
    (trip,) = sender.limiter.overall.trips
    assert trip >= 0.02  # the fake's two ways at least
    assert trip <= whole - CLAIM  # without the claim, whatever the machine's load
