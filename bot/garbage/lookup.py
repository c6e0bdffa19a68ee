"""Finding the area or the item a resident means, in whatever way they typed it.

Areas: residents type 旭町, あさひちょう, "Asahi-cho" or "asahicho", often with a
chome number (暁町2丁目) that falls inside a row such as 暁町1〜3丁目. Names are
compared after `normalize`, with readings and Hepburn romaji from pykakasi, and
rapidfuzz takes over when nothing matches as written.

Items: the question is a whole sentence in any of seven languages ("como jogar
fora pilhas", "電池はどうやって捨てますか"). Every name of every item in every
language is indexed once, so a question is scanned for names as substrings (CJK)
or word sequences (Latin script) with dictionary look-ups, longest name first.
When no name appears as written, a typo-tolerant pass (rapidfuzz on words of
similar length and the same first letter) and a partial pass (a word of the
question inside a longer name: 電池 -> アルカリ乾電池) propose candidates with a
lower score, so the dialogue can ask instead of answering wrongly.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import ahocorasick
from rapidfuzz import fuzz, process

from bot.core.normalize import kakasi, kata_to_hira, normalize, tokens

from .data import Item

MatchKind = Literal["exact", "partial", "fuzzy"]

_BRACKETS_RE = re.compile(r"[（(][^（()）]*[）)]?")
_BRACKET_CONTENT_RE = re.compile(r"[（(]([^（()）]*)[）)]")
_PARTS_RE = re.compile(r"[・、/／,]")
_RANGE = r"(?:[〜~～\-ー−]|から)"
_CHOME_RE = re.compile(
    rf"(\d+(?:\s*(?:丁目)?\s*(?:{_RANGE}|[・、,]|及び|および)\s*\d+)*)\s*丁目"
)
_QUERY_CHOME_RE = re.compile(r"(\d+)\s*(?:丁目|ちょうめ|chome|choume|-chome)")
# 中目黒1-2-3: chome-block(-number); the chome has one or two digits (not a phone).
_ADDRESS_RE = re.compile(r"(?<!\d)(\d{1,2})(?:\s*[-−ー‐]\s*\d{1,4}){1,2}(?!\d)")
_KANJI_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
# A kanji number that is a chome (一丁目, 一〜三丁目, 一丁目から四丁目), not part of a
# town's name (三田, 八雲, 五本木): followed by 丁目 or by a range or list mark.
_KANJI_CHOME_RE = re.compile(
    rf"([一二三四五六七八九十]+)(?=\s*(?:丁目|{_RANGE}|[・、,]\s*[一二三四五六七八九十\d]))"
)


def _kanji_number(text: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十一 -> 21 (chome numbers stay small)."""
    if "十" not in text:
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return _KANJI_DIGITS.get(tens, 1) * 10 + _KANJI_DIGITS.get(ones, 0)


def arabic_chome(text: str) -> str:
    """青葉台一丁目から四丁目 -> 青葉台1丁目から4丁目 (NFKC first): cities write chome in
    kanji, residents type 3丁目, 3-chome or an address."""
    text = unicodedata.normalize("NFKC", text)
    if "丁目" not in text:
        return text
    return _KANJI_CHOME_RE.sub(lambda m: str(_kanji_number(m.group(1))), text)
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
_KANA = "\u3041-\u309f\u30a0-\u30ff"
_CJK_RE = re.compile(f"[{_KANJI}{_KANA}]")
_KANJI_RE = re.compile(f"[{_KANJI}]")
_KANA_RE = re.compile(f"[{_KANA}]")
_RUN_RE = re.compile(f"[{_KANJI}\u30a0-\u30ffー]+")
_HIRA_RUN_RE = re.compile("[\u3041-\u309fー]{3,}")
# Words inside brackets that qualify (material, use) rather than name an item.
_QUALIFIER_RE = re.compile(r"製|用|以外|のみ|など|等|除く|含む|\d")
_PARTICLES = set("のはをがともにでへや")
_GENERIC_WORDS = {
    "ja": ("ごみ", "ゴミ", "塵"),
    "zh": ("垃圾",),
    "vi": ("rác",),
    "pt": ("lixo", "resíduo", "resíduos"),
    "es": ("basura", "residuo", "residuos"),
    "tl": ("basura", "basurahan"),
    "en": ("garbage", "trash", "rubbish", "waste"),
}
GENERIC = frozenset(normalize(w) for words in _GENERIC_WORDS.values() for w in words)
"""Words for garbage itself: every question has them, so a name that merely
contains one (厨余垃圾, 生ごみ) is no partial match for "垃圾哪天收"."""
_NOT_ROMAJI_RE = re.compile(r"[^a-z0-9]")
_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"), ("mb", "nb"), ("mp", "np"))


