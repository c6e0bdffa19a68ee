"""A pushed message, stored once and shared by every delivery of it.

Stored as channel-neutral replies (text + buttons), rendered per platform only
when sent, so LINE can multicast one message to many recipients: deliveries
with the same message id (same text, language and buttons) go in one call.
"""

from __future__ import annotations

import hashlib
import json

from bot.core.types import Button, Reply
from bot.storage import Store, now_iso


def encode(replies: list[Reply]) -> str:
    return json.dumps(
        [{"text": r.text, "buttons": [[b.label, b.data] for b in r.buttons]} for r in replies],
        ensure_ascii=False,
        sort_keys=True,
    )


def decode(body: str) -> list[Reply]:
    return [
        Reply(str(r["text"]), [Button(str(label), str(data)) for label, data in r["buttons"]])
        for r in json.loads(body)
    ]


def put(store: Store, replies: list[Reply]) -> int:
    """The id of this message, stored if new (identical messages share one row)."""
    body = encode(replies)
    digest = hashlib.sha256(body.encode()).hexdigest()
    with store.lock:
        conn = store.db.conn
        conn.execute(
            "insert into notify_messages (digest, body, created) values (?, ?, ?)"
            " on conflict do nothing",
            [digest, body, now_iso()],
        )
        row = conn.execute("select id from notify_messages where digest = ?", [digest]).fetchone()
    return int(row[0])


def get(store: Store, message_id: int) -> list[Reply]:
    with store.lock:
        row = store.db.conn.execute(
            "select body from notify_messages where id = ?", [message_id]
        ).fetchone()
    if row is None:
        raise KeyError(f"no message {message_id}")
    return decode(str(row[0]))
