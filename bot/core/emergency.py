"""The emergency fast path: "co chay", "sunog!", "my friend is not breathing".

A resident in danger must get the number to call at once, in their language:
never a "did you mean" or a menu first. The retrieval index cannot promise that
(a two-word message in a hurry scores low and close to other entries), so a
curated word list (`data/emergency_words.yaml`) is checked before anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=16)
def _any_word(kind: str) -> re.Pattern[str]:
    """Every word of a kind as one regex: the text contains none of them in most
    messages, which one C-level scan settles (issue 18)."""
    return re.compile("|".join(re.escape(w.folded) for w in _words()[kind]) or r"(?!)")


def _hits(kind: str, folded: str) -> list[_Word]:
    if _any_word(kind).search(folded) is None:  # no word even as a substring
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
    if not folded or _hits("not", folded):
        return None
    urgent = "!" in text or "！" in text or bool(_hits("urgent", folded))
    short = _is_short(folded)
    help_words = _hits("help", folded)
    for kind in CALL_KINDS:
        if kind == "help" and not short:
            continue
        hits = _hits(kind, folded)
        if hits:
            return Emergency(kind, frozenset(w.lang for w in [*hits, *help_words]))
    for kind in NOW_KINDS:
        hits = _hits(kind, folded)
        if hits and (urgent or help_words):
            return Emergency(kind, frozenset(w.lang for w in hits))
    return None
