"""The unanswered-questions queue: what residents asked that the bot could not
answer (fallback) or was unsure of ("did you mean?"), grouped by text.

Staff attach a question to an entry (it becomes a draft question variant, see
`entries.add_draft`) or dismiss it; either decision is kept, so the item leaves
the queue. Text is the masked text of the log (see `bot.privacy`), shown
escaped: it is whatever a stranger typed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from bot.storage import Store

from .clock import iso, utcnow
from .entries import one_line

PAGE_SIZE = 50  # items per page of the staff view


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    count: int
    lang: str
    outcomes: str  # "fallback", "clarify" or both
    last_seen: str


@dataclass(frozen=True)
class Page:
    items: list[Item]
    number: int  # 1-based, clamped to the pages there are
    pages: int
    total: int  # open items in the window


def key_of(text: str) -> str:
    """Questions differing only in case and spacing are one item."""
    folded = " ".join(text.split()).casefold()
    return hashlib.sha256(folded.encode()).hexdigest()[:24]


class Queue:
    def __init__(self, store: Store) -> None:
        self.store = store

    def items(self, months: int = 3, clarify: bool = True) -> list[Item]:
        """Every open item of the window, most asked (then latest) first.

        SQLite folds identical texts first (a repeated question is one row here),
        Python then merges those differing in case and spacing. Blocking: call it
        from a worker thread, never on the event loop."""
        outcomes = ("fallback", "clarify") if clarify else ("fallback",)
        marks = ", ".join("?" for _ in outcomes)
        since = iso(utcnow() - timedelta(days=31 * months))
        sql = (
            "select text, lang, outcome, count(*) as n, max(ts) as last from interactions"
            f" where kind = 'text' and text is not null and outcome in ({marks})"
            " and ts >= ? group by text, lang, outcome"
        )
        with self.store.lock:
            rows = list(self.store.db.query(sql, [*outcomes, since]))
            decided = {r["key"] for r in self.store.db.query("select key from staff_queue")}
        groups: dict[str, tuple[Counter[str], Counter[str], set[str], list[str]]] = {}
        for row in rows:
            text = one_line(str(row["text"]))
            key = key_of(text)
            if not text or key in decided:
                continue
            forms, langs, kinds, seen = groups.setdefault(key, (Counter(), Counter(), set(), [""]))
            n = int(row["n"])
            forms[text] += n
            langs[str(row["lang"] or "")] += n
            kinds.add(str(row["outcome"]))
            seen[0] = max(seen[0], str(row["last"]))
        found = [
            Item(
                key=key,
                text=forms.most_common(1)[0][0],
                count=forms.total(),
                lang=langs.most_common(1)[0][0],
                outcomes=" ".join(sorted(kinds)),
                last_seen=seen[0],
            )
            for key, (forms, langs, kinds, seen) in groups.items()
        ]
        found.sort(key=lambda i: (i.count, i.last_seen, i.key), reverse=True)  # most asked
        return found

    def page(
        self, months: int = 3, clarify: bool = True, number: int = 1, size: int = PAGE_SIZE
    ) -> Page:
        """One page of `items` (a number past the end shows the last page)."""
        found = self.items(months, clarify)
        pages = max(1, -(-len(found) // size))
        number = min(max(1, number), pages)
        start = (number - 1) * size
        return Page(found[start : start + size], number, pages, len(found))

    def find(self, key: str, months: int = 24) -> Item | None:
        return next((i for i in self.items(months) if i.key == key), None)

    def decide(self, item: Item, action: str, user: str, entry: str = "", lang: str = "") -> None:
        with self.store.lock:
            self.store.db.table("staff_queue").upsert(
                {
                    "key": item.key,
                    "text": item.text,
                    "action": action,
                    "entry": entry,
                    "lang": lang,
                    "user": user,
                    "ts": iso(utcnow()),
                },
                pk="key",
            )