@lru_cache(maxsize=8192)
def _segments(text: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((s["orig"], s["hira"], s["hepburn"]) for s in kakasi().convert(text))


def reading(text: str) -> str:
    """Hiragana reading (best effort: place names have readings no dictionary knows)."""
    return "".join(hira for _, hira, _ in _segments(text))


@lru_cache(maxsize=8192)
def romaji_key(text: str) -> str:
    """Latin text folded for comparing romaji: "Asahi-chō" == "asahicho" == "ASAHICHOU".

    Remembered: `AreaIndex.named_in` folds every run of one to three words of each
    message, and most such runs ("when", "is", "plastic") come again and again."""
    text = _NOT_ROMAJI_RE.sub("", normalize(text))
    for long, short in _LONG_VOWELS:
        text = text.replace(long, short)
    return text


def name_variants(text: str, limit: int = 8) -> tuple[set[str], set[str]]:
    """Hiragana readings and romaji keys of a Japanese name.

    町 is read both まち and ちょう (cities use both; dictionaries guess one).
    """
    options: list[list[tuple[str, str]]] = []
    for orig, hira, hepburn in _segments(text):
        alts = [(hira, hepburn)]
        if "町" in orig:
            if hira.endswith("まち") and hepburn.endswith("machi"):
                alts.append((hira[:-2] + "ちょう", hepburn[:-5] + "chou"))
            elif hira.endswith("ちょう") and hepburn.endswith("chou"):
                alts.append((hira[:-3] + "まち", hepburn[:-4] + "machi"))
        options.append(alts)
    readings: set[str] = set()
    romaji: set[str] = set()
    for combo in itertools.islice(itertools.product(*options), limit):
        readings.add(_compact("".join(h for h, _ in combo)))
        romaji.add(romaji_key("".join(r for _, r in combo)))
    return readings - {""}, romaji - {""}


def _compact(text: str) -> str:
    return normalize(text).replace(" ", "")


# ---------------------------------------------------------------- areas


@dataclass(frozen=True)
class _AreaKey:
    area: str
    key: str


def _chome_numbers(name: str) -> frozenset[int] | None:
    """{1, 2, 3} for 暁町1〜3丁目, {1, 3} for 境1・3丁目, None when no 丁目 is named."""
    m = _CHOME_RE.search(arabic_chome(name))
    if not m:
        return None
    out: set[int] = set()
    for part in re.split(r"\s*(?:[・、,]|及び|および)\s*", m.group(1)):
        bounds = [int(n) for n in re.findall(r"\d+", part)]
        if len(bounds) >= 2 and bounds[0] <= bounds[-1] <= bounds[0] + 50:
            out.update(range(bounds[0], bounds[-1] + 1))
        else:
            out.update(bounds)
    return frozenset(out)


def base_name(name: str) -> str:
    """The town part of an area name: 暁町1〜3丁目 -> 暁町, 別所1丁目(1〜26番地) -> 別所."""
    text = _BRACKETS_RE.sub("", arabic_chome(name))
    return _CHOME_RE.split(text)[0].strip() or text.strip()


class AreaIndex:
    """Area names, their town parts, readings and romaji, for `match`."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names: list[str] = []
        self.chome: dict[str, frozenset[int] | None] = {}
        self.exact: dict[str, str] = {}
        self.ja: list[_AreaKey] = []
        self.latin: list[_AreaKey] = []
        for name in names:
            self.names.append(name)
            self.chome[name] = _chome_numbers(name)
            self.exact.setdefault(_compact(name), name)
            for text in {name, base_name(name)}:
                readings, romaji = name_variants(text)
                self.ja += [_AreaKey(name, k) for k in {_compact(text), *readings} if k]
                self.latin += [_AreaKey(name, k) for k in romaji]
        self._latin_keys: dict[str, list[str]] = {}
        for k in self.latin:
            areas = self._latin_keys.setdefault(k.key, [])
            if k.area not in areas:
                areas.append(k.area)
        self._ja_choices = [k.key for k in self.ja]
        self._latin_choices = [k.key for k in self.latin]
        # The keys `named_in` looks for in a sentence: two kanji or three characters
        # at least (shorter ones are inside too many words); chosen once, not per message.
        self._sentence_keys = [
            (k.key, k.area)
            for k in self.ja
            if len(k.key) >= 3 or (len(k.key) == 2 and _KANJI_RE.search(k.key))
        ]
        # All of them found in one pass over the sentence (Aho-Corasick, compiled):
        # a real city has hundreds of areas, each with several keys, and a `find`
        # per key per message grew with the city (511 keys: 50-80 µs a message).
        # Each key carries its places in `_sentence_keys`, whose order decides ties.
        self._sentence_scan: ahocorasick.Automaton | None = None
        if self._sentence_keys:
            places: dict[str, list[int]] = {}
            for i, (key, _) in enumerate(self._sentence_keys):
                places.setdefault(key, []).append(i)
            self._sentence_scan = ahocorasick.Automaton()
            for key, at in places.items():
                self._sentence_scan.add_word(key, (key, tuple(at)))
            self._sentence_scan.make_automaton()

    def match(self, text: str, limit: int = 8) -> list[str]:
        """Area names the text may mean, best first: one = sure, several = ask, none = unknown.

        In order: the name as written; a name inside the text (longest wins); the
        reading or romaji of the text; the text inside names (吉祥寺 -> all 吉祥寺...);
        typo-tolerant. A chome number then narrows 暁町1〜3丁目 / 暁町4丁目 down.
        """
        return self.match_guess(text, limit)[0]

    def match_guess(self, text: str, limit: int = 8) -> tuple[list[str], bool]:
        """`match`, and whether the areas are only a typo-tolerant guess: a guess is
        confirmed with the resident ("Tay Machi" is not simply 北町)."""
        typed = _compact(text)
        if not typed:
            return [], False
        if typed in self.exact:
            return [self.exact[typed]], False
        readings: set[str] = set()
        romaji = {romaji_key(text)} if re.search("[a-z]", typed) else set()
        if _CJK_RE.search(typed):
            readings, romaji = name_variants(unicodedata.normalize("NFKC", text))
        romaji = {r for r in romaji if not r.isdigit()}
        found = (
            self._contained({typed}, self.ja, 1)
            or self._contained(readings, self.ja, 3)
            or self._contained(romaji, self.latin, 4)
            or self._inside({typed}, self.ja, 2)
            or self._inside(readings | romaji, self.ja + self.latin, 3)
        )
        guess = not found
        if guess:
            found = self._fuzzy(text)
        number = _query_chome(text)
        if number is not None and len(found) > 1:
            found = [a for a in found if number in (self.chome[a] or ())] or found
        return found[:limit], guess and bool(found)

    def named_in(self, text: str) -> list[str]:
        """Areas named inside a sentence ("i live in nishimachi, when is burnable",
        "我住中央2丁目，…"): only names, readings and romaji as written, never a
        typo guess (a sentence is full of words that look like some name).

        The longest name wins; a chome number after it narrows 東町1〜3丁目 down.
        """
        folded = normalize(text)
        compact = folded.replace(" ", "")
        best = self._keys_in(compact)
        words = tokens(folded)
        for a in range(len(words)):
            for b in range(a + 1, min(len(words), a + 3) + 1):
                key = romaji_key("".join(words[a:b]))
                if len(key) >= 4 and key in self._latin_keys:
                    after = " ".join(words[b : b + 2])
                    best += [(len(key), area, after) for area in self._latin_keys[key]]
        if not best:
            return []
        longest = max(size for size, _, _ in best)
        top = [(area, after) for size, area, after in best if size == longest]
        found = self._ordered(area for area, _ in top)
        if len(found) > 1:
            number = _query_chome(text)
            if number is None:
                m = re.match(r"\s*(\d+)", unicodedata.normalize("NFKC", top[0][1]))
                number = int(m.group(1)) if m else None
            if number is not None:
                found = [a for a in found if number in (self.chome[a] or ())] or found
        return found

    def _keys_in(self, compact: str) -> list[tuple[int, str, str]]:
        """(length, area, the 6 characters after it) of every sentence key in the
        text, at its first place, in `_sentence_keys`' order."""
        if self._sentence_scan is None:
            return []
        first: set[str] = set()
        hits: list[tuple[int, str, str]] = []  # (place in _sentence_keys, key, after)
        for end, (key, places) in self._sentence_scan.iter(compact):
            if key not in first:  # matches come by end: the first is str.find's
                first.add(key)
                after = compact[end + 1 : end + 7]
                hits += [(i, key, after) for i in places]
        hits.sort()
        return [(len(key), self._sentence_keys[i][1], after) for i, key, after in hits]

    def _ordered(self, areas: Iterable[str]) -> list[str]:
        wanted = set(areas)
        return [n for n in self.names if n in wanted]

    def _contained(self, forms: set[str], keys: Sequence[_AreaKey], min_len: int) -> list[str]:
        """Areas whose name (or town part) is in the text; the longest name wins."""
        hits = [k for k in keys if len(k.key) >= min_len and any(k.key in f for f in forms)]
        if not hits:
            return []
        longest = max(len(k.key) for k in hits)
        return self._ordered(k.area for k in hits if len(k.key) == longest)

    def _inside(self, forms: set[str], keys: Sequence[_AreaKey], min_len: int) -> list[str]:
        """Areas whose name contains the text ("吉祥寺" -> every 吉祥寺... area)."""
        forms = {f for f in forms if len(f) >= min_len}
        return self._ordered(k.area for k in keys if any(f in k.key for f in forms))

    def _fuzzy(self, text: str) -> list[str]:
        """Typos: the town part of the text against names, readings and romaji."""
        base = base_name(text)
        scores: dict[str, float] = {}
        for query, keys, choices in (
            (_compact(base), self.ja, self._ja_choices),
            (romaji_key(base), self.latin, self._latin_choices),
        ):
            if len(query) < 2:
                continue
            for _, score, i in process.extract(
                query, choices, scorer=fuzz.ratio, limit=20, score_cutoff=80
            ):
                scores[keys[i].area] = max(scores.get(keys[i].area, 0.0), score)
        if not scores:
            return []
        best = max(scores.values())
        close = [a for a, s in scores.items() if s >= best - 5]
        return sorted(close, key=lambda a: (-scores[a], self.names.index(a)))


def _query_chome(text: str) -> int | None:
    """3 in 青葉台3丁目, 青葉台三丁目, aobadai 3-chome, 中目黒1-2-3 (an address: the
    first number is the chome) or a trailing "aobadai 3"."""
    folded = arabic_chome(text).lower()
    m = (
        _QUERY_CHOME_RE.search(folded)
        or _ADDRESS_RE.search(folded)
        or re.search(r"(\d+)\s*$", folded)
    )
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class ItemMatch:
    """The item a question is about, and how sure the match is."""

    item: Item
    lang: str
    """Language of the name that matched ("ja" for the Japanese dictionary)."""
    matched: str
    """That name as written in the dictionary or translation."""
    score: float
    """100: the name is in the question as written; lower: typo-tolerant or partial."""
    kind: MatchKind
    alternatives: tuple[Item, ...] = ()
    """Other items the question may mean (same name, another material...): ask."""
    langs: tuple[str, ...] = ()
    """Every language with this name ("battery" is English and Tagalog); `lang` is
    the caller's language when it is one of them."""

    @property
    def category(self) -> str:
        return self.item.category

    @property
    def notice(self) -> str:
        return self.item.notice


@dataclass(frozen=True)
class _Key:
    item: int
    lang: str
    text: str
    weight: int  # 0 a name, 1 a part of a name or its reading, 2 a word in brackets


@dataclass(frozen=True)
class _Hit:
    key: _Key
    rank: int  # higher is better: the length found, or minus the length of the name
    position: int
    score: float


@dataclass
class _Index:
    cjk: dict[str, list[_Key]] = field(default_factory=dict)
    words: dict[tuple[str, ...], list[_Key]] = field(default_factory=dict)
    cjk_parts: dict[str, set[str]] = field(default_factory=dict)
    word_parts: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    fuzzy: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    # The lengths of the `cjk` names that begin with each character, shortest first:
    # `_exact` tries only those, not every length at every position of a question.
    cjk_lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)
    max_cjk: int = 1
    max_words: int = 1


