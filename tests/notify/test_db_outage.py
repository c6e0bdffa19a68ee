"""The database becomes unreachable in the middle of a send (PostgreSQL: the
database stops taking connections and its sessions are cut). Nothing is marked
failed or lost for it: a row whose claim could not be written stays pending and
goes out once the database is back; a message that went out while its outcome
could not be written is recorded by the next run, not sent again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from bot.db import ERRORS
from bot.notify import ledger
from bot.notify.outbox import Outbox
from bot.storage import Store
from tests.pg import Cluster

from .conftest import Fakes, subscribe
from .test_claims import FIRM, Gate, statuses
from .test_delivery import queue


@contextmanager
def unreachable(cluster: Cluster, url: str) -> Iterator[None]:
    """The database refuses connections and its open sessions are cut, until the end."""
    name = url.split("@/", 1)[1].split("?")[0]  # Cluster.url: postgresql://postgres@/NAME?...
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(f"alter database {name} with allow_connections false")
        admin.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
            [name],
        )
        try:
            yield
        finally:
            admin.execute(f"alter database {name} with allow_connections true")


async def run_through_outage(outbox: Outbox) -> None:
    """A run that meets the outage: it may end with the database error (its final
    count cannot be read); it must not crash otherwise."""
    with contextlib.suppress(*ERRORS):
        await outbox.run()


def test_a_claim_that_cannot_be_written_leaves_the_row_pending(
    pg_cluster: Cluster, fakes: Fakes
) -> None:
    url = pg_cluster.new_database()
    store = Store(url)
    keys = [f"key{i:05d}" for i in range(3)]
    for i in range(3):
        subscribe(store, i, "telegram", "ja")
    queue(store, keys, text="あしたは　だんすいです", tag="b")
    outbox = fakes.outbox(store, FIRM)
    sender = outbox.telegram
    assert sender is not None

    async def go() -> None:
        await sender.start()
        gate = sender.limiter = Gate(FIRM)
        task = asyncio.create_task(run_through_outage(outbox))
        while gate.waiting < 3:  # each row read, its request about to be claimed
            await asyncio.sleep(0.01)
        with unreachable(pg_cluster, url):
            gate.open.set()
            await task
            assert outbox.unavailable
        await outbox.close()

    asyncio.run(go())
    assert fakes.tg.of("sendMessage") == []  # nothing left without its claim
    assert set(statuses(store).values()) == {"pending"}  # not failed, not lost

    later = outbox  # the server's next tick (the same outbox), the database back

    async def again() -> dict[str, int]:
        try:
            return await later.run()
        finally:
            await later.close()

    counts = asyncio.run(again())
    assert counts["sent"] == 3 and counts["pending"] == counts["sending"] == 0
    assert len(fakes.tg.of("sendMessage")) == 3  # each once
    store.close()


def test_an_outcome_that_cannot_be_written_is_written_later_not_resent(
    pg_cluster: Cluster, fakes: Fakes
) -> None:
    url = pg_cluster.new_database()
    store = Store(url)
    subscribe(store, 0, "telegram", "en")
    queue(store, ["key00000"], text="Water is cut tomorrow", tag="b")
    fakes.tg.fail_only = "sendMessage"
    fakes.tg.delay_next = [1.0]  # the request is in flight when the database goes
    outbox = fakes.outbox(store, FIRM)

    async def go() -> None:
        task = asyncio.create_task(run_through_outage(outbox))
        while not fakes.tg.of("sendMessage"):
            await asyncio.sleep(0.01)
        with unreachable(pg_cluster, url):
            await task  # the answer comes; its outcome cannot be written
            assert outbox.unavailable
        assert statuses(store) == {"b:key00000": "sending"}  # still claimed: not lost
        counts = await outbox.run()  # the next tick writes what it kept
        assert counts["sent"] == 1 and counts["sending"] == 0
        await outbox.close()

    asyncio.run(go())
    assert len(fakes.tg.of("sendMessage")) == 1  # not sent again
    assert ledger.counts(store)["sent"] == 1
    store.close()
