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
    """One entry of the list: a word or phrase, or parts that must all occur
    ("swallow* + battery": in any order, anywhere in the message)."""

    parts: tuple[tuple[str, ...], ...]  # each part's alternatives ("a|b"), folded
    lang: str
    romaji: bool = False

    @property
    def folded(self) -> str:
        return self.parts[0][0]

    def found_in(self, folded: str, compact: str) -> bool:
        return all(any(_part_in(a, folded, compact) for a in part) for part in self.parts)


def _part_in(part: str, folded: str, compact: str) -> bool:
    """Latin as whole words (a final `*` lets the last word go on: "swallow*" is
    also "swallowed"), Japanese and Chinese anywhere."""
    if not part.isascii():
        return part in compact
    if part.endswith("*"):
        stem = part[:-1]
        return stem in folded and f" {stem}" in f" {folded}"
    if part not in folded:  # the common case, decided without building strings
        return False
    return f" {part} " in f" {folded} "


def _key(part: str) -> str:
    """What the one-pass scan looks for: the part without its `*`."""
    return part[:-1] if part.endswith("*") else part


def _compact(folded: str) -> str:
    """The text without spaces, where Japanese and Chinese words are looked for:
    residents who write easy Japanese put spaces between words ("ち が でてる"),
    and neither script needs them to be read."""
    return folded if folded.isascii() else folded.replace(" ", "")


def _entry(raw: str, lang: str) -> _Word | None:
    """A line of the list: parts joined by " + ", each with alternatives joined by
    "|" ("电池|磁铁 + 吞|咽下": a battery or a magnet, swallowed)."""
    romaji = lang == "romaji"  # Japanese typed in Latin letters: "tasukete"
    parts = []
    for piece in raw.split(" + "):
        alternatives = []
        for alt in piece.split("|"):
            star = alt.strip().endswith("*")
            folded = normalize(alt.strip().removesuffix("*"))
            if not folded:
                return None
            folded = folded if romaji else _compact(folded)
            alternatives.append(folded + "*" if star and folded.isascii() else folded)
        parts.append(tuple(alternatives))
    return _Word(tuple(parts), "ja" if romaji else lang, romaji)


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[_Word, ...]]:
    raw = yaml.safe_load((DATA / "emergency_words.yaml").read_text(encoding="utf-8"))
    out: dict[str, tuple[_Word, ...]] = {}
    for kind, by_lang in raw.items():
        words = [
            w for lang, ws in by_lang.items() for x in ws if (w := _entry(str(x), str(lang)))
        ]
        out[kind] = tuple(words)
    return out


@lru_cache(maxsize=1)
def _scan() -> ahocorasick.Automaton:
    """Every part of every word in one Aho-Corasick automaton, each with the words
    that hold it: one C-level pass over a message finds the few words worth
    checking (a regex per kind took eight passes, ~2 % of answering a new text)."""
    holders: dict[str, set[tuple[str, int]]] = {}
    for kind, words in _words().items():
        for i, w in enumerate(words):
            for part in w.parts:
                for alt in part:
                    holders.setdefault(_key(alt), set()).add((kind, i))
    automaton = ahocorasick.Automaton()
    for key, of in holders.items():
        automaton.add_word(key, frozenset(of))
    automaton.make_automaton()
    return automaton


def _seen(folded: str) -> set[tuple[str, int]]:
    """(kind, index) of the words with a part somewhere in the text, even inside
    another word: only these can match."""
    scan = _scan()
    if not len(scan):
        return set()
    found: set[tuple[str, int]] = set()
    for _, of in scan.iter(folded):
        found |= of
    return found


def _kinds_in(folded: str) -> set[str]:
    """The kinds with a word (or a word's part) somewhere in the text."""
    return {kind for kind, _ in _seen(folded)}


def _hits(kind: str, folded: str, compact: str, seen: set[tuple[str, int]]) -> list[_Word]:
    words = _words()[kind]
    return [
        words[i] for k, i in sorted(seen) if k == kind and words[i].found_in(folded, compact)
    ]


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
    present = _seen(folded)
    if compact != folded:
        present |= _seen(compact)
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
