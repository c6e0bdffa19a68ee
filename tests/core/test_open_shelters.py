""""Which shelters are open?" in seven languages, from the open sites passed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import open_shelters
from bot.core.dialogue import Bot
from bot.core.easyja import Settings, lint
from bot.core.langs import LANGS
from bot.core.open_shelters import Live, OpenSite
from bot.core.types import Incoming, Session

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
ASKED = {
    "ja": "避難所は開いていますか",
    "vi": "nơi sơ tán nào đang mở",
    "pt": "quais abrigos estão abertos",
    "es": "qué albergues están abiertos",
    "tl": "anong evacuation center ang bukas",
    "en": "which shelters are open",
    "zh": "哪些避难所开放了",
}
# Said other ways than the entry's own variants.
REWORDED = {
    "ja": "いま開いてる避難所ある？",
    "vi": "co noi so tan nao mo cua chua",
    "pt": "tem algum abrigo aberto agora?",
    "es": "¿hay refugios abiertos ahora?",
    "tl": "may bukas na bang evacuation center ngayon?",
    "en": "is there an evacuation shelter open now?",
    "zh": "现在有开放的避难所吗",
}
SCHOOL = OpenSite("S1", "shelter", "横川小学校", "東京都八王子市横川町305", 35.6675, 139.3073)
PARK = OpenSite("E1", "emergency", "富士森公園", "東京都八王子市台町2-2", 35.6470, 139.3210,
                frozenset({"earthquake", "fire"}))  # fmt: skip
LIVE = Live(open_sites=(SCHOOL, PARK))
NONE = {
    "ja": "しらせは　ありません",
    "vi": "Hiện chưa có thông báo",
    "pt": "não anunciou nenhum abrigo",
    "es": "no ha anunciado ningún albergue",
    "tl": "walang abiso",
    "en": "there is no notice",
    "zh": "没有发布避难所",
}


def ask(
    bot: Bot, text: str, live: open_shelters.LiveSource, session: Session | None = None
) -> str:
    result = bot.handle(Incoming(text=text), session or Session(), live)
    assert result.entry == "disaster.shelter.open", (text, result.entry, result.outcome)
    return "\n".join(r.text for r in result.replies)


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_gets_the_open_sites_with_addresses(bot: Bot, lang: str) -> None:
    for text in (ASKED[lang], REWORDED[lang]):
        result = bot.handle(Incoming(text=text), Session(), LIVE)
        assert result.lang == lang, text
        reply = ask(bot, text, LIVE)
        for site in (SCHOOL, PARK):
            assert site.name in reply and site.address in reply, (lang, text)
        assert reply.index(SCHOOL.name) < reply.index(PARK.name)  # the order they opened
        assert bot.phrases.t("open_shelters_head", lang, count="2") in reply
        assert bot.phrases.t("site_kind_emergency", lang) in reply  # which kind each is


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_open_says_so_honestly(bot: Bot, lang: str) -> None:
    for live in (Live(), None):
        reply = ask(bot, ASKED[lang], live)
        assert NONE[lang] in reply and SCHOOL.name not in reply


def test_nearest_first_when_the_resident_shared_a_location(bot: Bot) -> None:
    near_park = Session(shelter_point="35.6475,139.3205")
    reply = ask(bot, "which shelters are open", LIVE, near_park)
    assert reply.index(PARK.name) < reply.index(SCHOOL.name)
    assert "The nearest to you comes first." in reply
    assert "(about 0.1 km away)" in reply and "(about 2.5 km away)" in reply


def test_an_emergency_site_not_designated_for_the_disaster_is_not_offered(bot: Bot) -> None:
    flood = Live(open_sites=(SCHOOL, PARK), disaster="flood")
    reply = ask(bot, "quais abrigos estão abertos", flood)
    assert SCHOOL.name in reply and PARK.name not in reply  # the park is for quakes and fire
    quake = ask(bot, "quais abrigos estão abertos", Live((SCHOOL, PARK), "earthquake"))
    assert PARK.name in quake


def test_a_long_list_is_cut_and_says_how_many_more(bot: Bot) -> None:
    many = tuple(
        OpenSite(f"S{i}", "shelter", f"第{i}小学校", f"八王子市{i}", 35.6 + i / 1000, 139.3)
        for i in range(open_shelters.MAX_LISTED + 3)
    )
    reply = ask(bot, "which shelters are open", Live(many))
    assert "第0小学校" in reply and f"第{open_shelters.MAX_LISTED}小学校" not in reply
    assert "3 more are open." in reply


def test_the_japanese_phrases_are_easy_japanese(bot: Bot) -> None:
    cfg = Settings.load(KNOWLEDGE / "easyja.yaml")
    keys = ["open_shelters_head", "open_shelters_near", "open_shelters_more",
            "open_shelters_foot", "site_kind_shelter", "site_kind_emergency",
            "site_address", "site_distance", "site_line"]  # fmt: skip
    found = {k: lint(bot.phrases.raw(k, "ja"), cfg) for k in keys}
    assert {k: f for k, f in found.items() if f} == {}
    assert bot.phrases.missing() == {}  # translated and approved in the six catalogues


def test_the_state_is_read_only_by_the_turns_that_need_it(bot: Bot) -> None:
    reads: list[int] = []

    def read() -> Live:
        reads.append(1)
        return LIVE

    bot.handle(Incoming(text="燃えるごみは何曜日ですか"), Session(), read)
    bot.handle(Incoming(text="避難所はどこですか"), Session(), read)
    assert reads == []  # other answers cost no database read
    assert SCHOOL.name in ask(bot, "which shelters are open", read)
    assert reads == [1]
