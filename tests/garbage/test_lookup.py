"""Item lookup in seven languages (tests/fixtures/5374/translations) and area matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.garbage import GarbageData, check
from bot.garbage.lookup import AreaIndex, _chome_numbers, base_name, name_forms, romaji_key

from .conftest import FIXTURES, imported


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> GarbageData:
    knowledge = imported(tmp_path_factory.mktemp("items"), FIXTURES / "rules", translations=True)
    return GarbageData.load(knowledge)


@pytest.mark.parametrize(
    ("question", "item", "lang", "matched"),
    [
        ("how do I throw away a battery", "電池", "en", "battery"),
        ("How do I throw away batteries?", "電池", "en", "batteries"),
        ("pin cũ vứt thế nào", "電池", "vi", "pin cũ"),
        ("pin cu vut the nao", "電池", "vi", "pin cũ"),  # typed without tones
        ("como jogar fora pilhas", "電池", "pt", "pilhas"),
        ("¿Cómo tiro las pilas?", "電池", "es", "pilas"),
        ("paano itapon ang baterya", "電池", "tl", "Baterya"),
        ("旧电池怎么扔", "電池", "zh", "电池"),
        ("電池はどうやって捨てますか", "電池", "ja", "電池"),
        ("でんちは どう すてますか", "電池", "ja", "電池"),  # reading of the kanji name
        ("ボタン電池を捨てたい", "ボタン電池", "ja", "ボタン電池"),  # the longest name wins
        ("where do I put my old bike", "自転車", "en", "bike"),
        ("chai nhua bỏ ở đâu", "ペットボトル", "vi", "Chai nhựa"),
        ("塑料瓶怎么扔", "ペットボトル", "zh", "塑料瓶"),
        ("ペットボトルの出し方", "ペットボトル", "ja", "ペットボトル"),
    ],
)
def test_item_found_inside_a_question(
    data: GarbageData, question: str, item: str, lang: str, matched: str
) -> None:
    match = data.find_item(question)
    assert match is not None, question
    assert (match.item.name, match.lang, match.matched, match.kind) == (
        item,
        lang,
        matched,
        "exact",
    )
    assert match.score == 100


def test_item_carries_category_and_notice(data: GarbageData) -> None:
    match = data.find_item("how do I throw away a battery")
    assert match is not None
    assert match.category == "燃えないごみ"
    assert match.notice == "テープで端子をかくしてください"
    assert data.notice(match.item, "en") == "Cover the terminals with tape."
    assert data.notice(match.item, "vi") is None  # not translated: the caller falls back
    assert data.category_names(match.category) == {
        "ja": "燃えないごみ",
        "vi": "Rác không cháy được",
        "pt": "Lixo não queimável",
        "en": "Non-burnable garbage",
        "zh": "不可燃垃圾",
    }
    assert data.item_names(match.item)["pt"] == "Pilha"  # the first line is the display name
    assert (
        data.category_description("燃えるごみ", "en") == "Kitchen waste, paper scraps and the like"
    )


def test_typo_is_tolerated_with_a_lower_score(data: GarbageData) -> None:
    match = data.find_item("how to throw away a baterry", lang="en")
    assert match is not None
    assert (match.item.name, match.kind, match.matched) == ("電池", "fuzzy", "battery")
    assert match.score < 100
    match = data.find_item("umbrela")
    assert match is not None and match.item.name == "傘"


def test_part_of_a_name_proposes_candidates(data: GarbageData) -> None:
    match = data.find_item("ボタン")
    assert match is not None
    assert (match.item.name, match.kind) == ("ボタン電池", "partial")
    assert 60 <= match.score < 100


def test_same_name_different_material_gives_alternatives(data: GarbageData) -> None:
    match = data.find_item("おたまは何ごみ？")
    assert match is not None
    names = {match.item.name, *(a.name for a in match.alternatives)}
    assert names == {"おたま(金属製)", "おたま(木製・プラスチック製)"}


def test_preferred_language_breaks_ties(data: GarbageData) -> None:
    es = data.find_item("bicicleta", lang="es")
    pt = data.find_item("bicicleta", lang="pt")
    assert es is not None and pt is not None
    assert (es.item.name, es.lang) == ("自転車", "es")
    assert (pt.item.name, pt.lang) == ("自転車", "pt")
    assert pt.langs == ("pt", "es")  # the same word in both languages


def test_fuzzy_and_stale_translations_are_not_used(data: GarbageData) -> None:
    # es: `#, fuzzy` Paraguas; tl: Payong translated from an old msgid (かさ, not 傘).
    assert data.find_item("paraguas") is None
    assert data.find_item("payong") is None
    assert data.find_item("hello, how are you?") is None
    assert data.find_item("") is None


def test_check_lists_missing_fuzzy_and_stale_translations(data: GarbageData) -> None:
    problems = check(data.dataset.folder.parent)
    es = [p for p in problems if p.startswith("translations/es/") and " item " in p]
    assert es and "傘 (fuzzy)" in es[0]
    tl = [p for p in problems if p.startswith("translations/tl/") and " item " in p]
    assert tl and "傘 (stale)" in tl[0]
    es_po = "translations/es/LC_MESSAGES/garbage-items.po"
    assert any(f"{es_po}: 4 category message(s)" in p for p in problems)


def test_no_garbage_data_is_not_an_error(tmp_path: Path) -> None:
    data = GarbageData.load(tmp_path)
    assert not data.available
    assert data.match_area("旭町") == []
    assert data.find_item("battery") is None
    assert check(tmp_path) == []


def test_name_forms() -> None:
    forms = dict(name_forms("おたま(杓子)(金属製)", "ja"))
    assert forms["おたま"] == 0  # the name without brackets
    assert forms["杓子"] == 2  # a synonym in brackets
    assert "金属製" not in forms  # a material is not a name
    assert dict(name_forms("陶器・陶磁器", "ja"))["陶磁器"] == 1


def test_area_helpers() -> None:
    assert base_name("別所1丁目（1〜26番地）") == "別所"
    assert base_name("境１・３丁目") == "境"
    assert romaji_key("Asahi-chō") == romaji_key("ASAHICHOU") == "asahicho"


def test_area_index_chome_and_romaji() -> None:
    names = ["旭町", "暁町1〜3丁目", "暁町4丁目", "境1・3丁目", "境2・4・5丁目"]
    index = AreaIndex(names)
    assert index.match("asahicho") == ["旭町"]
    assert index.match("Asahi machi") == ["旭町"]
    assert index.match("暁町") == ["暁町1〜3丁目", "暁町4丁目"]
    assert index.match("暁町2丁目") == ["暁町1〜3丁目"]
    assert index.match("akatsukicho 4") == ["暁町4丁目"]
    assert index.match("境3丁目") == ["境1・3丁目"]
    assert index.match("I live in 旭町") == ["旭町"]


# Area names as Meguro's published data writes them: chome in kanji, ranges with
# から and ～, lists with ・. Residents type 3丁目, 3-chome, romaji or an address.
KANJI_CHOME = [
    "青葉台一丁目から四丁目", "大岡山一丁目・二丁目", "上目黒三丁目", "上目黒四丁目・五丁目",
    "中目黒一丁目・二丁目", "中目黒三丁目から五丁目", "三田一丁目・二丁目", "東中原一～二丁目",
]


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("青葉台3丁目", ["青葉台一丁目から四丁目"]),
        ("青葉台三丁目", ["青葉台一丁目から四丁目"]),
        ("aobadai 3 chome", ["青葉台一丁目から四丁目"]),
        ("Aobadai 3-chome", ["青葉台一丁目から四丁目"]),
        ("中目黒1-2-3", ["中目黒一丁目・二丁目"]),  # an address: the chome comes first
        ("中目黒4丁目", ["中目黒三丁目から五丁目"]),
        ("nakameguro 4", ["中目黒三丁目から五丁目"]),
        ("上目黒5-10-2", ["上目黒四丁目・五丁目"]),
        ("三田2丁目", ["三田一丁目・二丁目"]),  # 三 of 三田 is the town's, not a chome
        ("higashinakahara 2", ["東中原一～二丁目"]),
        ("上目黒", ["上目黒三丁目", "上目黒四丁目・五丁目"]),
    ],
)
def test_chome_in_kanji_as_residents_type_them(text: str, areas: list[str]) -> None:
    assert AreaIndex(KANJI_CHOME).match(text) == areas


def test_an_address_inside_a_sentence_names_its_chome() -> None:
    index = AreaIndex(KANJI_CHOME)
    assert index.named_in("中目黒1-2-3に住んでいます。燃えるごみは？") == ["中目黒一丁目・二丁目"]
    assert index.named_in("moro em nakameguro 4, quando passa o lixo") == [
        "中目黒三丁目から五丁目"
    ]


def test_kanji_chome_numbers_and_town() -> None:
    assert base_name("青葉台一丁目から四丁目") == "青葉台"
    assert base_name("三田一丁目・二丁目") == "三田"
    assert _chome_numbers("青葉台一丁目から四丁目") == {1, 2, 3, 4}
    assert _chome_numbers("上目黒四丁目・五丁目") == {4, 5}
    assert _chome_numbers("十日市場町") is None


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("i live in nishimachi, when is burnable", ["西町"]),
        ("toi o nishimachi, khi nao do rac chay", ["西町"]),
        ("にしまち です。プラ の ひ は？", ["西町"]),
        ("我住中央2丁目，资源垃圾什么时候收", ["中央2丁目"]),
        ("taga higashimachi 1 ako, kailan ang tapon", ["東町1丁目"]),
        ("moro no sakuradai, quando passa o lixo", ["桜台"]),
        ("when is burnable garbage", []),
        ("Tay Machi", []),  # only a typo guess: never taken from a sentence
    ],
)
def test_area_named_inside_a_sentence(text: str, areas: list[str]) -> None:
    from bot.garbage import GarbageData

    data = GarbageData.load(Path(__file__).resolve().parents[2] / "knowledge")
    assert data.area_named_in(text) == areas


def test_a_typo_is_only_a_guess() -> None:
    from bot.garbage import GarbageData

    data = GarbageData.load(Path(__file__).resolve().parents[2] / "knowledge")
    assert data.match_area_guess("nishimachi") == (["西町"], False)
    found, guess = data.match_area_guess("nishimati")
    assert guess and found[0] == "西町"
