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


# ---------------------------------------------------------------- conversations
# 西町 (area_days.csv): 燃えるごみ 火 金, プラスチック 水. From Monday 23 November:
# burnable Tue 24 and Fri 27, plastic Wed 25; tomorrow (Tue 24) is burnable.


def texts(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r.text for r in result.replies)


def test_the_rules_of_nishimachi() -> None:
    assert row_for("西町")["燃えるごみ"] == "火 金"
    assert row_for("西町")["プラスチック"] == "水"


@pytest.mark.parametrize(
    ("lang", "ask", "area", "tomorrow", "plastic", "plastic_name"),
    [
        (
            "ja",
            "にしまち です。もえるごみ の ひ は？",
            "西町",
            "明日は？",
            "プラは？",
            "プラスチック",
        ),
        (
            "vi",
            "toi o nishimachi, khi nao do rac chay",
            "西町",
            "mai thi sao",
            "con rac nhua?",
            "Nhựa",
        ),
        (
            "pt",
            "moro no nishimachi, quando passa o lixo queimavel",
            "西町",
            "e amanhã?",
            "e o plástico?",
            "Plástico",
        ),
        (
            "es",
            "vivo en nishimachi, cuando es la basura quemable",
            "西町",
            "y mañana?",
            "y el plastico?",
            "Plásticos",
        ),
        (
            "tl",
            "taga nishimachi ako, kailan ang nasusunog na basura",
            "西町",
            "bukas?",
            "eh yung plastik?",
            "Plastik",
        ),
        (
            "en",
            "i live in nishimachi, when is burnable",
            "西町",
            "and tomorrow?",
            "what about plastic?",
            "Plastics",
        ),
        ("zh", "我住西町，可燃垃圾什么时候收", "西町", "那明天呢", "塑料呢", "塑料类"),
    ],
)
def test_area_in_the_sentence_then_short_follow_ups(
    gbot: Bot, lang: str, ask: str, area: str, tomorrow: str, plastic: str, plastic_name: str
) -> None:
    result, session = talk(gbot, Session(), ask)
    assert result.topic == "garbage.collection_days" and result.lang == lang, texts(result)
    assert session.area == area and session.awaiting is None
    assert "24" in texts(result) and "27" in texts(result)  # Tue 24, Fri 27
    # "and tomorrow?": the same area, the new day, the same language, put-out time.
    result, session = talk(gbot, session, tomorrow)
    assert result.topic == "garbage.collection_days" and result.lang == lang, texts(result)
    assert "24" in texts(result) and "8:30" in texts(result)
    # "and plastic?": the new kind for the same area.
    result, session = talk(gbot, session, plastic)
    assert result.topic == "garbage.collection_days" and result.lang == lang, texts(result)
    assert plastic_name in _plain(texts(result)) and "25" in texts(result)


def _plain(text: str) -> str:
    import re

    return re.sub(r"\([\u3041-\u309f]+\)", "", text)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ごみの日はいつ？", "ja"),
        ("khi nào là ngày đổ rác", "vi"),
        ("qual é o dia do lixo?", "pt"),
        ("cuándo es el día de la basura", "es"),
        ("kailan ang araw ng basura", "tl"),
        ("when is garbage day", "en"),
        ("垃圾哪天收", "zh"),
    ],
)
def test_garbage_day_lists_every_kind(gbot: Bot, text: str, lang: str) -> None:
    result, _ = talk(gbot, Session(area="西町"), text)
    assert result.topic == "garbage.collection_days" and result.lang == lang
    flow = gbot.garbage
    assert flow is not None
    body = _plain(texts(result))
    for label in flow.data.dataset.area_columns:
        assert flow.cat_name(label, lang) in body, (label, body)


def test_today_says_by_what_time_from_the_city_value(gbot: Bot) -> None:
    result, _ = talk(gbot, Session(area="緑が丘", lang="en"), "which garbage today?")
    # garbage.put_out_by in city.yaml is the example value 8:30, marked as example.
    assert "8:30 (example)" in result.replies[0].text


