"""The knowledge editor: the entry list, one entry's editor with live previews,
draft questions, and the city profile."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.core.knowledge import Entry, KnowledgeBase
from bot.core.langs import LANGS, NATIVE_NAMES, SOURCE_LANG, TARGET_LANGS
from bot.core.normalize import normalize

from .. import cityedit, readingsedit
from ..entries import EntryForm, Invalid, Saved, drafts, save_entry
from ..entries import resolve_draft as resolve
from ..files import Conflict, file_digest
from ..http import Staff, error, form_text, page, redirect, session_of
from ..preview import preview, source_note
from ..reload import Reloaded
from ..review import entry_status

STATUSES = {
    "": "any",
    "ok": "all approved",
    "fuzzy": "needs review",
    "missing": "missing",
    "drafts": "has draft questions",
}


def matches(entry: Entry, query: str) -> bool:
    """Text search over id, titles, question variants and answers of all languages."""
    folded = normalize(query, None)
    if not folded:
        return True
    texts = [entry.id, entry.topic, *entry.title.values(), *entry.answer.values()]
    texts += [q for qs in entry.questions.values() for q in qs]
    return any(folded in normalize(t, None) for t in texts)


def saved_message(saved: Saved, reloaded: Reloaded) -> str:
    if not saved.changed:
        return "Nothing changed."
    parts = [f"Saved {', '.join(saved.changed)}."]
    stale = sum(saved.stale.values())
    if stale:
        parts.append(
            f"{stale} translation message(s) marked fuzzy (the Japanese changed):"
            " review them before they are served again."
        )
    parts.append(reload_note(reloaded))
    return " ".join(parts)


def reload_note(reloaded: Reloaded) -> str:
    if reloaded.ok:
        return f"The bot answers with the new text now (reloaded in {reloaded.seconds:.1f} s)."
    return (
        f"The bot could not reload ({reloaded.error}); it still answers with the previous"
        " version. Fix the problem and save again."
    )


class KnowledgeViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def kb(self) -> KnowledgeBase:
        return self.staff.workspace.kb()

    # ------------------------------------------------------------------ list
    async def entries(self, request: Request) -> Response:
        kb = await run_in_threadpool(self.kb)
        q = request.query_params
        query, category, topic = q.get("q", ""), q.get("category", ""), q.get("topic", "")
        status, lang = q.get("status", ""), q.get("lang", "")
        langs = [lang] if lang in TARGET_LANGS else list(TARGET_LANGS)
        rows = []
        for entry in sorted(kb.entries.values(), key=lambda e: (e.category, e.id)):
            if category and entry.category != category:
                continue
            if topic and entry.topic != topic:
                continue
            per_lang = {x: entry_status(entry, x) for x in TARGET_LANGS}
            pending = drafts(entry)
            if status == "drafts" and not pending:
                continue
            if status == "ok" and not all(per_lang[x] == "ok" for x in langs):
                continue
            if status in ("fuzzy", "missing") and not any(per_lang[x] == status for x in langs):
                continue
            if not matches(entry, query):
                continue
            rows.append((entry, per_lang, len(pending)))
        return page(
            self.staff,
            request,
            "entries.html",
            {
                "rows": rows,
                "total": len(kb.entries),
                "query": query,
                "category": category,
                "topic": topic,
                "status": status,
                "lang": lang,
                "categories": list(kb.topics.categories),
                "topics": sorted({e.topic for e in kb.entries.values()}),
                "statuses": STATUSES,
                "langs": TARGET_LANGS,
                "names": NATIVE_NAMES,
            },
        )

    # ------------------------------------------------------------------ one entry
    def _entry_page(
        self,
        request: Request,
        entry: Entry,
        form: EntryForm | None = None,
        message: str = "",
        problems: list[str] | None = None,
        status: int = 200,
        reading: dict[str, Any] | None = None,
    ) -> Response:
        """`reading`: the 読み方を直す form as sent, with its problems, after a refusal."""
        current = EntryForm(
            entry.title[SOURCE_LANG], entry.questions[SOURCE_LANG], entry.answer[SOURCE_LANG]
        )
        shown = form or current
        lang = request.query_params.get("lang", SOURCE_LANG)
        lang = lang if lang in LANGS else SOURCE_LANG
        kb = self.kb()
        readings_base, readings = readingsedit.current(self.staff.workspace)
        bot = self.staff.service.bot
        context: dict[str, Any] = {
            "entry": entry,
            "form": shown,
            "current": current if form is not None and status == 409 else None,
            "base_hash": file_digest(entry.path),
            "file": self.staff.workspace.rel(entry.path),
            "preview": preview(bot, entry, shown.title, shown.answer, lang, readings),
            "source": source_note(bot, entry),
            "readings_base": readings_base,
            "readings_file": readingsedit.READINGS,
            "reading": reading or {},
            "lang": lang,
            "langs": LANGS,
            "names": NATIVE_NAMES,
            "statuses": {x: entry_status(entry, x) for x in TARGET_LANGS},
            "drafts": drafts(entry),
            "history": self.staff.audit.for_file(self.staff.workspace.rel(entry.path), 12),
            "city_keys": sorted(kb.city.values),
            "message": message,
            "problems": problems or [],
        }
        return page(self.staff, request, "entry.html", context, status)

    async def entry(self, request: Request) -> Response:
        entry = (await run_in_threadpool(self.kb)).entries.get(request.path_params["entry_id"])
        if entry is None:
            return error(self.staff, request, 404, "No such entry.")
        return await run_in_threadpool(self._entry_page, request, entry)

    async def save(self, request: Request) -> Response:
        entry_id = request.path_params["entry_id"]
        entry = (await run_in_threadpool(self.kb)).entries.get(entry_id)
        if entry is None:
            return error(self.staff, request, 404, "No such entry.")
        form = EntryForm.parse(
            await form_text(request, "title"),
            await form_text(request, "questions"),
            await form_text(request, "answer"),
        )
        user = session_of(request).account.name
        base = await form_text(request, "base")
        try:
            saved = await run_in_threadpool(
                save_entry, self.staff.workspace, self.staff.audit, user, entry_id, base, form
            )
        except Conflict as exc:
            fresh = self.kb().entries.get(entry_id) or entry
            return await run_in_threadpool(
                self._entry_page, request, fresh, form, str(exc), None, 409
            )
        except Invalid as exc:
            return await run_in_threadpool(
                self._entry_page, request, entry, form, "", exc.problems, 400
            )
        reloaded = await self.staff.reload() if saved.changed else None
        self.staff.flash(
            request, saved_message(saved, reloaded) if reloaded else "Nothing changed."
        )
        return redirect(request, f"/entries/{entry_id}")

    async def preview(self, request: Request) -> Response:
        """The live preview (fetched by staff.js as the answer is typed): an HTML fragment."""
        entry = (await run_in_threadpool(self.kb)).entries.get(request.path_params["entry_id"])
        if entry is None:
            return error(self.staff, request, 404, "No such entry.")
        lang = await form_text(request, "lang")
        _, readings = await run_in_threadpool(readingsedit.current, self.staff.workspace)
        shown = await run_in_threadpool(
            preview,
            self.staff.service.bot,
            entry,
            (await form_text(request, "title")).strip(),
            EntryForm.parse("", "", await form_text(request, "answer")).answer,
            lang if lang in LANGS else SOURCE_LANG,
            readings,
        )
        return page(self.staff, request, "_preview.html", {"preview": shown, "names": NATIVE_NAMES})

    async def fix_reading(self, request: Request) -> Response:
        """読み方を直す: one word's reading into readings.yaml, then reload the bot.
        staff.js posts it with `Accept: application/json` and refreshes the live
        preview (the typed answer stays); without JavaScript it is a plain form."""
        entry_id = request.path_params["entry_id"]
        entry = (await run_in_threadpool(self.kb)).entries.get(entry_id)
        if entry is None:
            return error(self.staff, request, 404, "No such entry.")
        wants_json = "application/json" in request.headers.get("accept", "")
        word, value = await form_text(request, "word"), await form_text(request, "reading")
        try:
            fix = await run_in_threadpool(
                readingsedit.save_reading,
                self.staff.workspace,
                self.staff.audit,
                session_of(request).account.name,
                await form_text(request, "base"),
                word,
                value,
            )
        except (Conflict, Invalid) as exc:
            status = 409 if isinstance(exc, Conflict) else 400
            found = exc.problems if isinstance(exc, Invalid) else [str(exc)]
            if wants_json:
                return JSONResponse({"ok": False, "problems": found}, status_code=status)
            sent = {"word": word, "value": value, "problems": found}
            return await run_in_threadpool(
                self._entry_page, request, entry, None, "", None, status, sent
            )
        note = readingsedit.note(fix)
        if fix.changed:
            note += " " + reload_note(await self.staff.reload())
        if wants_json:
            base, _ = await run_in_threadpool(readingsedit.current, self.staff.workspace)
            return JSONResponse({"ok": True, "message": note, "base": base})
        self.staff.flash(request, note)
        return redirect(request, f"/entries/{entry_id}#reading")

    async def resolve_draft(self, request: Request) -> Response:
        entry_id = request.path_params["entry_id"]
        if entry_id not in self.kb().entries:
            return error(self.staff, request, 404, "No such entry.")
        action = await form_text(request, "action")
        if action not in ("accept", "discard"):
            return error(self.staff, request, 400, "Accept or discard?")
        try:
            note = await run_in_threadpool(
                resolve,
                self.staff.workspace,
                self.staff.audit,
                session_of(request).account.name,
                entry_id,
                await form_text(request, "lang"),
                await form_text(request, "text"),
                action == "accept",
            )
        except Invalid as exc:
            return error(self.staff, request, 409, " ".join(exc.problems))
        if action == "accept":
            note += " " + reload_note(await self.staff.reload())
        self.staff.flash(request, note)
        return redirect(request, f"/entries/{entry_id}")

    # ------------------------------------------------------------------ city
    def _city_page(
        self,
        request: Request,
        message: str = "",
        problem: str = "",
        status: int = 200,
        key: str = "",
    ) -> Response:
        rows = cityedit.rows(self.staff.workspace)
        return page(
            self.staff,
            request,
            "city.html",
            {
                "groups": cityedit.groups(rows),
                "open_group": key.split(".")[0],  # the refused save's group stays open
                "examples": sum(r.example for r in rows),
                "partial": [r for r in rows if r.marks],
                "langs": LANGS,
                "names": NATIVE_NAMES,
                "message": message,
                "problem": problem,
                "history": self.staff.audit.for_file(cityedit.CITY, 12),
            },
            status,
        )

    async def city(self, request: Request) -> Response:
        return await run_in_threadpool(self._city_page, request)

    async def save_city(self, request: Request) -> Response:
        form = await request.form()
        key = await form_text(request, "key")
        typed = {
            k.removeprefix("v_"): v
            for k, v in form.items()
            if k.startswith("v_") and isinstance(v, str)
        }
        confirmed = frozenset(
            x for x in (str(v) for v in form.getlist("still_right")) if x in LANGS
        )
        try:
            note = await run_in_threadpool(
                cityedit.save_value,
                self.staff.workspace,
                self.staff.audit,
                session_of(request).account.name,
                key,
                await form_text(request, "base"),
                typed,
                confirmed,
            )
        except KeyError:
            return error(self.staff, request, 404, f"No value {key!r} in city.yaml.")
        except (Conflict, Invalid) as exc:
            status = 409 if isinstance(exc, Conflict) else 400
            return await run_in_threadpool(self._city_page, request, "", str(exc), status, key)
        if not note.startswith("Nothing"):
            note += " " + reload_note(await self.staff.reload())
        self.staff.flash(request, note)
        return redirect(request, f"/city#v-{key}")
