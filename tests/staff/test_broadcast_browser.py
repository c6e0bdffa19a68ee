"""A broadcast from the staff pages in real Chromium (Debian's package, driven by
Playwright), delivered through the real senders to fake LINE and Telegram APIs.

Twenty residents subscribe to disaster alerts through the service (as the
webhooks call it), in seven languages on both platforms. An editor picks the
"shelter opened" template, fills the place, previews it in Tagalog, saves the
draft and test-sends it to a staff Telegram account; an admin sends it; the
status page counts up to 20 sent, and each resident got exactly one message, in
their own language. Saves var/screenshots/staff-broadcast.png (the preview) and
staff-broadcast-status.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.core.langs import LANGS
from bot.core.types import Incoming
from bot.notify.broadcast import Broadcasts
from bot.service import Service
from bot.staff.roles import Role
from bot.web.app import create_app
from tests.fakes import FakeApi, Served, line_app, telegram_app
from tests.notify.conftest import TG_TOKEN, Fakes
from tests.web.test_webchat_browser import ARGS, CHROMIUM, SHOTS

from .conftest import PASSWORD, staff_of
from .test_staff_browser import log_in

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")

PLACE = "東小学校 体育館"
STAFF_CHAT = "555000111"  # the staff member's own Telegram chat
RESIDENTS = 20


@pytest.fixture()
def fakes() -> Iterator[Fakes]:
    line, tg = FakeApi(), FakeApi()
    with Served(line_app(line)) as ls, Served(telegram_app(tg)) as ts:
        yield Fakes(line, ls.url, tg, ts.url)


@pytest.fixture()
def platform_app(
    tmp_path: Path,
    knowledge: Path,
    copied_bot: Bot,
    fakes: Fakes,
    monkeypatch: pytest.MonkeyPatch,
) -> Starlette:
    """The whole server with LINE and Telegram pointed at the fakes."""
    monkeypatch.setenv("RESBOT_NOTIFY_INTERVAL", "30")  # the loop runs; `wake()` makes it prompt
    monkeypatch.setenv("RESBOT_TELEGRAM_CHAT_INTERVAL", "0.05")
    settings = load_settings(
        env_file=None,
        db_path=tmp_path / "broadcast.sqlite3",
        knowledge=knowledge,
        line_channel_secret="line-secret",
        line_access_token="test-access-token",
        line_api_base=fakes.line_url,
        telegram_token=TG_TOKEN,
        telegram_secret_token="tg-secret",
        telegram_api_base=f"{fakes.tg_url}/bot",
    )
    app = create_app(settings, copied_bot)
    staff = staff_of(app)
    staff.accounts.add("hanako", Role.editor, PASSWORD)
    staff.accounts.add("ada", Role.admin, PASSWORD)
    return app


def resident(service: Service, channel: str, user: str, lang: str, kind: str) -> None:
    """A resident picks a language and taps "get disaster alerts", as a webhook passes it."""
    for n, data in enumerate((f"lang:{lang}", f"sub:on:{kind}")):
        incoming = Incoming(kind="postback", text=data)
        assert service.handle(channel, user, incoming, f"{channel}:{user}:{n}") is not None


def address(i: int) -> tuple[str, str]:
    return ("line", f"U{i:032x}") if i % 2 == 0 else ("telegram", str(800_000_000 + i))


def test_compose_preview_test_send_and_send_to_twenty_residents(
    platform_app: Starlette, fakes: Fakes
) -> None:
    from playwright.sync_api import expect, sync_playwright

    service: Service = platform_app.state.service
    langs: dict[str, str] = {}
    for i in range(RESIDENTS):
        channel, user = address(i)
        langs[user] = LANGS[i % len(LANGS)]
        resident(service, channel, user, langs[user], "disaster")
    resident(service, "telegram", "800000999", "vi", "events")  # not a disaster subscriber
    api = Broadcasts(staff_of(platform_app).store, service.bot.kb)
    expected = {x: api.preview("shelter_open", {"place": PLACE}, x) for x in LANGS}
    dialogs: list[str] = []

    with Served(platform_app) as server, sync_playwright() as p:
        url = server.url
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = log_in(browser, url, "hanako", dialogs)

        # The editor picks the template (the page opens its form), fills the place.
        page.get_by_role("link", name="お知らせ配信 Broadcasts").click()
        page.get_by_label("1. テンプレート / Template").select_option("shelter_open")
        page.wait_for_url("**/staff/broadcasts?template=shelter_open")
        page.get_by_label("place").fill(PLACE)
        page.get_by_role("button", name="プレビュー / Preview").click()
        expect(page.locator('[data-audience="total"]')).to_have_text(str(RESIDENTS))
        expect(page.locator('[data-audience="tl"]')).to_have_text("3")  # i = 4, 11, 18

        # Preview in Tagalog (switched in the page), then the Japanese with furigana.
        page.get_by_role("tab", name="Tagalog").click()
        tagalog = page.locator("#pv-tl")
        expect(tagalog).to_be_visible()
        expect(tagalog).to_contain_text("Bukas na ang evacuation center")
        expect(tagalog).to_contain_text(f"Lugar: {PLACE}")
        expect(page.locator("#pv-ja")).to_be_hidden()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "staff-broadcast.png"), full_page=True)
        page.get_by_role("tab", name="やさしい日本語").click()
        expect(page.locator("#pv-ja")).to_contain_text("避難所(ひなんじょ)")
        page.get_by_role("tab", name="Tagalog").click()

        # Save the draft: its page keeps Tagalog, and the test-send defaults to it.
        page.get_by_role("button", name="下書きを保存 / Save draft").click()
        expect(page.locator(".flash")).to_contain_text("saved")
        draft_url = page.url.split("?")[0]
        expect(page.locator("#pv-tl")).to_be_visible()
        expect(page.locator(".card.send")).to_contain_text("Only an admin can send")
        page.get_by_label("送り先 / Your staff account").fill(f"telegram:{STAFF_CHAT}")
        expect(page.get_by_label("言語 / Language")).to_have_value("tl")
        page.get_by_role("button", name="テスト送信 / Test-send").click()
        expect(page.locator(".flash")).to_contain_text(f"Test sent to telegram:{STAFF_CHAT}")
        tests = fakes.received()
        assert tests == {STAFF_CHAT: [expected["tl"]]}  # one message, in Tagalog; nobody else

        # An admin opens the tested draft and sends it to everyone.
        admin = log_in(browser, url, "ada", dialogs)
        admin.goto(draft_url)
        expect(admin.locator(".facts")).to_contain_text("hanako")
        admin.get_by_label("7つの 言語の プレビューを 確認しました").check()
        admin.get_by_role("button", name=f"送信 / Send to {RESIDENTS} subscriber(s)").click()
        expect(admin.locator(".flash")).to_contain_text(f"to {RESIDENTS} subscriber(s)")
        # The page polls the status until nothing is pending.
        expect(admin.locator('[data-count="sent"]')).to_have_text(str(RESIDENTS), timeout=30_000)
        expect(admin.locator('[data-field="state"]')).to_have_text("done", timeout=10_000)
        expect(admin.locator('[data-count="failed"]')).to_have_text("0")
        expect(admin.locator('[data-count="pending"]')).to_have_text("0")
        admin.screenshot(path=str(SHOTS / "staff-broadcast-status.png"), full_page=True)

        # The list says who created and who sent it.
        admin.goto(url + "/staff/broadcasts")
        row = admin.locator("section.recent tbody tr").first
        expect(row).to_contain_text("hanako")
        expect(row).to_contain_text("ada")
        expect(row).to_contain_text(f"{RESIDENTS} / 0 / 0 / 0")
        browser.close()

    received = fakes.received()
    got: dict[str, Any] = {user: received.get(user) for user in langs}
    assert got == {user: [expected[lang]] for user, lang in langs.items()}
    assert "800000999" not in received  # subscribed to events only
    assert received[STAFF_CHAT] == [expected["tl"]]  # the test, and nothing more
    assert dialogs == []
