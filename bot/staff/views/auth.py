"""Login and logout.

The login form has its own CSRF token (a cookie plus the same value in a hidden
field: nobody is logged in yet to hold a session token). Failures are counted
per name and address; the sixth try within 15 minutes gets 429 without the
password being checked at all.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...clientaddr import client_address
from ..http import Staff, base, form_text, new_token, page, redirect, session_of
from ..sessions import COOKIE, StaffSession

LOGIN_COOKIE = "resbot_staff_login"


def _safe_next(request: Request, target: str) -> str:
    """Only back into the staff pages: never an open redirect to another site."""
    root = base(request) + "/"
    ok = target.startswith(root) and not target.startswith("//") and "\\" not in target
    return target if ok else root


def _ip(request: Request) -> str:
    return client_address(request)


class AuthViews:
    def __init__(self, staff: Staff) -> None:
        self.staff = staff

    def _form(
        self, request: Request, message: str = "", status: int = 200, name: str = ""
    ) -> Response:
        token = new_token()
        response = page(
            self.staff,
            request,
            "login.html",
            {
                "login_csrf": token,
                "message": message,
                "name": name,
                "next": _safe_next(request, request.query_params.get("next", "")),
            },
            status,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=3600,
            path=base(request) + "/login",
            httponly=True,
            samesite="strict",
            secure=self.staff.cookie_secure,
        )
        return response

    async def login_form(self, request: Request) -> Response:
        cookie = request.cookies.get(COOKIE)
        session = await run_in_threadpool(self.staff.sessions.get, cookie)
        if session is not None and session.account.may_open(self.staff.city):
            return redirect(request, "/")
        return self._form(request)

    async def login(self, request: Request) -> Response:
        sent = await form_text(request, "csrf")
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            return self._form(
                request,
                "The login form expired. Please try again. / もう一度 ログインして ください。",
                403,
            )
        name = (await form_text(request, "name")).strip().lower()
        password = await form_text(request, "password")
        ip = _ip(request)
        wait = self.staff.limiter.retry_after(name, ip)
        if wait is not None:
            minutes = (wait + 59) // 60
            response = self._form(
                request,
                f"Too many failed logins for this name from your address. Try again in"
                f" {minutes} minute(s), or ask an admin to reset your password."
                f" / ログインの 失敗が 多すぎます。{minutes} 分 後に もう一度 ためして ください。",
                429,
                name,
            )
            response.headers["retry-after"] = str(wait)
            return response
        account = await run_in_threadpool(self.staff.accounts.verify, name, password)
        if account is None:
            self.staff.limiter.failed(name, ip)
            return self._form(
                request,
                "Wrong name or password. / 名前か パスワードが ちがいます。",
                401,
                name,
            )
        self.staff.limiter.succeeded(name, ip)
        if not account.may_open(self.staff.city):
            request.state.staff = None
            refused = self.staff.city_refused(request, StaffSession(account, "", ""))
            assert refused is not None
            return refused
        token = await run_in_threadpool(self.staff.sessions.create, account, ip)
        target = _safe_next(request, await form_text(request, "next"))
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            path=self.staff.cookie_path(request),
            httponly=True,
            samesite="strict",
            secure=self.staff.cookie_secure,
        )
        response.delete_cookie(LOGIN_COOKIE, path=base(request) + "/login")
        return response

    async def logout(self, request: Request) -> Response:
        session_of(request)  # the guard checked the login and the CSRF token
        self.staff.sessions.end(request.cookies.get(COOKIE))
        response = redirect(request, "/login")
        response.delete_cookie(COOKIE, path=self.staff.cookie_path(request))
        return response

    async def home(self, request: Request) -> Response:
        return redirect(request, "/dashboard")
