"""Re-send the replies a crash left owed, so a `kill -9` loses no reply.

A webhook is acknowledged before its reply goes out (bot.channels.background), and
a platform redelivers only events that got no 200. So the replies in flight at a
crash belong to acknowledged events nobody will send again: their log rows stay
`owed`, with what a re-send needs in `reply` (bot.claims). On start, and then every
`every` seconds, this sends them: the rows of a process that is gone at once, any
other row owed longer than the stale bound (bot.claims.STALE_AFTER). Each row is
taken with one atomic compare-and-set, so two processes never both re-send it, and
settled `done` (its stored reply cleared) once the re-send was attempted.

The price: a reply that had reached the platform when the process died is sent
again, because neither platform lets a second attempt be recognised as one, except
LINE's reply token (single-use: the second reply is refused, nothing doubles) and
the push retry key (two pushes with one key deliver once). The bound is the replies
in flight at the crash (tests/reliability/test_kill9.py measures it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool

from bot.claims import Owed
from bot.core.types import Button, Reply
from bot.service import Service

log = logging.getLogger("resbot.resend")
EVERY = 60.0  # seconds between the server's passes after the first one at start
BATCH = 100  # rows read per query
AT_ONCE = 8  # re-sends in flight together (each has its channel's own timeout)


class Resender(Protocol):
    name: str

    async def resend(self, owed: Owed) -> None: ...


def replies_of(owed: Owed) -> list[Reply]:
    """The stored replies (dataclasses.asdict of each Reply) as Reply objects again."""
    return [
        Reply(r["text"], [Button(b["label"], b["data"]) for b in r.get("buttons", [])])
        for r in owed.reply["replies"]
    ]


async def resend_owed(service: Service, channels: list[Any]) -> int:
    """One pass: re-send every owed reply that is due; returns how many were taken."""
    by_name: dict[str, Resender] = {ch.name: ch for ch in channels if hasattr(ch, "resend")}
    claims = service.claims
    taken = 0
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(owed: Owed) -> None:
        async with gate:
            try:
                await by_name[owed.channel].resend(owed)
            except asyncio.CancelledError:
                raise  # stopped: the row stays taken and is due again after the bound
            except Exception:  # a bug must not leave the row re-sent forever
                log.exception("re-send of %s raised", owed.event_id)
            await run_in_threadpool(service.delivered, owed.event_id)

    while True:
        due = await run_in_threadpool(claims.owed_replies, sorted(by_name), BATCH)
        mine = [o for o in due if await run_in_threadpool(claims.take, o)]
        if not mine:
            break
        taken += len(mine)
        await asyncio.gather(*(one(o) for o in mine))
    if taken:
        log.warning("re-sent %d reply(ies) owed by an interrupted process", taken)
    return taken


async def run_periodically(service: Service, channels: list[Any], every: float = EVERY) -> None:
    """`resbot serve`'s re-send job: a pass at start, then every `every` seconds; a
    failed pass is logged and tried again next time. Cancel the task to stop it."""
    while True:
        try:
            await resend_owed(service, channels)
        except Exception:
            log.exception("re-send pass failed; trying again next time")
        await asyncio.sleep(every)
