"""The web chat in real Chromium (Debian's package, driven by Playwright).

Asks in Vietnamese, taps a button, switches language, and saves a screenshot to
var/screenshots/webchat.png. Skips with a reason when Chromium is not installed
(.ci/run installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.fakes import Served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")


@pytest.fixture()
def server(tmp_path: Path, bot: Bot) -> Iterator[str]:
    settings = load_settings(env_file=None, db_path=tmp_path / "web.sqlite3")
    with Served(create_app(settings, bot)) as served:  # type: ignore[arg-type]
        yield served.url


def test_ask_in_vietnamese_tap_a_button_and_switch_language(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="vi-VN", viewport={"width": 390, "height": 844})
        page.goto(server + "/")
        bot_messages = page.locator(".msg.bot")
        expect(bot_messages.first).to_contain_text("Xin chào")  # welcome in the browser's language
        expect(page.locator("#lang")).to_have_value("vi")

        page.get_by_label("Your question").fill("dong dat thi lam gi")
        page.keyboard.press("Enter")
        expect(page.locator(".msg.me").last).to_have_text("dong dat thi lam gi")
        expect(bot_messages).to_have_count(3)  # welcome, language menu, the answer
        answer = bot_messages.last.inner_text()
        assert "động đất" in answer.lower()

        # Tap the first follow-up button: another answer arrives.
        page.locator(".buttons").last.get_by_role("button").first.click()
        expect(bot_messages).to_have_count(4)

        # Switch to Portuguese with the selector: the bot confirms in Portuguese.
        page.select_option("#lang", "pt")
        expect(bot_messages.last).to_contain_text("português")
        expect(page.locator("html")).to_have_attribute("lang", "pt")

        # A message with markup stays text.
        page.get_by_label("Your question").fill("<img src=x onerror=alert(1)>")
        page.keyboard.press("Enter")
        expect(page.locator(".msg.me").last).to_have_text("<img src=x onerror=alert(1)>")
        assert page.locator(".log img").count() == 0

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "webchat.png"), full_page=True)
        browser.close()


@pytest.fixture()
def two_cities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A several-city install (bot.install): the shipped city twice, the second
    with burnable garbage in 東町１丁目 on Tue/Fri instead of Mon/Thu."""
    from bot.install import add_city, load_cities
    from bot.web.install import create_install_app
    from tests.conftest import REPO

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RESBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("RESBOT_CITIES", str(tmp_path / "cities.yaml"))
    add_city("aoba", "青葉市 (example)", REPO / "knowledge")
    sakura = add_city("sakura", "桜市 (example)", REPO / "knowledge")
    days = sakura.knowledge / "garbage" / "area_days.csv"
    text = days.read_text(encoding="utf-8")
    days.write_text(text.replace("東町１丁目,センターA,月 木,", "東町１丁目,センターA,火 金,"))
    with Served(create_install_app(load_cities())) as served:
        yield served.url


def test_each_citys_web_chat_answers_from_its_own_calendar(two_cities: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for city, own, other in (("aoba", "月曜日", "火曜日"), ("sakura", "火曜日", "月曜日")):
            page = browser.new_page(locale="ja-JP", viewport={"width": 390, "height": 844})
            page.goto(f"{two_cities}/c/{city}/")
            bot_messages = page.locator(".msg.bot")
            expect(bot_messages.first).to_be_visible()
            before = bot_messages.count()
            page.get_by_label("Your question").fill("東町１丁目の燃えるごみは何曜日ですか")
            page.keyboard.press("Enter")
            expect(bot_messages.last).to_contain_text(own)  # the dates (after the area)
            answer = " ".join(bot_messages.all_inner_texts()[before:])
            assert own in answer and other not in answer, (city, answer)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"webchat-{city}.png"), full_page=True)
            page.close()
        browser.close()
