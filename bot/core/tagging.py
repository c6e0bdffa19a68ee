"""Japanese words (fugashi + unidic-lite), remembered on disk for the knowledge base.

Tagging a text walks MeCab's memory-mapped dictionary (unidic-lite: 188 MB
`sys.dic`, 72 MB `matrix.bin`), and the pages it touches stay in the server's
resident memory. Tagging the whole knowledge base at start (furigana of every
answer, the Japanese words of every question variant) touched ~110 MiB of them,
although serving a day of questions touches far fewer (issue 18). Dropping the
tagger does not give them back (fugashi keeps the dictionary mapped, measured).

So while the knowledge base is loaded (`remembered()`), words come from a file
(`bot.core.blobfile`) in the cache folder (`bot.core.kanwa.cache_dir`), keyed by the text; only
texts not seen before (a new or edited entry) are tagged. The file's name holds
the dictionary's identity (fugashi and unidic-lite versions, dictionary size), so
another dictionary starts a new file; the words depend on nothing else. Questions
at serving time are tagged directly. Any failure of the file: tag directly.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import blobfile, memo
from .normalize import japanese_tagger

log = logging.getLogger("resbot.tagging")


@dataclass(frozen=True, slots=True)
class Word:
    """What resbot reads of a MeCab word: its text, the space before it, its part
    of speech and its reading (katakana; None or "*" when the dictionary has none)."""

    surface: str
    white_space: str
    pos1: str
    kana: str | None


def _tag(text: str) -> list[Word]:
    return [
        Word(w.surface, w.white_space, w.feature.pos1, getattr(w.feature, "kana", None))
        for w in japanese_tagger()(text)
    ]


class WordStore:
    """Words of texts tagged before; new ones are added to the file on `close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: blobfile.BlobFile | None = None
        try:
            self.file = blobfile.BlobFile(path) if path.exists() else None
        except Exception as exc:  # a damaged file is replaced on `close`
            log.warning("Japanese words file %s unreadable, starting anew: %s", path, exc)
        self.new: dict[Hashable, bytes] = {}

    def words(self, text: str) -> list[Word]:
        key = hashlib.sha256(text.encode("utf-8")).digest()
        blob = self.new.get(key) or (self.file.get(key) if self.file else None)
        if blob is not None:
            return [Word(*w) for w in json.loads(blob)]
        words = _tag(text)
        rows = [[w.surface, w.white_space, w.pos1, w.kana] for w in words]
        self.new[key] = json.dumps(rows, ensure_ascii=False).encode("utf-8")
        return words

    def close(self) -> None:
        try:
            if self.new:
                both: dict[Hashable, bytes] = dict(self.file.items()) if self.file else {}
                both.update(self.new)
                blobfile.write(self.path, both.items())
        finally:
            if self.file:
                self.file.close()


_store: ContextVar[WordStore | None] = ContextVar("resbot_word_store", default=None)


def store_path() -> Path:
    from .kanwa import cache_dir

    dic = japanese_tagger().dictionary_info[0]
    versions = [metadata.version("fugashi"), metadata.version("unidic-lite")]
    identity = "|".join([*versions, dic["filename"], str(dic["size"])])
    return cache_dir() / f"words-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.bin"


@contextmanager
def remembered() -> Iterator[None]:
    """Within this block (one thread), `words` reads and fills the disk store."""
    try:
        store: WordStore | None = WordStore(store_path())
    except Exception as exc:  # a read-only home, a full disk: tag directly
        log.warning("Japanese words are not remembered on disk: %s", exc)
        store = None
    token = _store.set(store)
    try:
        yield
    finally:
        _store.reset(token)
        if store is not None:
            try:
                store.close()
            except Exception as exc:
                log.warning("Japanese words could not be saved: %s", exc)


@memo.per_text
def _tag_remembered(text: str) -> tuple[Word, ...]:
    """Serving-time tagging of a text seen lately: from memory (bot.core.memo)."""
    return tuple(_tag(text))


def words(text: str) -> list[Word]:
    """The MeCab words of `text`: from the disk store inside `remembered()`, else
    from the recent texts' memory (the same text is tagged by search and furigana)."""
    store = _store.get()
    if store is None:
        return list(_tag_remembered(text))
    try:
        return store.words(text)
    except (OSError, ValueError) as exc:
        log.warning("Japanese words store unreadable, tagging directly: %s", exc)
        return _tag(text)
