"""The unanswered queue at a realistic size: 100,000 log rows (a busy city's quarter),
30,000 of them unanswered in about 4,000 distinct questions. Paginated, computed in a
worker thread (the event loop answers other requests meanwhile), same grouping
as before (case and spacing variants are one item)."""

from __future__ import annotations

import random
import re
import threading
import time
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.staff.clock import iso, utcnow
from bot.staff.queue import PAGE_SIZE, key_of

from .conftest import login, staff_of

ROWS = 100_000
DISTINCT = 4_000


def fill(app: Starlette) -> dict[str, int]:
    """Insert the log directly (the service would take minutes); the expected counts."""
    rng = random.Random(15)
    now = utcnow()
    expected: dict[str, int] = {}
    rows: list[tuple[Any, ...]] = []
    for n in range(ROWS):
        ts = iso(now - timedelta(minutes=rng.randrange(60 * 24 * 80)))
        if n % 10 < 7:
            rows.append((f"e{n}", ts, "answer", "how do I sort garbage"))
            continue
        if n % 10 < 9:  # a few questions asked very often...
            q = min(int(rng.paretovariate(1.2)) - 1, DISTINCT - 1)
        else:  # ...and a long tail
            q = rng.randrange(DISTINCT)
        text = f"question number {q} about my visa"
        if n % 7 == 0:
            text = text.upper().replace(" ", "  ")  # a variant of the same item
        rows.append((f"e{n}", ts, "fallback" if n % 2 else "clarify", text))
        key = key_of(text)
        expected[key] = expected.get(key, 0) + 1
    store = staff_of(app).store
    with store.lock:
        store.db.conn.execute("BEGIN")
        store.db.conn.executemany(
            "insert into interactions (event_id, ts, channel, user_key, kind, lang, outcome,"
            " text) values (?, ?, 'line', 'k', 'text', 'en', ?, ?)",
            [(e, ts, o, t) for e, ts, o, t in rows],
        )
        store.db.conn.execute("COMMIT")
    return expected


def items_of(html: str) -> list[tuple[str, int]]:
    found = re.findall(r'<td class="qtext">(.*?)<br>.*?<td class="num">(\d+)</td>', html, re.S)
    return [(text, int(count)) for text, count in found]


def test_the_queue_pages_through_100k_rows(app: Starlette, client: TestClient) -> None:
    expected = fill(app)
    login(client, "vera")
    started = time.perf_counter()
    first = client.get("/staff/queue")
    took = time.perf_counter() - started
    assert first.status_code == 200
    pages = -(-len(expected) // PAGE_SIZE)
    assert f"{len(expected)} open" in first.text and f"1 / {pages}" in first.text
    seen: list[tuple[str, int]] = []
    for number in range(1, pages + 1):
        page = items_of(client.get(f"/staff/queue?page={number}").text)
        assert len(page) == (PAGE_SIZE if number < pages else len(expected) - len(seen))
        seen += page
    counts = [c for _, c in seen]
    assert counts == sorted(counts, reverse=True)  # most asked first, across pages
    assert sorted(counts, reverse=True) == sorted(expected.values(), reverse=True)
    assert len({key_of(t) for t, _ in seen}) == len(expected)  # no item twice
    assert items_of(client.get("/staff/queue?page=999999").text) == seen[-len(page) :]
    assert client.get("/staff/queue?page=-3").status_code == 200  # the first page
    print(f"queue: {ROWS:,} rows, {len(expected):,} items, first page in {took:.2f} s")


def test_the_event_loop_answers_while_the_queue_is_computed(
    app: Starlette, client: TestClient
) -> None:
    fill(app)
    login(client, "vera")
    client.get("/healthz")  # warm
    done: list[tuple[int, float]] = []

    def queue() -> None:
        started = time.perf_counter()
        status = client.get("/staff/queue").status_code
        done.append((status, time.perf_counter() - started))

    worker = threading.Thread(target=queue)
    worker.start()
    time.sleep(0.05)
    started = time.perf_counter()
    assert client.get("/healthz").status_code == 200
    took = time.perf_counter() - started
    worker.join(timeout=60)
    [(status, queue_took)] = done
    assert status == 200 and queue_took > 0.3, queue_took  # long enough to tell
    # On the loop, health would wait for the whole queue; off it, only its own probe.
    assert took < queue_took / 2, (took, queue_took)
    print(f"health answered in {took:.3f} s while the queue took {queue_took:.2f} s")
