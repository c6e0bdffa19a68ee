"""`kill -9` in the middle of a Telegram burst, then a restart and Telegram's redelivery
of every update that did not get its 200: no reply is lost, and the only replies sent
twice are those in flight at the kill.

Telegram has no idempotency key for sendMessage, so the order is "200 first, then
send" (bot.channels.background): an update whose 200 was lost is redelivered, and
its reply had not left. The replies of acknowledged updates that the kill cut off
stay `owed` with what a re-send needs; the restarted server re-sends them
(bot.channels.resend). A reply that had already reached Telegram is then sent
twice: exactly the sends in flight at the kill (received, row not yet `done`).
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
SEND_DELAY = 0.25  # every other sendMessage is held this long: some in flight at the kill


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


def owed_at(db: Path) -> dict[int, str]:
    """Each logged update's delivery state, read from the file (the server is dead)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("select event_id, delivery from interactions").fetchall()
    finally:
        conn.close()
    return {int(e.removeprefix("tg:")): d for e, d in rows}


def unsettled(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(
            conn.execute(
                "select count(*) from interactions where delivery in ('owed', 'resend')"
                " or reply is not null"
            ).fetchone()[0]
        )
    finally:
        conn.close()


def test_kill_9_mid_burst_loses_no_reply(tmp_path: Path, kb: KnowledgeBase) -> None:
    fake = FakeApi()
    fake.fail_only = "sendMessage"
    # Every other send answered at once, the others held: at the kill some replies are
    # done (sent once), some in flight (sent twice), and later ones not started.
    fake.delay_next[:] = [SEND_DELAY * (i % 2) for i in range(4 * BURST)]
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
        sent_before = {int(c.body["chat_id"]) - 70_000 for c in fake.of("/sendMessage")}
        at_kill = owed_at(db)
        # Received by Telegram, not yet marked done: these go out again (the bound).
        in_flight = {n for n in sent_before if at_kill.get(n) != "done"}
        owed_acked = {n for n, d in at_kill.items() if d == "owed" and statuses[n] == 200}
        acked = {n for n, s in statuses.items() if s == 200}
        # Restart; Telegram sends again every update it has no 200 for.
        port = free_port()
        proc = start(db, kb, api.url, port)
        try:
            for n in sorted(set(statuses) - acked):
                assert post(port, n) == 200
            deadline = time.time() + 60
            while unsettled(db):  # the re-sends and the redelivered replies go out
                assert time.time() < deadline, "owed replies were not re-sent"
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    sends = Counter(int(c.body["chat_id"]) - 70_000 for c in fake.of("/sendMessage"))
    twice = {n for n, k in sends.items() if k > 1}
    lost = sorted(set(range(1, BURST + 1)) - set(sends))
    rows = owed_at(db)
    print(
        f"kill -9 after {len(sent_before)} sends: {len(acked)}/{BURST} acknowledged,"
        f" {len(at_kill)} logged, {len(owed_acked)} acknowledged and owed at the kill,"
        f" {len(in_flight)} in flight;"
        f" after the restart: {len(lost)} lost, {len(twice)} sent twice"
    )
    assert lost == []
    assert twice == in_flight  # exactly the sends in flight at the kill, nothing else
    assert max(sends.values()) <= 2
    assert len(rows) == BURST and set(rows.values()) == {"done"}  # each logged once, settled
    assert unsettled(db) == 0  # no stored reply (chat id, text) outlives its delivery
