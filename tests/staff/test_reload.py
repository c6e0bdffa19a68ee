"""After an edit the bot answers with the new text, without a restart; while the
new index is built, the old bot keeps answering."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.core.types import Incoming
from bot.staff import reload as reload_module
from bot.staff.reload import Reloader

from .conftest import csrf, login, staff_of

ENTRY = "garbage.collection_days"
NEW = "もえる　ごみは　げつようびと　もくようびです。\n{garbage.calendar_web}"


def answer(app: Starlette, lang: str = "ja") -> str:
    bot = staff_of(app).service.bot
    result = bot.handle(Incoming(kind="postback", text=f"e:{ENTRY}"), None)
    return result.replies[0].text


def test_an_edit_is_answered_at_once_by_the_running_app(app: Starlette) -> None:
    old_bot = staff_of(app).service.bot
    assert "げつようび" not in answer(app)
    with TestClient(app, follow_redirects=True) as client:
        login(client, "eddie")
        html = client.get(f"/staff/entries/{ENTRY}").text
        base = re.search(r'name="base" value="([^"]+)"', html)
        questions = re.search(r'name="questions"[^>]*>(.*?)</textarea>', html, re.S)
        assert base and questions
        res = client.post(
            f"/staff/entries/{ENTRY}",
            data={
                "csrf": csrf(html),
                "base": base.group(1),
                "title": "ごみを 出す 日",
                "questions": questions.group(1),
                "answer": NEW,
            },
        )
        assert "The bot answers with the new text now" in res.text
        # The web chat API of the same app, no restart: the new answer, with furigana.
        chat = client.post("/api/chat", json={"postback": f"e:{ENTRY}", "lang": "ja"})
        assert "もくようびです" in chat.json()["replies"][0]["text"]
    assert staff_of(app).service.bot is not old_bot
    assert "げつようびと　もくようびです" in answer(app)
    assert (
        "げつようびと"
        not in old_bot.handle(Incoming(kind="postback", text=f"e:{ENTRY}")).replies[0].text
    )


def test_the_old_bot_serves_until_the_new_one_is_ready(
    app: Starlette, knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = staff_of(app)
    old_bot = staff.service.bot
    entry = knowledge / "entries" / "garbage" / f"{ENTRY}.yaml"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(
        re.sub(r"answer: \|\n(  .*\n)+", "answer: |\n  あたらしい　こたえです。\n", text),
        encoding="utf-8",
    )
    started, release = threading.Event(), threading.Event()
    real = reload_module.load_knowledge

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(reload_module, "load_knowledge", slow)
    worker = threading.Thread(target=staff.reloader.reload)
    worker.start()
    assert started.wait(30)
    # Mid-build: residents still get answers, from the old bot.
    result = staff.service.handle("web", "resident", Incoming(kind="postback", text=f"e:{ENTRY}"))
    assert result is not None and "ごみを　あつめる" in result.replies[0].text
    assert staff.service.bot is old_bot
    release.set()
    worker.join(30)
    assert staff.service.bot is not old_bot
    assert "あたらしい　こたえです" in answer(app)


def test_saves_during_a_build_share_the_next_build(
    app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = staff_of(app)
    builds: list[float] = []

    class FakeBot:
        def __init__(self, kb: Any, phrases: Any) -> None:
            builds.append(time.monotonic())
            time.sleep(0.3)
            self.kb = kb
            self.phrases = phrases

    monkeypatch.setattr(reload_module, "Bot", FakeBot)
    monkeypatch.setattr(reload_module, "load_knowledge", lambda root: staff.service.bot.kb)
    reloader = Reloader(staff.service)
    first = threading.Thread(target=reloader.reload)
    first.start()
    time.sleep(0.1)  # the first build is running: two more saves arrive
    more = [threading.Thread(target=reloader.reload) for _ in range(2)]
    for t in more:
        t.start()
    for t in [first, *more]:
        t.join(10)
    assert len(builds) == 2  # not 3: the second build covers both later saves


def test_a_failed_build_keeps_the_old_bot(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = staff_of(app)
    old_bot = staff.service.bot

    def broken(root: Path) -> Any:
        raise ValueError("entries/garbage/x.yaml: not valid YAML")

    monkeypatch.setattr(reload_module, "load_knowledge", broken)
    done = staff.reloader.reload()
    assert not done.ok and "not valid YAML" in done.error
    assert staff.service.bot is old_bot
