"""The garbage flow's word scans, precompiled for speed (issue 18), answer as the
plain scan they replace: any word of a group, read as `_find` reads a word."""

from __future__ import annotations

import csv

import pytest

from bench.questions import QUESTIONS
from bot.core.dialogue import Bot
from bot.core.garbage_flow import _find, _has_word, words
from bot.core.normalize import normalize
from tests.conftest import shared_path


def texts(bot: Bot) -> list[str]:
    """Residents' questions and our own variants, plus each group word alone, at
    the start, the end and inside a word (where Latin words must not count)."""
    out = list(QUESTIONS)
    for entry in bot.kb.entries.values():
        for questions in entry.questions.values():
            out += questions
    for group in words().values():
        for w in group:
            out += [w, f"{w} x", f"x {w}", f"x{w}y", f"{w}{w}", f"please {w}?"]
    return [normalize(t) for t in out]


def test_has_word_is_the_plain_scan(bot: Bot) -> None:
    checked = found = 0
    for folded in texts(bot):
        for group, group_words in words().items():
            expected = any(_find(folded, w) >= 0 for w in group_words)
            assert _has_word(folded, group) is expected, (group, folded)
            checked += 1
            found += expected
    assert found > 100 and checked - found > 100  # both answers were exercised


def test_has_word_on_the_dev_questions(bot: Bot) -> None:
    path = shared_path("eval", "dev-questions.tsv")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        folded = normalize(row["text"])
        for group, group_words in words().items():
            assert _has_word(folded, group) is any(_find(folded, w) >= 0 for w in group_words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("menu", True), ("menus", False), ("show menu please", True), ("xmenu", False)],
)
def test_latin_words_stand_between_spaces(text: str, expected: bool) -> None:
    assert "menu" in words()["leave"]
    assert _has_word(normalize(text), "leave") is expected
