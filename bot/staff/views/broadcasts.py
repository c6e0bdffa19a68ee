"""Broadcast pages: compose from a template or free text, preview all seven
languages, test-send to one staff account, send to every subscriber, and follow
the delivery.

Sending only queues the deliveries and wakes the server's notification loop:
thousands of pushes never run inside a request (and a restart mid-send resumes,
see `bot.notify.ledger`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.core.langs import LANGS, NATIVE_NAMES, SOURCE_LANG
from bot.core.types import Reply
from bot.notify.broadcast import Broadcasts, BroadcastStatus, parse_target
from bot.notify.outbox import Outbox
from bot.notify.templates import KINDS
from bot.shelters import opened
from bot.shelters import store as site_store
from bot.shelters.geo import GSI_COLUMNS
from bot.shelters.gsi_csv import Site

from ..broadcasting import (
    AUDIT_FILE,
    SUBSCRIPTION_NAMES,
    Compose,
    audience,
    blank,
    listed,
    read_form,
)
from ..broadcasting import subscriber_areas as areas_of
from ..http import Staff, error, form_text, page, redirect, session_of
from ..roles import Role

log = logging.getLogger("resbot.staff")
# The GSI column names staff know, for the disaster-type choice.
DISASTER_NAMES = {d.value: f"{ja} / {d.value.replace('_', ' ')}" for ja, d in GSI_COLUMNS.items()}
SITE_KINDS = {"shelter": "指定避難所 / shelter", "emergency": "指定緊急避難場所 / emergency site"}
MAX_FOUND = 20
NO_PLATFORM = (
    "Sending is off: no LINE or Telegram token is set (LINE_CHANNEL_ACCESS_TOKEN,"
    " TELEGRAM_BOT_TOKEN), or the notification loop is off (RESBOT_NOTIFY_INTERVAL=0)."
    " You can still compose and preview; to send, set a token and restart, or use"
    " `resbot broadcast --id N --send` on the server."
    " / LINE・Telegram が 設定されて いないので 送信 できません。プレビューは できます。"
)


def _lang(value: object) -> str:
    return value if isinstance(value, str) and value in LANGS else SOURCE_LANG


def _render(render: Callable[[str], list[Reply]]) -> dict[str, list[Reply]]:
    """Every language's message, or ValueError naming what is missing."""
    return {lang: render(lang) for lang in LANGS}


class BroadcastViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self._api: Broadcasts | None = None
        self._api_lock = threading.Lock()
        self._targets: dict[str, str] = {}  # login -> the test address it used last
        self._sites: tuple[object, dict[str, Site]] = (None, {})

    def sites(self) -> dict[str, Site]:
        """The imported evacuation sites by id, read again when the file changes."""
        path = site_store.folder(self.staff.service.bot.kb.root) / site_store.SITES_FILE
        stamp = (str(path), path.stat().st_mtime_ns) if path.exists() else (str(path), None)
        with self._api_lock:
            if self._sites[0] != stamp:
                found = site_store.load(self.staff.service.bot.kb.root)
                self._sites = (stamp, {s.common_id: s for s in found if s.common_id})
            return self._sites[1]

    def api(self) -> Broadcasts:
        """One API per served knowledge: templates and city values follow a reload."""
        bot = self.staff.service.bot
        with self._api_lock:
            if self._api is None or self._api.kb is not bot.kb:
                self._api = Broadcasts(self.staff.store, bot.kb, bot.phrases)
            return self._api

    def outbox(self) -> Outbox | None:
        notifier = self.staff.notify()
        return notifier.outbox if notifier is not None else None

    def platforms(self) -> list[str]:
        outbox = self.outbox()
        if outbox is None:
            return []
        return [name for name, s in (("LINE", outbox.line), ("Telegram", outbox.telegram)) if s]

    # ------------------------------------------------------------------ compose
    def _compose_page(
        self,
        request: Request,
        form: Compose,
        previews: dict[str, list[Reply]] | None = None,
        problem: str = "",
        status: int = 200,
        lang: str = SOURCE_LANG,
    ) -> Response:
        api = self.api()
        store = self.staff.store
        counts = audience(store, form)
        chosen = api.templates.get(form.template)
        picking = chosen is not None and chosen.sites is not None
        sites = self.sites() if picking else {}
        picked = {s["common_id"] for s in form.sites or []}
        found = [
            s for s in opened.find(sites.values(), form.site_query, MAX_FOUND + len(picked))
            if s.common_id not in picked
        ][:MAX_FOUND]
        return page(
            self.staff,
            request,
            "broadcasts.html",
            {
                "picking": picking,
                "imported": len(sites),
                "found": found,
                "site_kinds": SITE_KINDS,
                "disasters": DISASTER_NAMES,
                "open_now": opened.rows(store),
                "templates": sorted(api.templates.values(), key=lambda t: (t.kind, t.id)),
                "chosen": api.templates.get(form.template),
                "form": form,
                "kinds": KINDS,
                "kind_names": SUBSCRIPTION_NAMES,
                "langs": LANGS,
                "names": NATIVE_NAMES,
                "areas": areas_of(store),
                "audience": counts,
                "total": sum(counts.values()),
                "previews": previews,
                "lang": lang,
                "problem": problem,
                "platforms": self.platforms(),
                "no_platform": NO_PLATFORM,
                "recent": listed(api, api.recent(30)),
            },
            status,
        )

    async def compose(self, request: Request) -> Response:
        api = await run_in_threadpool(self.api)
        form = blank(request.query_params.get("template", ""), api.templates)
        return await run_in_threadpool(self._compose_page, request, form)

    async def preview_broadcast(self, request: Request) -> Response:
        raw = await request.form()
        api = await run_in_threadpool(self.api)
        sites = await run_in_threadpool(self.sites)
        form, lang = read_form(raw, api.templates, sites), _lang(raw.get("lang"))
        if raw.get("search"):  # the site search without JavaScript: list, keep the rest
            return await run_in_threadpool(self._compose_page, request, form, None, "", 200, lang)
        try:
            previews = await run_in_threadpool(
                _render, lambda x: api.compose(form.kind, x, **form.source())
            )
        except ValueError as exc:  # TemplateError: a value or the text is missing
            return await run_in_threadpool(
                self._compose_page, request, form, None, str(exc), 400, lang
            )
        return await run_in_threadpool(self._compose_page, request, form, previews, "", 200, lang)

    async def create_broadcast(self, request: Request) -> Response:
        """Store a draft (nothing is sent); its page has the test-send and send buttons."""
        raw = await request.form()
        api = await run_in_threadpool(self.api)
        sites = await run_in_threadpool(self.sites)
        form, lang = read_form(raw, api.templates, sites), _lang(raw.get("lang"))
        me = session_of(request).account.name
        create = partial(
            api.create_broadcast,
            **form.source(),
            kind=form.kind,
            langs=form.langs or None,
            areas=form.areas or None,
            created_by=me,
            disaster=form.disaster or None,
        )
        try:
            bid = await run_in_threadpool(create)
        except ValueError as exc:
            return await run_in_threadpool(
                self._compose_page, request, form, None, str(exc), 400, lang
            )
        summary = {**form.source(), "kind": form.kind, "langs": form.langs, "areas": form.areas}
        if form.sites:
            summary["sites"] = [s["common_id"] for s in form.sites]
        self.staff.audit.record(
            me, "create", AUDIT_FILE, str(bid), "", json.dumps(summary, ensure_ascii=False)[:4000]
        )
        self.staff.flash(
            request,
            f"Draft #{bid} saved. Check every language, test-send it to your own account,"
            " then an admin sends it. / 下書きを 保存しました。",
        )
        return redirect(request, f"/broadcasts/{bid}?lang={lang}")

    # ------------------------------------------------------------------ one broadcast
    def _broadcast_page(
        self,
        request: Request,
        bid: int,
        problem: str = "",
        status: int = 200,
        lang: str | None = None,
    ) -> Response:
        api = self.api()
        try:
            st = api.status(bid)
        except KeyError:
            return error(self.staff, request, 404, f"No broadcast #{bid}.")
        (item,) = listed(api, [st])
        previews: dict[str, list[Reply]] = {}
        broken = ""
        for x in LANGS:
            try:
                previews[x] = api.message(bid, x)
            except ValueError as exc:  # its template was changed or removed since
                previews[x], broken = [], str(exc)
        counts = api.audience(bid)
        me = session_of(request).account
        return page(
            self.staff,
            request,
            "broadcast.html",
            {
                "item": item,
                "st": st,
                "pending": st.counts["pending"] + st.counts["sending"],
                "other": st.counts["cancelled"] + st.counts["skipped"],
                "previews": previews,
                "broken": broken,
                "lang": lang or _lang(request.query_params.get("lang")),
                "langs": LANGS,
                "names": NATIVE_NAMES,
                "kind_names": SUBSCRIPTION_NAMES,
                "audience": counts,
                "total": sum(counts.values()),
                "platforms": self.platforms(),
                "no_platform": NO_PLATFORM,
                "can_send": me.role.allows(Role.admin),
                "target": self._targets.get(me.name, ""),
                "site_kinds": SITE_KINDS,
                "disasters": DISASTER_NAMES,
                "site_state": opened.latest(
                    self.staff.store, [x["common_id"] for x in st.sites or []]
                ),
                "problem": problem,
            },
            status,
        )

    async def broadcast(self, request: Request) -> Response:
        bid: int = request.path_params["bid"]
        return await run_in_threadpool(self._broadcast_page, request, bid)

    async def broadcast_status(self, request: Request) -> Response:
        """The counts as JSON, for the page's polling script."""
        bid: int = request.path_params["bid"]
        api = await run_in_threadpool(self.api)
        try:
            st: BroadcastStatus = await run_in_threadpool(api.status, bid)
        except KeyError:
            return JSONResponse({"error": f"no broadcast {bid}"}, status_code=404)
        return JSONResponse(st.to_json())

    async def test_send(self, request: Request) -> Response:
        """Send to ONE staff account (`send_test`): subscribers get nothing."""
        bid: int = request.path_params["bid"]
        target = (await form_text(request, "target")).strip()
        chosen = await form_text(request, "lang")
        langs = [chosen] if chosen in LANGS else list(LANGS)
        api = await run_in_threadpool(self.api)
        me = session_of(request).account.name

        async def again(problem: str, status: int) -> Response:
            return await run_in_threadpool(
                self._broadcast_page, request, bid, problem, status, langs[0]
            )

        try:
            await run_in_threadpool(api.status, bid)
        except KeyError:
            return error(self.staff, request, 404, f"No broadcast #{bid}.")
        outbox = self.outbox()
        if outbox is None:
            return await again(NO_PLATFORM, 409)
        try:
            channel, _ = parse_target(target)
        except ValueError as exc:
            return await again(f"Test address: {exc}.", 400)
        self._targets[me] = target
        try:
            outcomes = await api.send_test(bid, target, outbox, langs)
        except RuntimeError as exc:  # that platform has no token
            return await again(str(exc), 409)
        except Exception as exc:  # the platform's API failed: say so, not a crash page
            log.exception("test-send of broadcast %d failed", bid)
            return await again(f"The test-send failed: {exc}", 502)
        said = ", ".join(f"{x}: {o.status}" for x, o in outcomes.items())
        self.staff.audit.record(me, "test", AUDIT_FILE, str(bid), "", f"{channel} {said}")
        failed = {x: o for x, o in outcomes.items() if o.status != "sent"}
        if failed:
            reasons = "; ".join(
                f"{x}: {o.status} {o.error or ''}".strip() for x, o in failed.items()
            )
            return await again(f"Test-send to {target} did not go through: {reasons}", 502)
        self.staff.flash(request, f"Test sent to {target} ({said}). / テスト送信しました。")
        return redirect(request, f"/broadcasts/{bid}?lang={langs[0]}")

    async def send_all(self, request: Request) -> Response:
        """Queue one delivery per subscriber and wake the loop; the page then follows it."""
        bid: int = request.path_params["bid"]
        me = session_of(request).account.name
        confirmed = await form_text(request, "confirm") == "yes"
        api = await run_in_threadpool(self.api)
        try:
            st = await run_in_threadpool(api.status, bid)
        except KeyError:
            return error(self.staff, request, 404, f"No broadcast #{bid}.")
        notifier = self.staff.notify()
        if notifier is None or notifier.outbox is None:
            # Queued rows would wait for a loop that never runs, then go out late.
            return await run_in_threadpool(self._broadcast_page, request, bid, NO_PLATFORM, 409)
        if st.state != "draft":
            return await run_in_threadpool(
                self._broadcast_page, request, bid, f"#{bid} was already sent ({st.state}).", 409
            )
        if not confirmed:
            return await run_in_threadpool(
                self._broadcast_page,
                request,
                bid,
                "Tick the box to say you checked the preview, then send."
                " / 確認の チェックを 入れて ください。",
                400,
            )
        added = await run_in_threadpool(api.queue, bid, me)
        notifier.wake()
        self.staff.audit.record(me, "send", AUDIT_FILE, str(bid), "", f"{added} recipient(s)")
        self.staff.flash(
            request, f"Sending #{bid} to {added} subscriber(s). / {added} 人に 送信して います。"
        )
        return redirect(request, f"/broadcasts/{bid}")

    # ------------------------------------------------------------------ sites
    async def site_search(self, request: Request) -> Response:
        """Imported sites whose name or address matches `q`, as JSON for the picker."""
        query = request.query_params.get("q", "")[:100]
        sites = await run_in_threadpool(self.sites)
        found = opened.find(sites.values(), query, MAX_FOUND)
        return JSONResponse(
            {
                "imported": len(sites),
                "sites": [
                    {
                        "id": s.common_id,
                        "kind": s.kind,
                        "kind_name": SITE_KINDS.get(s.kind, s.kind),
                        "name": s.name,
                        "address": s.address,
                    }
                    for s in found
                ],
            }
        )

    async def close_site(self, request: Request) -> Response:
        """Staff close an open site: residents asking which are open no longer get it."""
        site_id: str = request.path_params["site_id"]
        back = await form_text(request, "next")
        me = session_of(request).account.name
        closed = await run_in_threadpool(opened.close, self.staff.store, site_id, me)
        if closed:
            self.staff.audit.record(me, "close", opened.AUDIT_FILE, site_id, "open", "closed")
            self.staff.flash(request, f"Closed {site_id}. / 閉じました。")
        else:
            self.staff.flash(request, f"{site_id} was not open. / 開いて いません。")
        return redirect(request, back if back.startswith("/broadcasts") else "/broadcasts")
