"""The nearest evacuation sites through the core, on Hachioji's real GSI rows.

Expected sites come from the CSV and the test's own haversine (tests/shelters/sites.py),
not from bot.shelters: a wrong column, filter or distance shows up as another answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.open_shelters import Live
from bot.core.shelter_flow import MAX_DISTANCE_M, ShelterFlow, asks_for_site, disaster_in
from bot.core.types import LOCATION_REQUEST, Incoming, Result, Session
from bot.shelters.geo import Disaster
from tests.shelters.sites import COLUMNS, POINTS, Expected, expected

LANGS = ("ja", "vi", "pt", "es", "tl", "en", "zh")
SHIBUYA = (35.65910807942215, 139.70372892916203)  # the LINE fixture's location, 30 km away


def distance_text(metres: float, lang: str) -> str:
    if metres < 1000:
        return f"{max(10, round(metres / 10) * 10)} m"
    km = f"{metres / 1000:.1f}".removesuffix(".0")
    return (km.replace(".", ",") if lang in ("vi", "pt", "es") else km) + " km"


def located(bot: Bot, disaster: str, lat: float, lon: float, lang: str = "en") -> Result:
    asked = bot.handle(Incoming(kind="postback", text=f"shelter:{disaster}"), Session(lang=lang))
    assert asked.replies[0].buttons[0].data == LOCATION_REQUEST
    assert asked.session.awaiting == "location" and asked.session.shelter_disaster == disaster
    return bot.handle(Incoming(kind="location", lat=lat, lon=lon), asked.session)


def listed(text: str) -> list[str]:
    return re.findall(r"^\d\. (.+)$", text, flags=re.M)


def check_sites(text: str, want: list[Expected], bot: Bot, lang: str) -> None:
    assert listed(text) == [w.name for w in want]
    for w in want:
        direction = bot.t(f"dir_{w.direction}", lang)
        where = bot.t(
            "shelter_distance", lang, direction=direction, distance=distance_text(w.metres, lang)
        )
        assert where in text, (w, where)
        assert f"https://www.google.com/maps/search/?api=1&query={w.lat},{w.lon}" in text


@pytest.mark.parametrize("disaster", sorted(COLUMNS))
@pytest.mark.parametrize("place", sorted(POINTS))
def test_location_gives_the_three_nearest_designated_sites(
    hachioji_bot: Bot, place: str, disaster: str
) -> None:
    lat, lon = POINTS[place]
    want = expected(COLUMNS[disaster], lat, lon)
    assert len(want) == 3
    result = located(hachioji_bot, disaster, lat, lon)
    assert result.outcome == "answer" and result.topic == "disaster.shelter"
    check_sites(result.replies[-1].text, want, hachioji_bot, "en")
    assert "119" in result.replies[-1].text


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_gets_names_in_japanese_and_its_own_words(
    hachioji_bot: Bot, lang: str
) -> None:
    lat, lon = POINTS["Minamino"]
    result = located(hachioji_bot, "earthquake", lat, lon, lang)
    assert result.lang == lang
    text = result.replies[-1].text
    check_sites(text, expected("地震", lat, lon), hachioji_bot, lang)
    assert hachioji_bot.t("disaster_earthquake", lang) in text
    # The first answer explains emergency site vs shelter, once.
    explain = result.replies[0].text
    assert "指定緊急避難場所" in explain and "指定避難所" in explain
    assert explain == hachioji_bot.t("shelter_explain", lang)
    again = hachioji_bot.handle(Incoming(kind="postback", text="shelter:flood"), result.session)
    assert len(again.replies) == 1 and "指定緊急避難場所" not in again.replies[0].text


def test_location_first_then_one_tap_on_the_eight_types(hachioji_bot: Bot) -> None:
    lat, lon = POINTS["Hachioji station"]
    first = hachioji_bot.handle(Incoming(kind="location", lat=lat, lon=lon), Session(lang="vi"))
    assert first.session.shelter_point == f"{lat:.6f},{lon:.6f}"
    datas = [b.data for b in first.replies[0].buttons]
    assert datas[:8] == [f"shelter:{d.value}" for d in Disaster]
    labels = [b.label for b in first.replies[0].buttons][:8]
    assert labels[0] == "Lũ lụt" and len(set(labels)) == 8
    tapped = hachioji_bot.handle(Incoming(kind="postback", text="shelter:landslide"), first.session)
    check_sites(
        tapped.replies[-1].text, expected(COLUMNS["landslide"], lat, lon), hachioji_bot, "vi"
    )


@pytest.mark.parametrize("disaster", [d.value for d in Disaster])
def test_never_a_site_not_designated_for_the_disaster(hachioji_bot: Bot, disaster: str) -> None:
    column = {
        "flood": "洪水",
        "landslide": "崖崩れ、土石流及び地滑り",
        "storm_surge": "高潮",
        "earthquake": "地震",
        "tsunami": "津波",
        "fire": "大規模な火事",
        "inland_flood": "内水氾濫",
        "volcano": "火山現象",
    }[disaster]
    for lat, lon in [*POINTS.values(), (35.70, 139.25), (35.62, 139.40), (35.66, 139.30)]:
        result = located(hachioji_bot, disaster, lat, lon)
        want = expected(column, lat, lon)
        assert listed(result.replies[-1].text) == [w.name for w in want]
        if not want:  # Hachioji designates no site for tsunami, storm surge, fire, volcano
            text = result.replies[-1].text
            assert "within 5 km" in text and "119" in text and "upper floor" in text


def test_nothing_within_5_km_says_what_to_do_instead(hachioji_bot: Bot) -> None:
    result = located(hachioji_bot, "flood", *SHIBUYA, lang="es")
    assert expected("洪水", *SHIBUYA, within=1e9)[0].metres > MAX_DISTANCE_M
    text = result.replies[-1].text
    assert listed(text) == []
    assert "5 km" in text and "119" in text and "piso alto" in text
    assert hachioji_bot.kb.city.values["disaster.map_web"].text("es") in text


def test_no_data_is_said_with_the_hazard_map(bot: Bot) -> None:
    assert not bot.shelters.available  # the shipped knowledge imports no sites
    result = bot.handle(Incoming(kind="location", lat=35.6559, lon=139.3389), Session(lang="pt"))
    assert "ainda não tem a lista" in result.replies[0].text
    assert bot.kb.city.values["disaster.map_web"].text("pt") in result.replies[0].text
    tapped = bot.handle(Incoming(kind="postback", text="shelter:flood"), Session(lang="en"))
    assert "does not have the list" in tapped.replies[0].text


@pytest.mark.parametrize(
    ("text", "lang", "disaster"),
    [
        ("避難所はどこですか", "ja", None),
        ("にげる ところ どこ？", "ja", None),
        ("onde tem abrigo aqui perto", "pt", None),
        ("san ang evacuation center", "tl", None),
        ("nearest shelter for flood", "en", "flood"),
        ("nơi sơ tán gần nhất khi lũ lụt", "vi", "flood"),
        ("¿dónde está el refugio más cercano para un terremoto?", "es", "earthquake"),
        ("最近的避难场所 地震", "zh", "earthquake"),
        ("津波の避難場所はどこ", "ja", "tsunami"),
    ],
)
def test_a_typed_question_asks_for_the_location(
    hachioji_bot: Bot, text: str, lang: str, disaster: str | None
) -> None:
    result = hachioji_bot.handle(Incoming(text=text))
    assert result.lang == lang and result.topic == "disaster.shelter"
    assert result.session.awaiting == "location"
    assert result.session.shelter_disaster == disaster
    assert result.replies[0].text == hachioji_bot.t("shelter_ask_location", lang)
    assert result.replies[0].buttons[0].data == LOCATION_REQUEST


def test_a_typed_site_name_stands_in_for_the_location(hachioji_bot: Bot) -> None:
    question = "where is the nearest evacuation site for earthquake"
    asked = hachioji_bot.handle(Incoming(text=question))
    result = hachioji_bot.handle(Incoming(text="第一小学校"), asked.session)
    assert result.lang == "en"
    assert result.replies[0].text.startswith("Searched from the location of “第一小学校”.")
    # 第一小学校 is at 35.661114808765,139.33641781118 (the CSV): its own site first.
    want = expected("地震", 35.661114808765, 139.33641781118)
    assert listed(result.replies[-1].text) == [w.name for w in want]
    assert want[0].name == "第一小学校"


def test_an_unrelated_question_while_waiting_is_answered_as_usual(hachioji_bot: Bot) -> None:
    asked = hachioji_bot.handle(Incoming(text="onde tem abrigo aqui perto"))
    after = hachioji_bot.handle(Incoming(text="como separar o lixo?"), asked.session)
    assert after.topic != "disaster.shelter" and after.session.awaiting != "location"


def test_a_question_without_site_words_keeps_the_knowledge_answer(hachioji_bot: Bot) -> None:
    result = hachioji_bot.handle(Incoming(text="外国人も避難所に行けますか"))
    assert result.entry == "disaster.shelter"
    assert "shelter" in [b.data for b in result.replies[0].buttons]  # find the nearest


def test_a_bare_disaster_answers_which_disaster(hachioji_bot: Bot) -> None:
    lat, lon = POINTS["Takaosan-guchi"]
    first = hachioji_bot.handle(Incoming(kind="location", lat=lat, lon=lon), Session(lang="ja"))
    assert first.session.awaiting == "shelter_type"
    result = hachioji_bot.handle(Incoming(text="じしん"), first.session)
    assert listed(result.replies[-1].text) == [w.name for w in expected("地震", lat, lon)]


def test_live_location_answers_again_only_when_the_sites_change(hachioji_bot: Bot) -> None:
    lat, lon = POINTS["Hachioji station"]
    first = located(hachioji_bot, "flood", lat, lon)
    same = hachioji_bot.handle(
        Incoming(kind="location", lat=lat + 0.00005, lon=lon, live=True), first.session
    )
    assert same.replies == [] and same.outcome == "ignored"
    far = POINTS["Takaosan-guchi"]
    moved = hachioji_bot.handle(
        Incoming(kind="location", lat=far[0], lon=far[1], live=True), same.session
    )
    assert listed(moved.replies[-1].text) == [w.name for w in expected("洪水", *far)]


@pytest.mark.parametrize(
    ("words", "disaster"),
    [
        (["flood", "lũ lụt", "enchente", "inundación", "baha", "洪水", "こうずい"], "flood"),
        (
            [
                "landslide",
                "sạt lở đất",
                "deslizamento",
                "deslizamiento",
                "guho",
                "滑坡",
                "土砂崩れ",
            ],
            "landslide",
        ),
        (
            [
                "storm surge",
                "triều cường",
                "maré de tempestade",
                "marejada ciclónica",
                "daluyong",
                "风暴潮",
                "高潮",
            ],
            "storm_surge",
        ),
        (
            ["earthquake", "động đất", "terremoto", "sismo", "lindol", "地震", "じしん"],
            "earthquake",
        ),
        (["tsunami", "sóng thần", "maremoto", "海啸", "津波", "つなみ"], "tsunami"),
        (["large fire", "hỏa hoạn", "incêndio", "incendio", "sunog", "火灾", "火事"], "fire"),
        (
            [
                "inland flooding",
                "ngập úng",
                "alagamento",
                "inundación urbana",
                "baha sa kalsada",
                "内涝",
                "内水氾濫",
            ],
            "inland_flood",
        ),
        (["volcano", "núi lửa", "vulcão", "volcán", "bulkan", "火山", "噴火"], "volcano"),
    ],
)
def test_all_eight_disasters_are_read_in_seven_languages(words: list[str], disaster: str) -> None:
    for word in words:
        assert disaster_in(word) == Disaster(disaster), word


def test_site_words_alone_do_not_trigger() -> None:
    assert asks_for_site("where is the nearest evacuation site")
    assert not asks_for_site("外国人も避難所に行けますか")
    assert not asks_for_site("how do I prepare for an earthquake")


def test_remarks_translated_where_known(hachioji_bot: Bot) -> None:
    flow: ShelterFlow = hachioji_bot.shelters
    assert flow.remarks("洪水時使用不可", "en") == "not usable in a flood"
    assert flow.remarks("洪水時使用不可", "ja") == "洪水時使用不可"
    assert flow.remarks("想定収容人数：地震（屋外）5575人、風水害（屋内）2117人", "en") == (
        "expected capacity: earthquake (outdoors) 5575 people, storm or flood (indoors) 2117 people"
    )
    # Place names in a note stay Japanese: nothing guessed.
    note = flow.remarks("所在地：八王子市大谷町、暁町二丁目", "vi")
    assert note == "vị trí: 八王子市大谷町, 暁町二丁目"
    assert flow.remarks("駐車場あり", "pt") == "駐車場あり"
    # A welfare shelter's 受入対象者 (kept in its remarks on import), in the
    # resident's language; the next line of the note is read on its own.
    assert flow.remarks("受入対象者：要配慮者及びその家族\n2階", "en") == (
        "only for: people who need special care, and their families\n2階"
    )
    assert flow.remarks("受入対象者：要配慮者", "tl") == (
        "para lamang sa: mga taong nangangailangan ng espesyal na pag-aalaga"
    )


def test_only_ids_narrows_the_search(hachioji_bot: Bot) -> None:
    lat, lon = POINTS["Hachioji station"]
    index = hachioji_bot.sites
    all_three = index.nearest(lat, lon, Disaster.FLOOD)
    ids = {all_three[1].site.common_id, all_three[2].site.common_id}
    only = index.nearest(lat, lon, Disaster.FLOOD, only_ids=ids)
    assert [h.site.common_id for h in only] == [h.site.common_id for h in all_three[1:]]
    assert only[0].distance_m == pytest.approx(all_three[1].distance_m)
    shelter = next(s for s in index.all_sites if s.kind == "shelter")
    assert [h.site for h in index.nearest(lat, lon, None, only_ids={shelter.common_id})] == [
        shelter
    ]
    assert index.nearest(lat, lon, Disaster.FLOOD, only_ids={shelter.common_id}) == []
    result = hachioji_bot.shelters.show(
        lat, lon, Disaster.FLOOD, "en", Session(lang="en"), only_ids=ids
    )
    assert listed(result.replies[-1].text) == [h.site.name for h in only]


@pytest.mark.parametrize(
    ("lat", "lon"), [(float("nan"), 139.3), (35.6, float("inf")), (91.0, 139.3), (35.6, 1e308)]
)
def test_a_broken_position_is_not_used(hachioji_bot: Bot, lat: float, lon: float) -> None:
    result = hachioji_bot.handle(Incoming(kind="location", lat=lat, lon=lon), Session(lang="en"))
    assert result.outcome == "ignored" and result.session.shelter_point is None


def test_a_location_tap_where_no_position_can_be_sent_asks_for_a_place(
    hachioji_bot: Bot,
) -> None:
    asked = hachioji_bot.handle(Incoming(text="where is the nearest shelter"), Session())
    tapped = hachioji_bot.handle(Incoming(kind="postback", text=LOCATION_REQUEST), asked.session)
    assert tapped.replies[0].text == hachioji_bot.t("shelter_no_position", "en")
    assert tapped.session.awaiting == "location"
    place = hachioji_bot.handle(Incoming(text="明星大学"), tapped.session)
    assert place.session.awaiting == "shelter_type" and place.lang == "en"


def test_a_location_sent_later_asks_for_the_disaster_again(hachioji_bot: Bot) -> None:
    lat, lon = POINTS["Minamino"]
    answered = located(hachioji_bot, "flood", lat, lon)
    later = hachioji_bot.handle(Incoming(kind="location", lat=lat, lon=lon), answered.session)
    assert later.session.awaiting == "shelter_type"
    assert later.replies[0].text == hachioji_bot.t("shelter_ask_disaster", "en")


def test_shelters_alone_are_never_offered_as_places_to_flee(bot: Bot, tmp_path: Path) -> None:
    """Musashino publishes only its 指定避難所 here: no emergency site, so no site."""
    from typer.testing import CliRunner

    from bot.cli import app
    from tests.conftest import shared_path
    from tests.shelters.sites import with_sites

    csv_path = shared_path("fixtures", "shelters", "musashino", "shelters.csv")
    result = CliRunner().invoke(
        app, ["--knowledge", str(tmp_path), "shelters", "import", str(csv_path)]
    )
    assert result.exit_code == 0, result.output
    musashino = with_sites(bot, tmp_path)
    assert len(musashino.sites.all_sites) == 20 and musashino.sites.sites == []
    answer = musashino.handle(
        Incoming(kind="location", lat=35.7177, lon=139.5661), Session(lang="en")
    )
    assert "does not have the list of evacuation sites" in answer.replies[0].text
    assert listed(answer.replies[0].text) == []


def test_the_disaster_broadcast_in_force_answers_which_disaster(hachioji_bot: Bot) -> None:
    """A location with no disaster asked about: the city's active disaster (its latest
    disaster broadcast) is used, so nobody taps through eight buttons mid-flood; the
    "other disaster" button stays. Without one, we ask."""
    lat, lon = POINTS["Minamino"]
    flood = Live(disaster="flood")
    result = hachioji_bot.handle(
        Incoming(kind="location", lat=lat, lon=lon), Session(lang="en"), flood
    )
    assert result.session.shelter_disaster == "flood"
    check_sites(result.replies[-1].text, expected(COLUMNS["flood"], lat, lon), hachioji_bot, "en")
    assert "shelter:types" in [b.data for b in result.replies[-1].buttons]
    # A disaster the resident named wins over the broadcast's.
    asked = located(hachioji_bot, "earthquake", lat, lon)
    again = hachioji_bot.handle(
        Incoming(kind="postback", text="shelter:earthquake"), Session(lang="en"), flood
    )
    told = hachioji_bot.handle(Incoming(kind="location", lat=lat, lon=lon), again.session, flood)
    assert listed(told.replies[-1].text) == listed(asked.replies[-1].text)
    assert told.session.shelter_disaster == "earthquake"
    # A typed place while waiting uses it too.
    waiting = hachioji_bot.handle(
        Incoming(text="nearest evacuation site"), Session(lang="en"), flood
    )
    placed = hachioji_bot.handle(Incoming(text="第一小学校"), waiting.session, flood)
    assert placed.session.shelter_disaster == "flood"
    # Nothing in force (or lifted): ask which disaster.
    none = hachioji_bot.handle(
        Incoming(kind="location", lat=lat, lon=lon), Session(lang="en"), Live()
    )
    assert none.session.awaiting == "shelter_type"
