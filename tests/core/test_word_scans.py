"""The garbage flow's word scans, precompiled for speed (issue 18), answer as the
plain scan they replace: any word of a group, read as `_find` reads a word."""

from __future__ import annotations

import csv

import pytest

from bench.questions import QUESTIONS
from bot.core.dialogue import Bot
from bot.core.garbage_flow import GarbageFlow, _find, _has_word, _scanner, words
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


def _names_category_by_loop(flow: GarbageFlow, text: str) -> str | None:
    """What `names_category` answered before its automaton: every name tried in turn."""
    folded = normalize(text)
    best: tuple[int, int, str] | None = None
    for name, label in flow._category_names:
        at = _find(folded, name, noun=True) if name in folded else -1
        if at >= 0 and (best is None or (at, -len(name)) < (best[0], best[1])):
            best = (at, -len(name), label)
    return best[2] if best else None


def test_names_category_is_the_loop_over_every_name(bot: Bot) -> None:
    """The automaton finds the same names as trying each: on residents' questions, our
    variants, and every category name alone, in a sentence, inside a longer word and
    next to another name (the first in the text wins, the longest at one place)."""
    flow = bot.garbage
    assert flow is not None
    names = [name for name, _ in flow._category_names]
    out = [*QUESTIONS, *texts(bot)]
    for i, name in enumerate(names):
        other = names[(i * 7 + 3) % len(names)]
        out += [name, f"{name} kailan", f"when is {name}?", f"て{name}", f"{other} {name}"]
        out += [f"{name}{other}", f"{name[1:]}", f"x{name}y"]
    named = 0
    for text in out:
        expected = _names_category_by_loop(flow, text)
        assert flow._names_category(text) == expected, text
        named += expected is not None
    assert named > 1000 and len(out) - named > 1000  # both answers were exercised


def test_the_scanner_gives_every_place_of_a_name() -> None:
    scan = _scanner(["燃えないごみ", "ごみ", "ごみ", "plastic"])
    assert scan is not None
    found = sorted((end, places) for end, places in scan.iter("燃えないごみとplastic"))
    assert found == [(5, (0,)), (5, (1, 2)), (13, (3,))]  # (last character, places)
    assert _scanner([]) is None
