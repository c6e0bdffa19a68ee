"""The delivery ledger: one row per (recipient, message), claimed before sending.

    pending --claim--> sending --> sent | failed | blocked | unknown
    pending --screen-> blocked (unfollowed) | cancelled (unsubscribed, data deleted)
                       | skipped (a reminder whose put-out time has passed)

Never twice: a row is created once (unique `dedupe_key`) and leaves `pending`
only through an atomic claim, so two senders (the server's scheduler and a cron
`resbot remind`) never take the same row. A Telegram row is claimed only once
the rate limiter has let its request go (`next_telegram`, wait, `claim`), so
`sending` means "the request may have left". Each claim records its sender
(`owner()`: "RESBOT_INSTANCE pid", the instance defaulting to the host name), and
the sender refreshes the claim stamps of the rows it holds while it runs
(`heartbeat`). After a crash, rows left `sending` are recovered at once when
their sender is a dead process on this host (or this very sender before it
restarted), else once the stamp is older than `stale_before` (its heartbeat
stopped: another instance died): a LINE batch is sent again with the SAME
X-Line-Retry-Key (LINE answers 409 if it had accepted it, so nobody gets it
twice); a Telegram message has no such key, so an interrupted one is marked
`unknown` ("delivery unknown", counted apart in the reports) rather than risk a
duplicate. Pending rows are simply picked up by any instance.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.config import Config

from bot.storage import Store, now_iso

from .subscriptions import transaction

STATUSES = (
    "pending", "sending", "sent", "failed", "blocked", "unknown", "cancelled", "skipped",
)  # fmt: skip
FINAL = ("sent", "failed", "blocked", "unknown", "cancelled", "skipped")
LINE_MULTICAST_MAX = 500
INSTANCE_ENV = "RESBOT_INSTANCE"
PICK_HOLD = 5.0  # seconds other instances leave a row picked by one alone (a hint)
UNKNOWN = "interrupted while sending: delivery unknown, not resent"
# When this process started: a claim in its own name older than this was made by an
# earlier process that had the same name (a restarted container's pid 1).
PROCESS_STARTED = datetime.now(UTC)


def iso(moment: datetime) -> str:
    """The form every timestamp of the ledger is compared in (UTC, milliseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


@lru_cache(maxsize=1)
def instance() -> str:
    """This instance's name: RESBOT_INSTANCE (environment or `.env`; one per machine
    or container), else the host name."""
    config = Config(".env" if Path(".env").exists() else None)
    return str(config(INSTANCE_ENV, default="")).strip() or socket.gethostname()


def owner() -> str:
    """Who claims: "instance pid" of this process."""
    return f"{instance()} {os.getpid()}"


def owner_alive(claimed_by: str | None) -> bool | None:
    """Whether the claiming process still runs; None when this host cannot tell
    (another host, or a claim from before owners were recorded)."""
    host, _, pid = (claimed_by or "").rpartition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


@dataclass(frozen=True)
class Recovery:
    batches: int = 0  # LINE batches to resend with their retry key
    unknown: int = 0  # Telegram messages marked `unknown` (may or may not have arrived)
    waiting: dict[str, float] = field(default_factory=dict)  # live/unknown owner -> s left


@dataclass(frozen=True)
class NewDelivery:
    dedupe_key: str
    source: str  # "broadcast" | "reminder"
    kind: str  # the subscription it is sent under: garbage | disaster | events
    user_key: str
    channel: str
    lang: str
    message_id: int
    broadcast_id: int | None = None
    expires: str | None = None  # ISO UTC: not sent after this (a reminder's put-out time)


@dataclass(frozen=True)
class LineBatch:
    id: int
    retry_key: str
    message_id: int
    deliveries: list[tuple[int, str]]  # (delivery id, LINE userId)


@dataclass(frozen=True)
class Job:
    id: int
    address: str
    user_key: str
    message_id: int


def enqueue(
    store: Store, rows: Iterable[NewDelivery], status: str = "pending", error: str | None = None
) -> int:
    """Insert rows whose key is new (claim-first); returns how many were new."""
    ts = now_iso()
    added = 0
    with transaction(store):
        for r in rows:
            cur = store.db.conn.execute(
                "insert into notify_deliveries (dedupe_key, source, broadcast_id,"
                " kind, user_key, channel, lang, message_id, status, error, expires, created,"
                " updated) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
                [r.dedupe_key, r.source, r.broadcast_id, r.kind, r.user_key, r.channel,
                 r.lang, r.message_id, status, error, r.expires, ts, ts],
            )  # fmt: skip
            added += cur.rowcount
    return added


def exists(store: Store, dedupe_key: str) -> bool:
    with store.lock:
        row = store.db.conn.execute(
            "select 1 from notify_deliveries where dedupe_key = ?", [dedupe_key]
        ).fetchone()
    return row is not None


def screen(store: Store, now: datetime) -> None:
    """Settle pending rows that must not be sent: expired, blocked, unsubscribed."""
    ts = now_iso()
    with transaction(store):
        conn = store.db.conn
        conn.execute(
            "update notify_deliveries set status = 'skipped', error = 'expired: too late to"
            " be useful', updated = ? where status = 'pending' and expires is not null"
            " and expires <= ?",
            [ts, iso(now)],
        )
        conn.execute(
            "update notify_deliveries set status = 'blocked', error = 'unfollowed or blocked',"
            " updated = ? where status = 'pending' and user_key in"
            " (select user_key from users where active = 0)",
            [ts],
        )
        conn.execute(
            "update notify_deliveries set status = 'cancelled', error = 'unsubscribed',"
            " updated = ? where status = 'pending' and not exists (select 1 from"
            " notify_subscriptions s join notify_recipients r on r.user_key = s.user_key"
            " where s.user_key = notify_deliveries.user_key and s.kind = notify_deliveries.kind)",
            [ts],
        )


def recover(store: Store, stale_before: datetime) -> Recovery:
    """Settle rows left `sending` by a sender that died: at once when it was a process
    of this host that is gone (or this sender's name before this process started),
    else when its claim stamp (refreshed by a live sender's `heartbeat`) is older
    than `stale_before`. Claims of a live (or uncheckable) sender that are not stale
    yet are left to it; `waiting` says whose and how many seconds until they would
    count as stale."""
    cutoff, ts, me = iso(stale_before), now_iso(), owner()
    with transaction(store):
        conn = store.db.conn
        held = _held(conn)
        dead = sorted({str(o) for o, _ in held if o is not None and owner_alive(o) is False})
        marks = ", ".join("?" * len(dead))
        # This sender's own name, claimed before this process started: a previous life.
        mine = " or (claimed_by = ? and {} < ?)"
        before = iso(PROCESS_STARTED)
        batches = conn.execute(
            "update notify_batches set state = 'retry', updated = ?"
            f" where state = 'sending' and (updated <= ? or claimed_by in ({marks})"
            + mine.format("updated")
            + ")",
            [ts, cutoff, *dead, me, before],
        ).rowcount
        messages = conn.execute(
            "update notify_deliveries set status = 'unknown', updated = ?, error = ?"
            " where status = 'sending' and channel = 'telegram'"
            f" and (claimed <= ? or claimed_by in ({marks})" + mine.format("claimed") + ")",
            [ts, UNKNOWN, cutoff, *dead, me, before],
        ).rowcount
        held = _held(conn)  # what is left to live (or not yet stale) senders
    waiting: dict[str, float] = {}
    for who, latest in held:
        if latest is None or latest <= cutoff:
            continue
        left = (datetime.fromisoformat(latest) - stale_before).total_seconds()
        name = str(who or "an unrecorded sender")
        waiting[name] = max(waiting.get(name, 0.0), left)
    return Recovery(batches, messages, waiting)


def _held(conn: Any) -> list[tuple[str | None, str | None]]:
    """(sender, its latest claim stamp) of every sender holding rows or batches."""
    rows = conn.execute(
        "select claimed_by, max(claimed) from notify_deliveries where status = 'sending'"
        " and channel = 'telegram' group by claimed_by union all"
        " select claimed_by, max(updated) from notify_batches where state = 'sending'"
        " group by claimed_by"
    ).fetchall()
    return [(o, t) for o, t in rows]


def heartbeat(store: Store, rows: Iterable[int], batches: Iterable[int]) -> None:
    """Refresh the claim stamps of the rows and LINE batches this sender still holds,
    so other instances see it alive however long a request (or its retries) takes."""
    rows, batches, ts = sorted(rows), sorted(batches), now_iso()
    if not rows and not batches:
        return
    with transaction(store):
        conn = store.db.conn
        if rows:
            conn.execute(
                "update notify_deliveries set claimed = ? where status = 'sending'"
                f" and id in ({', '.join('?' * len(rows))})",
                [ts, *rows],
            )
        if batches:
            conn.execute(
                "update notify_batches set updated = ? where state = 'sending'"
                f" and id in ({', '.join('?' * len(batches))})",
                [ts, *batches],
            )


def next_line_batch(store: Store, limit: int = LINE_MULTICAST_MAX) -> LineBatch | None:
    """An interrupted batch to resend (same retry key), else a new one: up to `limit`
    pending LINE rows of one message, claimed in one transaction."""
    limit = max(1, min(limit, LINE_MULTICAST_MAX))
    ts = now_iso()
    # PostgreSQL: another instance's sender may be claiming now; rows it holds are
    # skipped, not waited for and then taken twice (SQLite has one writer anyway).
    lock = " for update skip locked" if store.is_pg else ""
    with transaction(store):
        conn = store.db.conn
        retry = conn.execute(
            "select id, retry_key, message_id from notify_batches"
            " where state = 'retry' and channel = 'line' order by id limit 1" + lock
        ).fetchone()
        if retry is not None:
            batch_id, key, message_id = retry
            conn.execute(
                "update notify_batches set state = 'sending', updated = ?, claimed_by = ?"
                " where id = ?",
                [ts, owner(), batch_id],
            )
        else:
            first = conn.execute(
                "select message_id from notify_deliveries where status = 'pending'"
                " and channel = 'line' order by id limit 1" + lock
            ).fetchone()
            if first is None:
                return None
            message_id, key = first[0], str(uuid.uuid4())
            batch_id = conn.execute(
                "insert into notify_batches (channel, retry_key, message_id, created, updated,"
                " claimed_by) values ('line', ?, ?, ?, ?, ?)",
                [key, message_id, ts, ts, owner()],
            ).lastrowid
            # Picked first, then marked: on PostgreSQL a `for update` subquery inside
            # the update is re-run per row and would take every pending row.
            picked = [
                int(r[0])
                for r in conn.execute(
                    "select id from notify_deliveries where status = 'pending'"
                    f" and channel = 'line' and message_id = ? order by id limit ?{lock}",
                    [message_id, limit],
                ).fetchall()
            ]
            conn.execute(
                "update notify_deliveries set status = 'sending', batch_id = ?, claimed = ?,"
                " claimed_by = ?, attempts = attempts + 1, updated = ? where status = 'pending'"
                f" and id in ({', '.join('?' * len(picked))})",
                [batch_id, ts, owner(), ts, *picked],
            )
        rows = conn.execute(
            "select d.id, r.address from notify_deliveries d left join notify_recipients r"
            " on r.user_key = d.user_key and r.channel = 'line'"
            " where d.batch_id = ? and d.status = 'sending' order by d.id",
            [batch_id],
        ).fetchall()
        gone = [i for i, address in rows if not address]
        if gone:
            conn.execute(
                "update notify_deliveries set status = 'cancelled', error = 'data deleted',"
                f" updated = ? where id in ({', '.join('?' * len(gone))})",
                [ts, *gone],
            )
    deliveries = [(int(i), str(a)) for i, a in rows if a]
    return LineBatch(int(batch_id or 0), str(key), int(message_id), deliveries)


def finish_batch(store: Store, batch: LineBatch, status: str, error: str | None = None) -> None:
    ts = now_iso()
    with transaction(store):
        conn = store.db.conn
        conn.execute(
            "update notify_deliveries set status = ?, error = ?, updated = ?"
            " where batch_id = ? and status = 'sending'",
            [status, error, ts, batch.id],
        )
        conn.execute(
            "update notify_batches set state = ?, updated = ? where id = ?",
            [status, ts, batch.id],
        )


def next_telegram(store: Store, after: int = 0, picker: str | None = None) -> Job | None:
    """The oldest pending Telegram row after id `after`, NOT claimed: the caller
    waits for the rate limiter, then `claim`s it (None when there is none). A row
    whose address was deleted is cancelled on the way.

    With `picker` (PostgreSQL: several instances drain one ledger) the row is also
    marked picked: `claimed_by` = picker on a row still `pending` is a hint, not a
    claim, so that other pickers take other rows for PICK_HOLD seconds instead of
    all waiting for the same ones (only one would win its claim; the others' turns
    in the shared window would be wasted). The claim stays the only atomic step."""
    args: list[object]
    while True:
        with transaction(store) if picker else store.lock:
            conn = store.db.conn
            hint, args = "", [after]
            if picker:
                hint = " and (d.claimed_by is null or d.claimed_by = ? or d.claimed < ?)"
                args += [picker, iso(datetime.now(UTC) - timedelta(seconds=PICK_HOLD))]
            row = conn.execute(
                "select d.id, r.address, d.user_key, d.message_id from notify_deliveries d"
                " left join notify_recipients r on r.user_key = d.user_key"
                " and r.channel = 'telegram' where d.status = 'pending'"
                f" and d.channel = 'telegram' and d.id > ?{hint} order by d.id limit 1"
                + (" for update of d skip locked" if picker and store.is_pg else ""),
                args,
            ).fetchone()
            if row is not None and row[1] and picker:
                conn.execute(
                    "update notify_deliveries set claimed = ?, claimed_by = ? where id = ?",
                    [now_iso(), picker, row[0]],
                )
        if row is None:
            return None
        if row[1]:
            return Job(int(row[0]), str(row[1]), str(row[2]), int(row[3]))
        after = int(row[0])
        with store.lock:
            store.db.conn.execute(
                "update notify_deliveries set status = 'cancelled', error = 'data deleted',"
                " updated = ? where id = ? and status = 'pending'",
                [now_iso(), after],
            )


def claim(store: Store, delivery_id: int) -> bool:
    """Mark a pending row `sending` (its request is about to go); False when another
    sender took it first."""
    ts = now_iso()
    with store.lock:
        cur = store.db.conn.execute(
            "update notify_deliveries set status = 'sending', claimed = ?, claimed_by = ?,"
            " updated = ?, attempts = attempts + 1, error = null"
            " where id = ? and status = 'pending'",
            [ts, owner(), ts, delivery_id],
        )
    return cur.rowcount == 1


def finish(store: Store, delivery_id: int, status: str, error: str | None = None) -> None:
    with store.lock:
        store.db.conn.execute(
            "update notify_deliveries set status = ?, error = ?, updated = ? where id = ?",
            [status, error, now_iso(), delivery_id],
        )


def has_pending(store: Store, channel: str) -> bool:
    with store.lock:
        row = store.db.conn.execute(
            "select 1 from notify_deliveries where status = 'pending' and channel = ? limit 1",
            [channel],
        ).fetchone()
    return row is not None


def pending(store: Store) -> int:
    with store.lock:
        row = store.db.conn.execute(
            "select count(*) from notify_deliveries where status in ('pending', 'sending')"
        ).fetchone()
    return int(row[0])


def counts(store: Store, broadcast_id: int | None = None) -> dict[str, int]:
    """Rows per status (every status present, zeros included)."""
    sql = "select status, count(*) from notify_deliveries"
    args: list[object] = []
    if broadcast_id is not None:
        sql += " where broadcast_id = ?"
        args.append(broadcast_id)
    with store.lock:
        rows = store.db.conn.execute(sql + " group by status", args).fetchall()
    out = dict.fromkeys(STATUSES, 0)
    out.update({str(s): int(n) for s, n in rows})
    return out
