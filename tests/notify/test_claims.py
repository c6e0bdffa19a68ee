"""Claims and recovery: a Telegram row turns `sending` only when its request is about
to go, and a restart settles the claims of a dead process at once (issue 15)."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.notify import ledger
from bot.notify.limits import Limits, TelegramLimiter
from bot.notify.outbox import Outbox
from bot.storage import Store

from .conftest import Fakes, subscribe
from .test_delivery import queue, run

FIRM = Limits(telegram_per_second=200.0, telegram_chat_interval=0.05)


def statuses(store: Store) -> dict[str, str]:
    rows = store.db.conn.execute("select dedupe_key, status from notify_deliveries")
    return {str(k): str(s) for k, s in rows}


def dead_pid() -> int:
    """The pid of a process that has finished (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def claim_as(store: Store, keys: list[str], owner: str) -> None:
    """Rows left `sending` by `owner` just now, as a sender that died mid-request would."""
    marks = ", ".join("?" * len(keys))
    store.db.conn.execute(
        "update notify_deliveries set status = 'sending', claimed = ?, claimed_by = ?,"
        f" attempts = 1 where dedupe_key in ({marks})",
        [ledger.iso(ledger.datetime.now(ledger.UTC)), owner, *keys],
    )


class Gate(TelegramLimiter):
    """The real limiter behind a gate the test opens: meanwhile every worker waits."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self.open = asyncio.Event()
        self.waiting = 0

    async def wait(self, chat_id: str) -> Callable[[], None]:
        self.waiting += 1
        await self.open.wait()
        return await super().wait(chat_id)


def test_no_row_is_claimed_while_waiting_for_the_limiter(store: Store, fakes: Fakes) -> None:
    keys = [f"key{i:05d}" for i in range(30)]
    for i in range(30):
        subscribe(store, i, "telegram", "vi")
    queue(store, keys, text="Thông báo: nước sẽ bị cắt ngày mai")
    outbox = fakes.outbox(store, FIRM)
    sender = outbox.telegram
    assert sender is not None

    async def go() -> dict[str, int]:
        await sender.start()
        gate = sender.limiter = Gate(FIRM)
        task = asyncio.create_task(outbox.run())
        while gate.waiting < FIRM.telegram_concurrency:
            await asyncio.sleep(0.01)
        # Every worker holds a row and waits for its slot: none is `sending` yet,
        # so a kill -9 now would leave them all pending (sent on resume, not lost).
        held = ledger.counts(store)
        assert held["sending"] == 0 and held["pending"] == 30
        assert fakes.tg.of("sendMessage") == []
        gate.open.set()
        try:
            return await task
        finally:
            await outbox.close()

    counts = asyncio.run(go())
    assert counts["sent"] == 30 and counts["failed"] == 0
    assert sorted(fakes.received()) == sorted(str(700_000_000 + i) for i in range(30))


def test_a_row_another_sender_took_meanwhile_is_not_sent(store: Store, fakes: Fakes) -> None:
    for i in range(3):
        subscribe(store, i, "telegram", "tl")
    queue(store, ["key00000", "key00001", "key00002"], text="Paalala: walang tubig bukas")
    outbox = fakes.outbox(store, FIRM)
    sender = outbox.telegram
    assert sender is not None
    first = ledger.next_telegram(store)
    assert first is not None

    class Rival(TelegramLimiter):
        async def wait(self, chat_id: str) -> Callable[[], None]:
            done = await super().wait(chat_id)
            if chat_id == first.address:  # another process claims it first
                assert ledger.claim(store, first.id)
            return done

    async def go() -> dict[str, int]:
        await sender.start()
        sender.limiter = Rival(FIRM)
        try:
            return await outbox.run()
        finally:
            await outbox.close()

    counts = asyncio.run(go())
    assert counts["sent"] == 2 and counts["sending"] == 1  # the rival's, left to it
    assert first.address not in fakes.received()


def test_resume_settles_a_dead_process_claims_at_once(store: Store, fakes: Fakes) -> None:
    keys = [f"key{i:05d}" for i in range(40)]
    for i in range(40):
        subscribe(store, i, "telegram", "pt")
    queue(store, keys, text="Aviso: coleta de lixo amanhã", tag="b")
    host = socket.gethostname()
    dead = [f"b:{k}" for k in keys[:6]]
    claim_as(store, dead, f"{host} {dead_pid()}")
    alive = [f"b:{k}" for k in keys[6:8]]
    claim_as(store, alive, f"{host} {ledger.os.getpid()}")  # a live sender of this host
    elsewhere = [f"b:{k}" for k in keys[8:10]]
    claim_as(store, elsewhere, "other-host 4242")

    outbox = fakes.outbox(store, FIRM)
    assert outbox.stale_after == 30.0
    started = time.monotonic()
    run(outbox)
    took = time.monotonic() - started

    after = statuses(store)
    assert [k for k, s in after.items() if s == "unknown"] == dead  # only those
    errors = store.db.conn.execute(
        "select distinct error from notify_deliveries where status = 'unknown'"
    ).fetchall()
    assert errors == [("interrupted while sending: delivery unknown, not resent",)]
    assert {k for k, s in after.items() if s == "sending"} == {*alive, *elsewhere}
    assert sum(s == "sent" for s in after.values()) == 30
    assert len(fakes.tg.of("sendMessage")) == 30  # nobody claimed got a second one
    assert took < 10  # no hidden 30 s wait (30 sends at 200/s take well under 1 s)


def test_resume_waits_for_another_hosts_claims_and_says_so(
    store: Store, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    keys = [f"key{i:05d}" for i in range(5)]
    for i in range(5):
        subscribe(store, i, "telegram", "es")
    queue(store, keys, text="Aviso: mañana no hay agua", tag="b")
    claim_as(store, ["b:key00000"], "other-host 4242")
    outbox: Outbox = fakes.outbox(store, FIRM)
    outbox.stale_after = 0.5

    async def go() -> dict[str, int]:
        try:
            return await outbox.run(wait_for_claims=True)
        finally:
            await outbox.close()

    with caplog.at_level(logging.WARNING, logger="resbot.notify"):
        counts = asyncio.run(go())
    assert "for the claims of other-host 4242 to expire" in caplog.text
    assert counts["sent"] == 4 and counts["unknown"] == 1 and counts["sending"] == 0


def test_a_live_senders_long_request_is_not_taken_over(store: Store, fakes: Fakes) -> None:
    """A LINE call (and a Telegram row) held longer than `stale_after` by a sender
    that is alive: its heartbeat keeps the claims fresh, so another instance's
    recovery leaves them alone (no resend, not marked unknown)."""
    for i in range(4):
        subscribe(store, i, "line" if i % 2 else "telegram", "en")
    queue(store, [f"key{i:05d}" for i in range(4)], text="Notice: water cut", tag="b")
    fakes.line.fail_only = "/message/multicast"
    fakes.line.delay_next = [1.5]
    fakes.tg.fail_only = "sendMessage"
    fakes.tg.delay_next = [1.5, 1.5]
    busy = fakes.outbox(store, FIRM)
    busy.stale_after = 0.4  # beats every 0.1 s

    async def go() -> None:
        task = asyncio.create_task(busy.run())
        await asyncio.sleep(1.0)  # both requests in flight for longer than stale_after
        found = ledger.recover(store, ledger.datetime.now(ledger.UTC) - timedelta(seconds=0.4))
        assert (found.batches, found.unknown) == (0, 0)
        await task
        await busy.close()

    asyncio.run(go())
    assert ledger.counts(store)["sent"] == 4
    assert [c.status for c in fakes.line.of("/message/multicast")] == [200]  # no resend
    assert len(fakes.tg.of("sendMessage")) == 2
