"""The easy-Japanese checker (`resbot kb lint-ja`), after the national guideline
for supporting foreign residents (やさしい日本語): short sentences with one idea,
です/ます, no honorific or humble forms, no double negatives, few kanji in a
row, few katakana loanwords, and a gloss after the hard words that must stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_SENTENCE = 40
MAX_KANJI_RUN = 4
MIN_KATAKANA = 3  # shorter katakana (ごみ in katakana, ガス) is not a loanword problem

HONORIFICS = (
    "いらっしゃ",
    "おっしゃ",
    "ございま",
    "申し",
    "申します",
    "伺",
    "参り",
    "参る",
    "いただ",
    "頂",
    "なさい",
    "なさる",
    "召し上が",
    "拝見",
    "ご覧",
    "お越し",
    "存じ",
    "くださいませ",
    "致し",
    "いたしま",
)
DOUBLE_NEGATIVES = (
    "ないことはない",
    "ないことも ない",
    "なくはない",
    "なくもない",
    "ないわけではない",
    "ないわけでは ない",
    "なければなら",
    "なければ なら",
    "なければなり",
    "なくてはなり",
    "なくてはいけ",
    "なくては いけ",
    "なくてはなら",
    "ないといけ",
    "ないと いけ",
)
# Set phrases that stand alone as a sentence in chat.
GREETINGS = (
    "こんにちは",
    "こんばんは",
    "ようこそ",
    "ありがとう",
    "さようなら",
    "またね",
    "はい",
    "いいえ",
)
ENDINGS = ("です", "ます", "ください", "ましょう", "ません", "でした", "ました", "か", "ね", "よ")

_SENTENCE_SPLIT = re.compile(r"(?<=[。？！?!])|\n")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_URL = re.compile(r"https?://\S+")
_KANJI_RUN = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff々]{{{MAX_KANJI_RUN + 1},}}")
_KATAKANA = re.compile(rf"[ァ-ヺー・]{{{MIN_KATAKANA},}}")
_GLOSS_AFTER = re.compile(r"\s*[〈(（]")


# Staff read the checker in Japanese first (English alongside for the others).
RULE_NAMES = {
    "long-sentence": "文が長い",
    "honorific": "敬語",
    "double-negative": "二重否定",
    "kanji-run": "漢字が続く",
    "katakana": "カタカナ語",
    "plain-ending": "文の終わり",
    "hard-word": "むずかしい言葉",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    text: str
    detail: str  # English
    ja: str = ""  # the same in Japanese, shown first

    @property
    def name(self) -> str:
        """The rule as staff read it: 文が長い (long-sentence)."""
        return f"{RULE_NAMES.get(self.rule, self.rule)} ({self.rule})"

    @property
    def message(self) -> str:
        """Japanese first, then English: 「…」は長いです / … (max 40)."""
        return f"{self.ja} / {self.detail}" if self.ja else self.detail


@dataclass
class Settings:
    allowed_katakana: set[str]
    hard_words: list[str]
    # Gloss per hard word, for replies assembled at answer time (bot.core.easyreply).
    glosses: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Settings:
        data: dict[str, Any] = {}
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            allowed_katakana={str(w) for w in data.get("allowed_katakana") or []},
            hard_words=sorted(
                (str(w) for w in data.get("hard_words") or []), key=len, reverse=True
            ),
            glosses={str(k): str(v) for k, v in (data.get("glosses") or {}).items()},
        )


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def _length(sentence: str) -> int:
    plain = _PLACEHOLDER.sub("xxxx", _URL.sub("", sentence))
    return len(re.sub(r"\s", "", plain))


def lint(text: str, settings: Settings) -> list[Finding]:
    """Every rule the text breaks, sentence by sentence."""
    findings: list[Finding] = []
    flagged: set[tuple[str, str]] = set()  # (rule, word): each word is reported once
    for s in sentences(text):
        body = _URL.sub("", _PLACEHOLDER.sub("", s))
        if _length(s) > MAX_SENTENCE:
            n = _length(s)
            findings.append(
                Finding(
                    "long-sentence",
                    s,
                    f"{n} characters (max {MAX_SENTENCE})",
                    f"{n}字あります（{MAX_SENTENCE}字まで）。文を分けてください",
                )
            )
        for word in HONORIFICS:
            if word in body:
                findings.append(
                    Finding(
                        "honorific",
                        s,
                        f"honorific or humble form {word!r}",
                        f"「{word}」は敬語です。です・ますで書いてください",
                    )
                )
                break
        squeezed = re.sub(r"\s", "", body)
        for form in DOUBLE_NEGATIVES:
            if re.sub(r"\s", "", form) in squeezed:
                findings.append(
                    Finding(
                        "double-negative",
                        s,
                        f"double negative {form!r}",
                        f"「{form}」は二重否定です。「〜してください」のように書いてください",
                    )
                )
                break
        for run in _KANJI_RUN.findall(body):
            if ("kanji-run", run) in flagged:
                continue
            flagged.add(("kanji-run", run))
            findings.append(
                Finding(
                    "kanji-run",
                    s,
                    f"{len(run)} kanji in a row: {run}",
                    f"漢字が{len(run)}字続きます（{MAX_KANJI_RUN}字まで）：{run}",
                )
            )
        for word in _KATAKANA.findall(body):
            if ("katakana", word) in flagged:
                continue
            if word.strip("ー・") and not _allowed(word, settings.allowed_katakana):
                flagged.add(("katakana", word))
                findings.append(
                    Finding(
                        "katakana",
                        s,
                        f"loanword {word!r}: use a Japanese word or allow it",
                        f"カタカナ語「{word}」：日本語の言葉にするか、"
                        "easyja.yaml で許可してください",
                    )
                )
        bare = s.rstrip("。！!").strip()
        if (
            s.endswith("。")
            and bare not in GREETINGS
            and not bare.rstrip("）)」").endswith(ENDINGS)
        ):
            findings.append(
                Finding(
                    "plain-ending",
                    s,
                    "end the sentence with です/ます",
                    "文の終わりを です・ます にしてください",
                )
            )
    covered: set[int] = set()  # characters inside a longer hard word
    for word in settings.hard_words:  # longest first
        first = True
        for m in re.finditer(re.escape(word), text):
            if m.start() in covered:
                continue
            covered.update(range(m.start(), m.end()))
            # The first use carries the gloss; later ones may stand alone.
            if first and not _GLOSS_AFTER.match(text[m.end() :]):
                findings.append(
                    Finding(
                        "hard-word",
                        word,
                        f"gloss {word!r} in 〈 〉 right after it",
                        f"「{word}」のすぐあとに〈やさしい言いかえ〉を書いてください",
                    )
                )
            first = False
    return _unique(findings)


def _allowed(word: str, allowed: set[str]) -> bool:
    return any(part in allowed for part in [word, *word.split("・")]) or all(
        part in allowed or not part for part in word.split("・")
    )


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.text, f.detail)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def reviewed(findings: list[Finding], exceptions: list[dict[str, Any]]) -> list[Finding]:
    """Drop the findings a person has reviewed and accepted (`lint_ok` in the entry)."""

    def accepted(f: Finding) -> bool:
        for ex in exceptions:
            if ex.get("rule") != f.rule or not ex.get("by"):
                continue
            word = str(ex.get("word") or "")
            if not word or word in f.text or word in f.detail:
                return True
        return False

    return [f for f in findings if not accepted(f)]
