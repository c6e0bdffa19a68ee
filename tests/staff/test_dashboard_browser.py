"""The dashboard and the city profile in real Chromium, after three months of
residents asking in all seven languages through the real service.

Both pages open on a table of contents whose links reach their sections (a
folded city section opens on the way), the month navigation never links to a
month that has not begun, and such a month by URL says so. Saves
var/screenshots/dashboard.png and city-profile.png (docs/screenshots/ holds
copies: see its README).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette

import bot.service
import bot.storage
from bot.analytics import Month
from bot.core.langs import LANGS
from bot.core.types import Incoming
from bot.staff.clock import utcnow
from tests.fakes import Served
from tests.web.test_webchat_browser import ARGS, CHROMIUM, SHOTS

from .conftest import staff_of
from .test_staff_browser import log_in

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")

JST = ZoneInfo("Asia/Tokyo")
# Questions the shipped knowledge base cannot answer (its out-of-scope examples
# and the like): the fallbacks that fill the "unanswered" table.
UNANSWERABLE = [
    ("en", "recommend a good hotel in Kyoto"),
    ("ja", "近くのおいしいラーメン屋"),
    ("vi", "mua iPhone ở đâu rẻ"),
    ("pt", "qual é o melhor restaurante brasileiro aqui?"),
    ("es", "¿dónde compro un coche barato?"),
]


def seed(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> int:
    """About forty questions a month for the last three months (this one up to
    now), asked by 21 residents in their own languages with the knowledge base's
    own question variants, plus fallbacks and feedback taps. Returns the count."""
    service = staff_of(app).service
    kb = service.bot.kb
    rng = random.Random(16)
    entries = [kb.entries[k] for k in sorted(kb.entries) if not k.startswith("meta.")]
    now = utcnow()
    this = Month.of(now)
    asked = 0
    clock = {"at": now}
    with monkeypatch.context() as mp:
        mp.setattr(bot.storage, "now_iso", lambda: clock["at"].isoformat(timespec="milliseconds"))
        mp.setattr(bot.service, "now_iso", bot.storage.now_iso)
        for back in (2, 1, 0):
            month = this.shift(-back)
            start = datetime(month.year, month.month, 1, tzinfo=JST).astimezone(UTC)
            end = min(now, datetime.fromisoformat(month.shift(1).start()))
            for n in range(40 - 8 * back):  # a growing service
                clock["at"] = start + (end - start) * rng.random()
                lang = rng.choice([*LANGS, "vi", "vi", "pt", "en"])  # a city's mix
                who = f"resident-{lang}-{rng.randrange(3)}"
                if n % 9 == 4:
                    lang, text = UNANSWERABLE[n % len(UNANSWERABLE)]
                else:
                    entry = rng.choice(entries)
                    variants = entry.questions.get(lang) or entry.questions["ja"]
                    text = rng.choice(variants)
                result = service.handle("line" if n % 3 else "web", who, Incoming(text=text))
                assert result is not None
                asked += 1
                if result.outcome == "answer" and result.entry and n % 4 == 0:
                    clock["at"] += timedelta(seconds=30)
                    service.store.add_feedback(
                        f"fb-{month}-{n}", service.key("web", who), result.entry, n % 8 == 0
                    )
    return asked


@pytest.fixture()
def served(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    assert seed(app, monkeypatch) >= 90
    with Served(app) as server:
        yield server.url


def months_linked(page: Any) -> list[Month]:
    hrefs = page.locator("a[href*='month=']").evaluate_all("els => els.map(a => a.href)")
    return [Month.parse(re.search(r"month=([0-9-]+)", h).group(1)) for h in hrefs]  # type: ignore[union-attr]


def follow_the_contents(page: Any) -> int:
    """Click every link of the table of contents; each must bring its target
    into view (opened, if it is a folded section). Returns how many."""
    from playwright.sync_api import expect

    links = page.locator("nav.toc a")
    hrefs = links.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 4
    for href in hrefs:
        assert href.startswith("#")
        page.evaluate("window.scrollTo(0, 0)")
        page.locator(f"nav.toc a[href='{href}']").click()
        target = page.locator(href)
        expect(target).to_be_in_viewport()
        assert page.evaluate("location.hash") == href
        if target.evaluate("el => el.tagName") == "DETAILS":
            expect(target).to_have_attribute("open", "")
            expect(target.locator(".city-value").first).to_be_visible()
    return len(hrefs)


def load_images(page: Any) -> None:
    """The charts load lazily: bring each into view and wait until it decoded."""
    for img in page.locator("figure.chart img").all():
        img.scroll_into_view_if_needed()
        decoded = "img => img.complete && img.naturalWidth > 0"
        page.wait_for_function(decoded, arg=img.element_handle())


def test_contents_reach_every_section_and_no_month_link_points_ahead(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = served
    this = Month.of(utcnow())
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = log_in(browser, url, "eddie", dialogs)

        # This month: numbers, a table of contents that works, nothing ahead.
        page.goto(f"{url}/staff/dashboard")
        expect(page.locator("h1")).to_contain_text(str(this))
        figures = page.locator(".figure .value").all_inner_texts()
        assert int(figures[0].replace(",", "")) > 0, figures
        sections = page.locator("section.dash-section")
        assert follow_the_contents(page) == sections.count()
        titles = page.locator("section.dash-section > h2").all_inner_texts()
        assert any(t.startswith("未回答の質問") and "Unanswered" in t for t in titles), titles
        assert months_linked(page) and max(months_linked(page)) < this
        assert page.locator("a[rel=next]").count() == 0
        assert page.locator("input[type=month]").get_attribute("max") == str(this)
        alts = page.locator("figure.chart img").evaluate_all("els => els.map(i => i.alt)")
        assert f"言語別の質問 / Questions by language（{this}）" in alts
        load_images(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
        heights = {"dashboard": page.evaluate("document.documentElement.scrollHeight")}

        # Last month links forward to this one, and no further.
        page.locator("a[rel=prev]").click()
        expect(page.locator("h1")).to_contain_text(str(this.shift(-1)))
        expect(page.locator("a[rel=next]")).to_have_attribute(
            "href", f"/staff/dashboard?month={this}"
        )
        assert max(months_linked(page)) == this

        # Typing next month into the URL: a clear message, no empty report.
        ahead = this.shift(1)
        res = page.goto(f"{url}/staff/dashboard?month={ahead}")
        assert res is not None and res.status == 404
        expect(page.locator(".future")).to_contain_text(f"{ahead} has not started yet")
        expect(page.locator(".future")).to_contain_text(f"{ahead} は まだ 始まって いません")
        assert page.locator("nav.toc, figure.chart, table").count() == 0
        assert max(months_linked(page)) == this
        page.locator(".future a").click()
        expect(page.locator("h1")).to_contain_text(str(this))

        # The city profile: folded groups, reached from the contents.
        page.goto(f"{url}/staff/city")
        groups = page.locator("details.city-section")
        assert groups.count() >= 10
        assert page.locator("details.city-section[open]").count() == 0
        heights["city folded"] = page.evaluate("document.documentElement.scrollHeight")
        assert follow_the_contents(page) == groups.count() + 1  # + the history
        # A save comes back at the value (/city#v-key): its folded group opens itself.
        page.goto(f"{url}/staff/city")
        value = page.locator("[id='v-garbage.put_out_by']")
        page.locator("nav.toc a[href='#g-garbage']").click()
        value.get_by_label("Value").fill("8:30")
        value.get_by_role("button", name="保存 / Save").click()
        expect(page.locator(".flash")).to_contain_text("Saved garbage.put_out_by")
        assert page.url.endswith("/staff/city#v-garbage.put_out_by")
        expect(page.locator("#g-garbage")).to_have_attribute("open", "")
        expect(value).to_be_in_viewport()
        assert page.locator("details.city-section[open]").count() == 1
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "city-profile.png"), full_page=True)
        heights["city, one group open"] = page.evaluate("document.documentElement.scrollHeight")
        browser.close()
    print("page heights (px):", heights)
    assert dialogs == []
