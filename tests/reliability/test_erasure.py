"""'Delete my data' leaves nothing on disk: a real `resbot serve` process, signed LINE
webhooks over HTTP, then the raw bytes of the database, -wal and -shm files."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.knowledge import KnowledgeBase
from tests.fakes import FakeApi, Served, line_app

from .conftest import LINE_SECRET, LINE_TOKEN, line_event, sign

# A LINE user id as LINE sends it ("U" + 32 hex digits): the address for push notices.
USER = "U4f3c9e21d7b84a6f90e1c2d3b4a5f6e7"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def on_disk(db: Path) -> dict[str, bytes]:
    """The raw bytes of the database and its -wal/-shm files, as an attacker would read them."""
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return {p.name: p.read_bytes() for p in files if p.exists()}


def holding(db: Path, needle: str) -> list[str]:
    raw = needle.encode()
    return [name for name, data in on_disk(db).items() if raw in data]


def postback(n: int, data: str) -> dict[str, Any]:
    event = line_event(n, user=USER)
    del event["message"]
    return {**event, "type": "postback", "postback": {"data": data}}


@pytest.fixture()
def server(tmp_path: Path, kb: KnowledgeBase) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    fake = FakeApi()
    with Served(line_app(fake)) as line:
        port = free_port()
        env = {
            **os.environ,
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "LINE_API_BASE": line.url,
        }
        for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"):
            env.pop(name, None)
        db = tmp_path / "resbot.sqlite3"
        cmd = [sys.executable, "-m", "bot", "--db", str(db), "--knowledge", str(kb.root)]
        proc = subprocess.Popen(
            [*cmd, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "server did not start"
            time.sleep(0.1)
        try:
            yield proc, url
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


def post(url: str, *events: dict[str, Any]) -> None:
    body = json.dumps({"destination": "Ureliability", "events": list(events)}).encode()
    res = httpx.post(
        f"{url}/line/webhook",
        content=body,
        headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"},
        timeout=30,
    )
    assert res.status_code == 200, res.text


def test_delete_my_data_leaves_no_platform_id_in_any_database_file(
    tmp_path: Path, server: tuple[subprocess.Popen[bytes], str]
) -> None:
    proc, url = server
    db = tmp_path / "resbot.sqlite3"
    post(url, line_event(1, "what day is plastic collection", user=USER))
    post(url, postback(2, "lang:en"))
    post(url, postback(3, "sub:on:disaster"))  # LINE pushes to the raw id: it is stored
    post(url, line_event(4, "when is burnable garbage", user=USER))
    assert holding(db, USER), "the subscription did not store the address: nothing tested"

    post(url, line_event(5, "delete my data", user=USER))
    post(url, postback(6, "forget:yes"))
    assert holding(db, USER) == []  # while the server still runs

    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)  # uvicorn re-raises the signal after a graceful shutdown: -15
    log = proc.communicate()[1].decode()
    assert "Application shutdown complete" in log, log
    assert holding(db, USER) == []
    # A clean stop checkpointed and closed: no -wal is left to hold old pages.
    assert not db.with_name(db.name + "-wal").exists()
