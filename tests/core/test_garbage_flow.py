"""Garbage conversations on the shipped example city (knowledge/garbage/).

Expected dates come from knowledge/garbage/area_days.csv, read by hand:
緑が丘 collects 燃えるごみ on Mondays and Thursdays ("月 木") and 有害ごみ only
in April-November. The clock is fixed to Monday 2026-11-23 so answers are stable.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.dialogue import Bot
from bot.core.types import Incoming, Session

MONDAY = date(2026, 11, 23)


@pytest.fixture()
def gbot(bot: Bot) -> Bot:
    assert bot.garbage is not None, "the shipped knowledge base has garbage data"
    bot.garbage.clock = lambda: MONDAY
    return bot


def talk(bot: Bot, session: Session, text: str, kind: str = "text"):  # type: ignore[no-untyped-def]
    result = bot.handle(Incoming(kind=kind, text=text), session)  # type: ignore[arg-type]
    return result, result.session


def row_for(area: str) -> dict[str, str]:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "knowledge" / "garbage" / "area_days.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return next(r for r in rows if r["地名"] == area)


def test_the_rules_this_file_relies_on() -> None:
    # 緑が丘 collects burnable garbage on Mondays and Thursdays.
    assert row_for("緑が丘")["燃えるごみ"] == "月 木"


@pytest.mark.parametrize(
    ("lang", "ask", "area", "tomorrow", "expect_words"),
    [
        ("vi", "khi nào đổ rác cháy được", "midori", "ngay mai do rac gi", ["Thứ Năm, 26"]),
        (
            "pt",
            "quando é a coleta de lixo queimável?",
            "midorigaoka",
            "amanhã tem coleta de quê?",
            ["quinta-feira, 26 de novembro"],
        ),
        (
            "en",
            "when is burnable garbage day",
            "緑が丘",
            "what garbage is tomorrow",
            ["Thursday 26 November"],
        ),
    ],
)
def test_ask_day_give_area_get_dates_then_tomorrow_without_area(
    gbot: Bot, lang: str, ask: str, area: str, tomorrow: str, expect_words: list[str]
) -> None:
    session = Session()
    # 1. The day question: the bot asks for the area once.
    result, session = talk(gbot, session, ask)
    assert result.topic == "garbage.collection_days"
    assert result.lang == lang
    assert session.awaiting == "area"
    # 2. The area, typed loosely (romaji, kanji): dates in the resident's language.
    result, session = talk(gbot, session, area)
    assert session.area == "緑が丘"
    text = "\n".join(r.text for r in result.replies)
    # Monday 23 (today, inclusive) and Thursday 26 are burnable days in 緑が丘.
    for word in expect_words:
        assert word in text, text
    # 3. Later, "tomorrow?" needs no area: Tuesday 24 November.
    result, session = talk(gbot, session, tomorrow)
    assert result.topic == "garbage.collection_days"
    assert session.awaiting is None
    assert "24" in result.replies[0].text


def test_today_question_lists_todays_categories(gbot: Bot) -> None:
    session = Session(area="緑が丘", lang="en")
    result, _ = talk(gbot, session, "which garbage can I put out today?")
    # Monday: burnable garbage (月 木).
    assert "Today" in result.replies[0].text
    assert "Burnable" in result.replies[0].text


def test_item_question_gives_category_notice_and_next_date(gbot: Bot) -> None:
    session = Session(area="緑が丘")
    result, _ = talk(gbot, session, "como jogar fora pilhas")
    assert result.topic == "garbage.item"
    assert result.lang == "pt"
    text = result.replies[0].text
    assert "pilha" in text.lower() and "perigoso" in text.lower()
    # 有害ごみ in 緑が丘 is collected only April-November (火1 *1:4 ... 11): the
    # next one after Mon 23 Nov 2026 is in April 2027.
    assert "abril" in text.lower()


@pytest.mark.parametrize("text", ["pin cũ", "pilhas", "電池", "battery", "电池"])
def test_the_battery_is_found_in_every_language(gbot: Bot, text: str) -> None:
    result = gbot.handle(Incoming(text=text))
    assert result.topic == "garbage.item"
    assert "乾電池" in gbot.garbage.data.find_item(text).item.name  # type: ignore[union-attr]


def test_oversized_item_counts_as_oversized_and_explains_how_to_apply(gbot: Bot) -> None:
    result = gbot.handle(Incoming(text="how do I throw away a sofa"))
    assert result.topic == "garbage.oversized"
    assert len(result.replies) == 2  # the item's category, then how to apply


def test_unknown_area_is_asked_again_and_a_new_question_escapes(gbot: Bot) -> None:
    session = Session()
    _, session = talk(gbot, session, "when is burnable garbage day")
    result, session = talk(gbot, session, "zzzz")
    assert result.outcome == "fallback" and session.awaiting == "area"
    result, session = talk(gbot, session, "what to do in an earthquake")
    assert result.topic == "disaster.earthquake"


def test_area_button_postback_sets_the_area(gbot: Bot) -> None:
    session = Session(lang="en")
    result, session = talk(gbot, session, "area", kind="postback")
    assert session.awaiting == "area"
    result, session = talk(gbot, session, "area:桜台", kind="postback")
    assert session.area == "桜台"
    assert "Next collection days in 桜台" in "\n".join(r.text for r in result.replies)
