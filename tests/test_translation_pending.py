"""A translation whose Japanese source changed is not served: the resident gets a
note in their own language, then the current easy-Japanese answer (through the
real service, SQLite and the shipped knowledge, copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.knowledge import KnowledgeBase, load_knowledge
from bot.core.langs import SOURCE_LANG, TARGET_LANGS
from bot.core.phrases import load_phrases
from bot.core.translation_sync import sync_translations
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store
from tests.kbfactory import copy_city

ENTRY = "japanese.class"
ADDED = "きょうしつの　まえに　せつめいかいが　あります。"


def _change_source(root: Path) -> None:
    """Staff change the Japanese answer; `kb sync` marks every translation stale."""
    kb = load_knowledge(root, furigana=False)
    path = kb.entries[ENTRY].path
    text = path.read_text(encoding="utf-8")
    last = "  もうしこみは　「きょうしつの　もうしこみ」を　見てください。\n"
    assert last in text
    path.write_text(text.replace(last, f"  {ADDED}\n{last}"), encoding="utf-8")
    counts = sync_translations(load_knowledge(root, furigana=False), category="japanese")
    assert all(c["stale"] >= 1 for c in counts.values())


@pytest.fixture(scope="module")
def stale_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = copy_city(tmp_path_factory.mktemp("kb") / "knowledge")
    before = load_knowledge(root, furigana=False)
    assert all(lang in before.entries[ENTRY].answer for lang in TARGET_LANGS)
    _change_source(root)
    return load_knowledge(root)


@pytest.fixture(scope="module")
def service(stale_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Service:
    store = Store(tmp_path_factory.mktemp("db") / "s.sqlite3")
    return Service(Bot(stale_kb), store, b"k")


@pytest.mark.parametrize("lang", TARGET_LANGS)
def test_a_stale_translation_gives_the_residents_note_then_easy_japanese(
    service: Service, stale_kb: KnowledgeBase, kb: KnowledgeBase, lang: str
) -> None:
    phrases = load_phrases()
    note = phrases.raw("translation_pending", lang)
    assert note != phrases.sources["translation_pending"]  # a real translation
    entry = stale_kb.entries[ENTRY]
    assert entry.status["answer"][lang] == "stale"
    user = f"u-{lang}"
    service.handle("web", user, Incoming(kind="postback", text=f"lang:{lang}"))
    result = service.handle("web", user, Incoming(kind="postback", text=f"e:{ENTRY}"))
    assert result is not None and result.entry == ENTRY and result.lang == lang
    text = result.replies[0].text
    assert text.startswith(note + "\n\n")
    # The current Japanese (with furigana), city values filled in Japanese ...
    assert "せつめいかい" in text
    assert stale_kb.city.values["city.name"].text(SOURCE_LANG) in text
    # ... and neither the outdated translation nor an English answer.
    old = kb.entries[ENTRY].answer[lang].split("\n")[0][:30]
    assert old not in text
    if lang != "en":
        assert kb.entries[ENTRY].answer["en"].split("\n")[0][:30] not in text


def test_a_typed_question_gets_the_note_too(service: Service) -> None:
    result = service.handle("web", "typed", Incoming(text="lớp học tiếng Nhật cho người lớn"))
    assert result is not None and result.entry == ENTRY and result.lang == "vi"
    assert result.replies[0].text.startswith(load_phrases().raw("translation_pending", "vi"))


def test_an_approved_translation_has_no_note(service: Service, kb: KnowledgeBase) -> None:
    """Another entry, untouched: served in Vietnamese as before, no note."""
    service.handle("web", "ok", Incoming(kind="postback", text="lang:vi"))
    result = service.handle("web", "ok", Incoming(kind="postback", text="e:japanese.online"))
    assert result is not None
    text = result.replies[0].text
    assert load_phrases().raw("translation_pending", "vi") not in text
    assert kb.entries["japanese.online"].answer["vi"].split("\n")[0][:30] in text
