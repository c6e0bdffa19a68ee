"""The review page's diff of Japanese sources: word-level, and lossless."""

from __future__ import annotations

from bot.core.knowledge import KnowledgeBase
from bot.staff.textdiff import diff, words


def test_words_join_back_exactly_for_every_shipped_answer(kb: KnowledgeBase) -> None:
    for entry in kb.entries.values():
        text = entry.answer["ja"]
        assert "".join(words(text)) == text, entry.id


def test_the_diff_rebuilds_both_texts_and_marks_only_changed_words(kb: KnowledgeBase) -> None:
    old = kb.entries["japanese.class"].answer["ja"]
    new = old.replace("10回", "12回").replace("ボランティアの　だんたいが", "先生が")
    segments = diff(old, new)
    assert "".join(t for k, t in segments if k != "insert") == old
    assert "".join(t for k, t in segments if k != "delete") == new
    assert [t for k, t in segments if k == "delete"] == ["10", "ボランティアの　だんたい"]
    assert [t for k, t in segments if k == "insert"] == ["12", "先生"]


def test_no_change_is_one_kept_piece() -> None:
    assert diff("ごみを　出します。", "ごみを　出します。") == [("equal", "ごみを　出します。")]
    assert diff("", "あたらしい") == [("insert", "あたらしい")]
