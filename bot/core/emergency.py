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
    romaji: bool = False  # every word that matched is Japanese typed in Latin letters


@dataclass(frozen=True)
class _Word:
    folded: str  # Japanese and Chinese without spaces: see `_compact`
    lang: str
    romaji: bool = False

    def found_in(self, folded: str, compact: str) -> bool:
        if self.folded.isascii():
            if self.folded not in folded:  # the common case, decided without building strings
                return False
            return f" {self.folded} " in f" {folded} "
        return self.folded in compact


def _compact(folded: str) -> str:
    """The text without spaces, where Japanese and Chinese words are looked for:
    residents who write easy Japanese put spaces between words ("ち が でてる"),
    and neither script needs them to be read."""
    return folded if folded.isascii() else folded.replace(" ", "")


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[_Word, ...]]:
    raw = yaml.safe_load((DATA / "emergency_words.yaml").read_text(encoding="utf-8"))
    out: dict[str, tuple[_Word, ...]] = {}
    for kind, by_lang in raw.items():
        words = []
        for lang, ws in by_lang.items():
            for w in ws:
                folded = normalize(str(w))
                if not folded:
                    continue
                if lang == "romaji":  # Japanese typed in Latin letters: "tasukete"
                    words.append(_Word(folded, "ja", romaji=True))
                else:
                    words.append(_Word(_compact(folded), str(lang)))
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


def _hits(kind: str, folded: str, compact: str, present: set[str]) -> list[_Word]:
    if kind not in present:  # no word of this kind even as a substring
        return []
    return [w for w in _words()[kind] if w.found_in(folded, compact)]


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
    compact = _compact(folded)
    present = _kinds_in(folded)
    if compact != folded:
        present |= _kinds_in(compact)
    if not present or _hits("not", folded, compact, present):
        return None
    urgent = "!" in text or "！" in text or bool(_hits("urgent", folded, compact, present))
    short = _is_short(folded)
    help_words = _hits("help", folded, compact, present)
    for kind in CALL_KINDS:
        if kind == "help" and not short:
            continue
        hits = _hits(kind, folded, compact, present)
        if hits:
            found = [*hits, *help_words]
            return Emergency(kind, frozenset(w.lang for w in found), all(w.romaji for w in found))
    for kind in NOW_KINDS:
        hits = _hits(kind, folded, compact, present)
        if hits and (urgent or help_words):
            return Emergency(kind, frozenset(w.lang for w in hits), all(w.romaji for w in hits))
    return None
