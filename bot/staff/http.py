"""What every staff page shares: the guard (login, role, CSRF), templates and
small response helpers.

Every route is a `StaffRoute` built by `guarded`, which refuses a visitor who
is not logged in (redirect to the login page), has the wrong role (403) or
posts without the session's CSRF token (403) before the page's code runs. A
test walks the mounted app's routes, so a route added without it fails.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.service import Service
from bot.storage import Store

from .accounts import Accounts
from .audit import Audit
from .broadcasting import Notifier
from .clock import local
from .dashboard import Charts, cell
from .options import Options
from .queue import Queue
from .ratelimit import LoginLimiter
from .reload import Reloaded, Reloader
from .roles import Role
from .sessions import COOKIE, Sessions, StaffSession, token_hash
from .workspace import Workspace

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
Endpoint = Callable[[Request], Awaitable[Response]]

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # everything, whatever the file name: user text is never markup
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["local"] = local
_env.filters["cell"] = cell
templates = Jinja2Templates(env=_env)


@dataclass
class Staff:
    """The staff pages' shared state: one per app."""

    store: Store
    service: Service
    cookie_secure: bool
    # The server's notification loop (`app.state.notify`), read per request: it
    # starts with the app's lifespan, after the staff app is built.
    notify: Callable[[], Notifier | None] = field(default=lambda: None)
    # A several-city install (bot.install): the city these pages are, and the
    # install's store holding the accounts, sessions and login limits (one login
    # for every city an account may open; the session cookie is then at "/").
    city: str | None = None
    accounts_store: Store | None = None
    accounts: Accounts = field(init=False)
    sessions: Sessions = field(init=False)
    limiter: LoginLimiter = field(init=False)
    audit: Audit = field(init=False)
    options: Options = field(init=False)
    queue: Queue = field(init=False)
    workspace: Workspace = field(init=False)
    reloader: Reloader = field(init=False)
    charts: Charts = field(init=False)
    flashes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        logins = self.accounts_store or self.store
        self.accounts = Accounts(logins, self.city)
        self.options = Options(self.store)
        self.sessions = Sessions(logins, self.accounts, lambda: self.options.get("session_hours"))
        self.limiter = LoginLimiter(logins)
        self.audit = Audit(self.store)
        self.queue = Queue(self.store)
        # The folder the bot serves is the folder staff edit (and reload from).
        self.workspace = Workspace(lambda: self.service.bot.kb.root)
        self.reloader = Reloader(self.service)
        self.charts = Charts()

    def cookie_path(self, request: Request) -> str:
        return "/" if self.accounts_store is not None else base(request) + "/"

    def city_refused(self, request: Request, session: StaffSession) -> Response | None:
        """403 for an account of another city (an install's accounts are shared)."""
        if session.account.may_open(self.city):
            return None
        return error(
            self,
            request,
            403,
            f"Your account ({session.account.name}) belongs to another city's staff: it may"
            " not open this city's pages. / この 市の ページは 開けません。",
        )

    async def reload(self) -> Reloaded:
        return await run_in_threadpool(self.reloader.reload)

    def flash(self, request: Request, message: str) -> None:
        """A one-time note for the next page this session opens (after a redirect)."""
        if len(self.flashes) > 1000:  # notes of sessions that never came back
            self.flashes.clear()
        self.flashes[_flash_key(request)] = message


class StaffRoute(Route):
    """A route with the role it needs (read by the guard and by the route test)."""

    def __init__(self, path: str, endpoint: Endpoint, role: Role, methods: Sequence[str]):
        super().__init__(path, endpoint, methods=list(methods), name=f"staff:{endpoint.__name__}")
        self.role = role


def _flash_key(request: Request) -> str:
    return token_hash(request.cookies.get(COOKIE, ""))


def base(request: Request) -> str:
    """Where the staff app is mounted ("/staff")."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def session_of(request: Request) -> StaffSession:
    found: StaffSession = request.state.staff
    return found


def page(
    staff: Staff,
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    session: StaffSession | None = getattr(request.state, "staff", None)
    values: dict[str, Any] = {
        "base": base(request),
        "me": session.account if session else None,
        "csrf": session.csrf if session else "",
        "Role": Role,
        "flash": staff.flashes.pop(_flash_key(request), "") if session else "",
        **(context or {}),
    }
    response = templates.TemplateResponse(request, f"staff/{name}", values, status_code=status)
    response.headers["cache-control"] = "no-store"
    return response


def error(staff: Staff, request: Request, status: int, message: str) -> Response:
    return page(staff, request, "error.html", {"status": status, "message": message}, status)


def redirect(request: Request, path: str) -> Response:
    return RedirectResponse(base(request) + path, status_code=303)


def to_login(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else base(request) + "/"
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    return RedirectResponse(f"{base(request)}/login?next={quote(target)}", status_code=303)


async def form_text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""


def guarded(
    staff: Staff, path: str, endpoint: Endpoint, role: Role, methods: Sequence[str] = ("GET",)
) -> StaffRoute:
    async def guard(request: Request) -> Response:
        session = await run_in_threadpool(staff.sessions.get, request.cookies.get(COOKIE))
        if session is None:
            return to_login(request)
        request.state.staff = session
        refused = staff.city_refused(request, session)
        if refused is not None:
            return refused
        if not session.account.role.allows(role):
            return error(
                staff,
                request,
                403,
                f"Your role ({session.account.role}) may not open this page: it needs {role}."
                " Ask an admin. / この ページは 権限が ありません。",
            )
        if request.method == "POST":
            sent = request.headers.get("x-csrf-token") or await form_text(request, "csrf")
            if not session.csrf_ok(sent):
                return error(
                    staff,
                    request,
                    403,
                    "This form expired or was not sent from the staff pages (CSRF check)."
                    " Reload the page and try again. / ページを 読み込み直して ください。",
                )
        response = await endpoint(request)
        response.headers["cache-control"] = "no-store"
        return response

    guard.__name__ = endpoint.__name__
    return StaffRoute(path, guard, role, methods)


def new_token() -> str:
    return secrets.token_urlsafe(32)
