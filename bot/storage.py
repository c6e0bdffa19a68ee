"""Storage: sessions, users, the interaction log and feedback.

SQLite (sqlite-utils) by default; PostgreSQL when `RESBOT_DATABASE_URL` is a
`postgresql://` URL, so several instances can share one database (`bot.db`
gives PostgreSQL the same `store.db` surface). One write path for everything the
service keeps; the core never imports this. The connection may be used from the
server's worker threads, so writes are serialized with a lock (SQLite allows one
writer at a time anyway; on PostgreSQL, other instances are kept apart by row
locks and the per-user advisory lock taken in `claim`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import orjson
import sqlite_utils

from bot import db as pg
from bot.notify.tables import migrate as migrate_notify
from bot.shelters.opened import migrate as migrate_shelters
from bot.staff.schema import migrate as migrate_staff

log = logging.getLogger("resbot.storage")
# 2: feedback table; 3: interactions.delivery/claimed (bot.claims); 4: interactions.reply
SCHEMA_VERSION = 4
MIGRATE_LOCK = 0x7265_7362  # "resb": the advisory lock instances migrate under (PostgreSQL)


def create_private(path: Path | str) -> None:
    """Create the database file 0600 if missing: SQLite gives -wal/-shm the same mode.

    Resident data must not be readable by other local accounts, whatever the umask.
    """
    if str(path) == ":memory:":
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def now_iso() -> str:
    """Now in UTC, as `datetime.now(UTC).isoformat(timespec="milliseconds")` writes it
    (2026-12-06T23:52:00.123+00:00): the log's timestamps compare as text."""
    return iso_ns(time.time_ns())


def iso_ns(ns: int) -> str:
    """A POSIX time in nanoseconds in now_iso's format, the milliseconds truncated.

    A turn writes 3-5 stamps; `datetime.isoformat` costs ~17,000 instructions each
    (callgrind: 4.7 % of a LINE webhook's), the second's text is reused here."""
    second, rest = divmod(ns, 1_000_000_000)
    return f"{_second_text(second)}.{rest // 1_000_000:03d}+00:00"


