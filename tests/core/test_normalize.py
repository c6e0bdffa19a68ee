from bot.core.normalize import MAX_INPUT_CHARS, fold_accents, kata_to_hira, normalize, tokens


def test_vietnamese_diacritics_and_d_bar_fold_to_ascii() -> None:
    assert normalize("Rác nhựa đổ vào thứ mấy?") == "rac nhua do vao thu may"
    assert normalize("ĐỘNG ĐẤT") == "dong dat"


def test_portuguese_and_spanish_accents_fold() -> None:
    assert normalize("Coleção de lixo não queimável") == "colecao de lixo nao queimavel"
    assert normalize("¿Qué día sacan la basura?") == "que dia sacan la basura"


def test_full_width_and_case_fold() -> None:
    assert normalize("ＰＥＴボトル　１２３") == "petぼとる 123"


def test_katakana_folds_to_hiragana_without_breaking_voiced_marks() -> None:
    assert kata_to_hira("プラスチック") == "ぷらすちっく"
    assert normalize("ゴミ") == normalize("ごみ")
    # NFD must not split が into か + mark.
    assert fold_accents("がっこう") == "がっこう"


def test_zero_width_and_control_characters_are_dropped() -> None:
    assert normalize("ga\u200brbage\u0007 day") == "garbage day"


def test_input_is_capped() -> None:
    assert len(normalize("a" * 10_000)) == MAX_INPUT_CHARS


def test_tokens_split_cjk_per_character() -> None:
    assert tokens("塑料垃圾 plastic") == ["塑", "料", "垃", "圾", "plastic"]


def test_tokens_keep_latin_runs_between_cjk_characters() -> None:
    assert tokens("ごみabcの日\tday  2回") == ["ご", "み", "abc", "の", "日", "day", "2", "回"]
    assert tokens("") == [] and tokens("   ") == []
