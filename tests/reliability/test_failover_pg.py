"""Two `resbot serve` processes on one PostgreSQL database, the test driver
alternating between them (a round-robin proxy); `kill -9` one mid-burst, then
Telegram redelivers to the survivor every update that got no 200, and the
driver also replays acknowledged ones there (a proxy retrying on the other
instance): nothing answered twice, nothing logged twice, and every reply lost
in the killed process is visible as an `owed` row (as with one SQLite server,
tests/reliability/test_kill9.py)."""

from __future__ import annotations

import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from bot.core.knowledge import KnowledgeBase
from tests.fakes import FakeApi, Served, telegram_app
from tests.pg import Cluster

from .test_erasure import free_port
from .test_kill9 import SEND_DELAY, post, start

BURST = 60


def test_kill_9_one_of_two_instances_on_postgresql(
    tmp_path: Path, kb: KnowledgeBase, pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_cluster.new_database()
    monkeypatch.setenv("RESBOT_DATABASE_URL", url)  # the servers inherit it
    fake = FakeApi()
    fake.fail_only = "sendMessage"
    fake.delay_next[:] = [SEND_DELAY] * (4 * BURST)
    unused = tmp_path / "unused.sqlite3"  # RESBOT_DATABASE_URL wins over --db
    with Served(telegram_app(fake)) as api:
        ports = [free_port(), free_port()]
        procs = [start(unused, kb, api.url, port) for port in ports]
        try:
            with ThreadPoolExecutor(max_workers=16) as pool:
                futures = [pool.submit(post, ports[n % 2], n) for n in range(1, BURST + 1)]
                deadline = time.time() + 60
                while len(fake.of("/sendMessage")) < BURST // 4:  # mid-burst
                    assert time.time() < deadline, "no replies went out"
                    time.sleep(0.005)
                procs[0].send_signal(signal.SIGKILL)
                procs[0].wait(timeout=10)
                numbers = range(1, BURST + 1)
                statuses = {n: f.result() for n, f in zip(numbers, futures, strict=True)}
            sent_at_kill = len(fake.of("/sendMessage"))
            acked = {n for n, s in statuses.items() if s == 200}
            survivor = ports[1]
            for n in sorted(set(statuses) - acked):  # Telegram's redeliveries
                assert post(survivor, n) == 200
            for n in sorted(acked)[::3]:  # replayed by a proxy: already handled
                assert post(survivor, n) == 200
            time.sleep(SEND_DELAY * 4)  # the redelivered replies go out
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)  # drains the replies on their way
                    proc.wait(timeout=30)
    assert not unused.exists()
    sends = Counter(int(c.body["chat_id"]) - 70_000 for c in fake.of("/sendMessage"))
    twice = sorted(n for n, k in sends.items() if k > 1)
    lost = sorted(set(range(1, BURST + 1)) - set(sends))
    with psycopg.connect(url) as conn:
        rows = conn.execute("select event_id, delivery, outcome from interactions").fetchall()
    owed = {int(e.removeprefix("tg:")) for e, d, _ in rows if d == "owed"}
    print(
        f"two instances, kill -9 of one after {sent_at_kill} sends: {len(acked)}/{BURST}"
        f" acknowledged, {len(twice)} replied twice, {len(lost)} lost"
        f" (all owed: {set(lost) <= owed})"
    )
    assert twice == []
    assert len(rows) == BURST and len({e for e, _, _ in rows}) == BURST  # each logged once
    assert not [e for e, _, outcome in rows if outcome == "pending"]
    assert set(lost) <= owed  # every lost reply is visible as an owed row
