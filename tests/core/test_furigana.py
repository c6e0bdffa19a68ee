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