@lru_cache(maxsize=8)
def _second_text(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def database_url() -> str | None:
    """The PostgreSQL URL from RESBOT_DATABASE_URL, or None for SQLite (the default)."""
    url = os.environ.get("RESBOT_DATABASE_URL", "").strip()
    if url and not pg.is_pg_url(url):
        raise ValueError("RESBOT_DATABASE_URL must start with postgresql:// (or be unset)")
    return url or None


class Store:
    """`path` is the SQLite file; a `postgresql://` URL (given as `path`, or in
    RESBOT_DATABASE_URL, which wins) selects PostgreSQL instead."""

    def __init__(self, path: Path | str) -> None:
        # A URL given here wins (a city's schema in a several-city install, bot.install).
        url = str(path) if pg.is_pg_url(path) else database_url()
        self.dialect = "postgresql" if url else "sqlite"
        self.path: Path | str = url or path
        if url is None and str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            create_private(path)
        self.lock = threading.RLock()
        self.closed = False
        self._checkpoint_after_commit = False
        self.db = self._connect()
        if self.dialect == "postgresql":
            with self.lock:  # one instance migrates at a time; the others wait, then see it
                self.db.conn.execute("begin")
                try:
                    self.db.execute("select pg_advisory_xact_lock(?)", [MIGRATE_LOCK])
                    cast(pg.PgDatabase, self.db).create_search_path_schema()
                    self._migrate()
                    self.db.conn.execute("commit")
                except BaseException:
                    self.db.conn.rollback()
                    raise
        else:
            self._migrate()

    @property
    def is_pg(self) -> bool:
        return self.dialect == "postgresql"

    def _connect(self) -> sqlite_utils.Database:
        if self.dialect == "postgresql":
            # Typed as what it stands in for: it offers the subset the callers use.
            return cast(sqlite_utils.Database, pg.PgDatabase(str(self.path)))
        conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        # Deleted rows are zeroed in their page, not left readable in a free page.
        db.execute("PRAGMA secure_delete=ON")
        return db

    def reopen(self) -> None:
        """Connect again after `close` (an app started a second time, as tests do)."""
        with self.lock:
            if self.closed:
                self.db = self._connect()
                self.closed = False

    def checkpoint(self) -> None:
        """Copy the -wal into the database file and truncate it to zero bytes.

        Until then, the page versions written before a deletion (raw platform ids
        included) stay readable in the -wal file; call this after deleting personal
        data. Best effort: a reader still open elsewhere may keep some frames."""
        if str(self.path) == ":memory:" or self.is_pg:
            return  # PostgreSQL keeps no -wal beside a file of ours: nothing to truncate
        with self.lock:
            if self.db.conn.in_transaction:
                # Inside an event's transaction (bot.claims) SQLite cannot checkpoint:
                # done right after its commit, when the deletion is in the -wal.
                self._checkpoint_after_commit = True
                return
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Checkpoint and close on shutdown: the last connection to close removes
        the -wal and -shm files, so nothing deleted survives in them."""
        with self.lock:
            if self.closed or str(self.path) == ":memory:":
                return  # an in-memory database would be lost, not cleaned
            if self.is_pg:
                self.db.conn.close()
                self.closed = True
                return
            try:
                self.checkpoint()
            finally:
                self.db.conn.close()
                self.closed = True

    def _migrate(self) -> None:
        if not self.db.table("sessions").exists():
            self.db.table("sessions").create(
                {"user_key": str, "data": str, "updated": str}, pk="user_key"
            )
        if not self.db.table("users").exists():
            self.db.table("users").create(
                {
                    "user_key": str,
                    "channel": str,
                    "active": int,
                    "first_seen": str,
                    "followed": str,
                    "unfollowed": str,
                },
                pk="user_key",
            )
        if not self.db.table("interactions").exists():
            self.db.table("interactions").create(
                {
                    "id": int,
                    "event_id": str,
                    "ts": str,
                    "channel": str,
                    "user_key": str,
                    "kind": str,
                    "lang": str,
                    "outcome": str,
                    "topic": str,
                    "entry": str,
                    "score": float,
                    "desk_referral": int,
                    "latency_ms": float,
                    "text": str,
                },
                pk="id",
            )
            self.db.table("interactions").create_index(["event_id"], unique=True)
            self.db.table("interactions").create_index(["ts"])
        # Additions from here on are additive and idempotent, so an existing
        # database upgrades in place when a newer resbot opens it.
        if not self.db.table("feedback").exists():
            self.db.table("feedback").create(
                {
                    "id": int,
                    "event_id": str,
                    "ts": str,
                    "user_key": str,
                    "entry": str,
                    "helpful": int,
                },
                pk="id",
            )
            self.db.table("feedback").create_index(["event_id"], unique=True)
            self.db.table("feedback").create_index(["ts"])
        # 3: whether the reply of a claimed event is still owed (see bot.claims);
        # 4: what a re-send of an owed reply needs, cleared once it is settled.
        columns = self.db.table("interactions").columns_dict
        for name in ("delivery", "claimed", "reply"):
            if name not in columns:
                self.db.execute(f"alter table interactions add column {name} text")
        # /healthz commits one heartbeat row here to prove a write can land (bot.health).
        self.db.execute(
            "create table if not exists health (id integer primary key, ts text not null)"
        )
        # Rate-limit buckets shared by instances on PostgreSQL (bot.throttle.StoredThrottle).
        self.db.execute(
            "create table if not exists throttle_buckets (name text primary key,"
            " tokens float not null, at float not null, warned integer not null default 0)"
        )
        migrate_staff(self.db)
        migrate_notify(self.db)
        migrate_shelters(self.db)
        if self.is_pg:  # PostgreSQL has no user_version: a one-row table says it
            self.db.execute("create table if not exists resbot_meta (version integer not null)")
            row = self.db.execute("select max(version) from resbot_meta").fetchone()
            found = int(row[0] or 0)
            self.db.execute("delete from resbot_meta")
            self.db.execute("insert into resbot_meta values (?)", [max(found, SCHEMA_VERSION)])
            return
        found = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        # Never lower it: a newer resbot's database keeps saying what it is.
        self.db.execute(f"PRAGMA user_version={max(found, SCHEMA_VERSION)}")

    # ------------------------------------------------------------------ transactions
    def begin(self) -> None:
        """Start one write transaction; the caller holds `lock` until commit/rollback.

        IMMEDIATE takes SQLite's write lock now, so a claim cannot race another
        process's between its check and its write (PostgreSQL: a plain BEGIN; the
        unique event id and row locks do that there)."""
        self.db.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        if self._checkpoint_after_commit:
            self._checkpoint_after_commit = False
            try:  # best effort, as always: the commit above stands either way
                self.checkpoint()
            except pg.ERRORS as exc:
                log.warning("checkpoint after an erasure failed: %s", exc)

    def rollback(self) -> None:
        self._checkpoint_after_commit = False  # nothing was deleted after all
        if self.db.conn.in_transaction:
            self.db.conn.rollback()

    # ------------------------------------------------------------------ sessions
    def load_session(self, user_key: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "select data from sessions where user_key = ?", [user_key]
            ).fetchone()
        if not row:
            return None
        try:
            return orjson.loads(row[0])  # type: ignore[no-any-return]
        except orjson.JSONDecodeError:  # an escaped lone surrogate (see save_session)
            return json.loads(row[0])  # type: ignore[no-any-return]

    def save_session(self, user_key: str, data: dict[str, Any]) -> None:
        try:
            text = orjson.dumps(data).decode()
        except orjson.JSONEncodeError:  # a lone surrogate: ASCII JSON keeps it
            text = json.dumps(data)
        with self.lock:
            self.db.execute(
                "insert into sessions (user_key, data, updated) values (?, ?, ?)"
                " on conflict(user_key) do update set data = excluded.data,"
                " updated = excluded.updated",
                [user_key, text, now_iso()],
            )

    # ------------------------------------------------------------------ users
    def touch_user(self, user_key: str, channel: str, *, follow: bool | None = None) -> None:
        """Record that a user exists; follow=True/False records (un)follow."""
        ts = now_iso()
        with self.lock:
            self.db.execute(
                "insert into users (user_key, channel, active, first_seen) values (?, ?, 1, ?)"
                " on conflict(user_key) do nothing",
                [user_key, channel, ts],
            )
            if follow is True:
                self.db.execute(
                    "update users set active = 1, followed = ? where user_key = ?", [ts, user_key]
                )
            elif follow is False:
                self.db.execute(
                    "update users set active = 0, unfollowed = ? where user_key = ?", [ts, user_key]
                )

    def is_active(self, user_key: str) -> bool:
        with self.lock:
            rows = list(self.db.query("select active from users where user_key = ?", [user_key]))
        return bool(rows[0]["active"]) if rows else True

    # ------------------------------------------------------------------ log
    def claim(
        self,
        event_id: str,
        channel: str,
        user_key: str,
        kind: str,
        *,
        owed: bool = False,
        retry_before: str | None = None,
    ) -> bool:
        """Reserve an event id before handling it: False means it was already handled,
        so a redelivered webhook gets neither a second reply nor a second log row.

        `owed` marks a reply still to send; a row left `retry`, or `owed` since before
        `retry_before` (a crash), is claimed again (bot.claims explains the states)."""
        ts = now_iso()
        with self.lock:
            cur = self.db.conn.execute(
                "insert into interactions"
                " (event_id, ts, channel, user_key, kind, outcome, delivery, claimed)"
                " values (?, ?, ?, ?, ?, 'pending', ?, ?) on conflict do nothing",
                [event_id, ts, channel, user_key, kind, "owed" if owed else None, ts],
            )
            if cur.rowcount != 1 and retry_before is not None:
                cur = self.db.conn.execute(
                    "update interactions set delivery = 'owed', claimed = ? where event_id = ?"
                    " and (delivery = 'retry' or (delivery = 'owed' and claimed < ?))",
                    [ts, event_id, retry_before],
                )
            mine = bool(cur.rowcount == 1)
            if mine and self.is_pg and self.db.conn.in_transaction:
                # Another instance may be in a turn of the same user (its session,
                # its rate limit): wait for it, as SQLite's one writer would.
                self.db.execute("select pg_advisory_xact_lock(hashtextextended(?, 0))", [user_key])
        return mine

    def set_delivery(self, event_id: str, delivery: str) -> None:
        """Settle a claim; the stored reply (platform address included) goes with it."""
        with self.lock:
            self.db.conn.execute(
                "update interactions set delivery = ?, reply = null where event_id = ?",
                [delivery, event_id],
            )

    def set_deliveries(self, marks: list[tuple[str, str]]) -> None:
        """`set_delivery` of many events in one transaction (bot.channels.worker)."""
        with self.lock:
            self.begin()
            try:
                for event_id, delivery in marks:
                    self.db.conn.execute(
                        "update interactions set delivery = ?, reply = null where event_id = ?",
                        [delivery, event_id],
                    )
            except BaseException:
                self.rollback()
                raise
            self.commit()

    def complete(self, event_id: str, row: dict[str, Any]) -> None:
        cols = ", ".join(f"{k} = :{k}" for k in row)
        with self.lock:
            self.db.conn.execute(
                f"update interactions set {cols} where event_id = :event_id",
                {**row, "event_id": event_id},
            )

    def add_feedback(self, event_id: str, user_key: str, entry: str, helpful: bool) -> bool:
        """Record a "was this helpful?" tap. False if this event id was already recorded
        (a redelivered webhook must not count twice)."""
        with self.lock:
            cur = self.db.conn.execute(
                "insert into feedback (event_id, ts, user_key, entry, helpful)"
                " values (?, ?, ?, ?, ?) on conflict do nothing",
                [event_id, now_iso(), user_key, entry, int(helpful)],
            )
        return cur.rowcount == 1

    def count(self, sql: str = "select count(*) as n from interactions") -> int:
        with self.lock:
            return int(next(iter(self.db.query(sql)))["n"])
