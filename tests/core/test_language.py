import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import language
from bot.core.dialogue import Bot
from bot.core.language import (
    _combine,
    _confidences,
    _verdict,
    decided_by_one_half,
    detect,
    vocabulary_favours,
)
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
    ("text", "lang"),
    [
        # Japan's words in the residents' own languages stay theirs.
        ("o nenkin e obrigatorio?", "pt"),
        ("nenkin co phai dong ko", "vi"),
        ("nenkin sa pilipinas", "tl"),
        # Chinese with Japan's words in kana: the simplified characters decide.
        ("想扔个旧沙发,粗大ごみ咋申请", "zh"),
        ("洗衣机坏了,能放ゴミ站吗", "zh"),
        ("那ゴミ袋在哪买", "zh"),
        ("听说有外国人キーパーソン,是干啥的", "zh"),
        ("ペットボトル要把标签撕掉吗", "zh"),
        # Japanese, kanji and all, has none of them.
        ("粗大ごみの申し込みは　どうしますか", "ja"),
        ("日本語の教室は　どこですか", "ja"),
        ("髙橋さんに　ゴミの　日を　聞きました", "ja"),
        ("ごみ收集日", "ja"),  # a traditional form Japanese shares: not simplified-only
    ],
)
def test_japans_words_inside_another_language_keep_its_language(
    text: str, lang: str, bot: Bot
) -> None:
    assert detect(text, bot.lexicon) == lang


def test_a_chinese_conversation_with_kana_words_stays_chinese(bot: Bot) -> None:
    first = bot.handle(Incoming(text="洗衣机坏了,能放ゴミ站吗"), Session())
    assert first.lang == "zh" and first.topic == "garbage.appliances"
    then = bot.handle(Incoming(text="空调也要换,旧的咋处理"), first.session)
    assert then.lang == "zh"


@pytest.mark.parametrize(
    "text",
    ["nihongo kyoushitsu arimasu ka", "kodomo mo ii desu ka", "gomi no hi wa itsu",
     "nihongo kyoushitsu wa doko desu ka", "byouin wa doko desu ka",
     "nenkin harawanai to dame?", "kemuri ga ippai", "sodai gomi no moushikomi"],
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


_OURS = ("ja", "vi", "pt", "es", "tl", "en", "zh")


def _shares(raw: list[float]) -> dict[str, float]:
    total = sum(raw)
    return {lang: v / total for lang, v in zip(_OURS, raw, strict=True)} if total else {}


_RAW = st.lists(st.floats(0, 1), min_size=7, max_size=7)


@settings(max_examples=3000, deadline=None)
@given(fasttext=_RAW, lingua=_RAW, lex=st.lists(st.floats(0, 1), min_size=7, max_size=7))
def test_one_detector_decides_only_what_the_other_cannot_change(
    fasttext: list[float], lingua: list[float], lex: list[float]
) -> None:
    # lingua is skipped when fastText and our vocabulary settle the verdict: that
    # is only right if no shares lingua could give would change it.
    half, other = _shares(fasttext), _shares(lingua)
    vocabulary = dict(zip(_OURS, lex, strict=True))
    sure = decided_by_one_half(half, vocabulary)
    if sure is not None and half:
        assert _verdict(_combine(other, half), vocabulary) == sure
        # The most lingua could do against it: all of its confidence on the runner-up.
        for rival in _OURS:
            assert _verdict(_combine({rival: 1.0}, half), vocabulary) == sure


def test_lingua_runs_only_when_fasttext_leaves_the_verdict_open(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        "where can I learn Japanese for free",
        "saan pwede mag-aral ng Japanese nang libre",
        "onde posso aprender japones de graca",
        "donde puedo aprender japones gratis",
        "kailan ang koleksyon ng plastik",
        "gomi no hi wa itsu desu ka",
        "what day is plastic collection",
        "hello work o dau",
        "emergency number",
    ]
    # The verdicts with lingua always asked, as before it could be skipped.
    always = {}
    for text in texts:
        folded = language.normalize(text)
        units = language._units(folded)
        lex = bot.lexicon.scores(units)
        always[text] = language._verdict(language._confidences(text), lex)
    calls: list[str] = []
    real = language._lingua_shares

    def counted(text: str) -> dict[str, float]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(language, "_lingua_shares", counted)
    for text in texts:
        folded = language.normalize(text)
        units = language._units(folded)
        lex = bot.lexicon.scores(units)
        assert language._statistical(text, folded, units, lex) == always[text], text
    assert "where can I learn Japanese for free" not in calls  # fastText and our words agree
    assert len(calls) < len(texts)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("i speak nepali hindi and english, can i help foreigners when disaster happen", "en"),
        ("hindi ko alam kung saan itatapon", "tl"),
        ("hindi po ako marunong mag nihongo", "tl"),
    ],
)
def test_hindi_the_language_is_not_tagalogs_no(text: str, lang: str, bot: Bot) -> None:
    assert bot.detect(text) == lang
