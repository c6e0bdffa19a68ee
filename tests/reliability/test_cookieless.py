"""Web chat calls without a session cookie: limited per client address, never counted
as residents, and purged when they do not come back. Real HTTP (uvicorn on loopback),
the real SQLite file, the real KPI report.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.analytics import Month, build_report
from bot.channels.webchat import COOKIE, sign_sid
from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.retention import purge_sessions
from bot.storage import Store
from bot.web.app import create_app
from tests.fakes import Served

BURST = 20
CALLS = 1500


@pytest.fixture()
def served(tmp_path: Path, bot: Bot) -> Iterator[tuple[str, Store]]:
    settings = load_settings(
        env_file=None,
        db_path=tmp_path / "web.sqlite3",
        new_chat_burst=BURST,
        new_chat_per_minute=0.0001,  # no refill during the test: the counts are exact
        trusted_proxies="127.0.0.1",  # the test client plays the reverse proxy
    )
    app = create_app(settings, bot)
    with Served(app) as server:
        yield server.url, app.state.store


def counts(store: Store) -> dict[str, int]:
    return {
        t: store.count(f"select count(*) as n from {t}")
        for t in ("interactions", "sessions", "users")
    }


def ask(http: httpx.Client, url: str, client: str, **kw: Any) -> httpx.Response:
    """One call from `client` (behind the proxy); a cookie only when given in headers."""
    http.cookies.clear()  # httpx keeps Set-Cookie: a script without cookies does not
    headers = {
        "X-Forwarded-For": client,
        "Accept-Language": "pt-BR,pt;q=0.9",
        **kw.pop("headers", {}),
    }
    return http.post(f"{url}/api/chat", json=kw or {"text": "dia do lixo"}, headers=headers)


def test_1500_calls_without_a_cookie_create_exactly_the_burst(
    served: tuple[str, Store], bot: Bot
) -> None:
    url, store = served
    started = time.perf_counter()
    with httpx.Client(timeout=30) as http:
        answers = [ask(http, url, "203.0.113.5") for _ in range(CALLS)]
    took = time.perf_counter() - started
    assert Counter(r.status_code for r in answers) == {200: BURST, 429: CALLS - BURST}
    assert [r.status_code for r in answers[:BURST]] == [200] * BURST  # the first ones served
    refused = answers[-1]
    assert refused.headers["retry-after"] == "60" and COOKIE not in refused.cookies
    body = refused.json()  # the chat page shows it like any reply
    assert body["replies"][0]["text"] == bot.t("slow_down", "pt") and body["lang"] == "pt"
    # Exactly one log row, one session and one user per served call; nothing else.
    assert counts(store) == {"interactions": BURST, "sessions": BURST, "users": BURST}
    print(f"{CALLS} cookieless calls in {took:.1f} s: {BURST} served, {CALLS - BURST} got 429")


def test_the_limit_is_per_client_address_and_a_cookie_is_not_limited(
    served: tuple[str, Store],
) -> None:
    url, store = served
    with httpx.Client(timeout=30) as http:
        first = ask(http, url, "203.0.113.7", start=True, lang="en")
        sid = first.cookies[COOKIE]  # a resident's browser, before the flood
        for _ in range(BURST + 5):
            ask(http, url, "203.0.113.7")
        assert ask(http, url, "203.0.113.7").status_code == 429
        # The resident behind the same address keeps talking with the cookie.
        again = ask(http, url, "203.0.113.7", headers={"Cookie": f"{COOKIE}={sid}"})
        assert again.status_code == 200 and again.json()["outcome"] != "ignored"
        # A made-up (unsigned) cookie is no cookie: limited like none.
        forged = ask(http, url, "203.0.113.7", headers={"Cookie": f"{COOKIE}={'a' * 24}"})
        assert forged.status_code == 429
        # Another client behind the proxy has its own allowance.
        assert ask(http, url, "198.51.100.9").status_code == 200
    # The resident's first call took one of the address's BURST; the other client 1.
    assert counts(store)["sessions"] == BURST + 1


def test_one_shot_calls_are_not_unique_users_and_are_purged(served: tuple[str, Store]) -> None:
    url, store = served
    with httpx.Client(timeout=30) as http:
        for n in range(5):  # a script without cookies: one question each
            assert ask(http, url, f"192.0.2.{n}").status_code == 200
        opened = ask(http, url, "192.0.2.100", start=True)  # the chat page opens...
        sid = opened.cookies[COOKIE]
        for text in ("dia do lixo", "hospital"):  # ...and the resident asks, with the cookie
            res = ask(http, url, "192.0.2.100", text=text, headers={"Cookie": f"{COOKIE}={sid}"})
            assert res.status_code == 200
    now = datetime.now(UTC)
    month = build_report(store.db, Month.of(now)).months[str(Month.of(now))]
    assert month.questions == 7 and month.unique_users == 1
    assert month.new_followers == 1  # the resident's chat opening, counted once
    assert counts(store) == {"interactions": 8, "sessions": 6, "users": 6}
    assert purge_sessions(store, now) == 0  # a day's grace: they might still come back
    assert purge_sessions(store, now + timedelta(days=2)) == 5
    assert counts(store) == {"interactions": 8, "sessions": 1, "users": 1}  # log rows stay
    month = build_report(store.db, Month.of(now)).months[str(Month.of(now))]
    assert month.questions == 7 and month.unique_users == 1  # the report is unchanged
    assert purge_sessions(store, now + timedelta(days=181)) == 1  # its cookie has expired
    assert counts(store) == {"interactions": 8, "sessions": 0, "users": 0}


def test_a_signed_session_id_is_checked() -> None:
    secret = b"k" * 32
    sid = sign_sid(secret, "token-abc")
    assert sid.startswith("token-abc.") and sign_sid(secret, "token-abc") == sid
    assert sign_sid(b"other", "token-abc") != sid
