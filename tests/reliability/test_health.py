"""`/healthz` against a real `resbot serve` over HTTP: a database that reads but cannot
be written is unhealthy (503), and a write lock held elsewhere never holds health up.

A full disk is real: the server runs in its own mount namespace (`unshare`) with
its database on a small tmpfs that the test fills through `nsenter`; nothing is
mounted outside that namespace (needs root and util-linux, skips otherwise).
Read-only: the database, its -wal and -shm and their directory made 0444/0555, as a
read-only volume looks. Root writes through any file mode, so as root the server
starts without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (dropped from its bounding
set): then the modes bind it as they bind the image's non-root user.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.core.knowledge import KnowledgeBase

from .test_erasure import free_port

LOOSE = 2.5  # health's own deadline is 2 s (bot.health.DEADLINE); a noisy machine


@dataclass
class Server:
    url: str
    db: Path
    pid: int

    def health(self) -> tuple[int, str, float]:
        started = time.perf_counter()
        res = httpx.get(f"{self.url}/healthz", timeout=10)
        return res.status_code, res.json()["db"], time.perf_counter() - started

    def inside(self, script: str) -> int:
        """Run a shell command in the server's mount namespace; its exit status."""
        cmd = ["nsenter", "-t", str(self.pid), "-m", "sh", "-c", script]
        return subprocess.run(cmd, capture_output=True, check=False).returncode


PR_CAPBSET_DROP = 24  # <linux/prctl.h>
MODE_OVERRIDES = (1, 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH <linux/capability.h>


def without_mode_overrides() -> None:
    """In the child before exec: a root process honours file modes like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in MODE_OVERRIDES:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def can_mount() -> str | None:
    """Why the tmpfs tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (a private mount namespace with a tmpfs)"
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        return "needs util-linux unshare and nsenter"
    probe = ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "t", "/mnt"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        return "mounting a tmpfs in a new mount namespace is not permitted here"
    return None


def serve(kb: KnowledgeBase, home: Path, db: Path, tmpfs: bool) -> Iterator[Server]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    cmd = [sys.executable, "-m", "bot", "--db", str(db), "--knowledge", str(kb.root)]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if tmpfs:  # exec keeps the pid: nsenter finds the namespace through it
        mount = f"mount -t tmpfs -o size=3m,mode=0700 resbot-health {db.parent}"
        shell = f'{mount} && exec "$@"'
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", shell, "sh", *cmd]
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=None if tmpfs or os.geteuid() else without_mode_overrides,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    try:
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "server did not start"
            time.sleep(0.1)
        yield Server(url, db, proc.pid)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture()
def server(kb: KnowledgeBase, tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "data").mkdir()
    yield from serve(kb, tmp_path, tmp_path / "data" / "resbot.sqlite3", tmpfs=False)


@pytest.fixture()
def on_tmpfs(kb: KnowledgeBase) -> Iterator[Server]:
    why = can_mount()
    if why:
        pytest.skip(why)
    with tempfile.TemporaryDirectory(prefix="resbot-health-") as tmp:
        (Path(tmp) / "data").mkdir()
        yield from serve(kb, Path(tmp), Path(tmp) / "data" / "resbot.sqlite3", tmpfs=True)


def test_a_full_disk_is_unhealthy_until_space_is_freed(on_tmpfs: Server) -> None:
    assert on_tmpfs.health()[:2] == (200, "ok")
    fill = on_tmpfs.db.parent / "fill"
    on_tmpfs.inside(f"cat /dev/zero > {fill}")  # fails once the tmpfs is full: meant to
    assert on_tmpfs.inside(f"test -s {fill}") == 0
    status, db, took = on_tmpfs.health()
    assert (status, db) == (503, "full") and took < LOOSE
    assert on_tmpfs.inside(f"rm {fill}") == 0
    assert on_tmpfs.health()[:2] == (200, "ok")


def test_read_only_database_files_and_directory_are_unhealthy(server: Server) -> None:
    """Only the -wal and -shm matter to a commit in WAL mode: all three go read-only."""
    data = server.db.parent
    assert server.health()[:2] == (200, "ok")
    files = sorted(data.iterdir())
    assert {p.name for p in files} >= {"resbot.sqlite3", "resbot.sqlite3-wal"}
    try:
        for p in files:
            os.chmod(p, 0o444)
        status, db, took = server.health()
        assert (status, db) == (503, "readonly") and took < LOOSE
        os.chmod(data, 0o555)
        status, db, took = server.health()
        assert (status, db) == (503, "readonly") and took < LOOSE
    finally:
        os.chmod(data, 0o700)
        for p in files:
            os.chmod(p, 0o600)
    assert server.health()[:2] == (200, "ok")  # healthy again once writable


def test_a_missing_database_is_unhealthy_and_not_recreated(server: Server) -> None:
    moved = server.db.with_name("moved.sqlite3")
    server.db.rename(moved)
    status, db, _ = server.health()
    assert (status, db) == (503, "missing")
    assert not server.db.exists()  # the probe never creates an empty database
    moved.rename(server.db)


def test_a_write_lock_held_elsewhere_is_busy_and_answered_within_the_bound(
    server: Server,
) -> None:
    other = sqlite3.connect(server.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. `resbot retention` in another process
    try:
        status, db, took = server.health()
        assert (status, db) == (200, "busy") and took < LOOSE
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert server.health()[:2] == (200, "ok")


def test_the_heartbeat_is_one_row(server: Server) -> None:
    for _ in range(3):
        assert server.health()[0] == 200
    conn = sqlite3.connect(server.db)
    try:
        assert conn.execute("select count(*) from health").fetchone()[0] == 1
    finally:
        conn.close()
