"""Which entries' text is not the reply to a typed question (issue 16): the rule in
bot.core.answer_source checked against what the dialogue really sends."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.core.answer_source import answer_source
from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
from bot.core.types import Incoming, Session
from tests.conftest import REPO
from tests.kbfactory import make_kb, write_entry


def first_line(bot: Bot, entry_id: str) -> str:
    """The entry's first line as residents get it (with furigana)."""
    entry = bot.kb.entries[entry_id]
    line = (entry.ruby_answer or entry.answer["ja"]).split("\n")[0]
    assert len(line) >= 8  # long enough not to match by chance
    return line


def replies(bot: Bot, incoming: Incoming) -> str:
    """The replies to one message from a resident who chose Japanese."""
    return "\n".join(r.text for r in bot.handle(incoming, Session(lang="ja")).replies)


def test_flagged_entries_text_never_answers_their_own_questions(bot: Bot) -> None:
    flagged = {e.id: answer_source(bot, e) for e in bot.kb.entries.values()}
    flagged = {k: v for k, v in flagged.items() if v is not None}
    assert {k: v.kind for k, v in flagged.items()} == {
        "garbage.collection_days": "garbage_calendar",
        "meta.language": "language_menu",
    }
    for entry_id in flagged:
        text = first_line(bot, entry_id)
        for question in bot.kb.entries[entry_id].questions["ja"]:
            got = replies(bot, Incoming(text=question))
            assert text not in got, (entry_id, question, got)


def test_the_calendar_entry_names_its_data_and_the_buttons_that_still_show_it(bot: Bot) -> None:
    entry = bot.kb.entries["garbage.collection_days"]
    source = answer_source(bot, entry)
    assert source is not None
    assert source.files[0] == "garbage/area_days.csv"
    assert all((bot.kb.root / f).exists() for f in source.files)
    # Every entry listing it in `related` offers a button that shows the text.
    assert "garbage.sorting" in source.tapped_from and source.in_menu
    tapped = replies(bot, Incoming(text="e:garbage.collection_days", kind="postback"))
    assert first_line(bot, entry.id) in tapped
    # The language entry: no button anywhere opens it.
    language = answer_source(bot, bot.kb.entries["meta.language"])
    assert language is not None and language.tapped_from == [] and not language.in_menu
    # (Its text is real: only a postback no button sends would show it.)
    typed = replies(bot, Incoming(text="e:meta.language", kind="postback"))
    assert first_line(bot, "meta.language") in typed


def test_without_area_data_the_calendar_entry_is_the_answer(tmp_path: Path) -> None:
    root = Path(shutil.copytree(REPO / "knowledge", tmp_path / "knowledge"))
    shutil.rmtree(root / "garbage")
    bare = Bot(load_knowledge(root))
    entry = bare.kb.entries["garbage.collection_days"]
    assert answer_source(bare, entry) is None
    got = replies(bare, Incoming(text=entry.questions["ja"][0]))
    assert first_line(bare, entry.id) in got


def test_the_rule_is_the_action_not_an_id(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    write_entry(
        root, "life.lang", "life.moving_in", "ことばを　えらんで　ください。", action="language"
    )
    small = Bot(load_knowledge(root))
    source = answer_source(small, small.kb.entries["life.lang"])
    assert source is not None and source.kind == "language_menu" and source.in_menu
    assert answer_source(small, small.kb.entries["consult.desk"]) is None
