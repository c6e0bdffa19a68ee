"""Replies assembled at answer time read as easy Japanese, like the stored answers.

Every item reply and every collection-day reply of the shipped example city is
rendered in Japanese and run through the easy-Japanese checker (`resbot kb lint-ja`).
Names from the city's data (an item as the resident typed it, a category label)
are checked like placeholders in stored answers: they are the city's terms.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.core.dialogue import Bot
from bot.core.easyja import Settings, lint
from bot.core.easyreply import EasyJapanese, date_readings, simplify_note
from bot.core.types import Session
from bot.garbage.lookup import ItemMatch

MONDAY = date(2026, 11, 23)
_READING = re.compile(r"\([\u3041-\u309fー]+\)")


@pytest.fixture()
def gbot(bot: Bot) -> Bot:
    assert bot.garbage is not None
    bot.garbage.clock = lambda: MONDAY
    return bot


def _checked(text: str, names: list[str], settings: Settings) -> list[str]:
    plain = _READING.sub("", text)  # the checker reads the text without furigana
    for name in names:
        plain = plain.replace(f"「{name}」", "「{name}」")
    return [f"[{f.rule}] {f.detail}: {f.text}" for f in lint(plain, settings)]


def test_every_item_reply_is_easy_japanese(gbot: Bot) -> None:
    flow = gbot.garbage
    assert flow is not None
    settings = Settings.load(gbot.kb.root / "easyja.yaml")
    problems: list[str] = []
    for item in flow.data.dataset.items:
        match = ItemMatch(item, "ja", item.name, 100.0, "exact")
        for area in (None, "緑が丘"):
            result = flow.item(match, "ja", Session(area=area), 1.0)
            text = result.replies[0].text
            assert "(" in text or not re.search("[\u4e00-\u9fff]", text), text
            found = _checked(text, [item.name, item.category], settings)
            problems += [f"{item.name}: {p}" for p in found]
    assert not problems, "\n".join(problems)


def test_every_collection_day_reply_is_easy_japanese(gbot: Bot) -> None:
    flow = gbot.garbage
    assert flow is not None
    settings = Settings.load(gbot.kb.root / "easyja.yaml")
    problems: list[str] = []
    for area in flow.data.areas:
        payloads: list[dict[str, object]] = [{"day": 0}, {"day": 1}, {}]
        payloads += [{"category": c} for c in flow.data.dataset.area_columns]
        for payload in payloads:
            text = flow.dates_reply(area, "ja", Session(), payload).replies[0].text
            names = [area, *flow.data.categories]
            problems += [f"{area} {payload}: {p}" for p in _checked(text, names, settings)]
    assert not problems, "\n".join(problems)


def test_dates_names_and_notes_get_readings(gbot: Bot) -> None:
    flow = gbot.garbage
    assert flow is not None
    text = flow.dates_reply("西町", "ja", Session(), {}).replies[0].text
    assert "燃(も)えないごみ" in text
    assert "西町(にしまち)" in text
    assert "26日(にじゅうろくにち)(木曜日(もくようび))" in text
    match = flow.data.find_item("テレビ", "ja")
    assert match is not None
    reply = flow.item(match, "ja", Session(), 1.0).replies[0].text
    assert "家電(かでん)リサイクル" in reply


def test_note_simplification_changes_form_not_content() -> None:
    assert simplify_note("電池は有害ごみへ") == "電池は有害ごみへ出してください。"
    assert simplify_note("メーカーの回収に申し込んでください") == (
        "メーカーの回収にもうしこんでください。"
    )
    assert simplify_note("キャップを外して下さい") == "キャップを外してください。"


def test_day_readings_are_the_irregular_ones() -> None:
    readings = date_readings()
    assert readings["1日"] == "ついたち"
    assert readings["8日"] == "ようか"
    assert readings["20日"] == "はつか"
    assert readings["19日"] == "じゅうくにち"
    assert readings["4月"] == "しがつ"
    assert readings["9月"] == "くがつ"


def test_a_hard_word_gets_its_gloss_once(gbot: Bot) -> None:
    easy = EasyJapanese(gbot.kb.root)
    text = easy("「ソファ」は　「粗大ごみ」です。粗大ごみは　もうしこみます。")
    assert text.count("〈") == 1 and "〈おおきい　ごみ〉" in text
