"""Staff broadcasts: the API that `resbot broadcast` and the staff web page call.

    b = Broadcasts(store, kb)
    b.preview("shelter_open", {"place": "東小学校"}, "tl")      # the text a Tagalog reader gets
    bid = b.create_broadcast(template="shelter_open", params={...}, areas=["西町"])
    await b.send_test(bid, "telegram:12345", outbox)          # one staff account, every language
    await b.send(bid, outbox)                                 # every subscriber, in their language
    b.status(bid)                                             # sent / failed / blocked / pending

A broadcast is a template (pre-translated, see `templates`) or a text composed
in Japanese (optionally with the staff's own translations); each recipient gets
their own language, else the Japanese text with a note in their language.
Sending writes one delivery row per recipient first (claim-first), so sending
again, or after a crash, never reaches anyone twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.knowledge import KnowledgeBase
from bot.core.langs import LANGS, SOURCE_LANG
from bot.core.phrases import Phrases, load_phrases
from bot.core.types import Button, Reply
from bot.storage import Store, now_iso

from . import ledger, messages, subscriptions
from .outbox import Outbox
from .senders import Outcome
from .templates import KINDS, Template, TemplateError, load_templates

MAX_TEXT = 2000


@dataclass(frozen=True)
class BroadcastStatus:
    id: int
    state: str  # draft | queued | done
    kind: str
    template: str | None
    langs: list[str]
    areas: list[str]
    created: str
    queued: str | None
    finished: str | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "kind": self.kind,
            "template": self.template,
            "langs": self.langs,
            "areas": self.areas,
            "created": self.created,
            "queued": self.queued,
            "finished": self.finished,
            "total": self.total,
            **self.counts,
        }


def parse_target(target: str) -> tuple[str, str]:
    """ "line:Uxxxx" / "telegram:12345" -> (channel, address)."""
    channel, _, address = target.partition(":")
    if channel not in subscriptions.PUSH_CHANNELS or not address:
        raise ValueError(f"expected line:<userId> or telegram:<chat id>, not {target!r}")
    return channel, address


class Broadcasts:
    def __init__(
        self,
        store: Store,
        kb: KnowledgeBase,
        phrases: Phrases | None = None,
        templates: dict[str, Template] | None = None,
    ) -> None:
        self.store = store
        self.kb = kb
        self.phrases = phrases or load_phrases()
        self.templates = templates if templates is not None else load_templates(kb.root)

    # ------------------------------------------------------------------ composing
    def _t(self, key: str, lang: str) -> str:
        return self.phrases.t(key, lang, self.kb.city)

    def _fill_city(self, text: str, lang: str) -> str:
        return self.phrases.fill(text, self.kb.city, lang)

    def template(self, template_id: str) -> Template:
        found = self.templates.get(template_id)
        if found is None:
            known = ", ".join(self.templates) or "none"
            raise TemplateError(f"unknown template {template_id!r} (known: {known})")
        return found

    def body(
        self,
        lang: str,
        *,
        template: str | None = None,
        params: Mapping[str, str] | None = None,
        text: str | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> str:
        """The message text in one language, without header and buttons."""
        if template:
            return self._fill_city(self.template(template).fill(params or {}, lang), lang)
        own = {**(texts or {}), **({SOURCE_LANG: text} if text else {})}
        if SOURCE_LANG not in own or not own[SOURCE_LANG].strip():
            raise TemplateError("give a template, or a text in Japanese")
        if any(len(t) > MAX_TEXT for t in own.values()):
            raise TemplateError(f"a text is longer than {MAX_TEXT} characters")
        if own.get(lang, "").strip():
            return own[lang].strip()
        return own[SOURCE_LANG].strip() + "\n" + self._t("bc_japanese_only", lang)

    def compose(self, kind: str, lang: str, **source: Any) -> list[Reply]:
        """The whole message: header, text, and the one-tap stop button."""
        header = self._t(f"bc_header_{kind}", lang)
        buttons = [
            Button(self._t("btn_stop", lang), f"sub:off:{kind}"),
            Button(self._t("btn_menu", lang), "menu"),
        ]
        return [Reply(f"{header}\n\n{self.body(lang, **source)}", buttons)]

    def preview(
        self,
        template: str | None,
        params: Mapping[str, str] | None,
        lang: str,
        *,
        text: str | None = None,
        texts: Mapping[str, str] | None = None,
        kind: str | None = None,
    ) -> str:
        """What a resident reading `lang` would get (header included)."""
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}")
        kind = kind or (self.template(template).kind if template else "events")
        replies = self.compose(kind, lang, template=template, params=params, text=text, texts=texts)
        return "\n".join(r.text for r in replies)

    # ------------------------------------------------------------------ lifecycle
    def create_broadcast(
        self,
        *,
        template: str | None = None,
        params: Mapping[str, str] | None = None,
        text: str | None = None,
        texts: Mapping[str, str] | None = None,
        kind: str | None = None,
        langs: list[str] | None = None,
        areas: list[str] | None = None,
        created_by: str = "",
    ) -> int:
        """Check and store a draft; returns its id. Nothing is sent yet."""
        kind = kind or (self.template(template).kind if template else None)
        if kind not in KINDS:
            raise ValueError(f"kind (the subscription to send to) must be one of {KINDS}")
        bad = [lang for lang in langs or [] if lang not in LANGS]
        if bad:
            raise ValueError(f"unknown language(s): {', '.join(bad)}")
        for lang in LANGS:  # every language must render before anything is stored
            self.body(lang, template=template, params=params, text=text, texts=texts)
        own = {**(texts or {}), **({SOURCE_LANG: text} if text else {})}
        with self.store.lock:
            cur = self.store.db.conn.execute(
                "insert into notify_broadcasts (created, created_by, kind, template, params,"
                " texts, langs, areas) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    now_iso(),
                    created_by,
                    kind,
                    template,
                    json.dumps(dict(params or {}), ensure_ascii=False),
                    json.dumps(own, ensure_ascii=False),
                    json.dumps(langs or []),
                    json.dumps(areas or []),
                ],
            )
        return int(cur.lastrowid or 0)

    def _row(self, broadcast_id: int) -> dict[str, Any]:
        with self.store.lock:
            cur = self.store.db.conn.execute(
                "select * from notify_broadcasts where id = ?", [broadcast_id]
            )
            row = cur.fetchone()
            names = [d[0] for d in cur.description]
        if row is None:
            raise KeyError(f"no broadcast {broadcast_id}")
        return dict(zip(names, row, strict=True))

    def _source(self, row: dict[str, Any]) -> dict[str, Any]:
        own = json.loads(row["texts"])
        return {
            "template": row["template"],
            "params": json.loads(row["params"]),
            "text": own.get(SOURCE_LANG),
            "texts": own,
        }

    def message(self, broadcast_id: int, lang: str) -> list[Reply]:
        row = self._row(broadcast_id)
        return self.compose(row["kind"], lang, **self._source(row))

    def audience(self, broadcast_id: int) -> dict[str, int]:
        """How many subscribers each language has for this broadcast's target."""
        row = self._row(broadcast_id)
        out = dict.fromkeys(LANGS, 0)
        for r in subscriptions.recipients(
            self.store,
            row["kind"],
            langs=json.loads(row["langs"]) or None,
            areas=json.loads(row["areas"]) or None,
        ):
            out[r.lang if r.lang in LANGS else SOURCE_LANG] += 1
        return out

    async def send_test(
        self, broadcast_id: int, target: str, outbox: Outbox, langs: list[str] | None = None
    ) -> dict[str, Outcome]:
        """Send the message to ONE staff account (`line:U...` / `telegram:123`), once per
        language (or the given ones). Subscribers get nothing; no row is written."""
        channel, address = parse_target(target)
        out: dict[str, Outcome] = {}
        for lang in langs or list(LANGS):
            replies = self.message(broadcast_id, lang)
            if channel == "line":
                if outbox.line is None:
                    raise RuntimeError("LINE is not configured (LINE_CHANNEL_ACCESS_TOKEN)")
                if outbox.line.api is None:
                    await outbox.line.start()
                out[lang] = await outbox.line.push(address, replies, str(uuid.uuid4()))
            else:
                if outbox.telegram is None:
                    raise RuntimeError("Telegram is not configured (TELEGRAM_BOT_TOKEN)")
                if outbox.telegram.bot is None:
                    await outbox.telegram.start()
                out[lang] = await outbox.telegram.send(address, replies)
        with self.store.lock:
            self.store.db.conn.execute(
                "update notify_broadcasts set tested = ? where id = ?", [now_iso(), broadcast_id]
            )
        return out

    def queue(self, broadcast_id: int) -> int:
        """Write one pending delivery per recipient (claim-first); returns how many are new.
        Queuing again adds only recipients who subscribed since."""
        row = self._row(broadcast_id)
        kind = row["kind"]
        found = subscriptions.recipients(
            self.store,
            kind,
            langs=json.loads(row["langs"]) or None,
            areas=json.loads(row["areas"]) or None,
            include_inactive=True,  # counted as blocked, never sent
        )
        ids: dict[str, int] = {}
        rows = []
        for r in found:
            lang = r.lang if r.lang in LANGS else SOURCE_LANG
            if lang not in ids:
                ids[lang] = messages.put(self.store, self.message(broadcast_id, lang))
            rows.append(
                ledger.NewDelivery(
                    dedupe_key=f"b{broadcast_id}:{r.user_key}",
                    source="broadcast",
                    kind=kind,
                    user_key=r.user_key,
                    channel=r.channel,
                    lang=lang,
                    message_id=ids[lang],
                    broadcast_id=broadcast_id,
                )
            )
        added = ledger.enqueue(self.store, rows)
        with self.store.lock:
            self.store.db.conn.execute(
                "update notify_broadcasts set state = 'queued', queued = coalesce(queued, ?)"
                " where id = ?",
                [now_iso(), broadcast_id],
            )
        return added

    async def send(self, broadcast_id: int, outbox: Outbox) -> BroadcastStatus:
        """Queue and deliver now (other pending deliveries go along); returns the status."""
        self.queue(broadcast_id)
        await outbox.run()
        return self.status(broadcast_id)

    def status(self, broadcast_id: int) -> BroadcastStatus:
        row = self._row(broadcast_id)
        counts = ledger.counts(self.store, broadcast_id)
        state = row["state"]
        if state == "queued" and not (counts["pending"] or counts["sending"]):
            state = "done"
            with self.store.lock:
                self.store.db.conn.execute(
                    "update notify_broadcasts set state = 'done', finished = ? where id = ?",
                    [now_iso(), broadcast_id],
                )
            row = self._row(broadcast_id)
        return BroadcastStatus(
            id=broadcast_id,
            state=state,
            kind=row["kind"],
            template=row["template"],
            langs=json.loads(row["langs"]),
            areas=json.loads(row["areas"]),
            created=row["created"],
            queued=row["queued"],
            finished=row["finished"],
            counts=counts,
        )

    def recent(self, limit: int = 20) -> list[BroadcastStatus]:
        with self.store.lock:
            ids = [
                int(r[0])
                for r in self.store.db.conn.execute(
                    "select id from notify_broadcasts order by id desc limit ?", [limit]
                ).fetchall()
            ]
        return [self.status(i) for i in ids]
