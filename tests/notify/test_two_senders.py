"""Two instances on one PostgreSQL database drain the same delivery ledger at
once (each `resbot serve` runs its own scheduler): every resident gets the
broadcast exactly once, LINE batches and Telegram messages alike."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from bot.notify import ledger
from bot.notify.limits import Limits
from bot.storage import Store
from tests.pg import Cluster

from .conftest import Fakes, subscribe
from .test_delivery import queue

SMALL = Limits(line_multicast_max=7, telegram_per_second=2000.0, telegram_chat_interval=0.05)


def test_two_senders_on_one_postgresql_send_each_delivery_once(
    pg_cluster: Cluster, fakes: Fakes
) -> None:
    url = pg_cluster.new_database()
    setup = Store(url)
    keys = []
    for i in range(60):
        subscribe(setup, i, "line" if i % 2 else "telegram", "en")
        keys.append(f"key{i:05d}")
    queue(setup, keys, text="Evacuation advice: go to the school gym")
    errors: list[BaseException] = []

    def instance() -> None:
        store = Store(url)
        outbox = fakes.outbox(store, SMALL)

        async def go() -> None:
            try:
                await outbox.run()
            finally:
                await outbox.close()

        try:
            asyncio.run(go())
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=instance) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = fakes.received()
    per_address = Counter({address: len(texts) for address, texts in got.items()})
    assert len(per_address) == 60  # 0 lost
    assert set(per_address.values()) == {1}  # 0 sent twice
    assert ledger.counts(setup)["sent"] == 60
    setup.close()
