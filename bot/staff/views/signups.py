"""Sign-ups page: counts for every role, the answers and their export for editors,
the retention purge for admins. Every export and purge goes in the audit log:
these are residents' names and contacts."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.analytics import Month
from bot.core.langs import NATIVE_NAMES
from bot.core.signup_flow import FORMS, retention_days
from bot.notify import signups as data

from ..broadcasting import SUBSCRIPTION_NAMES
from ..clock import utcnow
from ..http import Staff, error, form_text, page, redirect, session_of
from ..roles import Role
from ..signupdata import (
    FORM_NAMES,
    MEDIA_TYPES,
    export_bytes,
    stored,
    subscription_table,
    this_month,
)

AUDIT_FILE = "notify_signups"


class SignupViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def _page(self, request: Request, problem: str = "", status: int = 200) -> Response:
        store = self.staff.store
        month = Month.of(utcnow())
        me = session_of(request).account
        return page(
            self.staff,
            request,
            "signups.html",
            {
                "kinds": list(FORMS),
                "kind_names": FORM_NAMES,
                "stored": stored(store),
                "month": month,
                "this_month": this_month(store, month),
                "subs": subscription_table(store),
                "subscription_names": SUBSCRIPTION_NAMES,
                "names": NATIVE_NAMES,
                "retention": retention_days(),
                "can_list": me.role.allows(Role.editor),
                "can_purge": me.role.allows(Role.admin),
                "problem": problem,
            },
            status,
        )

    async def signups(self, request: Request) -> Response:
        return await run_in_threadpool(self._page, request)

    async def signup_list(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in FORMS:
            return error(self.staff, request, 404, "No such sign-up form.")
        rows = await run_in_threadpool(data.list_signups, self.staff.store, kind)
        return page(
            self.staff,
            request,
            "signup_list.html",
            {
                "kind": kind,
                "kind_names": FORM_NAMES,
                "fields": FORMS[kind],
                "rows": rows,
                "retention": retention_days(),
            },
        )

    async def signup_export(self, request: Request) -> Response:
        kind, fmt = request.path_params["kind"], request.query_params.get("format", "csv")
        if kind not in FORMS:
            return error(self.staff, request, 404, "No such sign-up form.")
        if fmt not in data.FORMATS:
            return error(
                self.staff, request, 400, f"Format must be one of {', '.join(data.FORMATS)}."
            )
        body = await run_in_threadpool(export_bytes, self.staff.store, kind, fmt)
        me = session_of(request).account.name
        self.staff.audit.record(me, "export", AUDIT_FILE, kind, "", fmt)
        name = f"signups-{kind}-{utcnow():%Y%m%d}.{fmt}"
        return Response(
            body,
            media_type=MEDIA_TYPES[fmt],
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    async def signup_purge(self, request: Request) -> Response:
        """Delete sign-ups older than the retention period (or a shorter one given here)."""
        me = session_of(request).account.name
        text = (await form_text(request, "days")).strip()
        retention = retention_days()
        try:
            days = int(text) if text else retention
            if days < 0:
                raise ValueError
        except ValueError:
            return await run_in_threadpool(
                self._page, request, "Days must be a whole number, 0 or more.", 400
            )
        if await form_text(request, "confirm") != "yes":
            return await run_in_threadpool(
                self._page,
                request,
                "Tick the box to confirm: deleted sign-ups cannot be restored."
                " / 確認の チェックを 入れて ください。",
                400,
            )
        deleted = await run_in_threadpool(data.purge, self.staff.store, days)
        self.staff.audit.record(
            me, "purge", AUDIT_FILE, f"older than {days} days", "", f"{deleted} deleted"
        )
        self.staff.flash(
            request,
            f"Deleted {deleted} sign-up(s) older than {days} day(s). / {deleted} 件 削除しました。",
        )
        return redirect(request, "/signups")
