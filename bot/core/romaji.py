"""Japanese written in romaji the way residents type it: a word at a time.

"市役所は何時までですか" is typed "shiyakusho wa nanji made desu ka". pykakasi
alone splits only where the script changes, and reads the particle は as "ha":
"shiyakusho ha nanji madedesuka", "hinanjo hadokodesuka". The question variants
made from it then share few whole words with what residents type.

So MeCab (fugashi, via `bot.core.tagging`) finds the words, a few rules put
them together the way romaji is written (a verb keeps its endings, "arimasu";
particles and "desu" stand alone; a noun compound in one script stays one word,
"shiyakusho"), and pykakasi spells each word in Hepburn. No library writes
romaji by words, hence these rules.
"""

from __future__ import annotations

import re
import unicodedata

from .normalize import kakasi
from .tagging import Word, words

_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]+")
_PARTICLE_SOUNDS = {"は": "wa", "へ": "e"}
"""Particles written with one kana and said with another."""
_INFLECTING = ("動詞", "形容詞", "助動詞")
_STANDALONE = frozenset({"です", "でし", "でしょ"})
"""Auxiliaries written apart even after an adjective: "ii desu", not "iidesu"."""
_BREAKS = ("補助記号", "記号", "空白")
_VERB_LINKS = frozenset({"て", "で", "ば", "ちゃ", "じゃ"})
"""Particles that join a verb's form ("oshiete", "yondeba"), not a phrase."""


def _script(text: str) -> str:
    """The script of a word's first character: nouns in one script make one word."""
    name = unicodedata.name(text[0], "") if text else ""
    for script in ("CJK", "HIRAGANA", "KATAKANA"):
        if name.startswith(script):
            return script
    return "OTHER"


def _groups(tagged: list[Word]) -> list[list[Word]]:
    groups: list[list[Word]] = []
    prev: Word | None = None
    for word in tagged:
        pos = word.pos1
        if pos in _BREAKS:
            prev = None
            continue
        joined = prev is not None and (
            (pos == "助動詞" and prev.pos1 in _INFLECTING and word.surface not in _STANDALONE)
            or (pos == "助詞" and word.surface in _VERB_LINKS and prev.pos1 in _INFLECTING)
            or (pos == "接尾辞" and prev.pos1 != "助詞")
            or prev.pos1 == "接頭辞"
            or (
                pos == "名詞"
                and prev.pos1 == "名詞"
                and _script(word.surface) == _script(prev.surface) != "OTHER"
            )
        )
        if joined:
            groups[-1].append(word)
        else:
            groups.append([word])
        prev = word
    return groups


_READING_FIXES = {"ニッポン": "ニホン"}
"""UniDic reads 日本 as ニッポン out of context; residents write "nihon", "nihongo"."""


def _reading(word: Word) -> str:
    """MeCab's reading in context (分け方 -> ワケカタ, お金 -> オカネ, where pykakasi
    alone says "wakehou", "okin"); the text itself where it has none (Latin, digits)."""
    kana = word.kana
    if not kana or kana == "*":
        return word.surface
    return _READING_FIXES.get(kana, kana)


def _said(group: list[Word]) -> str:
    """What pykakasi spells for a word: a kanji compound as written (its dictionary
    reads compounds with their sound changes, 避難所 "hinanjo", 何曜日 "nanyoubi",
    where MeCab's short units give ヒナン+ショ, ナンヨウ+ヒ); anything else by
    MeCab's readings in context."""
    if len(group) > 1 and all(_KANJI.fullmatch(w.surface) for w in group):
        return "".join(w.surface for w in group)
    return "".join(_reading(w) for w in group)


_ENDING_PARTICLES = frozenset("はをへのがにでもとか")
"""Particles split off the end of a kana-only word ("ごみは" -> "gomi wa")."""


def _chunks(tagged: list[Word]) -> list[list[Word]]:
    """The words between spaces: the text's own word breaks, where it has them."""
    chunks: list[list[Word]] = [[]]
    for word in tagged:
        if word.pos1 in _BREAKS or (word.white_space and chunks[-1]):
            chunks.append([])
        if word.pos1 not in _BREAKS:
            chunks[-1].append(word)
    return [c for c in chunks if c]


def _spell(text: str) -> str:
    return "".join(part["hepburn"] for part in kakasi().convert(text)).replace(" ", "").strip()


def typed_romaji(text: str) -> str:
    """Hepburn romaji a word at a time ("ごみの分け方" -> "gomi no wakekata")."""
    out: list[str] = []
    for chunk in _chunks(words(unicodedata.normalize("NFKC", text))):
        if all(_script(w.surface) == "HIRAGANA" for w in chunk):
            # Kana only ("だったい　いちじきん"): MeCab's words there are guesses
            # (だっ+た+い), so the chunk is spelled whole, bar a final particle.
            last = chunk[-1]
            if len(chunk) > 1 and last.pos1 == "助詞" and last.surface in _ENDING_PARTICLES:
                out.append(_spell("".join(w.surface for w in chunk[:-1])))
                out.append(_PARTICLE_SOUNDS.get(last.surface) or _spell(last.surface))
            else:
                out.append(_spell("".join(w.surface for w in chunk)))
            continue
        for group in _groups(chunk):
            if len(group) == 1 and group[0].pos1 == "助詞" and group[0].surface in _PARTICLE_SOUNDS:
                out.append(_PARTICLE_SOUNDS[group[0].surface])
            else:
                out.append(_spell(_said(group)))
    return " ".join(w for w in out if w)


_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"), ("aa", "a"), ("ii", "i"))


def short_vowels(word: str) -> str:
    """A romaji word with its long vowels written short, as many residents type
    them ("kyuukyuusha" -> "kyukyusha", "byouin" -> "byoin")."""
    for long, short in _LONG_VOWELS:
        word = word.replace(long, short)
    return word