@pytest.mark.parametrize(
    ("text", "lang", "item"),
    [
        ("傘 すてたい", "ja", "傘"),
        ("pin cu bo dau", "vi", "乾電池"),
        ("como jogar fora pilhas", "pt", "乾電池"),
        ("como desechar un paraguas", "es", "傘"),
        ("paano itapon ang payong", "tl", "傘"),
        ("how do I throw away an umbrella", "en", "傘"),
        ("怎么扔雨伞", "zh", "傘"),
    ],
)
def test_throw_away_x_goes_to_the_item_dictionary(
    gbot: Bot, text: str, lang: str, item: str
) -> None:
    result, session = talk(gbot, Session(), text)
    assert result.topic == "garbage.item" and result.lang == lang, texts(result)
    assert session.garbage_context is not None and item in session.garbage_context


@pytest.mark.parametrize(
    ("first", "then", "lang", "item"),
    [
        ("傘 すてたい", "でんちは？", "ja", "乾電池"),
        ("pin cu bo dau", "con bong den thi sao", "vi", "電球"),
        ("como jogar fora pilhas", "e o guarda-chuva?", "pt", "傘"),
        ("donde boto las pilas", "y el aceite de cocina?", "es", "食用油"),
        ("paano itapon ang payong", "yung mantika?", "tl", "食用油"),
        ("how do i throw away an umbrella", "what about a battery", "en", "乾電池"),
        ("旧雨伞怎么扔", "炸东西用过的油呢", "zh", "食用油"),
    ],
)
def test_item_follow_up_looks_up_the_new_item(
    gbot: Bot, first: str, then: str, lang: str, item: str
) -> None:
    _, session = talk(gbot, Session(), first)
    result, session = talk(gbot, session, then)
    assert result.lang == lang and result.topic and result.topic.startswith("garbage."), texts(
        result
    )
    assert session.garbage_context is not None and f'"{item}"' in session.garbage_context


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("燃えるごみ、いつ？", "ja"),
        ("rác cháy được khi nào", "vi"),
        ("lixo queimável quando?", "pt"),
        ("basura quemable, ¿cuándo?", "es"),
        ("Nasusunog na basura, kailan?", "tl"),
        ("burnable garbage, when?", "en"),
        ("可燃垃圾什么时候", "zh"),
    ],
)
def test_burnable_garbage_is_a_category_not_a_fire(gbot: Bot, text: str, lang: str) -> None:
    flow = gbot.garbage
    assert flow is not None
    assert flow.names_category(text) == "燃えるごみ"
    result, _ = talk(gbot, Session(area="西町"), text)
    assert result.topic == "garbage.collection_days" and result.lang == lang
    assert "27" in texts(result)  # Friday 27: only burnable garbage, not a fire


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("hindi nasusunog na basura kailan", "燃えないごみ"),
        ("non-burnable", "燃えないごみ"),
        ("lixo não queimável", "燃えないごみ"),
        ("不可燃垃圾", "燃えないごみ"),
        ("てんぷら油", None),  # プラ inside てんぷら is no plastic
        ("sunog sa kapitbahay", None),  # a fire next door
    ],
)
def test_names_category_tells_kinds_apart(gbot: Bot, text: str, label: str | None) -> None:
    flow = gbot.garbage
    assert flow is not None
    assert flow.names_category(text) == label


def test_a_fuzzy_area_is_confirmed_not_stored(gbot: Bot) -> None:
    _, session = talk(gbot, Session(lang="en"), "when is burnable garbage day")
    result, session = talk(gbot, session, "Tay Machi")
    assert result.outcome == "clarify" and session.area is None
    assert result.replies[0].text.startswith("Did you mean")
    guess = result.replies[0].buttons[0].data.removeprefix("area:")
    assert guess in gbot.garbage.data.areas  # type: ignore[union-attr]
    result, session = talk(gbot, session, "no")
    assert session.area is None and session.awaiting == "area"
    result, session = talk(gbot, session, "Tay Machi")
    result, session = talk(gbot, session, "yes")
    assert session.area == guess and result.topic == "garbage.collection_days"


@pytest.mark.parametrize("typed", ["西町", "にしまち", "nishimachi", "Nishi-machi", "ニシマチ"])
def test_exact_area_names_are_taken_at_once(gbot: Bot, typed: str) -> None:
    _, session = talk(gbot, Session(lang="ja"), "ごみの日はいつ？")
    result, session = talk(gbot, session, typed)
    assert session.area == "西町" and result.outcome == "answer"


