from bot.core.furigana import add_furigana


def test_readings_go_on_the_kanji_only() -> None:
    assert add_furigana("燃えるごみ") == "燃(も)えるごみ"
    assert add_furigana("出してください") == "出(だ)してください"


def test_override_list_fixes_what_the_analyzer_misreads() -> None:
    # unidic reads 日曜日 as にちよう + ひ; the override list knows better.
    assert "日曜日(にちようび)" in add_furigana("日曜日です", {"日曜日": "にちようび"})


def test_placeholders_and_urls_are_left_alone() -> None:
    out = add_furigana("電話 {desk.phone} https://example.jp/ごみ")
    assert "{desk.phone}" in out and "https://example.jp/ごみ" in out
    assert out.startswith("電話(でんわ)")


def test_kana_only_text_is_unchanged() -> None:
    assert add_furigana("ごみは　あさ　だします。") == "ごみは　あさ　だします。"


# Numbers with counters come from bot/data/counter_readings.yaml (issue 16).
DATES = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    15: "じゅうごにち",
    20: "はつか",
    24: "にじゅうよっか",
}


def test_dates_read_as_dates_in_half_and_full_width_digits() -> None:
    for day, reading in DATES.items():
        assert f"5月(ごがつ){day}日({reading})から" in add_furigana(f"5月{day}日から")
        wide = str(day).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        assert f"{wide}日({reading})" in add_furigana(f"5月{wide}日から")


def test_one_day_as_a_duration_reads_ichinichi() -> None:
    assert add_furigana("1日に2回のみます").startswith("1日(いちにち)に2回(にかい)")
    assert add_furigana("1日中 あいています").startswith("1日中(いちにちじゅう)")
    assert add_furigana("一日中 あいています").startswith("一日中(いちにちじゅう)")
    assert add_furigana("１日３時間").startswith("１日(いちにち)３時間(さんじかん)")
    # The same 1日 after a month, or before まで, is the first of the month.
    assert "1日(ついたち)に" in add_furigana("4月1日に はじまります")
    assert add_furigana("1日まで").startswith("1日(ついたち)")


def test_people_and_months() -> None:
    assert add_furigana("1人で") == "1人(ひとり)で"
    assert add_furigana("2人で") == "2人(ふたり)で"
    assert add_furigana("3人で") == "3人(さんにん)で"
    assert add_furigana("２人で") == "２人(ふたり)で"
    assert add_furigana("4月") == "4月(しがつ)"
    assert add_furigana("7月") == "7月(しちがつ)"
    assert add_furigana("9月") == "9月(くがつ)"
    assert add_furigana("11月") == "11月(じゅういちがつ)"


def test_kata_after_a_person_noun_but_not_in_other_words() -> None:
    assert add_furigana("外国人の方へ").endswith("の方(かた)へ")
    assert add_furigana("方法を みてください").startswith("方法(ほうほう)")
    assert add_furigana("こちらの方法").endswith("方法(ほうほう)")


def test_overrides_keep_the_context_for_counter_rules() -> None:
    # readings.yaml splits the text at 外国人; 方 must still see "人の" before it.
    out = add_furigana("外国人の方", {"外国人": "がいこくじん"})
    assert out == "外国人(がいこくじん)の方(かた)"


def test_space_before_an_override_is_kept_once() -> None:
    out = add_furigana("から　外国人です", {"外国人": "がいこくじん"})
    assert out == "から　外国人(がいこくじん)です"
    assert add_furigana("ごみ: 12月", {"12月": "じゅうにがつ"}) == "ごみ: 12月(じゅうにがつ)"


# Issue 16, the rest of the list: the same rules with kanji numerals, and without
# knowledge/readings.yaml (its 一人/二人 overrides must not be what makes them pass).
def test_dates_written_in_kanji_numerals() -> None:
    assert "一日(ついたち)に" in add_furigana("4月一日に はじまります")
    assert "二日(ふつか)から" in add_furigana("4月二日から")
    assert add_furigana("十日まで").startswith("十日(とおか)")
    assert "二十日(はつか)から" in add_furigana("5月二十日から")


def test_one_day_by_context_in_kanji_numerals() -> None:
    assert add_furigana("一日に3回").startswith("一日(いちにち)に3回(さんかい)")
    assert add_furigana("一日中").startswith("一日中(いちにちじゅう)")
    assert add_furigana("毎月一日に").endswith("一日(ついたち)に")


def test_people_in_kanji_numerals_without_overrides() -> None:
    assert add_furigana("一人で", {}) == "一人(ひとり)で"
    assert add_furigana("二人で", {}) == "二人(ふたり)で"


def test_kata_with_the_shipped_overrides() -> None:
    from bot.core.furigana import load_readings
    from tests.conftest import REPO

    readings = load_readings(REPO / "knowledge" / "readings.yaml")
    out = add_furigana("日本に すむ 外国人の方へ", readings)
    assert out.endswith("外国人(がいこくじん)の方(かた)へ")


def test_a_weekday_in_brackets_after_a_date() -> None:
    # Alone the analyzer reads 月 がつ, 火 ひ, 水 みず, 木 き: wrong after a date.
    out = add_furigana("12月1日(月)から 3日（水）まで")
    assert "1日(ついたち)(月(げつ))から" in out
    assert "3日(みっか)（水(すい)）まで" in out
    assert add_furigana("2日(火)") == "2日(ふつか)(火(か))"
    assert add_furigana("4日(木)") == "4日(よっか)(木(もく))"
    # Outside brackets the analyzer's reading stays.
    assert add_furigana("水を のみます").startswith("水(みず)")
