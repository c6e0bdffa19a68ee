"""Romaji variants a word at a time, as residents type Japanese in Latin letters
(real MeCab words and pykakasi spellings)."""

from __future__ import annotations

import pytest

from bot.core.dialogue import Bot
from bot.core.romaji import typed_romaji
from bot.core.types import Incoming, Session


@pytest.mark.parametrize(
    ("japanese", "typed"),
    [
        # particles stand alone, は is "wa"; verbs keep their endings; です apart
        ("市役所は何時までですか", "shiyakusho wa nanji made desu ka"),
        ("避難所はどこですか", "hinanjo wa doko desu ka"),  # a kanji compound as pykakasi reads it
        ("燃えるごみは何曜日ですか", "moeru gomi wa nanyoubi desu ka"),
        # MeCab's reading in context (pykakasi alone: "konnichi")
        ("今日は燃えるごみの日ですか", "kyou wa moeru gomi no hi desu ka"),
        ("ごみの分け方", "gomi no wakekata"),
        ("お金がない", "okane ga nai"),
        ("病院へ行きたい", "byouin e ikitai"),
        ("ゴミの出し方を教えてください", "gomi no dashikata wo oshiete kudasai"),
        ("日本に来たばかりです", "nihon ni kita bakari desu"),
        # kana-only words are spelled whole (MeCab's split of だったい is a guess)
        ("だったい　いちじきん", "dattai ichijikin"),
        ("ごみは　いつ", "gomi wa itsu"),
        ("119と110のちがいは？", "119 to 110 no chigai wa"),
    ],
)
def test_romaji_is_written_a_word_at_a_time(japanese: str, typed: str) -> None:
    assert typed_romaji(japanese) == typed


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("hinanjo wa doko desu ka", "disaster.shelter"),
        ("kyou wa moeru gomi no hi desu ka", "garbage.collection_days"),
        ("nihongo kyoushitsu wa arimasu ka", "japanese.class"),
    ],
)
def test_a_question_typed_in_romaji_finds_its_entry(bot: Bot, text: str, topic: str) -> None:
    result = bot.handle(Incoming(text=text), Session())
    assert (result.topic, result.lang) == (topic, "ja")


@pytest.mark.parametrize("text", ["kyukyusha nanban", "kyujitsu aiteru byoin aru?"])
def test_romaji_with_long_vowels_written_short_is_japanese(bot: Bot, text: str) -> None:
    # Our Vietnamese variants contain romaji words too ("goi kyukyusha"); the
    # Japanese twins' short-vowel forms keep these messages Japanese.
    assert bot.handle(Incoming(text=text), Session()).lang == "ja"
