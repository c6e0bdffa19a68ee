"""Translation review pages, and the hook for machine drafts (`bot.translate`)."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.core.knowledge import FIELDS, Entry
from bot.core.langs import NATIVE_NAMES, TARGET_LANGS

from ..entries import Invalid
from ..files import Conflict
from ..http import Staff, error, form_text, page, redirect, session_of
from ..review import apply, entry_messages, entry_status, progress
from .knowledge import reload_note

FIELD_NAMES = {
    "title": "Title (button label)",
    "questions": "Question variants",
    "answer": "Answer",
}


def machine_drafts_available() -> bool:
    """The button shows only when the machine-translation helper is installed."""
    try:
        return importlib.util.find_spec("bot.translate") is not None
    except (ImportError, ValueError):
        return False


def describe(report: object) -> list[str]:
    """A DraftReport as lines for the page: its own `lines()`, else its fields."""
    lines = getattr(report, "lines", None)
    if callable(lines):
        return [str(x) for x in lines()]
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return [f"{f.name}: {getattr(report, f.name)}" for f in dataclasses.fields(report)]
    return [str(report)]


class ReviewViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def _index(self, request: Request, context: dict[str, Any], status: int = 200) -> Response:
        kb = self.staff.workspace.kb()
        rows = []
        for entry in sorted(kb.entries.values(), key=lambda e: (e.category, e.id)):
            per_lang = {x: entry_status(entry, x) for x in TARGET_LANGS}
            if any(s != "ok" for s in per_lang.values()):
                rows.append((entry, per_lang))
        return page(
            self.staff,
            request,
            "review_index.html",
            {
                "progress": progress(kb),
                "rows": rows,
                "names": NATIVE_NAMES,
                "langs": TARGET_LANGS,
                "machine": machine_drafts_available(),
                "report": None,
                "missing_model": "",
                **context,
            },
            status,
        )

    async def index(self, request: Request) -> Response:
        return await run_in_threadpool(self._index, request, {})

    async def draft(self, request: Request) -> Response:
        """Run `bot.translate.draft_missing` (drafts are fuzzy: nothing is served yet)."""
        if not machine_drafts_available():
            return error(self.staff, request, 404, "Machine drafts are not installed.")
        form = await request.form()
        langs = [x for x in form.getlist("langs") if isinstance(x, str) and x in TARGET_LANGS]
        translate: Any = importlib.import_module("bot.translate")
        root = self.staff.workspace.root
        try:
            report = await run_in_threadpool(translate.draft_missing, root, langs or None)
        except translate.MissingModel as exc:
            return await run_in_threadpool(self._index, request, {"missing_model": str(exc)}, 503)
        except Exception as exc:  # a failed draft run must not look like a crash of the page
            message = f"Machine drafting failed: {exc}"
            return await run_in_threadpool(self._index, request, {"missing_model": message}, 500)
        self.staff.audit.record(
            session_of(request).account.name,
            "machine-draft",
            "translations",
            " ".join(langs) or "all",
            "",
            "\n".join(describe(report))[:4000],
        )
        return await run_in_threadpool(self._index, request, {"report": describe(report)})

    def _entry_page(
        self,
        request: Request,
        entry: Entry,
        message: str = "",
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        return page(
            self.staff,
            request,
            "review.html",
            {
                "entry": entry,
                "messages": entry_messages(self.staff.workspace, entry),
                "fields": FIELDS,
                "field_names": FIELD_NAMES,
                "names": NATIVE_NAMES,
                "message": message,
                "typed": typed or {},
            },
            status,
        )

    async def entry(self, request: Request) -> Response:
        entry = self.staff.workspace.entry(request.path_params["entry_id"])
        if entry is None:
            return error(self.staff, request, 404, "No such entry.")
        return await run_in_threadpool(self._entry_page, request, entry)

    async def act(self, request: Request) -> Response:
        entry_id = request.path_params["entry_id"]
        entry = self.staff.workspace.entry(entry_id)
        if entry is None:
            return error(self.staff, request, 404, "No such entry.")
        lang, fld = await form_text(request, "lang"), await form_text(request, "field")
        text = await form_text(request, "text")
        try:
            note = await run_in_threadpool(
                apply,
                self.staff.workspace,
                self.staff.audit,
                session_of(request).account.name,
                entry_id,
                lang,
                fld,
                await form_text(request, "action"),
                await form_text(request, "base"),
                text,
            )
        except (Conflict, Invalid) as exc:
            status = 409 if isinstance(exc, Conflict) else 400
            fresh = self.staff.workspace.entry(entry_id) or entry
            return await run_in_threadpool(
                self._entry_page, request, fresh, str(exc), {f"{lang}|{fld}": text}, status
            )
        note += " " + reload_note(await self.staff.reload())
        self.staff.flash(request, note)
        return redirect(request, f"/review/{entry_id}#m-{lang}-{fld}")