def test_area_prompt_buttons_fit_line_and_name_every_town(gbot: Bot) -> None:
    flow = gbot.garbage
    assert flow is not None
    result, session = talk(gbot, Session(lang="en"), "when is garbage day")
    buttons = result.replies[-1].buttons
    assert len(buttons) <= 13 and all(len(b.label) <= 20 for b in buttons)
    assert "nishimachi" in result.replies[-1].text.lower() or "higashimachi" in (
        result.replies[-1].text.lower()
    )
    towns = {b.data for b in buttons if b.data.startswith("area:") and "more" not in b.data}
    more = next(b.data for b in buttons if b.data.startswith("area:more:"))
    result, session = talk(gbot, session, more, kind="postback")
    towns |= {b.data for b in result.replies[-1].buttons if b.data.startswith("area:")}
    assert {t.removeprefix("area:") for t in towns} == set(flow.towns())
    # A town with several areas asks which one.
    result, session = talk(gbot, session, "area:東町", kind="postback")
    assert [b.data for b in result.replies[0].buttons] == [
        "area:東町1丁目",
        "area:東町2丁目",
        "area:東町3丁目",
    ]
    result, session = talk(gbot, session, "area:東町2丁目", kind="postback")
    assert session.area == "東町2丁目" and result.topic == "garbage.collection_days"


def test_japanese_area_buttons_carry_readings_within_twenty_characters(gbot: Bot) -> None:
    result, _ = talk(gbot, Session(lang="ja"), "ごみの日はいつ？")
    labels = [b.label for b in result.replies[-1].buttons]
    assert "西町(にしまち)" in labels and all(len(label) <= 20 for label in labels)


@pytest.mark.parametrize(
    ("lang", "leave"),
    [
        ("ja", "メニュー"),
        ("vi", "menu"),
        ("pt", "cancelar"),
        ("es", "cancelar"),
        ("tl", "Menu"),
        ("en", "cancel"),
        ("zh", "菜单"),
    ],
)
def test_the_area_prompt_never_traps(gbot: Bot, lang: str, leave: str) -> None:
    _, session = talk(gbot, Session(lang=lang), "when is garbage day")
    assert session.awaiting == "area"
    result, session = talk(gbot, session, leave)
    assert result.outcome == "menu" and session.awaiting is None and result.lang == lang


def test_a_new_question_in_the_area_prompt_is_answered_in_its_language(gbot: Bot) -> None:
    _, session = talk(gbot, Session(), "kailan ang basura")
    assert session.awaiting == "area"
    result, session = talk(gbot, session, "saan ako pwedeng mag-aral ng Japanese")
    assert session.awaiting is None and result.lang == "tl"
    assert result.topic and result.topic.startswith("japanese."), result.topic


@pytest.mark.parametrize("name", ["でんち", "かさ"])
def test_what_kind_of_garbage_mode_takes_its_own_examples(gbot: Bot, name: str) -> None:
    result, session = talk(gbot, Session(), "これは何ごみ？")
    assert session.awaiting == "item" and name in result.replies[0].text
    result, session = talk(gbot, session, name)
    assert result.topic == "garbage.item" and "「" in result.replies[0].text
    assert "すてたい" not in result.replies[0].text  # an item, not the prompt again
    result, session = talk(gbot, session, "地震のときはどうする？")
    assert result.topic == "disaster.earthquake" and session.awaiting is None


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("可燃ゴミ是星期几收啊", "那塑料呢?", "zh"),
        ("when is burnable garbage", "and plastic?", "en"),
        ("khi nao do rac chay", "con rac nhua?", "vi"),
        ("quando passa o lixo queimavel", "e amanha?", "pt"),
    ],
)
def test_a_kind_or_day_while_the_area_is_asked_asks_again_and_is_kept(
    gbot: Bot, first: str, then: str, lang: str
) -> None:
    """ "那塑料呢?" while we wait for the area is no misspelt area: the area is asked
    again (not "area not found"), and the answer once the area comes is about it."""
    _, session = talk(gbot, Session(), first)
    assert session.awaiting == "area"
    result, session = talk(gbot, session, then)
    assert result.topic == "garbage.collection_days" and result.outcome == "answer"
    assert result.lang == lang and session.awaiting == "area"
    result, session = talk(gbot, session, "西町")
    assert result.topic == "garbage.collection_days" and session.area == "西町"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("onde jogo as pilha usada", "pt"),
        ("onde jogar o oleo de cozinha", "pt"),
        ("where to throw battery", "en"),
        ("how to throw old umbrella", "en"),
    ],
)
def test_throw_as_residents_say_it_goes_to_the_item_dictionary(
    gbot: Bot, text: str, lang: str
) -> None:
    """ "onde jogo X" and the plain "throw X" of everyday English ask how to throw
    X away, as "jogar fora" and "throw away" do."""
    result, _ = talk(gbot, Session(), text)
    assert result.topic == "garbage.item" and result.outcome == "answer" and result.lang == lang


