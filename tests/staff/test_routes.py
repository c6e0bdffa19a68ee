"""Every staff route x every role, walked from the mounted app itself: a route
added without the guard, or with the wrong role, fails here."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from bot.staff.http import StaffRoute
from bot.staff.roles import Role
from bot.staff.sessions import COOKIE

from .conftest import USERS, staff_of

PUBLIC = {("/login", "GET"), ("/login", "POST")}
SAMPLES = {
    "{name}.png": "trend.png",
    "{name}": "vera",
    "{entry_id}": "garbage.collection_days",
    "{month}": "2026-04",
    "{key}": "0" * 24,
    "{bid:int}": "1",
    "{kind}": "volunteer",
    "{site_id}": "E1320100006111",
}


def concrete(path: str) -> str:
    for pattern, value in SAMPLES.items():
        path = path.replace(pattern, value)
    assert "{" not in path, f"add a sample value for {path} to SAMPLES"
    return "/staff" + path


def staff_routes(app: Starlette) -> list[tuple[Route, str]]:
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/staff")
    found = []
    for route in mount.routes:
        assert isinstance(route, Route), f"{route!r}: only plain routes under /staff"
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((route, method))
    return found


@pytest.fixture()
def raw(
    app: Starlette, reloads: list[int], fake_translate: types.ModuleType
) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def as_role(app: Starlette, client: TestClient, role: Role) -> str:
    """A fresh session of the user with this role; returns its CSRF token."""
    staff = staff_of(app)
    name = next(n for n, r in USERS.items() if r is role)
    account = staff.accounts.get(name)
    assert account is not None
    token = staff.sessions.create(account, "test")
    client.cookies.clear()
    client.cookies.set(COOKIE, token)
    session = staff.sessions.get(token)
    assert session is not None
    return session.csrf


def call(client: TestClient, method: str, path: str, token: str | None) -> object:
    if method == "GET":
        return client.get(path)
    data = {"csrf": token} if token is not None else {}
    return client.post(path, data=data)


def test_every_route_but_login_is_guarded(app: Starlette) -> None:
    routes = staff_routes(app)
    assert len(routes) > 20
    unguarded = {(r.path, m) for r, m in routes if not isinstance(r, StaffRoute)}
    assert unguarded == PUBLIC


def test_no_login_means_the_login_page(app: Starlette, raw: TestClient) -> None:
    for route, method in staff_routes(app):
        if (route.path, method) in PUBLIC:
            continue
        res = call(raw, method, concrete(route.path), "whatever")
        assert res.status_code == 303, (method, route.path)  # type: ignore[attr-defined]
        assert res.headers["location"].startswith("/staff/login"), route.path  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_routes(app: Starlette, raw: TestClient, role: Role) -> None:
    for route, method in staff_routes(app):
        if not isinstance(route, StaffRoute):
            continue
        token = as_role(app, raw, role)
        res = call(raw, method, concrete(route.path), token)
        status = res.status_code  # type: ignore[attr-defined]
        where = f"{method} {route.path} as {role} (needs {route.role})"
        if role.allows(route.role):
            # 503: "no machine-translation model installed", said on the page.
            expected_503 = route.path == "/review/draft" and status == 503
            assert status != 403 and (status < 500 or expected_503), f"{where}: {status}"
            location = res.headers.get("location", "")  # type: ignore[attr-defined]
            if route.path != "/logout":
                assert "/login" not in location, where
        else:
            assert status == 403, f"{where}: {status}"
            assert "Your role" in res.text, where  # type: ignore[attr-defined]


def test_every_post_needs_the_session_csrf_token(app: Starlette, raw: TestClient) -> None:
    posts = [r for r, m in staff_routes(app) if m == "POST" and isinstance(r, StaffRoute)]
    assert len(posts) >= 10
    for route in posts:
        for sent in (None, "", "forged-token"):
            as_role(app, raw, Role.admin)
            res = raw.post(concrete(route.path), data={} if sent is None else {"csrf": sent})
            assert res.status_code == 403, (route.path, sent)
            assert "CSRF" in res.text
        # A token of another session is no good either.
        other = as_role(app, raw, Role.editor)
        as_role(app, raw, Role.admin)
        res = raw.post(concrete(route.path), data={"csrf": other})
        assert res.status_code == 403, route.path


def test_the_csrf_header_works_for_scripts(app: Starlette, raw: TestClient) -> None:
    token = as_role(app, raw, Role.editor)
    res = raw.post(
        "/staff/entries/garbage.collection_days/preview",
        data={"answer": "ごみの日です。", "title": "ごみ"},
        headers={"X-CSRF-Token": token},
    )
    assert res.status_code == 200
    assert re.search(r"日\(ひ\)", res.text)
