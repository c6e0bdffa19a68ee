"""Who wants which notices: the address book and the subscriptions (see `tables`).

The raw platform id is written here only, and removed with the last subscription
or on "delete my data", so an unsubscribed resident leaves no address behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.storage import Store, now_iso

PUSH_CHANNELS = ("line", "telegram")
KINDS = ("garbage", "disaster", "events")


@contextmanager
def transaction(store: Store) -> Iterator[None]:
    """One SQLite write transaction under the store's lock (BEGIN IMMEDIATE takes the
    write lock at once, so two processes never interleave a claim).

    Inside an event's own transaction (bot.claims: the service applies a turn's
    effects there) it is a savepoint of it: undone alone on failure, committed
    with the event."""
    with store.lock:
        conn = store.db.conn
        if conn.in_transaction:
            conn.execute("savepoint notify")
            try:
                yield
            except BaseException:
                conn.execute("rollback to notify")
                conn.execute("release notify")
                raise
            conn.execute("release notify")
            return
        conn.execute("begin immediate")
        try:
            yield
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")


@dataclass(frozen=True)
class Recipient:
    user_key: str
    channel: str
    address: str
    lang: str
    area: str | None


def subscriptions_of(store: Store, user_key: str) -> dict[str, str]:
    """kind -> option of one resident."""
    with store.lock:
        rows = store.db.conn.execute(
            "select kind, option from notify_subscriptions where user_key = ?", [user_key]
        ).fetchall()
    return {str(kind): str(option) for kind, option in rows}


def subscribe(
    store: Store,
    *,
    user_key: str,
    channel: str,
    address: str,
    kind: str,
    option: str = "",
    lang: str | None = None,
    area: str | None = None,
) -> None:
    if channel not in PUSH_CHANNELS:
        raise ValueError(f"{channel!r} cannot receive notifications")
    if kind not in KINDS:
        raise ValueError(f"unknown subscription kind {kind!r}")
    ts = now_iso()
    with transaction(store):
        store.db.conn.execute(
            "insert into notify_recipients (user_key, channel, address, lang, area, created,"
            " updated) values (?, ?, ?, ?, ?, ?, ?) on conflict(user_key) do update set"
            " channel = excluded.channel, address = excluded.address,"
            " lang = coalesce(excluded.lang, notify_recipients.lang),"
            " area = coalesce(excluded.area, notify_recipients.area),"
            " updated = excluded.updated",
            [user_key, channel, address, lang, area, ts, ts],
        )
        store.db.conn.execute(
            "insert into notify_subscriptions (user_key, kind, option, created)"
            " values (?, ?, ?, ?) on conflict(user_key, kind) do update set"
            " option = excluded.option",
            [user_key, kind, option, ts],
        )


def unsubscribe(store: Store, user_key: str, kind: str | None = None) -> None:
    """Stop one kind (or all); the address goes with the last subscription."""
    with transaction(store):
        conn = store.db.conn
        if kind is None:
            conn.execute("delete from notify_subscriptions where user_key = ?", [user_key])
        else:
            conn.execute(
                "delete from notify_subscriptions where user_key = ? and kind = ?",
                [user_key, kind],
            )
        conn.execute(
            "delete from notify_recipients where user_key = ? and not exists"
            " (select 1 from notify_subscriptions s where s.user_key = ?)",
            [user_key, user_key],
        )


def refresh(store: Store, user_key: str, lang: str | None, area: str | None) -> None:
    """Keep a subscriber's language and area as they are in the conversation."""
    with store.lock:
        store.db.conn.execute(
            "update notify_recipients set lang = coalesce(?, lang), area = coalesce(?, area),"
            " updated = ? where user_key = ? and (lang is not coalesce(?, lang)"
            " or area is not coalesce(?, area))",
            [lang, area, now_iso(), user_key, lang, area],
        )


def recipients(
    store: Store,
    kind: str,
    *,
    langs: list[str] | None = None,
    areas: list[str] | None = None,
    include_inactive: bool = False,
) -> list[Recipient]:
    """Subscribers of one kind, optionally only these languages and areas. Blocked or
    unfollowed residents (users.active = 0) are left out unless `include_inactive`
    (a broadcast lists them to count them as blocked; they are never sent to)."""
    sql = (
        "select r.user_key, r.channel, r.address, coalesce(r.lang, 'ja') as lang, r.area"
        " from notify_recipients r join notify_subscriptions s on s.user_key = r.user_key"
        " left join users u on u.user_key = r.user_key"
        " where s.kind = ?"
    )
    if not include_inactive:
        sql += " and coalesce(u.active, 1) = 1"
    args: list[object] = [kind]
    if langs:
        sql += f" and coalesce(r.lang, 'ja') in ({', '.join('?' * len(langs))})"
        args += langs
    if areas:
        sql += f" and r.area in ({', '.join('?' * len(areas))})"
        args += areas
    with store.lock:
        rows = store.db.conn.execute(sql + " order by r.user_key", args).fetchall()
    return [Recipient(*row) for row in rows]


def counts(store: Store) -> dict[str, dict[str, int]]:
    """Subscribers per kind and language (for the staff page and `resbot broadcast`)."""
    out: dict[str, dict[str, int]] = {}
    with store.lock:
        rows = store.db.conn.execute(
            "select s.kind, coalesce(r.lang, 'ja'), count(*) from notify_subscriptions s"
            " join notify_recipients r on r.user_key = s.user_key group by 1, 2"
        ).fetchall()
    for kind, lang, n in rows:
        out.setdefault(str(kind), {})[str(lang)] = int(n)
    return out


def forget(store: Store, user_key: str) -> None:
    """ "Delete my data": the address, subscriptions, sign-ups, the session and the
    text of the resident's messages go; pseudonymous counts stay (deliveries lose
    their link to the person, the log keeps its rows without text)."""
    with transaction(store):
        conn = store.db.conn
        conn.execute("delete from notify_subscriptions where user_key = ?", [user_key])
        conn.execute("delete from notify_recipients where user_key = ?", [user_key])
        conn.execute("delete from notify_signups where user_key = ?", [user_key])
        conn.execute(
            "update notify_deliveries set user_key = '', dedupe_key = 'forgotten:' || id,"
            " status = case when status = 'pending' then 'cancelled' else status end"
            " where user_key = ?",
            [user_key],
        )
        conn.execute("delete from sessions where user_key = ?", [user_key])
        # Replies still owed keep the platform address for a re-send (bot.claims): gone too.
        conn.execute(
            "update interactions set text = null, reply = null where user_key = ?", [user_key]
        )
    # The deleted address must not stay readable in the -wal file either.
    store.checkpoint()
