"""Abuse: oversized bodies, unsigned webhooks, staff pages without login, leaked
secrets, long messages, missing security headers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Secret
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from bot.core.dialogue import Bot
from bot.core.langs import LANGS

from .conftest import (
    LINE_SECRET,
    LINE_TOKEN,
    TG_SECRET,
    TG_TOKEN,
    Platforms,
    line_event,
    post_line,
    post_tg,
    running,
    tg_update,
)


# ------------------------------------------------------------------ body size
@pytest.mark.parametrize("chunked", [False, True])
def test_body_size_limit_boundary(
    tmp_path: Path, bot: Bot, platforms: Platforms, chunked: bool
) -> None:
    limit = 1000
    with running(tmp_path, bot, platforms, max_body_bytes=limit) as client:
        for size, refused in ((limit - 1, False), (limit, False), (limit + 1, True)):
            body = json.dumps({"text": "a" * (size - 12)}).encode()
            assert len(body) == size
            content: Any = iter([body[:500], body[500:]]) if chunked else body
            res = client.post("/api/chat", content=content)
            assert (res.status_code == 413) is refused, (size, res.status_code)
        for path in ("/line/webhook", "/telegram/webhook"):
            big = b"{" + b" " * limit + b"}"
            assert client.post(path, content=big).status_code == 413


# ------------------------------------------------------------------ webhooks
def test_every_webhook_route_refuses_an_unsigned_request(client: TestClient) -> None:
    app = client.app
    webhooks = [r for r in app.routes if isinstance(r, Route) and "webhook" in r.path]  # type: ignore[attr-defined]
    assert {r.path for r in webhooks} >= {"/line/webhook", "/telegram/webhook"}
    body = json.dumps({"destination": "U", "events": [line_event(1)], **tg_update(1)}).encode()
    for route in webhooks:
        for headers in (
            {},
            {"X-Line-Signature": "bm9wZQ=="},
            {"X-Telegram-Bot-Api-Secret-Token": "no"},
        ):
            res = client.post(route.path, content=body, headers=headers)
            assert res.status_code in (401, 403), (route.path, headers, res.status_code)
    assert client.app.state.store.count() == 0  # type: ignore[attr-defined]


# ------------------------------------------------------------------ staff
def staff_mount(client: TestClient) -> Mount:
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount) and route.path == "/staff":
            return route
    pytest.skip("no /staff mount in this app yet")


def _sample(param: re.Match[str]) -> str:
    """A plausible value for a path parameter, so the route itself is reached."""
    name, convertor = param.group(1), param.group(2)
    return "1" if convertor in ("int", "float") else "2026-01" if name == "month" else "x"


def test_no_staff_route_is_reachable_without_a_session(client: TestClient) -> None:
    mount = staff_mount(client)
    checked = 0
    for route in mount.routes:
        if not isinstance(route, Route) or route.path.startswith("/login"):
            continue
        path = "/staff" + re.sub(r"\{(\w+)(?::(\w+))?\}", _sample, route.path)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            res = client.request(method, path, follow_redirects=False)
            checked += 1
            redirected = res.status_code in (302, 303, 307) and "/staff/login" in res.headers.get(
                "location", ""
            )
            assert redirected or res.status_code in (401, 403), (method, path, res.status_code)
    assert checked >= 5


# ------------------------------------------------------------------ headers
def test_security_headers_on_chat_and_staff_pages(client: TestClient) -> None:
    paths = ["/", "/chat", "/healthz"]
    if any(isinstance(r, Mount) and r.path == "/staff" for r in client.app.routes):  # type: ignore[attr-defined]
        paths += ["/staff/login", "/staff/"]
    responses = [client.get(p, follow_redirects=False) for p in paths]
    responses.append(client.post("/api/chat", json={"text": "hi"}))
    for res in responses:
        h = res.headers
        assert h["x-content-type-options"] == "nosniff", res.url
        assert h["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "default-src 'self'" in h["content-security-policy"]
        assert h["referrer-policy"]
    cookie = responses[-1].headers.get("set-cookie", "")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


# ------------------------------------------------------------------ long text
def test_channels_pass_long_text_through_to_the_polite_limit(
    client: TestClient, platforms: Platforms, bot: Bot
) -> None:
    long = "ごみ " * 600  # 1,800 characters: over the core's 1,000
    too_long = {bot.t("too_long", lang) for lang in LANGS}
    assert post_line(client, line_event(1, long)).status_code == 200
    assert platforms.replies()[0]["messages"][0]["text"] in too_long
    assert post_tg(client, tg_update(1, long)).status_code == 200
    assert platforms.sends()[0]["text"] in too_long
    for text in (long, "x" * 50_000):
        res = client.post("/api/chat", json={"text": text})
        assert res.json()["replies"][0]["text"] in too_long


# ------------------------------------------------------------------ secrets
SECRETS = {
    "RESBOT_SECRET_KEY": "pseudonym-key-Zq8vW3xY",
}
LINE_USER = "U0123456789abcdef0123456789abcdef"
TG_USER = 987654321012


@pytest.fixture()
def drive_all(
    tmp_path: Path, bot: Bot, platforms: Platforms, caplog: pytest.LogCaptureFixture
) -> Iterator[tuple[Path, str]]:
    platforms.reset()
    caplog.set_level(logging.DEBUG)
    key = SECRETS["RESBOT_SECRET_KEY"]
    with running(tmp_path, bot, platforms, db="secret.sqlite3", secret_key=Secret(key)) as client:
        follow = {**line_event(1, user=LINE_USER), "type": "follow"}
        del follow["message"]
        post_line(client, follow)
        post_line(client, line_event(2, "what day is plastic collection", user=LINE_USER))
        postback = {**line_event(3, user=LINE_USER), "type": "postback"}
        postback["postback"] = {"data": "menu"}
        post_line(client, postback)
        platforms.line.fail_next.append(500)  # an error path logs too
        post_line(client, line_event(4, "hello", user=LINE_USER))
        start = tg_update(1, "/start", user=TG_USER)
        start["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
        post_tg(client, start)
        post_tg(client, tg_update(2, "ngay nao do rac nhua", user=TG_USER))
        platforms.telegram.fail_next.append(500)
        post_tg(client, tg_update(3, "hello", user=TG_USER))
        client.post("/api/chat", json={"start": True, "lang": "vi"})
        client.post("/api/chat", json={"text": "call me at 090-1234-5678"})
        yield tmp_path / "secret.sqlite3", caplog.records


def test_secrets_and_raw_user_ids_never_reach_the_logs_or_the_database(
    drive_all: tuple[Path, list[logging.LogRecord]], platforms: Platforms
) -> None:
    """Secrets: not even at DEBUG. Raw ids: not at INFO and up, what `resbot serve` logs
    (a library's DEBUG output may quote a request's parameters)."""
    db, records = drive_all
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logs = "\n".join(formatter.format(r) for r in records)
    served = "\n".join(formatter.format(r) for r in records if r.levelno >= logging.INFO)
    assert platforms.replies() and platforms.sends()  # everything was really driven
    secrets = [SECRETS["RESBOT_SECRET_KEY"], LINE_SECRET, LINE_TOKEN, TG_TOKEN, TG_SECRET]
    raw_ids = [LINE_USER, str(TG_USER)]
    # httpx logs every Bot API URL, token included: it was there, and it was masked.
    assert "/bot[secret]/sendMessage" in logs
    for value in secrets:
        assert value not in logs, f"a secret is in the logs: {value[:4]}..."
    for value in raw_ids:
        assert value not in served, f"a raw user id is in the logs: {value}"
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for value in [*secrets, *raw_ids, "1234-5678"]:
        assert value.encode() not in stored, f"{value[:6]}... is in the database"
