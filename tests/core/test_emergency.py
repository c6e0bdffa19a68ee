"""The emergency fast path: the number to call at once, in the message's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dialogue import Bot
from bot.core.emergency import find_emergency
from bot.core.normalize import normalize
from bot.core.types import Incoming, Session
from bot.service import Service
from bot.storage import Store

CALLS = [
    # (message, reply language, number the answer must give)
    ("火事です！たすけて", "ja", "119"),
    ("co chay", "vi", "119"),
    ("ban toi khong tho", "vi", "119"),
    ("tem fogo no meu apartamento", "pt", "119"),
    ("socorro", "pt", "119"),
    ("hay un incendio en mi edificio", "es", "119"),
    ("mi esposo no respira", "es", "119"),
    ("sunog!", "tl", "119"),
    ("tulong po", "tl", "119"),
    ("my friend is not breathing", "en", "119"),
    ("someone broke in my house", "en", "110"),
    ("救命 我朋友不能呼吸了", "zh", "119"),
    ("有小偷", "zh", "110"),
    ("泥棒が　いえに　はいった", "ja", "110"),
]


@pytest.mark.parametrize(("text", "lang", "number"), CALLS)
def test_an_emergency_gets_the_number_at_once(
    text: str, lang: str, number: str, bot: Bot
) -> None:
    result = bot.handle(Incoming(text=text), Session())
    assert result.outcome == "answer"  # never "did you mean" or the menu first
    assert result.topic == "disaster.emergency_call"
    assert result.lang == lang
    assert result.replies[0].text.splitlines()[0].count(number) == 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [("地震だ！", "ja"), ("tsunami warning what do i do", "en"), ("dong dat roi! lam sao", "vi"),
     ("terremoto agora!", "pt"), ("lumilindol ngayon!", "tl"), ("地震了！怎么办", "zh"),
     ("¡hay un terremoto ahora!", "es")],
)
def test_a_quake_or_tsunami_now_says_what_to_do(text: str, lang: str, bot: Bot) -> None:
    result = bot.handle(Incoming(text=text), Session())
    assert result.outcome == "answer" and result.topic == "disaster.earthquake"
    assert result.lang == lang
    assert "119" in result.replies[0].text


@pytest.mark.parametrize(
    "text",
    [
        "Nasusunog na basura, kailan?",  # burnable garbage, not a fire
        "khi nao do rac chay",
        "燃えるごみは　いつですか",
        "quando passa o lixo queimavel",
        "fire drill for foreigners",
        "how do i prepare for an earthquake",
        "地震の　じゅんびは　なにが　いりますか",
        "I need help with my visa",
        "can i smoke here",
        "na-fire ako, ano gagawin ko",  # Taglish: I lost my job
        "pina-fire ako ng agency",
        "emergency supplies list",
        "listahan ng emergency supplies",
    ],
)
def test_other_questions_with_the_same_words_are_not_emergencies(text: str) -> None:
    assert find_emergency(text) is None


def test_an_emergency_breaks_out_of_the_area_prompt(bot: Bot) -> None:
    asked = bot.handle(Incoming(text="when is burnable garbage"), Session())
    assert asked.session.awaiting == "area"
    result = bot.handle(Incoming(text="fire! help"), asked.session)
    assert result.topic == "disaster.emergency_call" and "119" in result.replies[0].text
    assert result.session.awaiting is None


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("sunog!", "saan ako tatawag", "tl"),
        ("my friend is not breathing", "what number do i call", "en"),
        ("救命 我朋友不能呼吸了", "打什么电话", "zh"),
        ("co chay", "so cuu hoa la so may", "vi"),
    ],
)
def test_the_follow_up_of_an_emergency_stays_on_the_call(
    first: str, then: str, lang: str, tmp_path: Path, bot: Bot
) -> None:
    service = Service(bot, Store(tmp_path / "s.sqlite3"), b"k")
    service.handle("telegram", "7", Incoming(text=first))
    result = service.handle("telegram", "7", Incoming(text=then))
    assert result is not None
    assert result.topic == "disaster.emergency_call" and result.outcome == "answer"
    assert result.lang == lang
    assert "119" in "\n".join(r.text for r in result.replies)


def _pieces() -> list[str]:
    from bot.core.emergency import _words

    words = sorted({w.folded for ws in _words().values() for w in ws})
    # Whole words, their halves (near misses) and ordinary words to put around them.
    return [*words, *(w[: len(w) // 2] for w in words), "toi", "o", "nha", "ang", "mall", " "]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_pieces()), max_size=8).map(" ".join))
def test_one_scan_finds_the_kinds_a_regex_per_kind_finds(text: str) -> None:
    """The kinds whose words occur in a text, found in one Aho-Corasick pass: the
    same as searching an alternation of each kind's words, kind by kind."""
    import re

    from bot.core.emergency import _kinds_in, _words

    folded = normalize(text)
    expected = {
        kind
        for kind, words in _words().items()
        if re.search("|".join(re.escape(w.folded) for w in words), folded)
    }
    assert _kinds_in(folded) == expected
