"""The notification tables, created by `migrate(db)` from `Store._migrate()`.

Where raw platform ids live, and why: a push needs the LINE userId or the
Telegram chat id, which the interaction log never stores (it keeps only the
HMAC pseudonym `user_key`). They are kept in ONE place, `notify_recipients.address`,
the delivery address book, and only for residents who subscribed to something.
Every other table here refers to people by `user_key`. The address is not
encrypted at rest (the database file is the server's; protect it as such); it is
deleted when the resident's last subscription ends, on "delete my data", and
never copied into the log, the deliveries or the reports.

    notify_recipients     user_key PK, channel, address (raw id), lang, area
    notify_subscriptions  (user_key, kind) PK, option ("evening"/"morning" for garbage)
    notify_messages       one rendered message (JSON replies), shared by many deliveries
    notify_broadcasts     a staff broadcast: template/text per language, target, state;
                          `sites` (JSON snapshots of the evacuation sites it announces,
                          opened in `shelters_open` when sent) and `disaster` (the type
                          it is about, for `bot.shelters.opened.active_disaster`)
    notify_batches        one LINE multicast call: its X-Line-Retry-Key, for safe retries;
                          `claimed_by` ("instance pid") lets a restart see its sender is
                          dead; `updated` is its sender's heartbeat while `sending`
    notify_deliveries     one row per (recipient, message): pending -> sending ->
                          sent / failed / blocked / cancelled / skipped; `dedupe_key` is
                          unique, so a reminder (garbage:<user_key>:<date>) or a
                          broadcast (b<id>:<user_key>) is claimed once, before sending;
                          `claimed`/`claimed_by` of a `sending` row: its sender and
                          heartbeat; of a `pending` Telegram row on PostgreSQL: which run
                          picked it to send next (a hint, bot.notify.ledger.next_telegram)
    notify_signups        sign-up form answers (personal data, deleted on request or
                          after the retention period)
    notify_signup_counts  an anonymous tally (kind, time) for the monthly report, so
                          deleting someone's sign-up does not rewrite past reports
    notify_send_slots     PostgreSQL only: Telegram sends of the last second across
                          instances (bot.notify.sendslots); no personal data beyond
                          the chat id of a send in the last second or so
"""

from __future__ import annotations

import sqlite_utils

from bot.db import dialect

SCHEMA = """
create table if not exists notify_recipients (
    user_key text primary key,
    channel text not null,
    address text not null,
    lang text,
    area text,
    created text not null,
    updated text not null
);
create table if not exists notify_subscriptions (
    user_key text not null,
    kind text not null,
    option text not null default '',
    created text not null,
    primary key (user_key, kind)
);
create table if not exists notify_messages (
    id integer primary key,
    digest text not null unique,
    body text not null,
    created text not null
);
create table if not exists notify_broadcasts (
    id integer primary key,
    created text not null,
    created_by text not null default '',
    kind text not null,
    template text,
    params text not null default '{}',
    texts text not null default '{}',
    langs text not null default '[]',
    areas text not null default '[]',
    state text not null default 'draft',
    tested text,
    queued text,
    finished text,
    sites text not null default '[]',
    disaster text
);
create table if not exists notify_batches (
    id integer primary key,
    channel text not null,
    retry_key text not null unique,
    message_id integer not null,
    state text not null default 'sending',
    created text not null,
    updated text not null,
    claimed_by text
);
create table if not exists notify_deliveries (
    id integer primary key,
    dedupe_key text not null unique,
    source text not null,
    broadcast_id integer,
    kind text not null,
    user_key text not null,
    channel text not null,
    lang text,
    message_id integer not null,
    status text not null default 'pending',
    batch_id integer,
    attempts integer not null default 0,
    error text,
    expires text,
    created text not null,
    updated text not null,
    claimed text,
    claimed_by text
);
create index if not exists notify_broadcasts_sent on notify_broadcasts (kind, queued);
create index if not exists notify_deliveries_status on notify_deliveries (status, channel);
create index if not exists notify_deliveries_broadcast on notify_deliveries (broadcast_id);
create index if not exists notify_deliveries_user on notify_deliveries (user_key);
create index if not exists notify_deliveries_updated on notify_deliveries (updated);
create table if not exists notify_signups (
    id integer primary key,
    kind text not null,
    user_key text not null,
    channel text not null,
    lang text,
    fields text not null,
    created text not null
);
create index if not exists notify_signups_user on notify_signups (user_key);
-- The same answers twice (a redelivered webhook, a double tap) are one sign-up.
create unique index if not exists notify_signups_once on notify_signups (kind, user_key, fields);
create table if not exists notify_signup_counts (
    id integer primary key,
    kind text not null,
    ts text not null
);
"""


def migrate(db: sqlite_utils.Database) -> None:
    """Create the tables if missing (idempotent: an older database upgrades in place).

    Also turns on secure_delete for this connection (SQLite): a deleted address or
    sign-up is overwritten on disk, not left readable in a free page of the file.
    The same SCHEMA serves PostgreSQL (`bot.db` translates its two differences)."""
    if dialect(db) == "sqlite":
        db.conn.execute("PRAGMA secure_delete = ON")
    db.conn.executescript(SCHEMA)
    if dialect(db) == "postgresql":  # several instances share one Telegram window
        from .sendslots import SCHEMA as SLOTS

        db.conn.executescript(SLOTS)
    for table in ("notify_deliveries", "notify_batches"):
        # `claimed_by` ("host pid" of the sender) came later: add it to older files.
        if "claimed_by" not in db.table(table).columns_dict:
            db.conn.execute(f"alter table {table} add column claimed_by text")
    # The evacuation sites a broadcast announces and its disaster type came later too.
    columns = db.table("notify_broadcasts").columns_dict
    if "sites" not in columns:
        db.conn.execute("alter table notify_broadcasts add column sites text not null default '[]'")
    if "disaster" not in columns:
        db.conn.execute("alter table notify_broadcasts add column disaster text")
