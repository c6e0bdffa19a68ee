"""Nearest evacuation sites in the web chat, in real Chromium with a granted position.

The browser's geolocation is set to a fixed Hachioji point; the resident asks in
Vietnamese, taps "send my location" and a disaster type, and must see the three sites
worked out from the GSI CSV (tests/shelters/sites.py). Saves
var/screenshots/webchat-shelters.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.fakes import Served
from tests.shelters.sites import POINTS, expected
from tests.web.test_webchat_browser import ARGS, CHROMIUM, SHOTS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")


@pytest.fixture()
def server(tmp_path: Path, hachioji_bot: Bot) -> Iterator[str]:
    settings = load_settings(env_file=None, db_path=tmp_path / "web.sqlite3")
    with Served(create_app(settings, hachioji_bot)) as served:  # type: ignore[arg-type]
        yield served.url


def test_use_my_location_shows_the_three_nearest_sites_in_vietnamese(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    lat, lon = POINTS["Minamino"]
    want = expected("洪水", lat, lon)
    assert len(want) == 3
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
        context.grant_permissions(["geolocation"], origin=server)
        context.set_geolocation({"latitude": lat, "longitude": lon})
        page = context.new_page()
        page.goto(server + "/")
        bot_messages = page.locator(".msg.bot")
        expect(bot_messages.first).to_contain_text("Xin chào")

        page.get_by_label("Your question").fill("nơi sơ tán gần nhất ở đâu khi lũ lụt")
        page.keyboard.press("Enter")
        # The request says what the position is for, before the browser is asked.
        expect(bot_messages.last).to_contain_text("Vị trí chỉ được dùng để tìm nơi sơ tán")
        button = page.locator("button.location").last
        expect(button).to_have_text("Gửi vị trí của tôi")
        button.click()

        answer = bot_messages.last
        expect(answer).to_contain_text("Nơi sơ tán khẩn cấp khi có „Lũ lụt“")
        text = answer.inner_text()
        assert re.findall(r"^\d\. (.+)$", text, flags=re.M) == [w.name for w in want]
        assert "119" in text
        explained = bot_messages.nth(bot_messages.count() - 2).inner_text()
        assert "指定緊急避難場所" in explained and "指定避難所" in explained
        # The map links are links, to the published coordinates.
        links = answer.locator("a")
        expect(links).to_have_count(3)
        assert links.first.get_attribute("href") == (
            f"https://www.google.com/maps/search/?api=1&query={want[0].lat},{want[0].lon}"
        )

        # Another disaster for the same place: one tap, no second location.
        page.locator(".buttons").last.get_by_role("button", name="Thiên tai khác").click()
        page.locator(".buttons").last.get_by_role("button", name="Sạt lở đất").click()
        expect(bot_messages.last).to_contain_text("„Sạt lở đất“")
        landslide = expected("崖崩れ、土石流及び地滑り", lat, lon)
        text = bot_messages.last.inner_text()
        assert re.findall(r"^\d\. (.+)$", text, flags=re.M) == [w.name for w in landslide]

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "webchat-shelters.png"), full_page=True)
        context.close()
        browser.close()


def test_a_refused_position_asks_for_a_place_name(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="en-US")  # no permission granted: denied
        page = context.new_page()
        page.goto(server + "/")
        page.get_by_label("Your question").fill("where is the nearest evacuation site")
        page.keyboard.press("Enter")
        page.locator("button.location").last.click()
        expect(page.locator(".msg.bot").last).to_contain_text("could not be read")
        page.get_by_label("Your question").fill("明星大学")
        page.keyboard.press("Enter")
        expect(page.locator(".msg.bot").last).to_contain_text("Which kind of disaster?")
        context.close()
        browser.close()
