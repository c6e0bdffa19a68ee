"""Issue 17 end to end over HTTP on a real server (uvicorn, real SQLite, real senders
to fake LINE and Telegram APIs): staff search the imported Hachioji list (the real
GSI rows of ../shared), pick two shelters for "shelter opened", an admin sends it;
Vietnamese and Portuguese subscribers get both sites with their addresses; residents
asking "which shelters are open?" in seven languages (web chat API) get those two;
closing one from the staff page removes it from the answers."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.core.types import Incoming
from bot.service import Service
from bot.shelters import store as site_store
from bot.shelters.gsi_csv import parse_file
from bot.staff.roles import Role
from bot.web.app import create_app
from tests.conftest import shared_path
from tests.fakes import FakeApi, Served, line_app, telegram_app
from tests.notify.conftest import TG_TOKEN, Fakes

from .conftest import PASSWORD, csrf, staff_of

ASKED = {
    "ja": "避難所は開いていますか",
    "vi": "nơi sơ tán nào đang mở",
    "pt": "quais abrigos estão abertos",
    "es": "qué albergues están abiertos",
    "tl": "anong evacuation center ang bukas",
    "en": "which shelters are open",
    "zh": "哪些避难所开放了",
}
YOKOKAWA = ("横川小学校", "東京都八王子市横川町305")
KIMITA = ("みなみ野君田小学校", "東京都八王子市みなみ野4-3-1")


@pytest.fixture()
def fakes() -> Iterator[Fakes]:
    line, tg = FakeApi(), FakeApi()
    with Served(line_app(line)) as ls, Served(telegram_app(tg)) as ts:
        yield Fakes(line, ls.url, tg, ts.url)


@pytest.fixture()
def hachioji(knowledge: Path) -> Path:
    """The copied knowledge with Hachioji's sites imported (as `resbot shelters import`)."""
    folder = shared_path("fixtures", "shelters", "hachioji")
    files = [folder / "emergency-sites.csv", folder / "shelters.csv"]
    sites = [s for f in files for s in parse_file(f).sites]
    site_store.save(knowledge, sites, [f.name for f in files], date(2026, 12, 1))
    return knowledge


