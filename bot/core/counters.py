"""Readings of a number with a counter (1日 ついたち, 2人 ふたり, 4月 しがつ).

The analyzer reads the counter alone (日 か, 人 にん), which is wrong furigana for
the most common words in city notices. The rules live in
`bot/data/counter_readings.yaml` so new counters are data, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

_DATA = Path(__file__).resolve().parent.parent / "data" / "counter_readings.yaml"
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER_RE = re.compile(r"[0-9０-９]+|[〇一二三四五六七八九十百千]+")
_ONES = ["", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]
_HUNDREDS = {1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}
_THOUSANDS = {1: "せん", 3: "さんぜん", 8: "はっせん"}


@dataclass(frozen=True)
class Counter:
    suffix: str
    numbers: dict[int, str]
    last_digit: dict[int, str]
    duration: dict[int, str]
    after: dict[str, str]


@dataclass(frozen=True)
class CounterRules:
    counters: dict[str, Counter]
    date_before: re.Pattern[str]
    date_after: re.Pattern[str]
    duration_after: re.Pattern[str]
    kata_before: re.Pattern[str]
    weekdays: dict[str, str]  # 月 -> げつ, read so only between brackets


@lru_cache(maxsize=1)
def counter_rules(path: Path = _DATA) -> CounterRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def ints(d: dict[object, object] | None) -> dict[int, str]:
        return {int(str(k)): str(v) for k, v in (d or {}).items()}

    counters = {
        str(name): Counter(
            suffix=str(spec["suffix"]),
            numbers=ints(spec.get("numbers")),
            last_digit=ints(spec.get("last_digit")),
            duration=ints(spec.get("duration")),
            after={str(k): str(v) for k, v in (spec.get("after") or {}).items()},
        )
        for name, spec in data["counters"].items()
    }
    return CounterRules(
        counters=dict(sorted(counters.items(), key=lambda kv: -len(kv[0]))),
        date_before=re.compile(data["date_before"]),
        date_after=re.compile(data["date_after"]),
        duration_after=re.compile(data["duration_after"]),
        kata_before=re.compile(data["kata_before"]),
        weekdays={str(k): str(v) for k, v in (data.get("weekday_in_brackets") or {}).items()},
    )


def number_value(text: str) -> int | None:
    """1 / １ / 一 / 二十四 -> int; None for anything else."""
    if not NUMBER_RE.fullmatch(text):
        return None
    if text[0] not in _KANJI_DIGITS and text[0] not in _KANJI_UNITS:
        return int(text)  # int() reads full-width digits too
    if not any(c in _KANJI_UNITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        else:
            total += (digit or 1) * _KANJI_UNITS[c]
            digit = 0
    return total + digit


def number_kana(n: int) -> str | None:
    """Plain reading of 1..9999 (にじゅうご); None outside that range."""
    if not 0 < n < 10000:
        return None
    th, h, t, o = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    parts = [
        (_THOUSANDS.get(th) or _ONES[th] + "せん") if th else "",
        (_HUNDREDS.get(h) or _ONES[h] + "ひゃく") if h else "",
        ("" if t == 1 else _ONES[t]) + "じゅう" if t else "",
        _ONES[o],
    ]
    return "".join(parts)


def counter_reading(counter: str, n: int, *, duration: bool = False) -> str | None:
    rule = counter_rules().counters.get(counter)
    if rule is None:
        return None
    if duration and n in rule.duration:
        return rule.duration[n]
    if n in rule.numbers:
        return rule.numbers[n]
    last = n % 10
    if n > 10 and last in rule.last_digit:
        head = number_kana(n - last)
        return head + rule.last_digit[last] if head else None
    plain = number_kana(n)
    return plain + rule.suffix if plain else None


def is_duration(before: str, after: str) -> bool:
    """Date or length of time for N日; the rule is documented in the YAML."""
    rules = counter_rules()
    if rules.date_before.search(before) or rules.date_after.search(after):
        return False
    return bool(rules.duration_after.search(after))


@dataclass(frozen=True)
class NumberGroup:
    size: int  # how many tokens the group covers
    reading: str


def read_number_group(surfaces: list[str], spaced: list[bool], before: str) -> NumberGroup | None:
    """Read number token(s) + counter (+ a glued word like 中) at the start of `surfaces`.

    `spaced[i]` says token i has white space before it (a group never spans a space);
    `before` is the raw text before the first token (context for 日).
    """
    rules = counter_rules()
    if re.search(r"[0-9０-９.,．，]$", before):
        return None  # 1.5日, 1,000円: part of a longer number we do not read
    # A fused token: the analyzer keeps full-width "１日" or "２人" in one word.
    fused = NUMBER_RE.match(surfaces[0])
    if fused and fused.end() < len(surfaces[0]):
        num, rest, size = fused.group(0), surfaces[0][fused.end() :], 1
    else:
        size = 0
        while size < len(surfaces) and NUMBER_RE.fullmatch(surfaces[size]):
            if size and spaced[size]:
                break
            size += 1
        if not size or size == len(surfaces) or spaced[size]:
            return None
        num, rest = "".join(surfaces[:size]), ""
        while size < len(surfaces) and len(rest) < 2 and not (rest and spaced[size]):
            rest += surfaces[size]
            size += 1
            if rest in rules.counters:
                break
    n = number_value(num)
    if n is None:
        return None
    for name, rule in rules.counters.items():
        glued = rest[len(name) :]
        if not rest.startswith(name) or (glued and glued not in rule.after):
            continue
        after_text = rest[len(name) :] + "".join(surfaces[size:])
        if not glued and size < len(surfaces) and surfaces[size] in rule.after and not spaced[size]:
            glued = surfaces[size]
            size += 1
        duration = name == "日" and is_duration(before, after_text)
        reading = counter_reading(name, n, duration=duration)
        if reading is None:
            return None
        return NumberGroup(size=size, reading=reading + rule.after.get(glued, ""))
    return None
