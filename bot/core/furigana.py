"""Furigana for easy-Japanese answers, in the chat form 燃(も)えるごみ.

Staff write plain easy Japanese; readings come from a morphological analyzer
(fugashi with unidic-lite), so nobody types them and nobody types them wrong.
Words the analyzer reads wrongly go into the knowledge folder's `readings.yaml`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from .counters import counter_rules, read_number_group
from .normalize import kata_to_hira
from .tagging import words as tagged

_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_OPEN_BRACKET_RE = re.compile(r"[(（]\s*$")
_CLOSE_BRACKET_RE = re.compile(r"\s*[)）]")
_PLACEHOLDER_RE = re.compile(r"(\{[^{}]*\}|https?://\S+)")


def load_readings(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


# (text, reading): the reading belongs over the text; "" for text read as written.
Segment = tuple[str, str]


def _ruby(surface: str, reading: str) -> list[Segment]:
    """Attach the reading to the kanji part only: 燃える/もえる -> 燃(も) + える."""
    if not _KANJI_RE.search(surface) or not reading or reading == surface:
        return [(surface, "")]
    # Kana before and after the kanji are read as written; strip them from the reading.
    head = 0
    while head < len(surface) and not _KANJI_RE.match(surface[head]) and head < len(reading):
        if kata_to_hira(surface[head]) != reading[head]:
            break
        head += 1
    tail = 0
    while (
        tail < len(surface) - head
        and not _KANJI_RE.match(surface[-1 - tail])
        and tail < len(reading) - head
    ):
        if kata_to_hira(surface[-1 - tail]) != reading[-1 - tail]:
            break
        tail += 1
    core = surface[head : len(surface) - tail]
    core_reading = reading[head : len(reading) - tail]
    if not core_reading:
        return [(surface, "")]
    parts = [(surface[:head], ""), (core, core_reading), (surface[len(surface) - tail :], "")]
    return [p for p in parts if p[0]]


def _plain(text: str, before: str = "") -> list[Segment]:
    """Furigana for text without overrides; `before` is the raw text preceding it."""
    # Adjacent all-kanji words form one group (日本語 -> 日本語(にほんご)), which reads
    # better in chat than a bracket after every part of a compound.
    groups: list[list[str]] = []  # [white_space, surface, reading]
    words = tagged(text)
    surfaces = [w.surface for w in words]
    spaced = [bool(w.white_space) for w in words]
    rules = counter_rules()
    consumed = 0  # characters of `text` before word i
    i = 0
    while i < len(words):
        word = words[i]
        start = consumed + len(word.white_space)
        context = before + text[:start]
        # Number + counter first (1日 ついたち, 2人 ふたり): rules in counter_readings.yaml.
        group = read_number_group(surfaces[i:], spaced[i:], context)
        if group is not None:
            surface = "".join(surfaces[i : i + group.size])
            groups.append([word.white_space, surface, group.reading])
            consumed = start + len(surface)
            i += group.size
            continue
        consumed = start + len(word.surface)
        i += 1
        surface = word.surface
        kana = word.kana
        reading = kata_to_hira(kana) if kana and kana != "*" else ""
        if surface == "方" and rules.kata_before.search(context):
            reading = "かた"  # 外国人の方: a person, not a direction
        elif (
            surface in rules.weekdays
            and _OPEN_BRACKET_RE.search(context)
            and _CLOSE_BRACKET_RE.match(text, consumed)
        ):
            reading = rules.weekdays[surface]  # 1日(月): Monday, not "month"
        whole_kanji = bool(_KANJI_RE.fullmatch(surface[0])) and all(
            _KANJI_RE.match(c) for c in surface
        )
        prev = groups[-1] if groups else None
        if (
            prev is not None
            and whole_kanji
            and not word.white_space
            and prev[2]
            and all(_KANJI_RE.match(c) for c in prev[1])
            and reading
        ):
            prev[1] += surface
            prev[2] += reading
            continue
        groups.append([word.white_space, surface, reading])
    # The tagger keeps the space before a word, not after the last one ("ごみ: " + a
    # date read from readings.yaml must not become "ごみ:12月"). A full-width space is
    # a word of its own, so only what no word covered is added back.
    out: list[Segment] = []
    for ws, s, r in groups:
        out += [(ws, ""), *(_ruby(s, r) if r else [(s, "")])]
    out.append((text[consumed:], ""))
    return [seg for seg in out if seg[0]]


def add_furigana(text: str, readings: dict[str, str] | None = None) -> str:
    """Return `text` with a reading in brackets after every kanji word (the chat form)."""
    return chat_form(furigana(text, readings))


def chat_form(segments: list[Segment]) -> str:
    """Segments as chat shows them: 燃(も)える."""
    return "".join(f"{t}({r})" if r else t for t, r in segments)


@lru_cache(maxsize=16)
def _override_re(words: tuple[str, ...]) -> re.Pattern[str]:
    """The overrides as one regex, longest first; built once per set of words,
    not on every reply (easy-Japanese replies are made at answer time)."""
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def furigana(text: str, readings: dict[str, str] | None = None) -> list[Segment]:
    """`text` cut into segments with their readings: the chat form joins them with
    brackets, the staff preview renders <ruby> from them (no parsing back)."""
    readings = readings or {}
    override_re = _override_re(tuple(readings)) if readings else None
    out: list[Segment] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            out.append(("\n", ""))
        parts: list[Segment] = []
        seen = ""  # raw text of the line so far: context for 4月1日, 外国人の方
        for chunk in _PLACEHOLDER_RE.split(line):
            if not chunk:
                continue
            if _PLACEHOLDER_RE.fullmatch(chunk):
                parts.append((chunk, ""))
                seen += chunk
                continue
            pos = 0
            if override_re is not None:
                for m in override_re.finditer(chunk):
                    parts += _plain(chunk[pos : m.start()], seen + chunk[:pos])
                    parts += _ruby(m.group(0), readings[m.group(0)])
                    pos = m.end()
            parts += _plain(chunk[pos:], seen + chunk[:pos])
            seen += chunk
        out += parts
    return out
