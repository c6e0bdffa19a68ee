"""The KPI dashboard (with its PNG charts) and the unanswered-questions queue."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.analytics import Month
from bot.core.langs import LANGS, NATIVE_NAMES

from ..clock import utcnow
from ..dashboard import CHARTS, build
from ..entries import Invalid, add_draft
from ..http import Staff, error, form_text, redirect, session_of
from ..http import page as page_response
from ..roles import Role


class ReportViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    async def dashboard(self, request: Request) -> Response:
        text = request.query_params.get("month", "")
        current = Month.of(utcnow())
        try:
            month = Month.parse(text) if text else current
        except ValueError as exc:
            return error(self.staff, request, 400, str(exc))
        context = {
            "month": month,
            "current": current,
            "previous": min(month.shift(-1), current),
            "next": month.shift(1) if month < current else None,  # never a future month
        }
        if month > current:  # nothing is logged yet: say so instead of a report of zeros
            return page_response(
                self.staff, request, "dashboard.html", {**context, "board": None}, 404
            )
        board = await run_in_threadpool(build, self.staff.store, self.staff.service.bot.kb, month)
        return page_response(self.staff, request, "dashboard.html", {**context, "board": board})

    async def chart(self, request: Request) -> Response:
        try:
            month = Month.parse(request.path_params["month"])
        except ValueError as exc:
            return error(self.staff, request, 400, str(exc))
        name = request.path_params["name"]
        if name not in CHARTS:
            return error(self.staff, request, 404, "No such chart.")
        if month > Month.of(utcnow()):
            return error(self.staff, request, 404, f"{month} has not started yet.")
        data = await run_in_threadpool(
            self.staff.charts.png, self.staff.store, self.staff.service.bot.kb, month, name
        )
        return Response(data, media_type="image/png")

    async def queue(self, request: Request) -> Response:
        options = self.staff.options
        raw = request.query_params.get("page", "1")
        number = int(raw) if raw.isdigit() and len(raw) < 7 else 1
        page = await run_in_threadpool(  # seconds at 100k rows: never on the event loop
            self.staff.queue.page,
            int(options.get("queue_months")),
            bool(options.get("queue_clarify")),
            number,
        )
        kb = self.staff.workspace.kb()
        entries = sorted(kb.entries.values(), key=lambda e: (e.category, e.id))
        me = session_of(request).account
        return page_response(
            self.staff,
            request,
            "queue.html",
            {
                "items": page.items,
                "page": page,
                "entries": entries,
                "langs": LANGS,
                "names": NATIVE_NAMES,
                "months": int(options.get("queue_months")),
                "can_edit": me.role.allows(Role.editor),
            },
        )

    async def decide(self, request: Request) -> Response:
        """Attach to an entry (as a draft question) or dismiss: editors only."""
        me = session_of(request).account
        item = self.staff.queue.find(request.path_params["key"])
        if item is None:
            return error(self.staff, request, 404, "This question was handled already.")
        action = await form_text(request, "action")
        if action == "dismiss":
            self.staff.queue.decide(item, "dismiss", me.name)
            self.staff.audit.record(me.name, "dismiss", "queue", item.key, item.text, "")
            self.staff.flash(request, f"Dismissed: {item.text}")
            return redirect(request, "/queue")
        if action != "attach":
            return error(self.staff, request, 400, "Attach or dismiss?")
        entry_id, lang = await form_text(request, "entry"), await form_text(request, "lang")
        if lang not in LANGS:
            lang = item.lang if item.lang in LANGS else "ja"
        try:
            await run_in_threadpool(
                add_draft,
                self.staff.workspace,
                self.staff.audit,
                me.name,
                entry_id,
                lang,
                item.text,
                item.count,
            )
        except KeyError:
            return error(self.staff, request, 400, "Pick an entry to attach the question to.")
        except Invalid as exc:
            return error(self.staff, request, 400, " ".join(exc.problems))
        self.staff.queue.decide(item, "attach", me.name, entry_id, lang)
        self.staff.flash(
            request,
            f"Attached to {entry_id} as a draft question ({lang}): accept it on the entry's"
            " page to serve it.",
        )
        return redirect(request, "/queue")
