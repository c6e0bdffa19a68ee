import pytest

from bot.core.dialogue import Bot
from bot.core.language import detect


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("プラスチックごみの収集日はいつですか", "ja"),
        ("rác nhựa đổ vào thứ mấy", "vi"),
        ("quando é a coleta de lixo não queimável?", "pt"),
        ("¿qué día sacan la basura de plástico?", "es"),
        ("kailan ang koleksyon ng plastik", "tl"),
        ("what day is plastic collection", "en"),
        ("塑料垃圾哪天收", "zh"),
    ],
)
def test_clear_messages_are_detected(text: str, lang: str, bot: Bot) -> None:
    assert detect(text, bot.lexicon) == lang


def test_vietnamese_without_tone_marks_uses_our_vocabulary(bot: Bot) -> None:
    # lingua alone says Tagalog here; the knowledge base's Vietnamese variants decide.
    assert detect("ngay nao do rac nhua", bot.lexicon) == "vi"
    assert detect("dong dat thi lam gi", bot.lexicon) == "vi"


def test_short_ambiguous_text_gives_no_verdict(bot: Bot) -> None:
    assert detect("ok", bot.lexicon) is None
    assert detect("123", bot.lexicon) is None
    assert detect("", bot.lexicon) is None


def test_kanji_only_japanese_is_not_taken_for_chinese(bot: Bot) -> None:
    assert detect("日本語教室", bot.lexicon) == "ja"
    assert detect("日语课", bot.lexicon) == "zh"
