"""What changed in a Japanese source, as a reviewer reads it: word by word.

A translator reviewing a stale translation needs to see the few words that
changed, not the whole old answer struck through. Japanese has no spaces between
words, so the texts are split into words with the same tokenizer as furigana
(fugashi); difflib then aligns the word sequences. Text the tokenizer skips
(spaces, line breaks) is kept as its own token, so the pieces join back exactly.
"""

from __future__ import annotations

import difflib
from typing import Literal

from bot.core.normalize import japanese_tagger

Kind = Literal["equal", "delete", "insert"]
Segment = tuple[Kind, str]


def words(text: str) -> list[str]:
    """`text` split into words and the runs between them; "".join gives it back."""
    out: list[str] = []
    pos = 0
    for word in japanese_tagger()(text):
        surface = str(word.surface)
        at = text.find(surface, pos) if surface else -1
        if at < 0:
            continue
        if at > pos:
            out.append(text[pos:at])
        out.append(surface)
        pos = at + len(surface)
    if pos < len(text):
        out.append(text[pos:])
    return out


def diff(old: str, new: str) -> list[Segment]:
    """The old text turned into the new: kept, deleted and inserted pieces, in order."""
    a, b = words(old), words(new)
    out: list[Segment] = []

    def add(kind: Kind, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            add("equal", "".join(a[i1:i2]))
            continue
        add("delete", "".join(a[i1:i2]))
        add("insert", "".join(b[j1:j2]))
    return out
