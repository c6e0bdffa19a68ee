"""Short follow-ups read in the light of the conversation, in its language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.types import Incoming, Session
from bot.service import Service
from bot.storage import Store


def _talk(bot: Bot, *texts: str, session: Session | None = None) -> list:  # type: ignore[type-arg]
    session = session or Session()
    results = []
    for text in texts:
        result = bot.handle(Incoming(text=text), session)
        session = result.session
        results.append(result)
    return results


@pytest.mark.parametrize(
    ("first", "then", "topics", "lang"),
    [
        ("may japanese class ba dito?", "magkano?", {"japanese.apply", "japanese.class"}, "tl"),
        ("co lop hoc tieng nhat khong", "hoc phi bao nhieu", {"japanese.apply"}, "vi"),
        ("quero estudar japones, tem aula no domingo?", "e online tem?", {"japanese.online"}, "pt"),
        ("clases de japones para principiantes?", "como me inscribo", {"japanese.apply"}, "es"),
        ("where is the japanese class", "how much?", {"japanese.apply", "japanese.class"}, "en"),
        ("我想学日语 有免费的课吗", "有网课吗", {"japanese.online"}, "zh"),
        ("日本語教室は　ありますか", "いくら？", {"japanese.apply", "japanese.class"}, "ja"),
        ("nihongo kyoushitsu wa doko desu ka", "kodomo mo ii desu ka",
         {"japanese.children", "japanese.class"}, "ja"),
    ],
)
def test_a_short_follow_up_stays_on_the_subject(
    first: str, then: str, topics: set[str], lang: str, bot: Bot
) -> None:
    _, follow = _talk(bot, first, then)
    assert follow.outcome in ("answer", "clarify")
    assert follow.topic in topics
    assert follow.lang == lang


def test_a_new_question_we_do_not_cover_is_not_taken_for_a_follow_up(bot: Bot) -> None:
    _, follow = _talk(bot, "签证更新在哪里办", "今晚日本队比赛几点开始")
    assert follow.outcome == "fallback"
    _, follow = _talk(bot, "onde tem abrigo de evacuacao", "vai chover amanha?")
    assert follow.outcome == "fallback"


def test_a_follow_up_after_a_tapped_button_uses_the_tapped_entry(bot: Bot) -> None:
    tap = bot.handle(Incoming(kind="postback", text="e:japanese.class"), Session(last_lang="tl"))
    follow = bot.handle(Incoming(text="magkano?"), tap.session)
    assert follow.topic in ("japanese.apply", "japanese.class") and follow.lang == "tl"


def test_follow_ups_through_the_service_keep_topic_and_language(tmp_path: Path, bot: Bot) -> None:
    service = Service(bot, Store(tmp_path / "s.sqlite3"), b"k")
    first = service.handle("line", "U9", Incoming(text="how do i apply for japanese class"))
    assert first is not None and first.lang == "en"
    follow = service.handle("line", "U9", Incoming(text="is there one for kids too"))
    assert follow is not None and follow.topic == "japanese.children" and follow.lang == "en"


def test_the_context_keeps_the_conversations_last_questions_whole(bot: Bot) -> None:
    """Each follow-up adds its question to the context; the oldest go whole when
    it would pass MAX_CONTEXT characters, so every question kept is one already
    analysed (bot.core.retrieval.CONTEXT_SEP)."""
    from bot.core.dialogue import MAX_CONTEXT
    from bot.core.retrieval import CONTEXT_SEP

    asked = ["where is the japanese class", "how much?", "on sunday?", "for kids?"]
    results = _talk(bot, *asked)
    assert all(r.topic and r.topic.startswith("japanese.") for r in results)
    assert results[-1].session.context == CONTEXT_SEP.join(asked)
    from bot.core.dialogue import _recent

    many = [f"question number {i:02d} about it" for i in range(20)]  # 27 characters each
    context = _recent(CONTEXT_SEP.join(many))
    kept = context.split(CONTEXT_SEP)
    assert kept == many[-10:] and len(context) == 10 * 27 + 9 <= MAX_CONTEXT  # 11 would not fit
    long_one = "x" * (MAX_CONTEXT + 50)
    assert _recent(CONTEXT_SEP.join([*many, long_one])) == long_one[-MAX_CONTEXT:]


@pytest.mark.parametrize(
    ("first", "then", "topic", "lang"),
    [
        ("minha geladeira quebrou como faco pra jogar fora", "quanto custa?",
         "garbage.appliances", "pt"),
        ("tengo un futon viejo, como lo boto", "cuanto cuesta?", "garbage.oversized", "es"),
    ],
)
def test_a_bare_price_question_is_about_the_last_subject(
    first: str, then: str, topic: str, lang: str, bot: Bot
) -> None:
    """ "quanto custa?" is as close to an out-of-scope example ("quanto custa o arroz")
    as to anything we answer: after the fridge, it asks what the fridge costs."""
    _, follow = _talk(bot, first, then)
    assert follow.outcome == "answer" and follow.topic == topic and follow.lang == lang


@pytest.mark.parametrize("text", ["quanto custa?", "cuanto cuesta?"])
def test_a_bare_price_question_with_nothing_before_is_not_guessed(text: str, bot: Bot) -> None:
    (alone,) = _talk(bot, text)
    assert alone.outcome == "fallback"


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("mi pareja me grita y me empuja, no se que hacer", "hay algun numero para llamar?", "es"),
        ("chong e say ruou la danh e, e so lam", "goi so nao de dc giup", "vi"),
        ("palagi akong sinasaktan ng asawa ko pag lasing sya",
         "saan pwede pumunta kasama anak ko", "tl"),
    ],
)
def test_a_question_that_names_nothing_asks_about_the_last_answer(
    first: str, then: str, lang: str, bot: Bot
) -> None:
    """Alone, "hay algun numero para llamar?" would get a "did you mean" (the shelters,
    a person, the police score alike); after the DV desk it asks for the DV desk's
    number, and the answer gives it."""
    answer, follow = _talk(bot, first, then)
    assert answer.topic == follow.topic == "consult.dv"
    assert follow.outcome == "answer" and follow.lang == lang
    assert "#8008" in follow.replies[0].text


@pytest.mark.parametrize(
    ("first", "then", "topic"),
    [
        ("toi bi cong ty duoi viec dot ngot", "vay con visa cua toi thi sao", "consult.visa"),
        ("签证更新在哪里办", "今晚日本队比赛几点开始", None),
    ],
)
def test_a_follow_up_that_names_its_own_subject_leaves_the_last_one(
    first: str, then: str, topic: str | None, bot: Bot
) -> None:
    _, follow = _talk(bot, first, then)
    assert follow.topic == topic


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("たんす すてたい。おおきい ごみ どうする？", "おかね いくら ですか", "ja"),
        ("quero jogar fora um sofa velho", "posso levar eu mesma de carro?", "pt"),
    ],
)
def test_a_question_after_oversized_garbage_is_about_it(
    first: str, then: str, lang: str, bot: Bot
) -> None:
    """Oversized garbage is answered by its entry (apply, the fee, bring it
    yourself): a follow-up that names nothing of its own asks about it too."""
    answer, follow = _talk(bot, first, then)
    assert answer.topic == follow.topic == "garbage.oversized"
    assert follow.lang == lang


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("moro em higashimachi, q dia passa o lixo de plastico?", "e o moeru gomi?", "pt"),
        ("como jogo fora um sofa velho", "e sodai gomi?", "pt"),
        ("quiero botar un ropero grande", "y el sodai gomi?", "es"),
    ],
)
def test_a_borrowed_japanese_word_is_no_switch_to_japanese(
    first: str, then: str, lang: str, bot: Bot
) -> None:
    """Brazilians say "gomi", Filipinos "nihongo": alone in a conversation in their
    language, such words are theirs. Japanese grammar beside them is Japanese."""
    _, follow = _talk(bot, first, then)
    assert follow.lang == lang
    _, japanese = _talk(bot, first, "moeru gomi wa itsu desu ka")
    assert japanese.lang == "ja"
