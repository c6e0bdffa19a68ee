"""Admin pages: staff accounts, settings and the audit log."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..accounts import AccountError
from ..http import Staff, error, form_text, page, redirect, session_of
from ..options import OPTIONS
from ..ratelimit import Lock
from ..roles import ROLE_HELP, Role


class AdminViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def _users(self, request: Request, problem: str = "", status: int = 200) -> Response:
        return page(
            self.staff,
            request,
            "users.html",
            {
                "accounts": self.staff.accounts.all(),
                "locks": [lock for lock in self.staff.limiter.locks() if self._shown(lock)],
                "roles": list(Role),
                "role_help": ROLE_HELP,
                "problem": problem,
            },
            status,
        )

    def _shown(self, lock: Lock) -> bool:
        """A city's admin sees the locks of its own names, of names no account has
        (guesses) and of addresses, never another city's staff names."""
        accounts = self.staff.accounts
        if lock.name is None or accounts.city is None:
            return True
        return accounts.managed(lock.name) is not None or accounts.get(lock.name) is None

    async def users(self, request: Request) -> Response:
        return self._users(request)

    async def add_user(self, request: Request) -> Response:
        me = session_of(request).account.name
        name = (await form_text(request, "name")).strip().lower()
        password = await form_text(request, "password")
        try:
            if password != await form_text(request, "password2"):
                raise AccountError("the two passwords differ")
            role = Role(await form_text(request, "role"))
            await run_in_threadpool(self.staff.accounts.add, name, role, password)
        except (AccountError, ValueError) as exc:
            return self._users(request, str(exc), 400)
        self.staff.audit.record(me, "add-user", "staff_users", name, "", role.value)
        self.staff.flash(request, f"Added {name} ({role}).")
        return redirect(request, "/admin/users")

    async def change_user(self, request: Request) -> Response:
        me = session_of(request).account.name
        name = request.path_params["name"]
        account = self.staff.accounts.managed(name)  # never another city's
        if account is None:
            return error(self.staff, request, 404, "No such account.")
        action = await form_text(request, "action")
        try:
            if action == "role":
                role = Role(await form_text(request, "role"))
                self.staff.accounts.set_role(name, role)
                before, after = account.role.value, role.value
            elif action in ("disable", "enable"):
                self.staff.accounts.set_active(name, action == "enable")
                before, after = str(account.active), str(action == "enable")
            elif action == "password":
                password = await form_text(request, "password")
                await run_in_threadpool(self.staff.accounts.set_password, name, password)
                before, after = "", "(password reset; sessions and lockout ended)"
            else:
                return error(self.staff, request, 400, "Unknown action.")
        except (AccountError, ValueError) as exc:
            return self._users(request, str(exc), 400)
        self.staff.audit.record(me, action, "staff_users", name, before, after)
        self.staff.flash(request, f"{name}: {action} done.")
        return redirect(request, "/admin/users")

    async def unlock(self, request: Request) -> Response:
        """End a lock: a name's (at every address) or, with `ip`, an address's.
        The name may be one no account has: guesses lock a name too."""
        me = session_of(request).account.name
        name = (await form_text(request, "name")).strip()
        ip = (await form_text(request, "ip")).strip()
        if name:
            count = await run_in_threadpool(self.staff.limiter.unlock, name)
            field, what = name, name
        elif ip:
            count = await run_in_threadpool(self.staff.limiter.unlock_address, ip)
            field, what = f"address {ip}", f"the address {ip}"
        else:
            return error(self.staff, request, 400, "Say which name or address to unlock.")
        self.staff.audit.record(
            me, "unlock", "staff_login_failures", field, f"{count} failed login(s)", ""
        )
        self.staff.flash(request, f"Unlocked {what}.")
        return redirect(request, "/admin/users")

    def _settings(self, request: Request, problem: str = "", status: int = 200) -> Response:
        return page(
            self.staff,
            request,
            "settings.html",
            {"options": OPTIONS, "values": self.staff.options.all(), "problem": problem},
            status,
        )

    async def settings(self, request: Request) -> Response:
        return self._settings(request)

    async def save_settings(self, request: Request) -> Response:
        me = session_of(request).account.name
        changed = []
        for key in OPTIONS:
            text = (await form_text(request, key)).strip()
            if not text:
                continue
            try:
                before, after = self.staff.options.set(key, text, me)
            except ValueError as exc:
                return self._settings(request, str(exc), 400)
            if before != after:
                self.staff.audit.record(
                    me, "setting", "staff_settings", key, f"{before:g}", f"{after:g}"
                )
                changed.append(key)
        self.staff.flash(
            request, f"Saved: {', '.join(changed)}." if changed else "Nothing changed."
        )
        return redirect(request, "/admin/settings")

    async def audit(self, request: Request) -> Response:
        user = request.query_params.get("user", "")
        return page(
            self.staff,
            request,
            "audit.html",
            {"changes": self.staff.audit.recent(300, user or None), "user": user},
        )
