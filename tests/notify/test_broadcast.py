"""Broadcasts: 2,000 subscribers in seven languages, each reached once in their language."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import pytest

from bot.core.easyja import Settings, lint
from bot.core.knowledge import KnowledgeBase
from bot.core.langs import LANGS
from bot.notify.broadcast import Broadcasts
from bot.notify.limits import Limits
from bot.notify.templates import TemplateError, check_templates, load_templates
from bot.storage import Store

from .conftest import Fakes, line_id, subscribe, tg_id

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def test_every_template_is_in_all_seven_languages_with_the_same_placeholders(
    kb: KnowledgeBase,
) -> None:
    templates = load_templates(KNOWLEDGE)
    assert {"evacuation_level3", "evacuation_level4", "evacuation_level5", "shelter_open",
            "distribution", "rivers_sea", "aftershocks", "more_info"} <= set(templates)  # fmt: skip
    assert check_templates(templates, set(kb.city.values)) == []
    assert all(set(t.text) == set(LANGS) for t in templates.values())


def test_the_japanese_templates_are_easy_japanese() -> None:
    cfg = Settings.load(KNOWLEDGE / "easyja.yaml")
    findings = {t.id: lint(t.text["ja"], cfg) for t in load_templates(KNOWLEDGE).values()}
    assert {tid: f for tid, f in findings.items() if f} == {}


def test_a_broken_template_is_reported(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "broadcast_templates.yaml").write_text(
        "templates:\n  t:\n    kind: disaster\n    params: {place: where}\n"
        "    text: {ja: '{place}に　きて', en: 'Come to {plaec}', vi: x}\n",
        encoding="utf-8",
    )
    problems = check_templates(load_templates(tmp_path), set(kb.city.values))
    assert any("en: placeholders ['plaec']" in p for p in problems)
    assert any("no zh text" in p for p in problems)


def test_preview_in_each_language(store: Store, kb: KnowledgeBase) -> None:
    api = Broadcasts(store, kb)
    params = {"area": "西町", "place": "西小学校"}
    tl = api.preview("evacuation_level4", params, "tl")
    assert "Utos na lumikas (避難指示)" in tl and "西小学校" in tl and "{" not in tl
    ja = api.preview("evacuation_level4", params, "ja")
    assert "避難指示(ひなんしじ)" in ja  # furigana added when rendered
    with pytest.raises(TemplateError, match="missing parameter"):
        api.preview("evacuation_level4", {"area": "西町"}, "en")
    # A text composed in Japanese only: other readers are told it is Japanese.
    note = api.preview(None, None, "vi", text="あした　にほんごきょうしつが　あります。")
    assert "にほんごきょうしつ" in note and "chỉ có bằng tiếng Nhật" in note


def test_two_thousand_subscribers_in_seven_languages_each_once(
    store: Store, kb: KnowledgeBase, fakes: Fakes
) -> None:
    # LINE: 600 Japanese readers (two multicast calls: 500 + 100) and 100 per other
    # language; Telegram: 800 spread over the seven languages. 2,000 in all.
    langs: dict[str, str] = {}
    i = 0
    for lang in LANGS:
        for _ in range(600 if lang == "ja" else 100):
            langs[subscribe(store, i, "line", lang)] = lang
            i += 1
    for n in range(800):
        langs[subscribe(store, i, "telegram", LANGS[n % 7])] = LANGS[n % 7]
        i += 1
    assert len(langs) == 2000
    # Two residents who blocked the bot are counted, never messaged.
    blocked = [subscribe(store, 5000, "line", "vi"), subscribe(store, 5001, "telegram", "es")]
    store.touch_user("key05000", "line", follow=False)
    store.touch_user("key05001", "telegram", follow=False)
    # Subscribers of another kind are not in the audience.
    subscribe(store, 6000, "telegram", "en", kind="events")

    api = Broadcasts(store, kb)
    bid = api.create_broadcast(template="shelter_open", params={"place": "東小学校 体育館"})
    assert sum(api.audience(bid).values()) == 2000

    async def go() -> None:
        outbox = fakes.outbox(store)
        try:
            await api.send(bid, outbox)
        finally:
            await outbox.close()

    asyncio.run(go())
    status = api.status(bid)
    assert (status.state, status.counts["sent"], status.counts["blocked"]) == ("done", 2000, 2)
    assert status.counts["failed"] == status.counts["pending"] == 0

    received = fakes.received()
    assert set(received) == set(langs)  # nobody missing, nobody extra (blocked, events)
    assert all(len(texts) == 1 for texts in received.values())  # exactly once
    expected = {lang: api.message(bid, lang)[0].text for lang in LANGS}
    wrong = [a for a, texts in received.items() if texts[0] != expected[langs[a]]]
    assert wrong == []
    assert not set(blocked) & set(received)

    calls = fakes.line.of("/message/multicast")
    assert Counter(len(c.body["to"]) for c in calls) == Counter({500: 1, 100: 7})
    assert len(calls) == Limits().line_calls([600, *[100] * 6]) == 8
    keys = [c.headers["x-line-retry-key"] for c in calls]
    assert len(set(keys)) == len(keys) and all(uuid.UUID(k) for k in keys)
    for c in calls:  # one language per call
        assert len({langs[a] for a in c.body["to"]}) == 1

    # Sending the same broadcast again reaches nobody twice.
    fakes.line.clear()
    fakes.tg.clear()
    assert api.queue(bid) == 0
    assert fakes.received() == {}


def test_target_by_language_and_area(store: Store, kb: KnowledgeBase, fakes: Fakes) -> None:
    subscribe(store, 1, "telegram", "vi", area="西町")
    subscribe(store, 2, "telegram", "vi", area="東町１丁目")
    subscribe(store, 3, "line", "pt", area="西町")
    api = Broadcasts(store, kb)
    bid = api.create_broadcast(
        template="evacuation_level3", params={"area": "西町"}, langs=["vi"], areas=["西町"]
    )
    assert api.audience(bid)["vi"] == 1 and sum(api.audience(bid).values()) == 1

    async def go() -> None:
        outbox = fakes.outbox(store)
        try:
            await api.send(bid, outbox)
        finally:
            await outbox.close()

    asyncio.run(go())
    assert list(fakes.received()) == [tg_id(1)]


def test_a_test_send_reaches_only_the_staff_account(
    store: Store, kb: KnowledgeBase, fakes: Fakes
) -> None:
    subscribe(store, 1, "line", "en")
    api = Broadcasts(store, kb)
    bid = api.create_broadcast(text="ごみの　カレンダーが　かわりました。", kind="events")

    async def go() -> dict[str, object]:
        outbox = fakes.outbox(store)
        try:
            return dict(await api.send_test(bid, "line:Ustaff", outbox, ["ja", "en"]))
        finally:
            await outbox.close()

    outcomes = asyncio.run(go())
    assert set(outcomes) == {"ja", "en"}
    assert list(fakes.received()) == ["Ustaff"]
    assert len(fakes.received()["Ustaff"]) == 2
    assert line_id(1) not in fakes.received()
    assert api.status(bid).state == "draft" and api.status(bid).total == 0
