"""The staff pages in real Chromium (Debian's package, driven by Playwright).

An editor fixes the collection-day answer in a copy of the knowledge folder,
watches the live preview, approves a translation, and the running web chat
answers with the new text at once; a second editor's stale save is refused
with a clear message. A chat message carrying markup stays inert in the
unanswered queue. Saves var/screenshots/staff-editor.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from bot.staff.roles import Role
from tests.fakes import Served
from tests.web.test_webchat_browser import ARGS, CHROMIUM, SHOTS

from .conftest import PASSWORD, staff_of

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")

ENTRY = "garbage.collection_days"
NEW_ANSWER = (
    "もえる　ごみは　月曜日と　木曜日に　出してください。\n"
    "ほかの　ごみの　日は、すんでいる　地域で　ちがいます。\n"
    "カレンダーで　たしかめてください：{garbage.calendar_web}"
)
NEW_ENGLISH = (
    "Burnable garbage goes out on Monday and Thursday.\n"
    "Other collection days depend on your area.\n"
    "Check the calendar: {garbage.calendar_web}"
)
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture()
def served(app: Starlette) -> Iterator[tuple[str, Starlette]]:
    staff = staff_of(app)
    staff.accounts.add("hanako", Role.editor, PASSWORD)
    staff.accounts.add("taro", Role.editor, PASSWORD)
    with Served(app) as server:
        yield server.url, app


def log_in(browser: Any, url: str, name: str, dialogs: list[str]) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url + "/staff/login")
    page.get_by_label("名前 / Name").fill(name)
    page.get_by_label("パスワード / Password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン / Log in").click()
    page.wait_for_url("**/staff/dashboard")
    return page


def chat(page: Any, url: str, body: dict[str, Any]) -> dict[str, Any]:
    res = page.request.post(
        url + "/api/chat", data=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert res.ok
    data: dict[str, Any] = res.json()
    return data


def test_fix_an_answer_approve_a_translation_and_the_chat_answers_at_once(
    served: tuple[str, Starlette],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, _ = served
    dialogs: list[str] = []
    before = chat_text = ""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        hanako = log_in(browser, url, "hanako", dialogs)
        taro = log_in(browser, url, "taro", dialogs)
        # Taro opens the same entry first and keeps the page open.
        taro.goto(f"{url}/staff/entries/{ENTRY}")

        before = chat(hanako, url, {"postback": f"e:{ENTRY}", "lang": "ja"})["replies"][0]["text"]
        assert "月曜日" not in before

        # Hanako finds the entry by text and fixes the answer.
        hanako.get_by_role("link", name="回答 Entries").click()
        hanako.get_by_label("さがす / Text").fill("ごみを 出す")
        hanako.get_by_role("button", name="絞り込む / Filter").click()
        hanako.get_by_role("link", name=ENTRY).click()
        hanako.locator("#answer").fill(NEW_ANSWER)
        preview = hanako.locator("#preview")
        expect(preview).to_contain_text("月曜日(げつようび)")  # live furigana, before saving
        expect(preview.locator(".phone.line .chip").first).to_be_visible()
        hanako.locator("#title").focus()
        SHOTS.mkdir(parents=True, exist_ok=True)
        hanako.screenshot(path=str(SHOTS / "staff-editor.png"), full_page=True)
        hanako.get_by_role("button", name="保存 / Save").click()
        expect(hanako.locator(".flash")).to_contain_text("Saved answer.")
        expect(hanako.locator(".flash")).to_contain_text("The bot answers with the new text now")

        # The English answer went stale with the Japanese: Hanako rewrites and approves it.
        hanako.goto(f"{url}/staff/review/{ENTRY}")
        card = hanako.locator("#m-en-answer")
        expect(card).to_contain_text("Japanese source changed")
        card.locator("textarea").fill(NEW_ENGLISH)
        card.get_by_role("button", name="保存して承認 / Save & approve").click()
        expect(hanako.locator(".flash")).to_contain_text("Saved and approved: en answer.")
        expect(hanako.locator("#m-en-answer .status")).to_have_text("approved")

        # The running web chat (no restart) answers with both new texts.
        ja = chat(hanako, url, {"postback": f"e:{ENTRY}", "lang": "ja"})["replies"][0]["text"]
        chat(hanako, url, {"postback": "lang:en"})  # the resident picks English
        en = chat(hanako, url, {"postback": f"e:{ENTRY}"})["replies"][0]["text"]
        assert "月曜日(げつようび)と" in ja
        assert "Monday and Thursday" in en
        chat_text = ja

        # Taro saves over the version he opened: refused, saying who changed it when.
        taro.locator("#title").fill("ごみの 日")
        taro.get_by_role("button", name="保存 / Save").click()
        conflict = taro.locator(".conflict")
        expect(conflict).to_contain_text("Not saved")
        expect(conflict).to_contain_text("changed by hanako at")
        expect(taro.locator("#title")).to_have_value("ごみの 日")  # his text is kept
        browser.close()
    assert dialogs == []
    assert before != chat_text


def test_markup_in_a_chat_message_stays_inert_in_the_queue(
    served: tuple[str, Starlette],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, _ = served
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = log_in(browser, url, "hanako", dialogs)
        # A resident's message, through the web chat API and the real service.
        assert chat(page, url, {"text": XSS})["outcome"] == "fallback"
        page.goto(url + "/staff/queue")
        cell = page.locator(".qtext").first
        expect(cell).to_contain_text(XSS)  # shown as text
        page.wait_for_timeout(500)  # give any injected handler its chance to fire
        assert page.locator("main img").count() == 0
        assert page.evaluate("document.querySelectorAll('main script').length") == 0
        # Attached as a draft, it stays text on the entry page too.
        page.locator(".attach select[name=entry]").first.select_option(ENTRY)
        page.get_by_role("button", name="追加 / Attach").first.click()
        expect(page.locator(".flash")).to_contain_text("as a draft question")
        page.goto(f"{url}/staff/entries/{ENTRY}")
        expect(page.locator(".below")).to_contain_text(XSS)
        page.wait_for_timeout(500)
        assert page.locator("main img").count() == 0
        browser.close()
    assert dialogs == []


def test_fix_a_reading_in_the_editor_and_the_preview_ruby_shows_it(
    served: tuple[str, Starlette],
) -> None:
    """読み方を直す: the analyzer reads the place name 八幡 はちまん; the editor fixes it
    to やわた without leaving the page (the typed answer stays), the preview's
    <ruby>/<rt> shows it, and after saving the chat answers with it."""
    from playwright.sync_api import expect, sync_playwright

    url, app = served
    answer = (
        "ごみの　カレンダーは　八幡の　こうみんかんにも　あります。\n"
        "ここでも　見られます：{garbage.calendar_web}"
    )
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = log_in(browser, url, "hanako", dialogs)
        page.goto(f"{url}/staff/entries/{ENTRY}")
        page.locator("#answer").fill(answer)
        word = page.locator("#preview .ruby-text ruby").filter(has_text="八幡")
        expect(word.locator("rt")).to_have_text("はちまん")  # the analyzer's reading

        form = page.locator("#reading")
        expect(form.get_by_role("heading")).to_contain_text("読み方を直す")
        form.get_by_label("言葉").fill("八幡")
        form.get_by_label("読み方").fill("やわた")
        form.get_by_role("button", name="この読み方にする / Use this reading").click()
        # The answer comes after the bot's reload (a few seconds on a busy machine).
        note = page.locator("#reading-note")
        expect(note).to_contain_text("読み方を保存しました：八幡（やわた）", timeout=60_000)
        expect(note).to_contain_text("The bot answers with the new text now")
        expect(word.locator("rt")).to_have_text("やわた")  # the preview, refreshed
        expect(page.locator("#answer")).to_have_value(answer)  # nothing typed was lost
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "staff-reading.png"), full_page=True)

        # Saved like every staff edit: the file, and an audit row naming who.
        root = staff_of(app).workspace.root
        assert "八幡: やわた" in (root / "readings.yaml").read_text(encoding="utf-8")
        rows = list(staff_of(app).store.db.query("select * from staff_audit"))
        assert [(r["user"], r["field"], r["after"]) for r in rows] == [("hanako", "八幡", "やわた")]

        # Saving the answer: the running chat reads it with the new reading.
        page.get_by_role("button", name="保存 / Save").click()
        expect(page.locator(".flash")).to_contain_text("Saved answer.", timeout=60_000)
        ja = chat(page, url, {"postback": f"e:{ENTRY}", "lang": "ja"})["replies"][0]["text"]
        assert "八幡(やわた)の" in ja
        browser.close()
    assert dialogs == []
