"""The easy-Japanese checker flags each rule on a bad example, and passes good text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.easyja import RULE_NAMES, Settings, lint, reviewed

SETTINGS = Settings(allowed_katakana={"ペットボトル", "カレンダー"}, hard_words=["避難所", "避難"])


def rules(text: str) -> set[str]:
    return {f.rule for f in lint(text, SETTINGS)}


def test_good_easy_japanese_passes() -> None:
    text = (
        "ごみは　あさ　出して　ください。\n"
        "避難所〈にげる　ところ〉に　いきます。"
        "ペットボトルは　水曜日です。"
    )
    assert lint(text, SETTINGS) == []


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            "long-sentence",
            "この　まちでは　もえる　ごみと　もえない　ごみと"
            "　しげんごみと　そだいごみを　ちゃんと　わけて　だします。",
        ),
        ("honorific", "こちらで　お待ちいただけます。"),
        ("honorific", "窓口に　いらっしゃって　ください。"),
        ("double-negative", "ごみを　分けなければなりません。"),
        ("double-negative", "行けないことはないです。"),
        ("kanji-run", "外国人住民相談窓口に　きて　ください。"),
        ("katakana", "ハザードマップを　見て　ください。"),
        ("plain-ending", "ごみは　あさ　出す。"),
        ("hard-word", "避難所に　いきます。"),
    ],
)
def test_each_rule_is_flagged(rule: str, text: str) -> None:
    assert rule in rules(text)


def test_only_the_first_use_of_a_hard_word_needs_the_gloss() -> None:
    text = "避難所〈にげる　ところ〉に　いきます。避難所は　がっこうです。"
    assert "hard-word" not in rules(text)


def test_a_reviewed_exception_is_accepted() -> None:
    findings = lint("ハザードマップを　見て　ください。", SETTINGS)
    accepted = reviewed(findings, [{"rule": "katakana", "word": "ハザードマップ", "by": "国際課"}])
    assert accepted == []
    # An exception without a reviewer is not an exception.
    assert reviewed(findings, [{"rule": "katakana", "word": "ハザードマップ"}]) == findings


def test_shipped_settings_load() -> None:
    cfg = Settings.load(Path(__file__).resolve().parents[2] / "knowledge" / "easyja.yaml")
    assert "ペットボトル" in cfg.allowed_katakana and "避難所" in cfg.hard_words


def test_a_flagged_word_is_reported_once_per_text() -> None:
    text = (
        "ハザードマップを　見て　ください。ハザードマップは　くやくしょに　あります。"
        "外国人住民相談窓口に　きて　ください。外国人住民相談窓口は　２かいです。"
    )
    found = [(f.rule, f.detail) for f in lint(text, SETTINGS)]
    assert [r for r, _ in found].count("katakana") == 1
    assert [r for r, _ in found].count("kanji-run") == 1


BAD = (
    "この　まちでは　もえる　ごみと　もえない　ごみと"
    "　しげんごみと　そだいごみを　ちゃんと　わけて　だします。"
    "窓口に　いらっしゃって　ください。"
    "ごみを　分けなければなりません。"
    "外国人住民相談窓口に　きて　ください。"
    "ハザードマップを　見て　ください。"
    "避難所に　いきます。"
    "ごみは　あさ　出す。"
)


def test_every_finding_speaks_japanese_first() -> None:
    found = lint(BAD, SETTINGS)
    assert {f.rule for f in found} == {
        "long-sentence",
        "honorific",
        "double-negative",
        "kanji-run",
        "katakana",
        "plain-ending",
        "hard-word",
    }
    for f in found:
        assert re.search(r"[ぁ-んァ-ヶ一-龯]", f.ja), f  # a Japanese message...
        assert f.message.startswith(f.ja + " / ")  # ...before the English one
        assert f.message.endswith(f.detail)
        assert f.name.startswith(RULE_NAMES[f.rule])  # 文が長い (long-sentence)
        assert f.name.endswith(f"({f.rule})")
    by_rule = {f.rule: f for f in found}
    assert "「いらっしゃ」は敬語です" in by_rule["honorific"].ja
    assert "外国人住民相談窓口" in by_rule["kanji-run"].ja
    assert "「ハザードマップ」" in by_rule["katakana"].ja
    assert "「避難所」のすぐあとに" in by_rule["hard-word"].ja
