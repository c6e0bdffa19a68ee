"""Logging in and out: argon2 passwords, server-side sessions, cookie flags,
the login form's CSRF token and the rate limit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.staff.clock import utcnow
from bot.staff.ratelimit import MAX_FAILURES, WINDOW
from bot.staff.roles import Role
from bot.staff.sessions import COOKIE
from bot.web.app import create_app

from .conftest import PASSWORD, csrf, login, staff_of


def test_login_ok_lands_on_the_dashboard_and_sets_a_strict_httponly_cookie(
    client: TestClient,
) -> None:
    token = csrf(client.get("/staff/login").text)
    res = client.post(
        "/staff/login",
        data={"name": "vera", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert res.headers["location"] == "/staff/"
    cookie = next(c for c in res.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # RESBOT_COOKIE_SECURE is off in development
    page = client.get("/staff/")
    assert page.url.path == "/staff/dashboard"
    assert "vera" in page.text


def test_the_session_token_is_stored_hashed(app: Starlette, client: TestClient) -> None:
    login(client, "vera")
    token = client.cookies[COOKIE]
    rows = list(staff_of(app).store.db.query("select token_hash from staff_sessions"))
    assert rows and all(token not in r["token_hash"] for r in rows)


def test_cookie_is_secure_when_configured(tmp_path: Path, copied_bot: Bot) -> None:
    settings = load_settings(env_file=None, db_path=tmp_path / "secure.sqlite3", cookie_secure=True)
    app = create_app(settings, copied_bot)
    staff_of(app).accounts.add("vera", Role.viewer, PASSWORD)
    with TestClient(app, base_url="https://testserver") as client:
        token = csrf(client.get("/staff/login").text)
        res = client.post(
            "/staff/login",
            data={"name": "vera", "password": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
    cookie = next(c for c in res.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
    assert "Secure" in cookie


def test_wrong_password_and_unknown_name_get_the_same_answer(client: TestClient) -> None:
    for name in ("vera", "nobody"):
        token = csrf(client.get("/staff/login").text)
        res = client.post(
            "/staff/login", data={"name": name, "password": "wrong password", "csrf": token}
        )
        assert res.status_code == 401
        assert "Wrong name or password" in res.text
        assert COOKIE not in client.cookies


def test_login_without_the_form_token_is_refused(client: TestClient) -> None:
    client.get("/staff/login")
    res = client.post("/staff/login", data={"name": "vera", "password": PASSWORD})
    assert res.status_code == 403
    res = client.post("/staff/login", data={"name": "vera", "password": PASSWORD, "csrf": "forged"})
    assert res.status_code == 403
    assert COOKIE not in client.cookies


def test_rate_limit_locks_name_and_address_then_lets_go(app: Starlette, client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        token = csrf(client.get("/staff/login").text)
        res = client.post("/staff/login", data={"name": "vera", "password": "x", "csrf": token})
        assert res.status_code == 401
    token = csrf(client.get("/staff/login").text)
    res = client.post("/staff/login", data={"name": "vera", "password": PASSWORD, "csrf": token})
    assert res.status_code == 429  # even the right password: no more guesses for now
    assert "Too many failed logins" in res.text
    assert "minute" in res.text
    assert int(res.headers["retry-after"]) > 0
    # Another name from the same address is not locked by vera's failures.
    assert login(client, "eddie")
    # When the failures age out, vera may log in again.
    limiter = staff_of(app).limiter
    limiter.now = lambda: utcnow() + WINDOW + timedelta(seconds=1)
    assert limiter.retry_after("vera", "testclient") is None


def test_a_success_clears_the_failures(app: Starlette, client: TestClient) -> None:
    for _ in range(MAX_FAILURES - 1):
        token = csrf(client.get("/staff/login").text)
        client.post("/staff/login", data={"name": "vera", "password": "x", "csrf": token})
    login(client, "vera")
    assert staff_of(app).limiter.retry_after("vera", "testclient") is None


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    token = login(client, "vera")
    stolen = client.cookies[COOKIE]
    res = client.post("/staff/logout", data={"csrf": token})
    assert res.url.path == "/staff/login"
    client.cookies.set(COOKIE, stolen)  # a copy of the old cookie is worth nothing now
    res = client.get("/staff/dashboard", follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"].startswith("/staff/login")


def test_pages_redirect_to_login_and_back(client: TestClient) -> None:
    res = client.get("/staff/queue", follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"] == "/staff/login?next=/staff/queue"
    page = client.get(res.headers["location"])
    res = client.post(
        "/staff/login",
        data={
            "name": "vera",
            "password": PASSWORD,
            "csrf": csrf(page.text),
            "next": "/staff/queue",
        },
    )
    assert res.url.path == "/staff/queue"


def test_next_never_leaves_the_staff_pages(client: TestClient) -> None:
    page = client.get("/staff/login")
    res = client.post(
        "/staff/login",
        data={
            "name": "vera",
            "password": PASSWORD,
            "csrf": csrf(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert res.headers["location"] == "/staff/"


def test_disabled_accounts_and_changed_passwords_end_sessions(
    app: Starlette, client: TestClient
) -> None:
    staff = staff_of(app)
    login(client, "vera")
    staff.accounts.set_password("vera", "a new long password")
    assert client.get("/staff/dashboard").url.path == "/staff/login"
    login(client, "vera", "a new long password")
    staff.accounts.set_active("vera", False)
    assert client.get("/staff/dashboard").url.path == "/staff/login"
    token = csrf(client.get("/staff/login").text)
    res = client.post(
        "/staff/login", data={"name": "vera", "password": "a new long password", "csrf": token}
    )
    assert res.status_code == 401


def test_staff_pages_carry_security_headers_and_no_store(client: TestClient) -> None:
    login(client, "vera")
    for path in ("/staff/login", "/staff/dashboard"):
        res = client.get(path)
        assert "script-src 'self'" in res.headers["content-security-policy"]
        assert res.headers["x-frame-options"] == "DENY"
        assert res.headers["cache-control"] == "no-store"


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_client(
    tmp_path: Path, knowledge: Path, copied_bot: Bot
) -> None:
    settings = load_settings(
        env_file=None,
        db_path=tmp_path / "proxied.sqlite3",
        knowledge=knowledge,
        trusted_proxies="127.0.0.1",
    )
    app = create_app(settings, copied_bot)
    staff_of(app).accounts.add("vera", Role.editor, PASSWORD)
    proxied = {"x-forwarded-for": "198.51.100.7"}
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        for _ in range(MAX_FAILURES):
            token = csrf(client.get("/staff/login").text)
            res = client.post(
                "/staff/login",
                data={"name": "vera", "password": "x", "csrf": token},
                headers=proxied,
            )
            assert res.status_code == 401
        # Asked while the app runs: its shutdown closes the database.
        limiter = staff_of(app).limiter
        assert limiter.retry_after("vera", "198.51.100.7") is not None
        assert limiter.retry_after("vera", "127.0.0.1") is None  # not the proxy's address
