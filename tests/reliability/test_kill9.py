"""`kill -9` in the middle of a Telegram burst, then a restart and Telegram's redelivery
of every update that did not get its 200: no resident gets a reply twice.

Telegram has no idempotency key for sendMessage, so the only safe order is "200
first, then send" (bot.channels.background): an update whose 200 was lost is
redelivered, and its reply had not left. The price is the other side: replies in
flight at the kill are lost, each one visible as a log row left `owed`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bot.core.knowledge import KnowledgeBase
from tests.fakes import FakeApi, Served, telegram_app

from .conftest import TG_SECRET, TG_TOKEN, tg_update
from .test_erasure import free_port

BURST = 60
SEND_DELAY = 0.25  # each sendMessage is held this long: many are in flight at the kill


def start(db: Path, kb: KnowledgeBase, api: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TG_TOKEN,
        TELEGRAM_SECRET_TOKEN=TG_SECRET,
        TELEGRAM_API_BASE=f"{api}/bot",
        RESBOT_RATE_PER_SECOND="0",
    )
    cmd = [sys.executable, "-m", "bot", "--db", str(db), "--knowledge", str(kb.root), "serve"]
    proc = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=db.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while True:
        assert proc.poll() is None, "server died at start"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert time.time() < deadline, "server did not start"
        time.sleep(0.1)


def post(port: int, n: int) -> int | None:
    """The webhook's status, or None when the server died before answering."""
    try:
        res = httpx.post(
            f"http://127.0.0.1:{port}/telegram/webhook",
            content=json.dumps(tg_update(n, f"garbage day {n}", user=70_000 + n)).encode(),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
            timeout=30,
        )
    except httpx.HTTPError:
        return None
    return res.status_code


def test_kill_9_mid_burst_sends_no_reply_twice(tmp_path: Path, kb: KnowledgeBase) -> None:
    fake = FakeApi()
    fake.fail_only = "sendMessage"
    fake.delay_next[:] = [SEND_DELAY] * (4 * BURST)
    db = tmp_path / "kill.sqlite3"
    with Served(telegram_app(fake)) as api:
        port = free_port()
        proc = start(db, kb, api.url, port)
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = [pool.submit(post, port, n) for n in range(1, BURST + 1)]
            deadline = time.time() + 60
            while len(fake.of("/sendMessage")) < BURST // 4:  # mid-burst
                assert time.time() < deadline, "no replies went out"
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            statuses = {n: f.result() for n, f in zip(range(1, BURST + 1), futures, strict=True)}
        sent_at_kill = len(fake.of("/sendMessage"))
        acked = {n for n, s in statuses.items() if s == 200}
        # Restart; Telegram sends again every update it has no 200 for.
        port = free_port()
        proc = start(db, kb, api.url, port)
        try:
            for n in sorted(set(statuses) - acked):
                assert post(port, n) == 200
            time.sleep(SEND_DELAY * 4)  # the redelivered replies go out
        finally:
            proc.send_signal(signal.SIGINT)  # drains the replies on their way
            proc.wait(timeout=30)
    sends = Counter(int(c.body["chat_id"]) - 70_000 for c in fake.of("/sendMessage"))
    twice = sorted(n for n, k in sends.items() if k > 1)
    lost = sorted(set(range(1, BURST + 1)) - set(sends))
    conn = sqlite3.connect(db)
    rows = conn.execute("select event_id, delivery from interactions").fetchall()
    conn.close()
    owed = {int(e.removeprefix("tg:")) for e, d in rows if d == "owed"}
    print(
        f"kill -9 after {sent_at_kill} sends: {len(acked)}/{BURST} acknowledged, "
        f"{len(twice)} replied twice, {len(lost)} lost (all owed: {set(lost) <= owed})"
    )
    assert twice == []
    assert len(rows) == BURST and len({e for e, _ in rows}) == BURST  # each logged once
    assert set(lost) <= owed  # every lost reply is visible as an owed row
