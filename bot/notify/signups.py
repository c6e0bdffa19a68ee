"""Sign-ups from the chat forms: disaster-support volunteers and the Japanese-class
waiting list.

The answers are personal data given with consent for one purpose, so they live
in their own table (`notify_signups`), never in the interaction log; they are
deleted on the resident's request ("delete my data") and after the retention
period (`resbot signups purge`, RESBOT_SIGNUP_RETENTION_DAYS, default 365).
An anonymous tally (`notify_signup_counts`) keeps the monthly KPI counts.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.signup_flow import FORMS, retention_days
from bot.spreadsheet import safe_cell
from bot.storage import Store, now_iso

from .subscriptions import transaction

FORMATS = ("csv", "xlsx")
STALE_FORM_HOURS = 24


@dataclass(frozen=True)
class Signup:
    id: int
    kind: str
    channel: str
    lang: str
    created: str
    fields: dict[str, str]


def add(
    store: Store, *, kind: str, user_key: str, channel: str, lang: str, fields: dict[str, str]
) -> int:
    """Store one sign-up; returns its id, or 0 when the same answers were already stored
    (a redelivered webhook or a double tap is not a second sign-up)."""
    if kind not in FORMS:
        raise ValueError(f"unknown sign-up kind {kind!r}")
    ts = now_iso()
    with transaction(store):
        cur = store.db.conn.execute(
            "insert into notify_signups (kind, user_key, channel, lang, fields,"
            " created) values (?, ?, ?, ?, ?, ?) on conflict do nothing",
            [kind, user_key, channel, lang, json.dumps(fields, ensure_ascii=False), ts],
        )
        if cur.rowcount != 1:
            return 0
        store.db.conn.execute(
            "insert into notify_signup_counts (kind, ts) values (?, ?)", [kind, ts]
        )
    return int(cur.lastrowid or 0)


def list_signups(store: Store, kind: str) -> list[Signup]:
    with store.lock:
        rows = store.db.conn.execute(
            "select id, kind, channel, lang, created, fields from notify_signups"
            " where kind = ? order by id",
            [kind],
        ).fetchall()
    return [Signup(r[0], r[1], r[2], r[3] or "", r[4], json.loads(r[5])) for r in rows]


def _cell(value: Any) -> Any:
    """Residents' answers must stay text in Excel (bot.spreadsheet)."""
    return safe_cell(value)


def _table(store: Store, kind: str) -> tuple[list[str], list[list[Any]]]:
    columns = ["id", "created", "channel", "lang", *FORMS[kind]]
    rows = [
        [s.id, s.created, s.channel, s.lang, *(_cell(s.fields.get(f, "")) for f in FORMS[kind])]
        for s in list_signups(store, kind)
    ]
    return columns, rows


def export(store: Store, kind: str, fmt: str, out: Path) -> Path:
    """Write one kind's sign-ups as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    if kind not in FORMS:
        raise ValueError(f"kind must be one of {', '.join(FORMS)}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    columns, rows = _table(store, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows(rows)
        return out
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = kind
    ws.append(columns)
    for row in rows:
        ws.append(row)
    wb.save(out)
    return out


def purge(store: Store, days: int | None = None, now: datetime | None = None) -> int:
    """Delete sign-ups older than the retention period, and drop unfinished forms
    left in sessions for a day; returns how many sign-ups were deleted."""
    days = retention_days() if days is None else days
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cutoff = (moment - timedelta(days=days)).isoformat(timespec="milliseconds")
    stale = (moment - timedelta(hours=STALE_FORM_HOURS)).isoformat(timespec="milliseconds")
    with transaction(store):
        cur = store.db.conn.execute("delete from notify_signups where created < ?", [cutoff])
        forms = store.db.conn.execute(
            # Sessions are compact JSON (Store.save_session); older rows have spaces.
            "select user_key, data from sessions where updated < ?"
            ' and (data like \'%"awaiting":"signup"%\' or data like \'%"awaiting": "signup"%\')',
            [stale],
        ).fetchall()
        for user_key, data in forms:
            session = json.loads(data)
            if session.get("awaiting") != "signup":
                continue  # the words were inside a text, not the form's state
            session.update(awaiting=None, awaiting_payload=None)
            store.db.conn.execute(
                "update sessions set data = ? where user_key = ?",
                [json.dumps(session, ensure_ascii=False), user_key],
            )
    return cur.rowcount
