"""The staff pages as one Starlette app, mounted at /staff by `bot.web.app`.

Every route but the login form goes through `guarded` with the role it needs;
read this table to see who may do what.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from bot.service import Service
from bot.storage import Store

from .broadcasting import Notifier
from .http import Staff, guarded
from .roles import Role
from .views.admin import AdminViews
from .views.auth import AuthViews
from .views.broadcasts import BroadcastViews
from .views.knowledge import KnowledgeViews
from .views.reports import ReportViews
from .views.review import ReviewViews
from .views.signups import SignupViews

POST = ("POST",)


def staff_routes(staff: Staff) -> list[BaseRoute]:
    auth, kb, review = AuthViews(staff), KnowledgeViews(staff), ReviewViews(staff)
    reports, admin = ReportViews(staff), AdminViews(staff)
    bc, signups = BroadcastViews(staff), SignupViews(staff)
    viewer, editor, admin_role = Role.viewer, Role.editor, Role.admin
    return [
        # Public: the login form (its POST has its own CSRF token and a rate limit).
        Route("/login", auth.login_form, methods=["GET"], name="staff:login_form"),
        Route("/login", auth.login, methods=["POST"], name="staff:login"),
        guarded(staff, "/logout", auth.logout, viewer, POST),
        guarded(staff, "/", auth.home, viewer),
        # Reports (viewer+).
        guarded(staff, "/dashboard", reports.dashboard, viewer),
        guarded(staff, "/dashboard/charts/{month}/{name}.png", reports.chart, viewer),
        guarded(staff, "/queue", reports.queue, viewer),
        guarded(staff, "/queue/{key}", reports.decide, editor, POST),
        # Content (editor+).
        guarded(staff, "/entries", kb.entries, editor),
        guarded(staff, "/entries/{entry_id}", kb.entry, editor),
        guarded(staff, "/entries/{entry_id}", kb.save, editor, POST),
        guarded(staff, "/entries/{entry_id}/preview", kb.preview, editor, POST),
        guarded(staff, "/entries/{entry_id}/drafts", kb.resolve_draft, editor, POST),
        guarded(staff, "/entries/{entry_id}/reading", kb.fix_reading, editor, POST),
        guarded(staff, "/city", kb.city, editor),
        guarded(staff, "/city", kb.save_city, editor, POST),
        guarded(staff, "/review", review.index, editor),
        guarded(staff, "/review/draft", review.draft, editor, POST),
        guarded(staff, "/review/{entry_id}", review.entry, editor),
        guarded(staff, "/review/{entry_id}", review.act, editor, POST),
        # Broadcasts: editors compose, preview and test-send to their own account.
        # Sending to every subscriber needs an admin: it cannot be recalled and
        # reaches thousands at once, so the person who presses it is one who is
        # accountable for staff and settings, looking at an editor's tested draft.
        guarded(staff, "/broadcasts", bc.compose, editor),
        guarded(staff, "/broadcasts", bc.create_broadcast, editor, POST),
        guarded(staff, "/broadcasts/preview", bc.preview_broadcast, editor, POST),
        guarded(staff, "/broadcasts/{bid:int}", bc.broadcast, editor),
        guarded(staff, "/broadcasts/{bid:int}/status", bc.broadcast_status, editor),
        guarded(staff, "/broadcasts/{bid:int}/test", bc.test_send, editor, POST),
        guarded(staff, "/broadcasts/{bid:int}/send", bc.send_all, admin_role, POST),
        # Evacuation sites: editors search the imported list and close an opened
        # site (opening one is sending its broadcast, above).
        guarded(staff, "/shelters/search", bc.site_search, editor),
        guarded(staff, "/shelters/{site_id}/close", bc.close_site, editor, POST),
        # Sign-ups: counts for everyone; the answers (personal data) for editors;
        # deleting them (the retention purge) for admins.
        guarded(staff, "/signups", signups.signups, viewer),
        guarded(staff, "/signups/{kind}", signups.signup_list, editor),
        guarded(staff, "/signups/{kind}/export", signups.signup_export, editor),
        guarded(staff, "/signups/purge", signups.signup_purge, admin_role, POST),
        # Accounts and settings (admin).
        guarded(staff, "/admin/users", admin.users, admin_role),
        guarded(staff, "/admin/users", admin.add_user, admin_role, POST),
        guarded(staff, "/admin/users/{name}", admin.change_user, admin_role, POST),
        guarded(staff, "/admin/lockouts", admin.unlock, admin_role, POST),
        guarded(staff, "/admin/settings", admin.settings, admin_role),
        guarded(staff, "/admin/settings", admin.save_settings, admin_role, POST),
        guarded(staff, "/admin/audit", admin.audit, admin_role),
    ]


def staff_app(
    service: Service,
    store: Store,
    cookie_secure: bool = False,
    notify: Callable[[], Notifier | None] | None = None,
    city: str | None = None,
    accounts_store: Store | None = None,
) -> Starlette:
    """The staff pages over the service's bot (reloaded in place after edits);
    `notify` gives the server's notification loop (None: broadcasts cannot be sent);
    `city` and `accounts_store`: one city of a several-city install (bot.install)."""
    staff = Staff(store, service, cookie_secure, city=city, accounts_store=accounts_store)
    if notify is not None:
        staff.notify = notify
    app = Starlette(routes=staff_routes(staff))
    app.state.staff = staff
    return app
