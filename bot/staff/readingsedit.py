"""Fixing a furigana reading from the entry editor (読み方を直す / Fix a reading).

The analyzer misreads some words; the fix is one line in the knowledge folder's
`readings.yaml` (word -> reading), which every Japanese answer uses. It is
written like every staff edit: round-trip YAML (comments and order kept),
atomically, refused if the file changed since the page was opened, with an audit
row; then the bot reloads, so residents get the new reading at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap

from bot.core.normalize import kata_to_hira

from . import yamlrt
from .audit import Audit
from .entries import Invalid
from .files import WRITE_LOCK, atomic_write, conflict, digest
from .workspace import Workspace

READINGS = "readings.yaml"
MAX_WORD = 20
MAX_READING = 40
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_HIRAGANA = re.compile(r"[ぁ-ゖー]+")
# Characters that would make the override match markup or placeholders.
_NOT_IN_WORD = re.compile(r"[\s{}()（）〈〉<>\"'`]")


@dataclass(frozen=True)
class ReadingFix:
    word: str
    reading: str
    before: str  # the override it replaced; "" when the word had none

    @property
    def changed(self) -> bool:
        return self.reading != self.before


def clean(word: str, reading: str) -> tuple[str, str]:
    """What was typed as it is stored: NFKC word, reading in hiragana without spaces."""
    word = unicodedata.normalize("NFKC", word).strip()
    reading = kata_to_hira(re.sub(r"\s", "", unicodedata.normalize("NFKC", reading)))
    return word, reading


def problems(word: str, reading: str) -> list[str]:
    """Why the pair cannot be saved (Japanese first, like every editor message)."""
    found: list[str] = []
    if not word:
        found.append("言葉を書いてください。 / Type the word.")
    elif not _KANJI.search(word):
        found.append(
            "ひらがな・カタカナだけの言葉には ふりがなが付きません。"
            "漢字のある言葉を書いてください。"
            " / Only words with kanji get furigana."
        )
    elif len(word) > MAX_WORD or _NOT_IN_WORD.search(word):
        found.append(
            f"言葉は {MAX_WORD}字まで、空白やかっこなしで書いてください。"
            f" / One word, up to {MAX_WORD} characters, no spaces or brackets."
        )
    if not reading:
        found.append("読み方を書いてください。 / Type the reading.")
    elif len(reading) > MAX_READING or not _HIRAGANA.fullmatch(reading):
        found.append(
            f"読み方は ひらがなで {MAX_READING}字まで書いてください。"
            f" / The reading in hiragana (or katakana), up to {MAX_READING} characters."
        )
    return found


def current(ws: Workspace) -> tuple[str, dict[str, str]]:
    """The file's hash (the optimistic lock of the form) and its overrides."""
    path = ws.root / READINGS
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    data = yamlrt.load(text) if text.strip() else None
    values = {str(k): str(v) for k, v in (data or {}).items()}
    return digest(text), values


def save_reading(
    ws: Workspace, audit: Audit, user: str, base: str, word: str, reading: str
) -> ReadingFix:
    """Set `word`'s reading in readings.yaml if the file is still the version `base` names."""
    word, reading = clean(word, reading)
    found = problems(word, reading)
    if found:
        raise Invalid(found)
    path = ws.root / READINGS
    with WRITE_LOCK:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if digest(text) != base:
            raise conflict(audit, ws.root, READINGS, digest(text))
        data: Any = yamlrt.load(text) if text.strip() else None
        head = ""
        if data is None:  # a new file, or one with comments only: keep them on top
            head = text.rstrip("\n") + "\n" if text.strip() else ""
            data = CommentedMap()
        before = str(data.get(word) or "")
        fix = ReadingFix(word, reading, before)
        if not fix.changed:
            return fix
        data[word] = yamlrt.scalar(reading)

        def check(read: Any) -> None:
            if not isinstance(read, dict) or str(read.get(word)) != reading:
                raise yamlrt.ReadBackError(f"{READINGS}: {word} would not read back as typed")

        new_text = head + yamlrt.dump(data)
        check(yaml.safe_load(new_text))  # what resbot itself will read (PyYAML)
        new_hash = atomic_write(path, new_text)
        audit.record(user, "edit", READINGS, word, before, reading, new_hash)
        return fix


def note(fix: ReadingFix) -> str:
    """The line the editor shows after a fix."""
    if not fix.changed:
        return (
            f"「{fix.word}」は もう「{fix.reading}」です。"
            f" / {fix.word} already reads {fix.reading}."
        )
    was = f"（前は「{fix.before}」）" if fix.before else ""
    was_en = f" (was {fix.before})" if fix.before else ""
    return (
        f"読み方を保存しました：{fix.word}（{fix.reading}）{was}。"
        f"すべての答えで この読み方になります。"
        f" / Saved the reading {fix.word} → {fix.reading}{was_en} in {READINGS};"
        " every answer uses it."
    )
