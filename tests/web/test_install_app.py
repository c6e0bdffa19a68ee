"""Two cities in one install (bot.install, bot.web.install): each city's residents
get their own city's answers and garbage dates on the web chat, LINE and Telegram;
a staff account of one city gets 403 on the other's pages; the cities' KPI add up
to the install's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.analytics.install import install_report
from bot.analytics.periods import Month, Period
from bot.install import add_city, install_db, load_cities
from bot.staff.accounts import Accounts
from bot.staff.ratelimit import MAX_FAILURES, LoginLimiter
from bot.staff.roles import Role
from bot.storage import Store
from bot.web.install import create_install_app
from tests.conftest import REPO
from tests.fakes import FakeApi, Served, line_app, telegram_app
from tests.pg import Cluster

PASSWORD = "correct horse battery"
QUESTION = "東町１丁目の燃えるごみは何曜日ですか"
# The shipped calendar collects burnable garbage in 東町１丁目 on Mon/Thu; the
# second city's copy is changed to Tue/Fri: each city must answer from its own.
DAYS = {"aoba": ("月曜日", "火曜日"), "sakura": ("火曜日", "月曜日")}  # (own, other's)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def secrets(city: str) -> dict[str, str]:
    return {
        "LINE_CHANNEL_SECRET": f"line-secret-{city}",
        "LINE_CHANNEL_ACCESS_TOKEN": f"line-token-{city}",
        "TELEGRAM_BOT_TOKEN": f"{len(city)}00:TOKEN-{city}",
        "TELEGRAM_SECRET_TOKEN": f"tg-secret-{city}",
    }


@pytest.fixture(scope="module")
def fake_apis() -> Iterator[tuple[FakeApi, str, FakeApi, str]]:
    line, tg = FakeApi(), FakeApi()
    with Served(line_app(line)) as ls, Served(telegram_app(tg)) as ts:
        yield line, ls.url, tg, ts.url


@pytest.fixture()
def install(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_apis: tuple[FakeApi, str, FakeApi, str],
) -> Iterator[TestClient]:
    line, line_url, tg, tg_url = fake_apis
    line.clear()
    tg.clear()
    monkeypatch.chdir(tmp_path)  # var/install.sqlite3 and var/cities/ go here
    monkeypatch.delenv("RESBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("RESBOT_CITIES", str(tmp_path / "cities.yaml"))
    monkeypatch.setenv("LINE_API_BASE", line_url)
    monkeypatch.setenv("TELEGRAM_API_BASE", f"{tg_url}/bot")
    for cid in DAYS:
        for name, value in secrets(cid).items():
            monkeypatch.setenv(f"CITY_{cid.upper()}_{name}", value)
    add_city("aoba", "青葉市 / Aoba (example)", REPO / "knowledge")
    city = add_city("sakura", "桜市 / Sakura (example)", REPO / "knowledge")
    days = city.knowledge / "garbage" / "area_days.csv"
    text = days.read_text(encoding="utf-8")
    assert "東町１丁目,センターA,月 木," in text
    days.write_text(text.replace("東町１丁目,センターA,月 木,", "東町１丁目,センターA,火 金,"))
    accounts = Accounts(Store(install_db()))
    accounts.add("aoba-admin", Role.admin, PASSWORD, cities="aoba")
    accounts.add("sakura-admin", Role.admin, PASSWORD, cities="sakura")
    accounts.add("pref", Role.admin, PASSWORD)  # the install's: every city
    app = create_install_app(load_cities())
    with TestClient(app) as client:
        yield client


def settle(client: TestClient) -> None:
    deadline = time.monotonic() + 30
    for city_app in client.app.state.cities.values():  # type: ignore[attr-defined]
        while any(ch.background.tasks for ch in city_app.state.channels):
            assert time.monotonic() < deadline, "background replies still running"
            time.sleep(0.01)


def line_event(n: int, user: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": 1_764_000_000_000 + n,
        "source": {"type": "user", "userId": user},
        "webhookEventId": f"01INSTALLTEST{n:06d}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"reply-token-{n}",
        "message": {"type": "text", "id": str(n), "quoteToken": "q", "text": text},
    }


def post_line(client: TestClient, city: str, event: dict[str, Any], secret: str) -> Any:
    body = json.dumps({"destination": "U0", "events": [event]}).encode()
    res = client.post(
        f"/c/{city}/line/webhook", content=body, headers={"X-Line-Signature": sign(body, secret)}
    )
    settle(client)
    return res


def tg_update(n: int, user: int, text: str) -> dict[str, Any]:
    who = {"id": user, "is_bot": False, "first_name": "Lan", "language_code": "ja"}
    return {
        "update_id": 500_000 + n,
        "message": {
            "message_id": n,
            "date": 1_764_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Lan"},
            "from": who,
            "text": text,
        },
    }


def post_tg(client: TestClient, city: str, update: dict[str, Any], secret: str) -> Any:
    res = client.post(
        f"/c/{city}/telegram/webhook",
        content=json.dumps(update).encode(),
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )
    settle(client)
    return res


def texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_web_chat_answers_each_city_from_its_own_garbage_calendar(install: TestClient) -> None:
    for city, (own, other) in DAYS.items():
        page = install.get(f"/c/{city}/")
        assert page.status_code == 200
        assert f'data-api="/c/{city}/api/chat"' in page.text
        res = install.post(f"/c/{city}/api/chat", json={"text": QUESTION})
        assert res.status_code == 200
        assert res.cookies, "a new web chat gets its session cookie"
        reply = texts(res.json()["replies"])
        assert own in reply and other not in reply, (city, reply)
    listing = install.get("/")
    assert "/c/aoba/" in listing.text and "/c/sakura/" in listing.text


def test_line_and_telegram_are_routed_by_the_channel_written_to(
    install: TestClient, fake_apis: tuple[FakeApi, str, FakeApi, str]
) -> None:
    line, _, tg, _ = fake_apis
    for n, (city, (own, other)) in enumerate(DAYS.items()):
        keys = secrets(city)
        event = line_event(n, f"U{n:032d}", QUESTION)
        assert post_line(install, city, event, keys["LINE_CHANNEL_SECRET"]).status_code == 200
        sent = [
            c
            for c in line.of("/v2/bot/message/reply")
            if c.body["replyToken"] == f"reply-token-{n}"
        ]
        assert len(sent) == 1
        assert sent[0].headers["authorization"] == f"Bearer {keys['LINE_CHANNEL_ACCESS_TOKEN']}"
        assert own in texts(sent[0].body) and other not in texts(sent[0].body)
        update = tg_update(n, 7_000 + n, QUESTION)
        assert post_tg(install, city, update, keys["TELEGRAM_SECRET_TOKEN"]).status_code == 200
        mine = [c for c in tg.of("/sendMessage") if keys["TELEGRAM_BOT_TOKEN"] in c.path]
        assert mine, city
        sent_text = texts([c.body for c in mine])
        assert own in sent_text and other not in sent_text, (city, sent_text)


def test_one_citys_secrets_are_refused_by_the_other(install: TestClient) -> None:
    aoba = secrets("aoba")
    event = line_event(90, "U" + "9" * 32, QUESTION)
    assert post_line(install, "sakura", event, aoba["LINE_CHANNEL_SECRET"]).status_code == 401
    update = tg_update(90, 9_090, QUESTION)
    assert post_tg(install, "sakura", update, aoba["TELEGRAM_SECRET_TOKEN"]).status_code == 403


def login(client: TestClient, city: str, name: str) -> Any:
    form = client.get(f"/c/{city}/staff/login")
    token = _CSRF.search(form.text)
    assert token, form.text[:300]
    return client.post(
        f"/c/{city}/staff/login",
        data={"name": name, "password": PASSWORD, "csrf": token.group(1)},
    )


def test_staff_of_one_city_get_403_on_the_others_pages(install: TestClient) -> None:
    assert login(install, "aoba", "aoba-admin").status_code == 200
    assert install.get("/c/aoba/staff/dashboard").status_code == 200
    for page in ("/", "/dashboard", "/entries", "/admin/users", "/queue"):
        res = install.get(f"/c/sakura/staff{page}", follow_redirects=False)
        assert res.status_code == 403, (page, res.status_code)
        assert "another city" in res.text
    # Logging in on the other city's form does not open it either.
    install.cookies.clear()
    assert login(install, "sakura", "aoba-admin").status_code == 403
    assert install.get("/c/sakura/staff/dashboard", follow_redirects=False).status_code != 200


def test_a_city_admin_sees_and_manages_only_its_own_accounts(install: TestClient) -> None:
    limiter = LoginLimiter(Store(install_db()))
    for _ in range(MAX_FAILURES):  # sakura's admin, and a guessed name, locked out
        limiter.failed("sakura-admin", "192.0.2.7")
        limiter.failed("nobody-here", "192.0.2.8")
    login(install, "aoba", "aoba-admin")
    users = install.get("/c/aoba/staff/admin/users").text
    assert "aoba-admin" in users
    assert "sakura-admin" not in users and "pref" not in users
    assert "nobody-here" in users  # a guessed name's lock is everyone's business
    token = _CSRF.search(users)
    assert token
    res = install.post(
        "/c/aoba/staff/admin/users/sakura-admin",
        data={"action": "disable", "csrf": token.group(1)},
    )
    assert res.status_code == 404
    assert Accounts(Store(install_db())).get("sakura-admin").active  # type: ignore[union-attr]


def test_the_install_admin_opens_every_city(install: TestClient) -> None:
    assert login(install, "aoba", "pref").status_code == 200
    for city in DAYS:
        assert install.get(f"/c/{city}/staff/dashboard").status_code == 200


def test_city_reports_add_up_to_the_install_report(
    install: TestClient, fake_apis: tuple[FakeApi, str, FakeApi, str]
) -> None:
    # Web chats, LINE users, and one Telegram account that writes to both cities'
    # bots: one person for the install, one user of each city.
    for city in DAYS:
        for _ in range(2):
            web = TestClient(install.app)
            web.post(f"/c/{city}/api/chat", json={"text": QUESTION})
            web.post(f"/c/{city}/api/chat", json={"text": "ありがとう"})
    for n, city in enumerate(["aoba", "aoba", "sakura"]):
        event = line_event(200 + n, f"U{200 + n:032d}", QUESTION)
        post_line(install, city, event, secrets(city)["LINE_CHANNEL_SECRET"])
    for n, city in enumerate(DAYS):
        update = tg_update(300 + n, 4242, QUESTION)
        post_tg(install, city, update, secrets(city)["TELEGRAM_SECRET_TOKEN"])
    cities = load_cities()
    apps = install.app.state.cities  # type: ignore[attr-defined]
    month = Month.of(datetime.now(UTC), "Asia/Tokyo")
    report = install_report(
        {c.id: apps[c.id].state.store.db for c in cities},
        {c.id: c.name for c in cities},
        Period(month, month, "Asia/Tokyo"),
    )
    aoba, sakura, total = report.cities["aoba"], report.cities["sakura"], report.total
    assert aoba.questions > 0 and sakura.questions > 0
    assert total.questions == aoba.questions + sakura.questions
    assert total.answered == aoba.answered + sakura.answered
    assert total.by_channel == aoba.by_channel + sakura.by_channel
    assert total.by_lang == aoba.by_lang + sakura.by_lang
    # The Telegram account counts in each city and once for the install.
    assert total.unique_users == aoba.unique_users + sakura.unique_users - 1
    assert aoba.by_channel["telegram"] == 1 and sakura.by_channel["telegram"] == 1


def test_healthz_covers_every_city(install: TestClient) -> None:
    res = install.get("/healthz")
    assert res.status_code == 200
    assert res.json()["cities"] == {"aoba": "ok", "sakura": "ok"}


def test_two_cities_on_one_postgresql_answer_and_log_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_cluster: Cluster
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESBOT_DATABASE_URL", pg_cluster.new_database())
    monkeypatch.setenv("RESBOT_CITIES", str(tmp_path / "cities.yaml"))
    add_city("aoba", "青葉市", REPO / "knowledge")
    sakura = add_city("sakura", "桜市", REPO / "knowledge")
    days = sakura.knowledge / "garbage" / "area_days.csv"
    text = days.read_text(encoding="utf-8")
    days.write_text(text.replace("東町１丁目,センターA,月 木,", "東町１丁目,センターA,火 金,"))
    Accounts(Store(install_db())).add("aoba-admin", Role.admin, PASSWORD, cities="aoba")
    with TestClient(create_install_app(load_cities())) as client:
        for city, (own, other) in DAYS.items():
            for _ in range(1 if city == "aoba" else 2):
                web = TestClient(client.app)
                reply = texts(web.post(f"/c/{city}/api/chat", json={"text": QUESTION}).json())
                assert own in reply and other not in reply, (city, reply)
        assert client.get("/healthz").json()["cities"] == {"aoba": "ok", "sakura": "ok"}
        assert login(client, "aoba", "aoba-admin").status_code == 200
        assert client.get("/c/sakura/staff/dashboard").status_code == 403
        apps = client.app.state.cities  # type: ignore[attr-defined]
        counts = {
            cid: next(iter(app.state.store.db.query("select count(*) as n from interactions")))["n"]
            for cid, app in apps.items()
        }
    assert counts["aoba"] > 0 and counts["sakura"] > counts["aoba"]
