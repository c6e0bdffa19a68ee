"""The shipped garbage data is an invented city: every garbage answer built from
it says so, in the resident's language, with the same mark as example values of
city.yaml ("（れい）", " (example)"...). After a city imports its own 5374 data,
no garbage answer carries it.

Talked through the Service (session storage in SQLite, as on LINE or Telegram):
the language is chosen with the menu, the area with its button, then a
"tomorrow" question and an item question are typed in that language.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.checks import check
from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
from bot.core.types import Incoming
from bot.garbage import import_5374
from bot.garbage.translations import po_path
from bot.notify.reminders import Reminders
from bot.service import Service
from bot.storage import Store
from tests.kbfactory import copy_city

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "5374"
MONDAY = date(2026, 11, 23)

# (tomorrow question, item question about batteries) in each language; the
# Japanese one names the item as each dictionary does (乾電池 / 電池).
QUESTIONS = {
    "ja": ("明日は何のごみの日ですか", "{}はどうやって捨てますか"),
    "vi": ("ngày mai đổ rác gì", "pin cũ vứt thế nào"),
    "pt": ("amanhã tem coleta de quê?", "como jogar fora pilhas"),
    "es": ("¿qué basura se recoge mañana?", "¿cómo tiro las pilas?"),
    "tl": ("anong basura bukas?", "paano itapon ang baterya"),
    "en": ("what garbage is tomorrow", "how do I throw away batteries"),
    "zh": ("明天扔什么垃圾", "电池怎么扔"),
}


def garbage_answers(
    service: Service, user: str, lang: str, area: str, battery: str
) -> dict[str, str]:
    """The first reply of each garbage answer: dates, tomorrow, item."""
    tomorrow, item = QUESTIONS[lang]
    item = item.format(battery)
    out: dict[str, str] = {}
    steps = [
        ("postback", f"lang:{lang}", None),
        ("postback", f"area:{area}", "dates"),
        ("text", tomorrow, "tomorrow"),
        ("text", item, "item"),
    ]
    for kind, text, name in steps:
        result = service.handle("line", user, Incoming(kind=kind, text=text))  # type: ignore[arg-type]
        assert result is not None
        if name is None:
            continue
        assert result.lang == lang, (name, result)
        assert result.topic in ("garbage.collection_days", "garbage.item"), (name, result)
        # After an area button the first reply is "area: X (remembered)".
        out[name] = result.replies[-1 if name == "dates" else 0].text
    return out


@pytest.fixture(scope="module")
def example_service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    bot = Bot(load_knowledge(REPO / "knowledge"))
    assert bot.garbage is not None and bot.garbage.data.example
    bot.garbage.clock = lambda: MONDAY
    return Service(bot, Store(tmp_path_factory.mktemp("ex") / "s.sqlite3"), b"k")


@pytest.fixture(scope="module")
def real_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge base with its garbage folder replaced by an import."""
    knowledge = tmp_path_factory.mktemp("city") / "knowledge"
    copy_city(knowledge)
    report = import_5374(FIXTURES / "rules", knowledge)
    assert report.ok, report.summary()
    for po in (FIXTURES / "translations").glob("*/LC_MESSAGES/garbage-items.po"):
        shutil.copy(po, po_path(knowledge, po.parent.parent.name))
    return knowledge


@pytest.fixture(scope="module")
def real_service(real_knowledge: Path, tmp_path_factory: pytest.TempPathFactory) -> Service:
    bot = Bot(load_knowledge(real_knowledge))
    assert bot.garbage is not None and not bot.garbage.data.example
    bot.garbage.clock = lambda: MONDAY
    return Service(bot, Store(tmp_path_factory.mktemp("real") / "s.sqlite3"), b"k")


@pytest.mark.parametrize("lang", list(QUESTIONS))
def test_every_answer_of_the_example_city_is_marked(example_service: Service, lang: str) -> None:
    mark = example_service.bot.phrases.raw("example_mark", lang).strip()
    answers = garbage_answers(example_service, f"ex-{lang}", lang, "緑が丘", "乾電池")
    assert set(answers) == {"dates", "tomorrow", "item"}
    for name, text in answers.items():
        assert mark in text.split("\n")[0], (name, text)


@pytest.mark.parametrize("lang", list(QUESTIONS))
def test_no_answer_is_marked_after_an_import(real_service: Service, lang: str) -> None:
    mark = real_service.bot.phrases.raw("example_mark", lang).strip()
    answers = garbage_answers(real_service, f"real-{lang}", lang, "桜町", "電池")
    assert set(answers) == {"dates", "tomorrow", "item"}
    for name, text in answers.items():
        assert mark not in text, (name, text)
    # The same answers, with real dates: 桜町 燃えるごみ is 月 木 (Thu 26 Nov next).
    assert "26" in answers["dates"]


def test_kb_check_warns_while_the_example_garbage_is_in_use(real_knowledge: Path) -> None:
    shipped = check(load_knowledge(REPO / "knowledge", furigana=False))
    assert any("example garbage data in use" in w for w in shipped.warnings)
    assert not any("example garbage data" in e for e in shipped.errors)
    imported = check(load_knowledge(real_knowledge, furigana=False))
    assert not any("example garbage data" in w for w in imported.warnings)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reminders_of_the_example_city_are_marked_and_real_ones_not(
    example_service: Service, real_service: Service, lang: str
) -> None:
    # A garbage-day reminder is built from the same calendar, through the same mark.
    tomorrow = MONDAY + timedelta(days=1)
    for service, area, marked in ((example_service, "緑が丘", True), (real_service, "桜町", False)):
        reminders = Reminders(service.store, service.bot)
        (reply,) = reminders.compose(lang, area, tomorrow, ["燃えるごみ"], MONDAY)
        mark = service.bot.phrases.raw("example_mark", lang).strip()
        assert (mark in reply.text.split("\n")[0]) is marked, reply.text
