"""The staff tables, created in the same SQLite file as the interaction log.

Additive and idempotent (`Store._migrate` calls `migrate` on every open), so an
existing database gains them in place. Session tokens are stored as SHA-256
hashes: a copy of the database does not let anyone in.
"""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    if not db.table("staff_users").exists():
        db.table("staff_users").create(
            {
                "name": str,
                "role": str,
                "password_hash": str,
                "active": int,
                "created": str,
                "updated": str,
                "last_login": str,
            },
            pk="name",
        )
    if not db.table("staff_sessions").exists():
        db.table("staff_sessions").create(
            {
                "token_hash": str,
                "user": str,
                "csrf": str,
                "created": str,
                "expires": str,
                "ip": str,
            },
            pk="token_hash",
        )
        db.table("staff_sessions").create_index(["user"])
    # The cities an account may open in a several-city install (bot.install):
    # "*" for all (every account of a one-city install), else ids joined by ",".
    if "cities" not in db.table("staff_users").columns_dict:
        db.execute("alter table staff_users add column cities text not null default '*'")
    if not db.table("staff_login_failures").exists():
        db.table("staff_login_failures").create(
            {"id": int, "name": str, "ip": str, "ts": str}, pk="id"
        )
        db.table("staff_login_failures").create_index(["name", "ip", "ts"])
        db.table("staff_login_failures").create_index(["ip", "ts"])
    if not db.table("staff_audit").exists():
        db.table("staff_audit").create(
            {
                "id": int,
                "ts": str,
                "user": str,
                "action": str,
                "file": str,
                "field": str,
                "before": str,
                "after": str,
                # Hash of the edited unit (entry file, PO message, city value) after
                # the change: tells a conflict "changed by X" from a hand edit.
                "after_hash": str,
            },
            pk="id",
        )
        db.table("staff_audit").create_index(["file", "field"])
        db.table("staff_audit").create_index(["ts"])
    if not db.table("staff_queue").exists():
        # Decisions on unanswered questions: an item with a row here left the queue.
        db.table("staff_queue").create(
            {
                "key": str,
                "text": str,
                "action": str,
                "entry": str,
                "lang": str,
                "user": str,
                "ts": str,
            },
            pk="key",
        )
    if not db.table("staff_settings").exists():
        db.table("staff_settings").create(
            {"key": str, "value": str, "user": str, "updated": str}, pk="key"
        )