def name_forms(name: str, lang: str) -> list[tuple[str, int]]:
    """The forms of one name worth finding in a question, with their weight.

    おたま(杓子)(金属製) gives おたま (0), 杓子 (2) and the full name (0);
    陶器・陶磁器 gives each part (1); Japanese names also give their reading (1).
    """
    forms: list[tuple[str, int]] = [(name, 0)]
    base = _BRACKETS_RE.sub(" ", name).strip()
    if base and base != name:
        forms.append((base, 0))
    parts = [p.strip() for p in _PARTS_RE.split(base) if p.strip()]
    if len(parts) > 1:
        forms += [(p, 1) for p in parts]
    for inner in _BRACKET_CONTENT_RE.findall(name):
        inner = inner.strip()
        if inner and not _QUALIFIER_RE.search(inner) and not _PARTS_RE.search(inner):
            forms.append((inner, 2))
    if lang == "ja":
        for text, weight in list(forms):
            said = reading(text) if _KANJI_RE.search(text) else ""
            if len(said) >= 2:  # は (葉) or め (芽) would match every particle
                forms.append((said, max(weight, 1)))
    return forms


class ItemIndex:
    """Every name of every item in every language, for `find` inside a question."""

    def __init__(self, items: Sequence[Item], names: dict[int, dict[str, list[str]]]) -> None:
        """`names[i][lang]`: the names of items[i] in that language (Japanese included)."""
        self.items = items
        self.ix = _Index()
        for i, by_lang in names.items():
            for lang, texts in by_lang.items():
                for text in texts:
                    for form, weight in name_forms(text, lang):
                        self._add(_Key(i, lang, text, weight), form)
        for bucket in self.ix.fuzzy.values():
            bucket.sort()
        lengths: dict[str, set[int]] = {}
        for name in self.ix.cjk:
            lengths.setdefault(name[0], set()).add(len(name))
        self.ix.cjk_lengths = {first: tuple(sorted(sizes)) for first, sizes in lengths.items()}

    def _add(self, key: _Key, form: str) -> None:
        ix = self.ix
        folded = normalize(form)
        if not folded:
            return
        if _CJK_RE.search(folded):
            compact = folded.replace(" ", "")
            ix.cjk.setdefault(compact, []).append(key)
            ix.max_cjk = max(ix.max_cjk, len(compact))
            for a in range(len(compact)):
                for b in range(a + 2, len(compact) + 1):
                    ix.cjk_parts.setdefault(compact[a:b], set()).add(compact)
            return
        words = tuple(folded.split())
        if len(folded) < 2:  # "ô" (vi: umbrella) would match every "o" of Portuguese
            return
        if words not in ix.words:
            ix.fuzzy.setdefault((len(words), words[0][0]), []).append(" ".join(words))
            for w in words:
                if len(w) >= 4 and w not in GENERIC:
                    ix.word_parts.setdefault(w, set()).add(words)
        ix.words.setdefault(words, []).append(key)
        ix.max_words = max(ix.max_words, len(words))

    # -- search

    def find(self, text: str, lang: str | None = None, limit: int = 5) -> list[ItemMatch]:
        """Best match first, its alternatives attached; [] when nothing fits."""
        folded = normalize(text)
        if not folded:
            return []
        hits = self._exact(folded)
        if hits:
            return self._matches(hits, lang, "exact", limit)
        best: list[ItemMatch] = []
        for found in (self._fuzzy(folded, lang, limit), self._partial(text, folded, lang, limit)):
            if found and (not best or found[0].score > best[0].score):
                best = found
        return best

    def _exact(self, folded: str) -> list[_Hit]:
        ix = self.ix
        hits: list[_Hit] = []
        compact = folded.replace(" ", "")
        n = len(compact)
        # Where the resident put a space: a word boundary they typed ("ふるい かさ").
        breaks, at = set(), 0
        for ch in folded:
            if ch == " ":
                breaks.add(at)
            else:
                at += 1
        for a in range(n):
            for size in ix.cjk_lengths.get(compact[a], ()):
                b = a + size
                if b > n:
                    break
                keys = ix.cjk.get(compact[a:b])
                if keys and _standalone(compact, a, b, breaks):
                    hits += [_Hit(k, b - a, a, 100.0) for k in keys]
        words = tokens(folded)
        for a in range(len(words)):
            for b in range(a + 1, min(len(words), a + ix.max_words) + 1):
                keys = ix.words.get(tuple(words[a:b]))
                if keys:
                    length = sum(len(w) for w in words[a:b]) + (b - a - 1)
                    hits += [_Hit(k, length, a, 100.0) for k in keys]
        return hits

    def _matches(
        self, hits: list[_Hit], lang: str | None, kind: MatchKind, limit: int
    ) -> list[ItemMatch]:
        """Best rank first, then whole names before parts, the user's language, data order.

        Items that rank as well as the best one become its `alternatives`.
        """
        hits.sort(key=lambda h: (-h.rank, h.key.weight, h.key.lang != lang, h.position, h.key.item))
        seen: dict[int, _Hit] = {}
        langs: dict[int, list[str]] = {}
        for h in hits:
            best = seen.setdefault(h.key.item, h)
            same = (h.rank, h.key.weight, h.key.text) == (best.rank, best.key.weight, best.key.text)
            if same and h.key.lang not in langs.setdefault(h.key.item, []):
                langs[h.key.item].append(h.key.lang)
        ranked = list(seen.values())[:limit]
        first = ranked[0]
        others = tuple(self.items[h.key.item] for h in ranked[1:] if h.rank == first.rank)
        return [
            ItemMatch(
                self.items[h.key.item],
                h.key.lang,
                h.key.text,
                h.score,
                kind,
                others if h is first else (),
                tuple(langs[h.key.item]),
            )
            for h in ranked
        ]

    def _fuzzy(self, folded: str, lang: str | None, limit: int) -> list[ItemMatch]:
        """Spans of 1-3 words against names of as many words (typos: "batery").

        Only names with the same first letter are compared: it keeps the search
        small, and typos rarely hit the first letter.
        """
        ix = self.ix
        words = tokens(folded)
        scored: dict[str, float] = {}
        for a in range(len(words)):
            for b in range(a + 1, min(len(words), a + 3) + 1):
                span = " ".join(words[a:b])
                if len(span) < 4 or _CJK_RE.search(span):
                    continue
                bucket = ix.fuzzy.get((b - a, span[0]))
                if not bucket:
                    continue
                for name, score, _ in process.extract(
                    span, bucket, scorer=fuzz.ratio, limit=limit, score_cutoff=84
                ):
                    scored[name] = max(scored.get(name, 0.0), score)
        hits = [
            _Hit(k, round(score * 10), 0, round(score * 0.9, 1))
            for name, score in scored.items()
            for k in ix.words[tuple(name.split())]
        ]
        return self._matches(hits, lang, "fuzzy", limit) if hits else []

    def _partial(self, text: str, folded: str, lang: str | None, limit: int) -> list[ItemMatch]:
        """A word of the question inside longer names: 電池 -> アルカリ乾電池, ボタン電池.

        Shorter names rank first: they are closer to what was asked.
        """
        ix = self.ix
        part, names = self._cjk_part(text)
        if part:
            hits = [
                _Hit(k, -len(n), 0, _partial_score(len(part), len(n)))
                for n in names
                for k in ix.cjk[n]
            ]
            return self._matches(hits, lang, "partial", limit)
        words = [w for w in tokens(folded) if w in ix.word_parts]
        if not words:
            return []
        word = max(words, key=lambda w: (len(w), -len(ix.word_parts[w])))
        hits = []
        for name in ix.word_parts[word]:
            size = len(" ".join(name))
            hits += [_Hit(k, -size, 0, _partial_score(len(word), size)) for k in ix.words[name]]
        return self._matches(hits, lang, "partial", limit)

    def _cjk_part(self, text: str) -> tuple[str, set[str]]:
        """The longest piece of a kanji/katakana run or, failing that, of a hiragana run of
        the question found inside indexed names (3+ characters, or 2 with a kanji: 電池)."""
        nfkc = unicodedata.normalize("NFKC", text).lower()
        for pattern, shortest in ((_RUN_RE, 2), (_HIRA_RUN_RE, 3)):
            best = ""
            for run in pattern.findall(nfkc):
                run = kata_to_hira(run)
                for a in range(len(run)):
                    for b in range(len(run), a + max(len(best), shortest - 1), -1):
                        piece = run[a:b]
                        if (
                            piece in self.ix.cjk_parts
                            and (len(piece) > 2 or _KANJI_RE.search(piece))
                            and piece not in GENERIC
                        ):
                            best = piece
                            break
            if best:
                return best, self.ix.cjk_parts[best]
        return "", set()


def _partial_score(part: int, whole: int) -> float:
    """60-90: a piece of a name is never as sure as a whole name."""
    return round(60 + 30 * part / max(whole, part), 1)


def _standalone(text: str, a: int, b: int, breaks: frozenset[int] | set[int] = frozenset()) -> bool:
    """Short CJK names must not be the inside of a longer word: 本 is not in 日本,
    かさ is not in ふるいかさ (but is in かさは, and in ふるい かさ: `breaks` are the
    places where the text had a space, words the resident set apart)."""
    piece = text[a:b]
    left = text[a - 1] if a > 0 and a not in breaks else ""
    right = text[b] if b < len(text) and b not in breaks else ""
    if len(piece) == 1 and _KANJI_RE.match(piece):
        return not (_KANJI_RE.match(left or " ") or _KANJI_RE.match(right or " "))
    if len(piece) <= 2 and all(_KANA_RE.match(c) for c in piece):
        return not left or left in _PARTICLES or not _KANA_RE.match(left)
    return True
