"""What the sign-ups page shows: counts for everyone, the answers (personal data)
for editors, as files to download.

Counts are read without loading anyone's answers, so a viewer's page never
touches the personal data at all.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.analytics import Month
from bot.core.langs import LANGS
from bot.core.signup_flow import FORMS
from bot.notify import signups, stats, subscriptions
from bot.storage import Store

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORM_NAMES = {
    "volunteer": "災害ボランティア / Disaster-support volunteers",
    "class": "日本語教室の順番待ち / Japanese-class waiting list",
}


def stored(store: Store) -> dict[str, int]:
    """Sign-ups kept now, per form (deleted ones are gone from here)."""
    with store.lock:
        rows = store.db.conn.execute(
            "select kind, count(*) from notify_signups group by kind"
        ).fetchall()
    out = dict.fromkeys(FORMS, 0)
    out.update({str(k): int(n) for k, n in rows if k in FORMS})
    return out


def this_month(store: Store, month: Month) -> dict[str, int]:
    """Sign-ups made in the month, per form (the anonymous tally: deletions keep counting)."""
    found = stats.monthly_counts(store.db, month.start(), month.shift(1).start())
    return {kind: found.get(f"{kind}_signups", 0) for kind in FORMS}


@dataclass(frozen=True)
class SubscriptionTable:
    kinds: list[str]
    counts: dict[str, dict[str, int]]  # kind -> lang -> subscribers

    def total(self, kind: str) -> int:
        return sum(self.counts.get(kind, {}).values())

    def lang_total(self, lang: str) -> int:
        return sum(per.get(lang, 0) for per in self.counts.values())

    @property
    def langs(self) -> list[str]:
        extra = sorted({x for per in self.counts.values() for x in per} - set(LANGS))
        return [*LANGS, *extra]


def subscription_table(store: Store) -> SubscriptionTable:
    return SubscriptionTable(list(subscriptions.KINDS), subscriptions.counts(store))


def export_bytes(store: Store, kind: str, fmt: str) -> bytes:
    """One form's sign-ups as a CSV or XLSX file's bytes (written by `signups.export`,
    the same file `resbot signups export` writes)."""
    with tempfile.TemporaryDirectory() as folder:
        path = signups.export(store, kind, fmt, Path(folder) / f"signups.{fmt}")
        return path.read_bytes()
