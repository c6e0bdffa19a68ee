"""Staff broadcasts: the API that `resbot broadcast` and the staff web page call.

    b = Broadcasts(store, kb)
    b.preview("shelter_open", {"place": "東小学校"}, "tl")      # the text a Tagalog reader gets
    bid = b.create_broadcast(template="shelter_open", params={...}, areas=["西町"])
    await b.send_test(bid, "telegram:12345", outbox)          # one staff account, every language
    await b.send(bid, outbox)                                 # every subscriber, in their language
    b.status(bid)                                             # sent / failed / blocked / pending

A template with `sites:` (shelter_open) may instead list evacuation sites picked
from the imported GSI list (`sites=[opened.snapshot(site), ...]`): each resident
gets their names and addresses in their language, and queuing the broadcast marks
them open (`bot.shelters.opened`), which "which shelters are open?" answers from.
A template's `disaster:` (or the staff's choice for `choose`) is stored with the
broadcast: the active disaster (`opened.active_disaster`).

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
from bot.core.open_shelters import site_lines
from bot.core.phrases import Phrases, load_phrases
from bot.core.types import Button, Reply
from bot.shelters import opened
from bot.storage import Store, now_iso

from . import ledger, messages, subscriptions
from .outbox import Outbox
from .senders import Outcome
from .templates import CHOOSE, DISASTERS, KINDS, OVER, Template, TemplateError, load_templates

MAX_TEXT = 2000
MAX_SITES = 30  # one message; a city opens a few at a time


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
    disaster: str | None = None
    sites: list[dict[str, Any]] | None = None

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
            "disaster": self.disaster,
            "sites": [s["common_id"] for s in self.sites or []],
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
        sites: list[dict[str, Any]] | None = None,
    ) -> str:
        """The message text in one language, without header and buttons."""
        if template:
            found = self.template(template)
            values = dict(params or {})
            if sites:
                if found.sites is None:
                    raise TemplateError(f"template {template!r} does not list evacuation sites")
                values[found.sites] = self.site_block(sites, lang, values.get(found.sites, ""))
            elif sites is not None and found.sites and not values.get(found.sites, "").strip():
                raise TemplateError(
                    f"template {template!r}: pick at least one site, or write the"
                    f" {found.sites!r} value"
                )
            return self._fill_city(found.fill(values, lang), lang)
        own = {**(texts or {}), **({SOURCE_LANG: text} if text else {})}
        if SOURCE_LANG not in own or not own[SOURCE_LANG].strip():
            raise TemplateError("give a template, or a text in Japanese")
        if any(len(t) > MAX_TEXT for t in own.values()):
            raise TemplateError(f"a text is longer than {MAX_TEXT} characters")
        if own.get(lang, "").strip():
            return own[lang].strip()
        return own[SOURCE_LANG].strip() + "\n" + self._t("bc_japanese_only", lang)

    def site_block(self, sites: list[dict[str, Any]], lang: str, extra: str = "") -> str:
        """The picked sites for a template's place value: name, kind and address of
        each in `lang` (names and addresses as the city publishes them)."""
        lines = [
            site_lines(opened.from_snapshot(s), lang, self.phrases, self.kb.city) for s in sites
        ]
        if extra.strip():
            lines.append(extra.strip())
        return "\n" + "\n".join(lines)

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
        sites: list[dict[str, Any]] | None = None,
    ) -> str:
        """What a resident reading `lang` would get (header included)."""
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}")
        kind = kind or (self.template(template).kind if template else "events")
        replies = self.compose(
            kind, lang, template=template, params=params, text=text, texts=texts, sites=sites
        )
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
        sites: list[dict[str, Any]] | None = None,
        disaster: str | None = None,
    ) -> int:
        """Check and store a draft; returns its id. Nothing is sent yet.

        `sites`: site snapshots (`opened.snapshot`) for a template with `sites:`;
        `disaster`: the type, for a template with `disaster: choose` (else the
        template's own; a text broadcast names none)."""
        kind = kind or (self.template(template).kind if template else None)
        if kind not in KINDS:
            raise ValueError(f"kind (the subscription to send to) must be one of {KINDS}")
        bad = [lang for lang in langs or [] if lang not in LANGS]
        if bad:
            raise ValueError(f"unknown language(s): {', '.join(bad)}")
        if sites and len(sites) > MAX_SITES:
            raise ValueError(f"at most {MAX_SITES} sites in one broadcast")
        disaster = self.disaster_of(template, disaster)
        for lang in LANGS:  # every language must render before anything is stored
            self.body(lang, template=template, params=params, text=text, texts=texts, sites=sites)
        own = {**(texts or {}), **({SOURCE_LANG: text} if text else {})}
        with self.store.lock:
            cur = self.store.db.conn.execute(
                "insert into notify_broadcasts (created, created_by, kind, template, params,"
                " texts, langs, areas, sites, disaster) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    now_iso(),
                    created_by,
                    kind,
                    template,
                    json.dumps(dict(params or {}), ensure_ascii=False),
                    json.dumps(own, ensure_ascii=False),
                    json.dumps(langs or []),
                    json.dumps(areas or []),
                    json.dumps(list(sites or []), ensure_ascii=False),
                    disaster,
                ],
            )
        return int(cur.lastrowid or 0)

    def disaster_of(self, template: str | None, chosen: str | None) -> str | None:
        """The disaster type a broadcast stores: the template's, or the staff's choice
        where the template says `choose`; ValueError for a type we do not know."""
        fixed = self.template(template).disaster if template else None
        chosen = (chosen or "").strip() or None
        if chosen is not None and chosen not in DISASTERS:
            raise ValueError(f"disaster must be one of {', '.join(DISASTERS)}")
        if fixed == CHOOSE:
            return chosen
        return fixed if fixed in (*DISASTERS, OVER) else None

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
            "sites": json.loads(row["sites"] or "[]") or None,
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

    def queue(self, broadcast_id: int, by: str = "") -> int:
        """Write one pending delivery per recipient (claim-first); returns how many are new.
        Queuing again adds only recipients who subscribed since.

        The first queuing marks the sites the broadcast announces open (`by`: the
        staff member sending it, else its creator): residents are told now."""
        row = self._row(broadcast_id)
        sites = json.loads(row["sites"] or "[]")
        if sites and row["state"] == "draft":
            opened.open_sites(self.store, sites, by or row["created_by"], broadcast_id)
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

    async def send(self, broadcast_id: int, outbox: Outbox, by: str = "") -> BroadcastStatus:
        """Queue and deliver now (other pending deliveries go along); returns the status."""
        self.queue(broadcast_id, by)
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
            disaster=row["disaster"],
            sites=json.loads(row["sites"] or "[]"),
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
