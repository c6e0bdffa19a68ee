"""The emergency fast path: the number to call at once, in the message's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dialogue import Bot
from bot.core.emergency import _key, find_emergency
from bot.core.normalize import normalize
from bot.core.types import Incoming, Session
from bot.service import Service
from bot.storage import Store

CALLS = [
    # (message, reply language, number the answer must give)
    ("火事です！たすけて", "ja", "119"),
    ("co chay", "vi", "119"),
    ("ban toi khong tho", "vi", "119"),
    ("tem fogo no meu apartamento", "pt", "119"),
    ("socorro", "pt", "119"),
    ("hay un incendio en mi edificio", "es", "119"),
    ("mi esposo no respira", "es", "119"),
    ("sunog!", "tl", "119"),
    ("tulong po", "tl", "119"),
    ("my friend is not breathing", "en", "119"),
    ("someone broke in my house", "en", "110"),
    ("救命 我朋友不能呼吸了", "zh", "119"),
    ("有小偷", "zh", "110"),
    ("泥棒が　いえに　はいった", "ja", "110"),
    # As residents type them in a hurry: unaccented, colloquial, spaced easy Japanese,
    # an earthquake with someone hurt or trapped (the call first, not quake advice).
    ("meu marido caiu no chao e nao ta respirando", "pt", "119"),
    ("ta saindo muita fumaca da cozinha do vizinho", "pt", "119"),
    ("terremoto agora!! minha vizinha ficou presa embaixo do armario", "pt", "119"),
    ("nha ben canh chay khoi nhieu lam", "vi", "119"),
    ("ban e tu nhien nga xuong ko tho nua", "vi", "119"),
    ("e vua bi giat tui ngoai duong", "vi", "110"),
    ("tulong po yung lola ko hindi na humihinga", "tl", "119"),
    ("na-snatch yung bag ko sa kalsada", "tl", "110"),
    ("lumindol ng malakas, may naipit sa gumuhong pader!", "tl", "119"),
    ("esta temblando fuerte y mi hijo se corto con un vidrio, sangra mucho", "es", "119"),
    ("earthquake now!! wall fell down and my friend bleeding from head", "en", "119"),
    ("someone stole my bag on the street just now", "en", "110"),
    ("刚才有人抢了我的包跑了", "zh", "110"),
    ("地震了!柜子倒了压住我爸的腿了", "zh", "119"),
    ("いま じしん！おばあさん が けが した。ち が でてる", "ja", "119"),
    ("otto ga iki wo shitenai", "ja", "119"),  # romaji: answered in Japanese
    ("kemuri ga ippai", "ja", "119"),
    ("dorobou!", "ja", "110"),
]


@pytest.mark.parametrize(("text", "lang", "number"), CALLS)
def test_an_emergency_gets_the_number_at_once(
    text: str, lang: str, number: str, bot: Bot
) -> None:
    result = bot.handle(Incoming(text=text), Session())
    assert result.outcome == "answer"  # never "did you mean" or the menu first
    assert result.topic == "disaster.emergency_call"
    assert result.lang == lang
    assert result.replies[0].text.splitlines()[0].count(number) == 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [("地震だ！", "ja"), ("tsunami warning what do i do", "en"), ("dong dat roi! lam sao", "vi"),
     ("terremoto agora!", "pt"), ("lumilindol ngayon!", "tl"), ("地震了！怎么办", "zh"),
     ("¡hay un terremoto ahora!", "es")],
)
def test_a_quake_or_tsunami_now_says_what_to_do(text: str, lang: str, bot: Bot) -> None:
    result = bot.handle(Incoming(text=text), Session())
    assert result.outcome == "answer" and result.topic == "disaster.earthquake"
    assert result.lang == lang
    assert "119" in result.replies[0].text


@pytest.mark.parametrize(
    "text",
    [
        "Nasusunog na basura, kailan?",  # burnable garbage, not a fire
        "khi nao do rac chay",
        "燃えるごみは　いつですか",
        "quando passa o lixo queimavel",
        "fire drill for foreigners",
        "how do i prepare for an earthquake",
        "地震の　じゅんびは　なにが　いりますか",
        "I need help with my visa",
        "can i smoke here",
        "na-fire ako, ano gagawin ko",  # Taglish: I lost my job
        "pina-fire ako ng agency",
        "emergency supplies list",
        "listahan ng emergency supplies",
        # The same words in everyday senses: stuck in traffic, doing laundry, a
        # nosebleed, cigarette smoke, being troubled, preparing in romaji.
        "toi bi ket xe nen di tre",
        "e muon giat do ban dem dc ko",
        "meu marido ficou preso no transito",
        "quede atrapado en el trafico",
        "naipit ako sa traffic",
        "my gums are bleeding where is a dentist",
        "i feel trapped in my job",
        "我被困扰了很久",
        "はなぢが でました",
        "fumaca de cigarro do vizinho me incomoda",
        "hay humo de cigarro en el pasillo",
        "jishin no junbi wa?",
        "moeru gomi wa itsu",
    ],
)
def test_other_questions_with_the_same_words_are_not_emergencies(text: str) -> None:
    assert find_emergency(text) is None


def test_an_emergency_breaks_out_of_the_area_prompt(bot: Bot) -> None:
    asked = bot.handle(Incoming(text="when is burnable garbage"), Session())
    assert asked.session.awaiting == "area"
    result = bot.handle(Incoming(text="fire! help"), asked.session)
    assert result.topic == "disaster.emergency_call" and "119" in result.replies[0].text
    assert result.session.awaiting is None


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("sunog!", "saan ako tatawag", "tl"),
        ("my friend is not breathing", "what number do i call", "en"),
        ("救命 我朋友不能呼吸了", "打什么电话", "zh"),
        ("co chay", "so cuu hoa la so may", "vi"),
    ],
)
def test_the_follow_up_of_an_emergency_stays_on_the_call(
    first: str, then: str, lang: str, tmp_path: Path, bot: Bot
) -> None:
    service = Service(bot, Store(tmp_path / "s.sqlite3"), b"k")
    service.handle("telegram", "7", Incoming(text=first))
    result = service.handle("telegram", "7", Incoming(text=then))
    assert result is not None
    assert result.topic == "disaster.emergency_call" and result.outcome == "answer"
    assert result.lang == lang
    assert "119" in "\n".join(r.text for r in result.replies)


def _pieces() -> list[str]:
    from bot.core.emergency import _words

    words = sorted({_key(a) for ws in _words().values() for w in ws for p in w.parts for a in p})
    # Whole words, their halves (near misses) and ordinary words to put around them.
    return [*words, *(w[: len(w) // 2] for w in words), "toi", "o", "nha", "ang", "mall", " "]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_pieces()), max_size=8).map(" ".join))
def test_one_scan_finds_the_kinds_a_regex_per_kind_finds(text: str) -> None:
    """The kinds whose words occur in a text, found in one Aho-Corasick pass: the
    same as searching an alternation of each kind's words, kind by kind."""
    import re

    from bot.core.emergency import _key, _kinds_in, _words

    folded = normalize(text)
    expected = {
        kind
        for kind, words in _words().items()
        if re.search(
            "|".join(re.escape(_key(a)) for w in words for p in w.parts for a in p), folded
        )
    }
    assert _kinds_in(folded) == expected


