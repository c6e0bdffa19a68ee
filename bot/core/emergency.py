"""The emergency fast path: "co chay", "sunog!", "my friend is not breathing".

A resident in danger must get the number to call at once, in their language:
never a "did you mean" or a menu first. The retrieval index cannot promise that
(a two-word message in a hurry scores low and close to other entries), so a
curated word list (`data/emergency_words.yaml`) is checked before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
import yaml

from . import memo
from .normalize import normalize

DATA = Path(__file__).resolve().parents[1] / "data"
CALL_KINDS = ("fire", "medical", "crime", "help")
NOW_KINDS = ("quake", "tsunami")
SHORT_WORDS = 4
"""A `help` word alone counts only in a message of at most this many words."""
SHORT_CJK = 8


@dataclass(frozen=True)
class Emergency:
    kind: str  # fire, medical, crime, help, quake, tsunami
    langs: frozenset[str]  # the languages whose words matched


@dataclass(frozen=True)
class _Word:
    folded: str
    lang: str

    def found_in(self, folded: str) -> bool:
        if self.folded not in folded:  # the common case, decided without building strings
            return False
        if self.folded.isascii():
            return f" {self.folded} " in f" {folded} "
        return self.folded in folded


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[_Word, ...]]:
    raw = yaml.safe_load((DATA / "emergency_words.yaml").read_text(encoding="utf-8"))
    out: dict[str, tuple[_Word, ...]] = {}
    for kind, by_lang in raw.items():
        words = [
            _Word(normalize(str(w)), str(lang))
            for lang, ws in by_lang.items()
            for w in ws
            if normalize(str(w))
        ]
        out[kind] = tuple(words)
    return out


@lru_cache(maxsize=1)
def _scan() -> ahocorasick.Automaton:
    """Every word of every kind in one Aho-Corasick automaton, each with its kinds:
    one C-level pass over a message finds the kinds any of whose words occur in it
    (a regex per kind took eight passes, ~2 % of answering a new text)."""
    kinds: dict[str, set[str]] = {}
    for kind, words in _words().items():
        for w in words:
            kinds.setdefault(w.folded, set()).add(kind)
    automaton = ahocorasick.Automaton()
    for folded, of in kinds.items():
        automaton.add_word(folded, frozenset(of))
    automaton.make_automaton()
    return automaton


def _kinds_in(folded: str) -> set[str]:
    """The kinds with a word somewhere in the text, even inside another word."""
    scan = _scan()
    if not len(scan):
        return set()
    found: set[str] = set()
    for _, of in scan.iter(folded):
        found |= of
    return found


def _hits(kind: str, folded: str, present: set[str]) -> list[_Word]:
    if kind not in present:  # no word of this kind even as a substring
        return []
    return [w for w in _words()[kind] if w.found_in(folded)]


def _is_short(folded: str) -> bool:
    if folded.isascii():
        return len(folded.split()) <= SHORT_WORDS
    return len(folded.replace(" ", "")) <= SHORT_CJK


@memo.per_text
def find_emergency(text: str) -> Emergency | None:
    """The emergency a message reports, or None (remembered per text: bot.core.memo)."""
    folded = normalize(text)
    if not folded:
        return None
    present = _kinds_in(folded)
    if not present or _hits("not", folded, present):
        return None
    urgent = "!" in text or "！" in text or bool(_hits("urgent", folded, present))
    short = _is_short(folded)
    help_words = _hits("help", folded, present)
    for kind in CALL_KINDS:
        if kind == "help" and not short:
            continue
        hits = _hits(kind, folded, present)
        if hits:
            return Emergency(kind, frozenset(w.lang for w in [*hits, *help_words]))
    for kind in NOW_KINDS:
        hits = _hits(kind, folded, present)
        if hits and (urgent or help_words):
            return Emergency(kind, frozenset(w.lang for w in hits))
    return None
