"""The staff side of broadcasts: the compose form, the audience before a draft
exists, and list rows saying who created and who sent each broadcast.

Composing, test-sending and sending are `bot.notify.broadcast`'s; this module
only reads the form and the tables, so the page and the CLI cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.datastructures import FormData

from bot.core.langs import LANGS, SOURCE_LANG
from bot.notify import subscriptions
from bot.notify.broadcast import Broadcasts, BroadcastStatus
from bot.notify.outbox import Outbox
from bot.notify.templates import CHOOSE, DISASTERS, KINDS, Template
from bot.shelters import opened
from bot.shelters.gsi_csv import Site
from bot.storage import Store

AUDIT_FILE = "notify_broadcasts"  # the audit rows of broadcasts: field = the broadcast id
MAX_AREA = 100
SUBSCRIPTION_NAMES = {
    "disaster": "防災 / Disaster alerts",
    "events": "お知らせ・イベント / News and events",
    "garbage": "ごみの日 / Garbage-day reminders",
}


class Notifier(Protocol):
    """What the staff pages need of the server's notification loop
    (`bot.notify.scheduler.Running`, `app.state.notify`)."""

    @property
    def outbox(self) -> Outbox | None: ...

    def wake(self) -> None: ...


@dataclass(frozen=True)
class Compose:
    """What the compose form says: a template with its values, or a Japanese text
    (with optional own translations), and whom to send it to."""

    template: str = ""  # "" = a text written here
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""
    texts: dict[str, str] = field(default_factory=dict)  # lang -> own translation
    kind: str = "events"
    langs: list[str] = field(default_factory=list)  # none = every language
    areas: list[str] = field(default_factory=list)  # none = every area
    # Evacuation sites picked from the imported list (snapshots), for a template
    # with `sites:`; None for other templates and for free text.
    sites: list[dict[str, Any]] | None = None
    disaster: str = ""  # for a template with `disaster: choose` ("" = not said)
    site_query: str = ""  # the site search box (the page lists what it finds)

    def source(self) -> dict[str, Any]:
        """Keyword arguments for `Broadcasts.compose` / `create_broadcast`."""
        if self.template:
            out: dict[str, Any] = {"template": self.template, "params": dict(self.params)}
            if self.sites is not None:
                out["sites"] = list(self.sites)
            return out
        own = {k: v for k, v in self.texts.items() if v.strip() and k != SOURCE_LANG}
        return {"text": self.text, "texts": own}


def blank(template_id: str, templates: Mapping[str, Template]) -> Compose:
    """An empty form for one template (or for free text)."""
    found = templates.get(template_id)
    if found is None:
        return Compose()
    return Compose(
        template=found.id,
        params=dict.fromkeys(found.params, ""),
        kind=found.kind,
        sites=[] if found.sites else None,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def read_form(
    form: FormData, templates: Mapping[str, Template], sites: Mapping[str, Site] | None = None
) -> Compose:
    """The compose form; unknown templates, languages, kinds and sites are dropped,
    so only what `Broadcasts` checks reaches it. `sites`: the imported list by id."""
    found = templates.get(_text(form, "template"))
    kind = _text(form, "kind")
    if kind not in KINDS:
        kind = found.kind if found else "events"
    langs = [x for x in LANGS if x in form.getlist("langs")]
    areas = sorted({x.strip() for x in form.getlist("areas") if isinstance(x, str) and x.strip()})
    if found is not None:
        params = {name: _text(form, f"p_{name}") for name in found.params}
        picked = None
        if found.sites:
            ids = dict.fromkeys(x for x in form.getlist("sites") if isinstance(x, str))
            picked = [opened.snapshot(sites[i]) for i in ids if sites and i in sites]
        disaster = _text(form, "disaster") if found.disaster == CHOOSE else ""
        return Compose(
            found.id, params, "", {}, kind, langs, [a[:MAX_AREA] for a in areas],
            sites=picked,
            disaster=disaster if disaster in DISASTERS else "",
            site_query=_text(form, "site_q")[:MAX_AREA],
        )
    texts = {x: _text(form, f"t_{x}") for x in LANGS if x != SOURCE_LANG}
    return Compose("", {}, _text(form, "text"), texts, kind, langs, [a[:MAX_AREA] for a in areas])


def audience(store: Store, compose: Compose) -> dict[str, int]:
    """Subscribers per language this form would reach (as `Broadcasts.audience`
    counts a stored draft: residents who blocked the bot are not counted)."""
    out = dict.fromkeys(LANGS, 0)
    for r in subscriptions.recipients(
        store, compose.kind, langs=compose.langs or None, areas=compose.areas or None
    ):
        out[r.lang if r.lang in LANGS else SOURCE_LANG] += 1
    return out


def subscriber_areas(store: Store) -> list[tuple[str, int]]:
    """The areas subscribers gave, with how many: the only areas worth targeting."""
    with store.lock:
        rows = store.db.conn.execute(
            "select area, count(*) from notify_recipients where area is not null and area != ''"
            " group by area order by area"
        ).fetchall()
    return [(str(area), int(n)) for area, n in rows]


@dataclass(frozen=True)
class Listed:
    """One broadcast as the staff pages show it."""

    status: BroadcastStatus
    title: str
    created_by: str
    tested: str
    sent_by: str
    sent_at: str


def _titles(api: Broadcasts, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """id -> (title, created_by, tested) from the broadcasts table."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    with api.store.lock:
        rows = api.store.db.conn.execute(
            f"select id, template, texts, created_by, tested from notify_broadcasts"
            f" where id in ({marks})",
            ids,
        ).fetchall()
    out: dict[int, tuple[str, str, str]] = {}
    for bid, template, texts, created_by, tested in rows:
        found = api.templates.get(template or "")
        if found is not None:
            title = found.title
        else:
            first = (json.loads(texts).get(SOURCE_LANG) or template or "").strip()
            title = first.splitlines()[0][:40] if first else "—"
        out[int(bid)] = (title, str(created_by or ""), str(tested or ""))
    return out


def _senders(store: Store, ids: list[int]) -> dict[int, tuple[str, str]]:
    """id -> (who sent it, when), from the staff audit log (the broadcasts table
    records only the creator; an admin may send what an editor prepared)."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    with store.lock:
        rows = store.db.conn.execute(
            f"select field, user, ts from staff_audit where file = ? and action = 'send'"
            f" and field in ({marks}) order by id",
            [AUDIT_FILE, *(str(i) for i in ids)],
        ).fetchall()
    return {int(f): (str(user), str(ts)) for f, user, ts in rows}


def listed(api: Broadcasts, statuses: list[BroadcastStatus]) -> list[Listed]:
    ids = [s.id for s in statuses]
    titles, senders = _titles(api, ids), _senders(api.store, ids)
    out = []
    for s in statuses:
        title, created_by, tested = titles.get(s.id, ("—", "", ""))
        sent_by, sent_at = senders.get(s.id, ("", ""))
        out.append(Listed(s, title, created_by, tested, sent_by, sent_at))
    return out
