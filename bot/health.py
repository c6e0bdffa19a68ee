"""The database half of `/healthz`: can it be read, and can a small commit land?

A database that still reads but cannot be written (disk full, a read-only file or
mount) makes every webhook answer 503 while a read-only check says "ok"; the probe
commits a one-row heartbeat to find out. It uses its own short-lived connection
(never the shared one, whose lock a long turn may hold), a short busy timeout, and
the caller bounds it again with a deadline: health never waits long on a writer.
A write lock held elsewhere (`resbot retention`, a backup, a burst of turns) is
"busy", not a fault: someone is writing, so the database is writable.
On PostgreSQL (a `postgresql://` URL) the same probe runs over a new connection
with short connect, lock and statement timeouts.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from bot import db as pg
from bot.storage import now_iso

BUSY_WAIT = 0.5  # seconds the probe waits for the write lock before saying "busy"
DEADLINE = 2.0  # seconds /healthz waits for the whole probe (a hung disk: "timeout")


def probe(path: Path | str, busy_wait: float = BUSY_WAIT) -> str:
    """ "ok", "busy" (a writer holds the lock), or what failed ("readonly", "full", ...).

    `mode=rw` never creates a missing database: a deleted file is a fault too."""
    if str(path) == ":memory:":
        return "ok"
    if pg.is_pg_url(path):
        return probe_pg(str(path), busy_wait)
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=busy_wait, isolation_level=None)
    except sqlite3.Error as exc:
        return _fault(exc)
    try:
        conn.execute("select count(*) from sessions").fetchone()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "insert into health (id, ts) values (1, ?)"
                " on conflict(id) do update set ts = excluded.ts",
                [now_iso()],
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return "ok"
    except sqlite3.Error as exc:
        return _fault(exc)
    finally:
        conn.close()


def probe_pg(url: str, busy_wait: float = BUSY_WAIT) -> str:
    """The same probe on PostgreSQL: read, then commit the heartbeat row."""
    import psycopg
    from psycopg import errors

    wait_ms = max(1, int(busy_wait * 1000))
    try:
        with psycopg.connect(url, connect_timeout=max(1, int(DEADLINE))) as conn:
            conn.execute(f"set lock_timeout = {wait_ms}")
            conn.execute(f"set statement_timeout = {int(DEADLINE * 1000)}")
            conn.execute("select count(*) from sessions").fetchone()
            conn.execute(
                "insert into health (id, ts) values (1, %s)"
                " on conflict(id) do update set ts = excluded.ts",
                [now_iso()],
            )
            conn.commit()
        return "ok"
    except errors.LockNotAvailable:
        return "busy"
    except errors.QueryCanceled:
        return "timeout"
    except errors.ReadOnlySqlTransaction:
        return "readonly"
    except errors.DiskFull:
        return "full"
    except errors.UndefinedTable:
        return "missing"
    except psycopg.OperationalError:
        return "unreachable"
    except psycopg.Error:
        return "error"


def _fault(exc: sqlite3.Error) -> str:
    """A short word for the JSON body; the details go to the log by the caller."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in text:
        return "busy"
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text:
        return "readonly"
    if primary == sqlite3.SQLITE_FULL or "full" in text:
        return "full"
    if primary == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return "missing"
    return "error"
