"""Easy Japanese for replies assembled at answer time (garbage dates, category,
area and item names, item notes, button labels).

Stored answers get furigana once at load time (`load_knowledge`); a reply the
garbage flow puts together from data cannot, so it goes through `EasyJapanese`
once, as a whole, right before it is sent: the fixed phrases are already kana,
and everything slotted into them (西町, 燃えないごみ, 12月8日(火曜日), the item's
note) gets its reading here, in the same chat form 燃(も)えないごみ.

Item notes come from the city's own data (5374 target.csv), which is written in
standard Japanese. Rewriting each city's notes by hand does not scale, so notes
are simplified at render time instead: the polite request forms common in such
data become the plain easy-Japanese ください form, a long note is cut into one
idea per sentence at its 、 and every sentence gets furigana. The easy-Japanese
checker (`bot.core.easyja`) runs over every rendered reply of the shipped data
in tests/core/test_easyreply.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import memo
from .easyja import Settings
from .furigana import add_furigana, load_readings

WEEKDAYS = {
    "月曜日": "げつようび",
    "火曜日": "かようび",
    "水曜日": "すいようび",
    "木曜日": "もくようび",
    "金曜日": "きんようび",
    "土曜日": "どようび",
    "日曜日": "にちようび",
}
_DAY_READINGS = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}
_DIGITS = ["", "いち", "に", "さん", "よん", "ご", "ろく", "しち", "はち", "く"]


def _day_reading(n: int) -> str:
    if n in _DAY_READINGS:
        return _DAY_READINGS[n]
    tens, ones = divmod(n, 10)
    head = "じゅう" if tens == 1 else _DIGITS[tens] + "じゅう"
    return head + _DIGITS[ones] + "にち"


def _month_reading(n: int) -> str:
    names = ["", "いち", "に", "さん", "し", "ご", "ろく", "しち", "はち", "く", "じゅう"]
    return (names[n] if n <= 10 else "じゅう" + names[n - 10]) + "がつ"


def date_readings() -> dict[str, str]:
    """Readings of 1日..31日, 1月..12月 and the weekdays (the analyzer reads 8日 as
    はちにち; easy Japanese writes 8日(ようか))."""
    out = dict(WEEKDAYS)
    out.update({f"{n}日": _day_reading(n) for n in range(1, 32)})
    out.update({f"{n}月": _month_reading(n) for n in range(1, 13)})
    return out


# Standard-Japanese request forms in city data -> easy Japanese (です/ます, one idea).
_PLAIN_FORMS = (
    (re.compile(r"(して|て|で)下さい"), r"\1ください"),
    (
        re.compile(r"(して|て|で)いただき?ますよう(お願い|おねがい)(します|いたします)"),
        r"\1ください",
    ),
    (re.compile(r"(お願い|おねがい)いたします"), "おねがいします"),
    (re.compile(r"ご(注意|確認|相談)ください"), r"\1してください"),
    # 申し込む is no humble form, but 申し reads as one (もうします): write it in kana.
    (re.compile(r"申し込"), "もうしこ"),
)


def simplify_note(note: str) -> str:
    """ください rather than polite request forms, and a 。 ending every sentence.
    Only the form changes, never what the note says."""
    text = note.strip()
    for pattern, repl in _PLAIN_FORMS:
        text = pattern.sub(repl, text)
    parts = [p.strip() for p in re.split(r"(?<=。)", text) if p.strip()]
    # "電池は有害ごみへ" (a noun phrase) -> "電池は有害ごみへ出してください。"
    parts = [p.rstrip("。") for p in parts]
    parts = [p[:-1] + "へ出してください" if p.endswith("へ") else p for p in parts]
    return "".join(p if p.endswith(("。", "！", "？")) else p + "。" for p in parts)


class EasyJapanese:
    """Turns an assembled Japanese reply into easy Japanese with furigana."""

    def __init__(self, knowledge_root: Path | None = None) -> None:
        readings = load_readings(knowledge_root / "readings.yaml") if knowledge_root else {}
        self.readings = {**date_readings(), **readings}
        settings = Settings.load(knowledge_root / "easyja.yaml") if knowledge_root else None
        self.glosses = settings.glosses if settings else {}
        # An assembled reply repeats (the same item, the same dates all day): its
        # easy form depends on the text and this knowledge folder only (bot.core.memo).
        self._easy = memo.bound(self._make_easy)

    def gloss(self, text: str) -> str:
        """The first use of a hard word gets its gloss: 粗大ごみ〈おおきい　ごみ〉."""
        for word, gloss in self.glosses.items():
            at = text.find(word)
            if at >= 0 and not text[at + len(word) :].startswith("〈"):
                text = text[: at + len(word)] + f"〈{gloss}〉" + text[at + len(word) :]
        return text

    def __call__(self, text: str) -> str:
        """Glosses, then furigana on every kanji word."""
        return self._easy(text)

    def _make_easy(self, text: str) -> str:
        return add_furigana(self.gloss(text), self.readings)

    def label(self, text: str, limit: int) -> str:
        """A button label with furigana when it still fits, else the plain label."""
        ruby = self(text)
        return ruby if len(ruby) <= limit else text