@pytest.fixture()
def server_app(
    tmp_path: Path, hachioji: Path, copied_bot: Bot, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> Starlette:
    monkeypatch.setenv("RESBOT_NOTIFY_INTERVAL", "30")  # the loop runs; sending wakes it
    monkeypatch.setenv("RESBOT_TELEGRAM_CHAT_INTERVAL", "0.05")
    settings = load_settings(
        env_file=None,
        db_path=tmp_path / "shelters.sqlite3",
        knowledge=hachioji,
        line_channel_secret="line-secret",
        line_access_token="test-access-token",
        line_api_base=fakes.line_url,
        telegram_token=TG_TOKEN,
        telegram_secret_token="tg-secret",
        telegram_api_base=f"{fakes.tg_url}/bot",
    )
    app = create_app(settings, copied_bot)
    staff_of(app).accounts.add("eddie", Role.editor, PASSWORD)
    staff_of(app).accounts.add("ada", Role.admin, PASSWORD)
    return app


def log_in(url: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, follow_redirects=True, timeout=30)
    token = csrf(client.get("/staff/login").text)
    res = client.post("/staff/login", data={"name": name, "password": PASSWORD, "csrf": token})
    assert res.status_code == 200 and "/staff/login" not in str(res.url), res.text[:300]
    return client, csrf(res.text)


def checkbox(html: str, site: tuple[str, str]) -> str:
    """The id of the checkbox offering this site as a designated shelter (指定避難所;
    the same school is often an emergency site too, a separate row)."""
    label = f"{site[0]} <small>{site[1]} · 指定避難所 / shelter</small>"
    found = re.search(r'name="sites" value="([^"]+)"[^>]*> ' + re.escape(label), html)
    assert found, f"{site} is not offered"
    return found.group(1)


def ask(url: str, text: str) -> dict[str, object]:
    with httpx.Client(base_url=url, timeout=30) as resident:  # a new resident each time
        res = resident.post("/api/chat", json={"text": text})
    assert res.status_code == 200, res.text
    data: dict[str, object] = res.json()
    return data


def reply_text(data: dict[str, object]) -> str:
    replies = data["replies"]
    assert isinstance(replies, list)
    return "\n".join(str(r["text"]) for r in replies)


def test_staff_open_two_hachioji_shelters_residents_ask_staff_close_one(
    server_app: Starlette, fakes: Fakes
) -> None:
    service: Service = server_app.state.service
    subscribers = {"vi": ("telegram", "800000001"), "pt": ("line", "U" + "0" * 31 + "2")}
    for lang, (channel, user) in subscribers.items():
        for n, tap in enumerate((f"lang:{lang}", "sub:on:disaster")):
            assert service.handle(channel, user, Incoming("postback", tap), f"{user}:{n}")

    with Served(server_app) as server:
        editor, token = log_in(server.url, "eddie")
        form = {"csrf": token, "template": "shelter_open", "kind": "disaster", "p_place": ""}

        # The search endpoint the picker calls, and the same search as a plain form.
        found = editor.get("/staff/shelters/search", params={"q": "横川町"}).json()
        assert found["imported"] == 284  # 150 emergency sites + 134 shelters
        hits = {(s["name"], s["address"], s["kind"]) for s in found["sites"]}
        assert (*YOKOKAWA, "shelter") in hits and (*YOKOKAWA, "emergency") in hits
        page = editor.get("/staff/broadcasts", params={"template": "shelter_open"}).text
        assert 'id="site-picker"' in page and "284 sites" in page
        listed = editor.post(
            "/staff/broadcasts/preview", data={**form, "site_q": "横川町", "search": "1"}
        )
        assert listed.status_code == 200
        yokokawa = checkbox(listed.text, YOKOKAWA)
        # Searching again keeps the site already ticked, and offers the next one.
        again = editor.post(
            "/staff/broadcasts/preview",
            data={**form, "sites": [yokokawa], "site_q": "君田", "search": "1"},
        ).text
        assert f'value="{yokokawa}" checked' in again
        kimita = checkbox(again, KIMITA)
        assert yokokawa.endswith("111") and kimita.endswith("111")  # 指定避難所 rows

        draft = editor.post(
            "/staff/broadcasts",
            data={**form, "sites": [yokokawa, kimita], "disaster": "flood", "lang": "vi"},
        )
        assert draft.status_code == 200, draft.text[:500]
        bid = int(re.findall(r"/staff/broadcasts/(\d+)", str(draft.url))[0])
        assert 'id="bc-sites"' in draft.text and "marked open when it is sent" in draft.text
        # Nothing is open before it is sent.
        assert YOKOKAWA[0] not in reply_text(ask(server.url, ASKED["en"]))

        admin, admin_token = log_in(server.url, "ada")
        sent = admin.post(f"/staff/broadcasts/{bid}/send", data={"csrf": admin_token,
                                                                 "confirm": "yes"})  # fmt: skip
        assert sent.status_code == 200 and "subscriber(s)" in sent.text
        deadline = time.monotonic() + 30
        while (status := admin.get(f"/staff/broadcasts/{bid}/status").json())["state"] != "done":
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert (status["sent"], status["failed"], status["disaster"]) == (2, 0, "flood")

        received = fakes.received()
        vi, pt = received[subscribers["vi"][1]], received[subscribers["pt"][1]]
        assert len(vi) == len(pt) == 1
        assert "Đã mở nơi sơ tán" in vi[0] and "Abrigo aberto" in pt[0]
        for name, address in (YOKOKAWA, KIMITA):
            assert f"• {name} (nơi sơ tán 避難所)\nĐịa chỉ: {address}" in vi[0]
            assert f"• {name} (abrigo 避難所)\nEndereço: {address}" in pt[0]

        # Every language asks which shelters are open, and gets the two.
        for lang, question in ASKED.items():
            answer = ask(server.url, question)
            text = reply_text(answer)
            assert answer["lang"] == lang and answer["topic"] == "disaster.shelter", (lang, answer)
            for name, address in (YOKOKAWA, KIMITA):
                assert name in text and address in text, (lang, text)

        # The staff pages show them open; an editor closes Yokokawa from the list.
        compose = editor.get("/staff/broadcasts").text
        assert 'id="open-now"' in compose and "ada" in compose
        closed = editor.post(
            f"/staff/shelters/{yokokawa}/close", data={"csrf": token, "next": f"/broadcasts/{bid}"}
        )
        assert closed.status_code == 200 and str(closed.url).endswith(f"/staff/broadcasts/{bid}")
        assert "closed" in closed.text and "eddie" in closed.text
        for lang, question in ASKED.items():
            text = reply_text(ask(server.url, question))
            assert KIMITA[0] in text and YOKOKAWA[0] not in text, (lang, text)
        editor.close()
        admin.close()


def test_the_site_picker_searches_while_typing_in_chromium(server_app: Starlette) -> None:
    """The small input asks the search endpoint as staff type; ticked sites stay
    picked through the next search, and the preview lists them."""
    from playwright.sync_api import expect, sync_playwright

    from tests.web.test_webchat_browser import ARGS, CHROMIUM

    from .test_staff_browser import log_in as browser_log_in

    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    dialogs: list[str] = []
    with Served(server_app) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser_log_in(browser, server.url, "eddie", dialogs)
        page.goto(server.url + "/staff/broadcasts?template=shelter_open")
        search = page.get_by_label("名前・住所で さがす / Search by name or address")
        search.fill("横川町")
        found = page.locator("#sites-found")
        yokokawa = found.get_by_role("checkbox", name=f"{YOKOKAWA[0]} {YOKOKAWA[1]} · 指定避難所")
        expect(yokokawa).to_be_visible()
        yokokawa.check()
        search.fill("君田")
        search.press("Enter")  # searches in place: the page does not post the form
        kimita = found.get_by_role("checkbox", name=f"{KIMITA[0]} {KIMITA[1]} · 指定避難所")
        expect(kimita).to_be_visible()
        kimita.check()
        picked = page.locator("#sites-picked input:checked")
        expect(picked).to_have_count(2)
        search.fill("ない場所ですよ")
        expect(found).to_contain_text("No site matches")
        expect(picked).to_have_count(2)
        page.get_by_role("button", name="プレビュー / Preview").click()
        page.get_by_role("tab", name="Tiếng Việt").click()
        preview = page.locator("#pv-vi")
        for name, address in (YOKOKAWA, KIMITA):
            expect(preview).to_contain_text(f"{name} (nơi sơ tán 避難所)")
            expect(preview).to_contain_text(f"Địa chỉ: {address}")
        expect(page.locator("#sites-picked input:checked")).to_have_count(2)  # kept
        browser.close()
    assert dialogs == []