def test_a_space_the_resident_typed_sets_a_short_name_apart(gbot: Bot) -> None:
    """ "ふるい かさ も すてたい": residents who write easy Japanese put spaces between
    words, so かさ after a space is the umbrella; run together, ふるいかさ is still
    no place to find it (a short kana name inside a longer word)."""
    assert gbot.garbage is not None
    spaced = gbot.garbage.data.find_item("ふるい かさ も すてたい です", "ja")
    assert spaced is not None and spaced.item.name == "傘" and spaced.kind == "exact"
    joined = gbot.garbage.data.find_item("ふるいかさをすてたい", "ja")
    assert joined is None or joined.item.name != "傘"
    result, _ = talk(gbot, Session(), "ふるい かさ も すてたい です")
    assert result.topic == "garbage.item" and result.lang == "ja"


@pytest.mark.parametrize(
    ("text", "topic", "lang"),
    [
        ("which bag do i use for burnable", "garbage.bags", "en"),
        ("q saco tem q usar pro lixo queimavel", "garbage.bags", "pt"),
        ("燃えるごみの袋はどこで買えますか", "garbage.bags", "ja"),
        ("pwede ko bang dalhin ang PET bottles sa box sa supermarket", "garbage.resource_station",
         "tl"),
        ("chai pet co bo vao thung o sieu thi dc ko", "garbage.resource_station", "vi"),
        ("posso levar as latas no mercado?", "garbage.resource_station", "pt"),
        # Without a word for the bags or the boxes, a kind of garbage asks its days.
        ("burnable garbage?", "garbage.collection_days", "en"),
        ("もえるごみ は いつ", "garbage.collection_days", "ja"),
    ],
)
def test_a_kind_of_garbage_beside_the_bags_or_the_shop_boxes(
    gbot: Bot, text: str, topic: str, lang: str
) -> None:
    """Naming a kind of garbage used to send every question to the collection days,
    "which bag for burnable" too: the bags and the shops' boxes answer for themselves."""
    result, _ = talk(gbot, Session(), text)
    assert result.topic == topic and result.lang == lang


def test_a_kind_named_right_after_the_shop_boxes_asks_about_the_boxes(gbot: Bot) -> None:
    first, session = talk(gbot, Session(), "i heard the supermarket has a box for pet bottles")
    assert first.topic == "garbage.resource_station"
    follow, session = talk(gbot, session, "cans also ok there?")
    assert follow.topic == "garbage.resource_station"
    when, _ = talk(gbot, session, "and when is the can day?")
    assert when.topic == "garbage.collection_days"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("sira na ref namin, pwede ko bang ilabas sa gomi station", "tl"),
        ("e a tv? posso deixar no lugar do lixo?", "pt"),
        ("my washing machine broke, can i put it at the garbage place", "en"),
    ],
)
def test_an_appliance_at_the_collection_point_gets_how_to_hand_it_over(
    gbot: Bot, text: str, lang: str
) -> None:
    """The point's rules never say that a fridge cannot go there: the appliance's
    answer does (the shop takes it back, the recycling fee)."""
    result, _ = talk(gbot, Session(), text)
    assert result.topic == "garbage.appliances" and result.lang == lang


def test_a_short_name_without_its_marks_is_not_taken_for_an_item(gbot: Bot) -> None:
    """ "dem ra" (bring it out) folds like đệm (a mattress): not an oversized item."""
    result, _ = talk(gbot, Session(), "toi hom truoc dem ra de dc ko, sang e di lam som")
    assert result.topic != "garbage.oversized"
