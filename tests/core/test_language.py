import pytest

from bot.core.dialogue import Bot
from bot.core.language import _confidences, detect, vocabulary_favours
from bot.core.types import Incoming, Session


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


@pytest.mark.parametrize(
    "text",
    ["nihongo kyoushitsu arimasu ka", "kodomo mo ii desu ka", "gomi no hi wa itsu",
     "nihongo kyoushitsu wa doko desu ka", "byouin wa doko desu ka"],
)
def test_romaji_japanese_is_japanese(text: str, bot: Bot) -> None:
    assert detect(text, bot.lexicon) == "ja"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("como descarto um sofa velho", "pt"),
        ("ele nao fala nada de japones", "pt"),
        ("e quanto sai pra jogar fora?", "pt"),
        ("oi", "pt"),
        ("donde boto las pilas", "es"),
        ("y la de papel?", "es"),
        ("pano mag apply ng health insurance", "tl"),
        ("saan ako tatawag", "tl"),
        ("kumusta", "tl"),
        ("may japanese class ba dito?", "tl"),
    ],
)
def test_unaccented_portuguese_and_taglish(text: str, lang: str, bot: Bot) -> None:
    assert detect(text, bot.lexicon) == lang


@pytest.mark.parametrize("text", ["hi", "hello", "ok", "thanks", "Thank you", "menu"])
def test_words_everyone_types_name_no_language(text: str, bot: Bot) -> None:
    assert detect(text, bot.lexicon) is None
    for lang in ("vi", "pt", "tl"):
        # The conversation's language is kept.
        result = bot.handle(Incoming(text=text), Session(last_lang=lang))
        assert result.lang == lang


def test_a_bare_hello_from_a_stranger_gets_the_language_menu(bot: Bot) -> None:
    result = bot.handle(Incoming(text="hi"), Session())
    assert any(b.data == "lang:vi" for r in result.replies for b in r.buttons or [])


def test_the_platform_language_never_overrides_the_conversation(bot: Bot) -> None:
    session = Session(last_lang="pt")
    tap = bot.handle(Incoming(kind="postback", text="cat:garbage", platform_lang="ja"), session)
    assert tap.lang == "pt"
    typed = bot.handle(Incoming(text="ok", platform_lang="en"), session)
    assert typed.lang == "pt"
    first = bot.handle(Incoming(text="ok", platform_lang="vi"), Session())
    assert first.lang == "vi"  # with nothing else known, the platform's is the first guess


@pytest.mark.parametrize(
    "text",
    ["toi o nishimachi, khi nao do rac chay", "con rac nhua thi sao", "vut tivi the nao",
     "so cuu hoa la so may"],
)
def test_toneless_vietnamese_with_names_and_loanwords(text: str, bot: Bot) -> None:
    # Most words Vietnamese syllables, most of them in our Vietnamese vocabulary.
    assert detect(text, bot.lexicon) == "vi"


@pytest.mark.parametrize("text", ["bom dia", "see you", "not a bot", "no se"])
def test_short_syllable_like_phrases_are_not_taken_for_vietnamese(text: str, bot: Bot) -> None:
    assert detect(text, bot.lexicon) != "vi"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("inscricao de voluntario", "pt"),
        ("inscripcion de voluntario", "es"),
        ("mapa de prevencao de desastres", "pt"),
        ("voluntário de apoio a estrangeiros em desastres", "pt"),
        ("acabei de me mudar para a cidade", "pt"),
    ],
)
def test_portuguese_and_spanish_word_endings(text: str, lang: str, bot: Bot) -> None:
    assert detect(text, bot.lexicon) == lang


def test_both_detectors_speak_for_all_seven_languages() -> None:
    # The real models: lingua (low accuracy) and fastText's lid.176.ftz.
    conf = _confidences("where can I learn Japanese for free")
    assert set(conf) == {"ja", "vi", "pt", "es", "tl", "en", "zh"}
    assert max(conf, key=conf.__getitem__) == "en"
    assert sum(conf.values()) == pytest.approx(1.0, abs=0.02)


def test_a_follow_up_in_the_conversations_words_keeps_its_language(bot: Bot) -> None:
    # A loanword ("online") does not switch a Portuguese conversation to English...
    assert vocabulary_favours("e online tem?", "pt", bot.lexicon)
    assert bot.handle(Incoming(text="e online tem?"), Session(last_lang="pt")).lang == "pt"
    # ...but a message in another language does.
    switched = bot.handle(Incoming(text="what day is plastic collection"), Session(last_lang="pt"))
    assert switched.lang == "en"
