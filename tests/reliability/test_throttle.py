"""Per-user rate limiting: a flooding user is slowed down, everyone else is served."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from bot.channels.webchat import sign_sid
from bot.core.dialogue import Bot
from bot.core.langs import TARGET_LANGS
from bot.core.layout import interface_po, interface_pot
from bot.core.phrases import LOCALE
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store
from bot.throttle import Throttle, throttle_from

from .conftest import Platforms, line_event, post_line, rows, running


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_the_burst_then_one_per_second_and_warns_once() -> None:
    clock = Clock()
    throttle = Throttle(burst=3, per_second=1.0, clock=clock)
    assert [throttle.take("a") for _ in range(6)] == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert throttle.take("b") == "ok"  # another user is untouched
    clock.now += 1.0
    assert [throttle.take("a"), throttle.take("a")] == ["ok", "drop"]  # still flooding: no warning
    clock.now += 10.0  # calm again: a new flood is warned again
    assert [throttle.take("a") for _ in range(4)] == ["ok", "ok", "ok", "warn"]


def test_idle_buckets_are_forgotten_so_memory_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.throttle.MAX_KEYS", 100)
    clock = Clock()
    throttle = Throttle(burst=2, per_second=1.0, clock=clock)
    for i in range(1000):
        throttle.take(f"user{i}")
        clock.now += 0.01
    assert len(throttle.buckets) <= 101


def test_zero_rate_turns_the_limit_off() -> None:
    assert throttle_from(20, 0) is None
    assert isinstance(throttle_from(20, 1.0), Throttle)
    with pytest.raises(ValueError):
        Throttle(burst=0)


def test_a_flood_from_one_user_gets_one_slow_down_reply_and_others_are_served(
    tmp_path: Path, bot: Bot
) -> None:
    clock = Clock()
    store = Store(tmp_path / "s.sqlite3")
    service = Service(bot, store, b"k", throttle=Throttle(20, 1.0, clock=clock))
    slow_down = bot.t("slow_down", "en")
    flood = [
        service.handle("line", "flooder", Incoming(text="what day is plastic collection"), f"f{i}")
        for i in range(30)
    ]
    assert all(r is not None for r in flood)
    texts = [[reply.text for reply in r.replies] for r in flood if r is not None]
    assert all(t and slow_down not in t for t in texts[:20])
    assert texts[20] == [slow_down]
    assert texts[21:] == [[]] * 9
    other = service.handle("line", "calm", Incoming(text="what day is plastic collection"), "c1")
    assert other is not None and other.outcome == "answer"
    # Every event logged once; the refused ones as ignored, without their text.
    logged = list(store.db.query("select event_id, outcome, text from interactions order by id"))
    assert len(logged) == 31
    refused = [r for r in logged if r["outcome"] == "ignored"]
    assert [r["event_id"] for r in refused] == [f"f{i}" for i in range(20, 30)]
    assert all(r["text"] is None for r in refused)
    # A redelivered refused event is still a duplicate, not a new refusal.
    assert service.handle("line", "flooder", Incoming(text="x"), "f25") is None


def test_the_slow_down_reply_is_in_the_users_language(tmp_path: Path, bot: Bot) -> None:
    store = Store(tmp_path / "s.sqlite3")
    service = Service(bot, store, b"k", throttle=Throttle(1, 0.001, clock=Clock()))
    service.handle("telegram", "7", Incoming(kind="postback", text="lang:vi"), "t1")
    result = service.handle("telegram", "7", Incoming(text="rac"), "t2")
    assert result is not None and result.replies[0].text == bot.t("slow_down", "vi")


def test_the_phrase_is_translated_in_every_language() -> None:
    pot = {e.msgctxt: e.msgid for e in polib.pofile(str(interface_pot(LOCALE)))}
    assert "slow_down" in pot
    seen = set()
    for lang in TARGET_LANGS:
        entry = polib.pofile(str(interface_po(LOCALE, lang))).find("slow_down", by="msgctxt")
        assert entry is not None and entry.msgstr and not entry.fuzzy, lang
        assert entry.msgid == pot["slow_down"], lang
        seen.add(entry.msgstr)
    assert len(seen) == len(TARGET_LANGS)


def test_the_server_limits_each_line_user_on_its_own(
    tmp_path: Path, bot: Bot, platforms: Platforms
) -> None:
    platforms.reset()
    with running(tmp_path, bot, platforms, rate_burst=3, rate_per_second=0.01) as client:
        for i in range(6):
            assert post_line(client, line_event(200 + i, user="Uflood")).status_code == 200
        assert post_line(client, line_event(300, user="Ucalm")).status_code == 200
        replied = [r["replyToken"] for r in platforms.replies()]
        # 3 answers, 1 "slow down", then silence; the calm user is answered.
        assert replied == ["token-200", "token-201", "token-202", "token-203", "token-300"]
        slow = platforms.replies()[3]["messages"][0]["text"]
        assert slow == bot.t("slow_down", "en")
        assert len(rows(client)) == 7
        assert len(rows(client, "outcome = 'ignored'")) == 3


def test_web_chat_is_limited_per_session(tmp_path: Path, bot: Bot, platforms: Platforms) -> None:
    with running(tmp_path, bot, platforms, rate_burst=2, rate_per_second=0.01) as client:
        secret = client.app.state.service.secret  # type: ignore[attr-defined]
        client.cookies.set("resbot_sid", sign_sid(secret, "a" * 24))
        answers = [client.post("/api/chat", json={"text": "hello"}).json() for _ in range(4)]
        assert [len(a["replies"]) > 0 for a in answers] == [True, True, True, False]
        client.cookies.set("resbot_sid", sign_sid(secret, "b" * 24))
        assert client.post("/api/chat", json={"text": "hello"}).json()["outcome"] != "ignored"
