"""No SQLite call on the event loop: a write waiting for the lock stalls nobody else.

Another process holds the database's write lock; webhooks and the web chat wait
for it in worker threads (and answer 503 when it does not come), while health,
the chat page and the staff login page keep answering at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from .conftest import Platforms, line_event, post_line, post_tg, rows, tg_update

WAIT = 3.0  # the server's busy timeout for this test: how long a write waits
LOOSE = 1.5  # the other pages answer well within the wait (noisy machine: loose)


def test_pages_answer_while_writes_wait_for_another_process(
    client: TestClient, platforms: Platforms, tmp_path: Path
) -> None:
    assert client.post("/api/chat", json={"text": "hello"}).status_code == 200  # warm
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.lock:
        store.db.execute(f"PRAGMA busy_timeout={int(WAIT * 1000)}")
    other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. `resbot retention` running in another process
    waiting: list[Any] = []
    writers = [
        threading.Thread(target=lambda: waiting.append(post_line(client, line_event(1)))),
        threading.Thread(target=lambda: waiting.append(post_tg(client, tg_update(1)))),
        threading.Thread(
            target=lambda: waiting.append(client.post("/api/chat", json={"text": "hi"}))
        ),
    ]
    try:
        for t in writers:
            t.start()
        time.sleep(0.3)  # the writers are now waiting for the lock
        for path in ("/healthz", "/", "/staff/login"):
            started = time.perf_counter()
            res = client.get(path)
            took = time.perf_counter() - started
            assert res.status_code == 200 and took < LOOSE, (path, res.status_code, took)
        assert len(waiting) == 0  # they really were still waiting
    finally:
        for t in writers:
            t.join(timeout=30)
        other.execute("ROLLBACK")
        other.close()
    assert sorted(r.status_code for r in waiting) == [503, 503, 503]
    assert len(rows(client)) == 1  # the warm-up; nothing of the refused ones
    # Once the lock is gone, the redeliveries are answered and logged once each.
    assert post_line(client, line_event(1, redelivery=True)).status_code == 200
    assert post_tg(client, tg_update(1)).status_code == 200
    assert len(rows(client)) == 3 and len(platforms.replies()) == 1