@pytest.mark.parametrize(
    ("first", "then", "lang"),
    [
        ("someone stole my bag on the street just now", "police understand english?", "en"),
        ("meu marido caiu no chao e nao ta respirando", "eles falam portugues no telefone?", "pt"),
        ("刚才有人抢了我的包跑了", "报警能说中文吗", "zh"),
        ("ta saindo muita fumaca da cozinha do vizinho", "nao falo japones como eu explico", "pt"),
    ],
)
def test_asking_about_language_after_an_emergency_stays_on_the_call(
    first: str, then: str, lang: str, tmp_path: Path, bot: Bot
) -> None:
    """ "Does the police understand English?" right after a theft asks about the call
    (the answer says how to get an interpreter), not to switch the bot's language,
    and never puts a "did you mean" before the number."""
    service = Service(bot, Store(tmp_path / "s.sqlite3"), b"k")
    service.handle("telegram", "7", Incoming(text=first))
    result = service.handle("telegram", "7", Incoming(text=then))
    assert result is not None
    assert result.topic == "disaster.emergency_call" and result.outcome == "answer"
    assert result.lang == lang
    text = "\n".join(r.text for r in result.replies)
    assert "119" in text


def test_a_language_named_outside_an_emergency_still_switches(bot: Bot) -> None:
    result = bot.handle(Incoming(text="english please"), Session())
    assert result.outcome == "language" and result.lang == "en"


CHECKS = Path(__file__).resolve().parents[1] / "data" / "emergency_checks.tsv"


def _checks(kind: str) -> list[tuple[str, str]]:
    rows = [line.split("\t") for line in CHECKS.read_text("utf-8").splitlines()]
    return [(lang, text) for lang, k, text in (r for r in rows if r[0][0] != "#") if k == kind]


@pytest.mark.parametrize(("lang", "text"), _checks("E"))
def test_emergencies_as_frightened_residents_type_them(lang: str, text: str) -> None:
    """`tests/data/emergency_checks.tsv` (2026-12-08): 25 emergencies and 25 look-alikes
    per language and romaji, written by speakers with the word list's additions:
    someone not waking, choking, a seizure, bleeding that won't stop, scalds,
    a swallowed battery, a fall, chest pain, stroke signs, anaphylaxis, heatstroke,
    gas, someone trapped; a break-in, threats, a stalker, a snatch, a missing child,
    a traffic accident (110 in Japan)."""
    found = find_emergency(text)
    assert found is not None and found.kind in ("fire", "medical", "crime", "help"), text


@pytest.mark.parametrize(("lang", "text"), _checks("N"))
def test_the_same_words_in_everyday_senses_are_not_emergencies(lang: str, text: str) -> None:
    assert find_emergency(text) is None, text


@pytest.mark.parametrize(
    ("entry", "lang", "text", "found"),
    [
        ("swallow* + battery", "en", "baby swallowed battery from remote", True),
        ("swallow* + battery", "en", "battery of my phone, can i swallow it", True),
        ("swallow* + battery", "en", "my phone battery is dead", False),
        ("swallow* + battery", "en", "unswallowed battery", False),  # a word's start only
        ("吞 + 电池", "zh", "我儿子把纽扣电池吞下去了", True),
        ("吞 + 电池", "zh", "电池没电了", False),
        ("ドア + けって", "ja", "だれか ドア を けってる", True),  # kana folded, spaces ignored
        ("doa + ket*", "romaji", "dareka doa kettemasu", True),
        ("not wak*", "en", "he is not waking up", True),
        ("电池|磁铁 + 吞|咽下", "zh", "孩子把磁铁咽下去了", True),
        ("电池|磁铁 + 吞|咽下", "zh", "磁铁吸在冰箱上", False),
    ],
)
def test_an_entrys_parts_occur_in_any_order(entry: str, lang: str, text: str, found: bool) -> None:
    from bot.core.emergency import _compact, _entry

    word = _entry(entry, lang)
    assert word is not None
    folded = normalize(text)
    assert word.found_in(folded, _compact(folded)) is found
