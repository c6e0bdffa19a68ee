"""Text folding so that the way a resident types does not change what we find.

Residents type on phones in a hurry: Vietnamese without tone marks, full-width
digits from a Japanese keyboard, katakana where the variant has hiragana.
Matching compares folded text only; replies always use the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

MAX_INPUT_CHARS = 500
"""Longer messages are cut before matching: no question needs more, and the cap
keeps the time per message bounded whatever a client sends."""

_KATAKANA_START, _KATAKANA_END = 0x30A1, 0x30F6
_DROPPED = ("Cf", "Cc", "Cs", "Co")  # format and control characters, surrogates, private use
_SPACE_RE = re.compile(r"\s+")
# Zero-width characters and other format controls (Cf) are noise from copy-paste.
_PUNCT_RE = re.compile(r"[^\w\s#]")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# One CJK character (group 1) or a run of other non-space characters (group 2): the
# pieces `tokens` and retrieval's features are made of, found in one C-level pass
# instead of a Python call per character (~5 % of answering a text never seen).
PIECES_RE = re.compile(f"([{_CJK}])|([^\\s{_CJK}]+)")
NOT_CJK_OR_SPACE_RE = re.compile(f"[^ {_CJK}]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[a-z]")
_KATAKANA_RE = re.compile("[\u30a1-\u30f6]")
_KATA_TO_HIRA = {c: c - 0x60 for c in range(_KATAKANA_START, _KATAKANA_END + 1)}
# Runs of letters that are neither ASCII nor CJK: the ones fold_accents decomposes.
_ACCENTED_RE = re.compile(f"[^\\x00-\\x7f{_CJK}]+")
# Letters that NFD does not split into base + mark.
_LATIN_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "ł": "l"})
_LATIN_EXTRA_RE = re.compile("[đĐøßæł]")


def kata_to_hira(text: str) -> str:
    """Fold katakana to hiragana: プラスチック and ぷらすちっく are the same word."""
    if not _KATAKANA_RE.search(text):  # most messages: a C scan, no per-character lookup
        return text
    return text.translate(_KATA_TO_HIRA)


def fold_accents(text: str) -> str:
    """Strip diacritics from Latin letters (Vietnamese tones, Portuguese and Spanish accents).

    CJK text is left alone: NFD would split the voiced marks of kana (が -> か + ゛).
    Only runs of other non-ASCII characters are decomposed (one regex pass, not a
    Python step per character); the marks NFD may reorder within a run are dropped.
    """
    if _LATIN_EXTRA_RE.search(text):  # rare: a scan, not a dict lookup per character
        text = text.translate(_LATIN_EXTRA)
    return _ACCENTED_RE.sub(_strip_marks, text)


def _strip_marks(run: re.Match[str]) -> str:
    return _without_marks(run.group())


@lru_cache(maxsize=4096)
def _without_marks(run: str) -> str:
    """A run's letters without their marks; remembered: Vietnamese repeats a few
    dozen accented letters ("ự", "ổ", "à"), each its own run between ASCII ones."""
    decomposed = unicodedata.normalize("NFD", run)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16384)
def normalize(text: str, limit: int | None = MAX_INPUT_CHARS) -> str:
    """Fold width, case, kana, accents and punctuation into one comparable form.

    Cached: one message is folded several times on its way through the core
    (search, language, garbage), and variants are folded once at start-up."""
    text = text[:limit] if limit else text
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():  # rare: every Cc, Cf, Cs and Co character is unprintable
        text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED)
    text = text.lower()
    text = kata_to_hira(text)
    text = fold_accents(text)
    text = _PUNCT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def has_kana(text: str) -> bool:
    return bool(_KANA_RE.search(text))


def has_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def is_cjk_char(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def has_latin(folded: str) -> bool:
    return bool(_LATIN_RE.search(folded))


def tokens(folded: str) -> list[str]:
    """Split folded text into word tokens and single CJK characters."""
    return [m.group() for m in PIECES_RE.finditer(folded)]


@lru_cache(maxsize=1)
def kakasi() -> Any:
    """The one pykakasi converter (romaji, readings); its dictionaries load on first
    use, the large kanji one read from disk as needed (bot.core.kanwa)."""
    import pykakasi

    from .kanwa import install

    install()
    return pykakasi.kakasi()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=1)
def japanese_tagger() -> Any:
    """The one fugashi tagger (furigana, Japanese word features); loads unidic-lite once."""
    import fugashi

    return fugashi.Tagger()
