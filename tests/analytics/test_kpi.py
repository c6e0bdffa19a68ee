"""knowledge/kpi.yaml: the city's indicators, checked, and the translation counts."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from bot.analytics import KpiError, approved_translations, load_indicators
from bot.analytics.kpi import Indicator
from bot.analytics.stats import PeriodStats
from bot.core.knowledge import load_knowledge
from tests.kbfactory import make_kb, po_file, write_entry, write_translations

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge" / "kpi.yaml"


def test_the_shipped_indicators_load_with_bilingual_names_and_rules() -> None:
    indicators = load_indicators(SHIPPED)
    assert [i.id for i in indicators] == [
        "japanese_class_inquiries",
        "disaster_volunteer_inquiries",
        "desk_referrals",
        "chat_consultations",
        "translated_answers",
        "unique_users",
        "unanswered_rate",
    ]
    assert all(i.ja and i.en for i in indicators)
    japanese = indicators[0]
    assert japanese.rule() == ("質問の数（トピック: japanese.*）", "Questions (topic: japanese.*)")
    assert indicators[4].snapshot and indicators[6].is_rate


def test_filters_pick_topics_prefixes_and_categories() -> None:
    stats = PeriodStats("2026-04")
    stats.by_topic.update(
        {"japanese.class": 2, "japanese.apply": 1, "consult.visa": 4, "(none)": 5}
    )
    stats.answered_by_topic.update({"japanese.class": 1, "consult.visa": 3})
    assert Indicator("a", "あ", "a", "questions", topic_prefixes=("japanese.",)).value(stats) == 3
    assert Indicator("b", "い", "b", "questions", topics=("consult.visa",)).value(stats) == 4
    assert Indicator("c", "う", "c", "answered", categories=("consult",)).value(stats) == 3
    assert Indicator("d", "え", "d", "questions").value(stats) == 12


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("indicators: nope", "expected `indicators:`"),
        ("indicators:\n  - {id: a, measure: questions}", "indicators[0].name"),
        ("indicators:\n  - {id: a, name: {ja: あ, en: a}, measure: guesses}", "not one of"),
        (
            "indicators:\n  - {id: a, name: {ja: あ, en: a}, measure: questions, topic_prefix: x.}",
            "no topic starts with 'x.'",
        ),
        (
            "indicators:\n  - {id: a, name: {ja: あ, en: a}, measure: unique_users,"
            " topics: [consult.visa]}",
            "topics only narrow",
        ),
        (
            "indicators:\n  - {id: a, name: {ja: あ, en: a}, measure: questions}\n"
            "  - {id: a, name: {ja: い, en: b}, measure: answered}",
            "id 'a' is used twice",
        ),
        ("indicators: [", "not valid YAML"),
    ],
)
def test_mistakes_name_the_file_and_field(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "kpi.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(KpiError, match=message.replace("[", r"\[").replace(".", r"\.")) as err:
        load_indicators(path)
    assert str(path) in str(err.value)


def test_a_city_without_kpi_yaml_has_no_indicators(tmp_path: Path) -> None:
    assert load_indicators(tmp_path / "kpi.yaml") == []


def test_approved_translations_count_only_approved_answers(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")  # consult.desk, translated into all six languages
    answer = "まどぐちに きて ください。"
    write_entry(root, "consult.visa", "consult.visa", answer)
    write_translations(root, "consult.visa", "consult", answer)
    po_path = po_file(root, "vi", "consult")
    po = polib.pofile(str(po_path), wrapwidth=0)
    for entry in po:
        if entry.msgctxt == "consult.visa|answer":
            entry.flags.append("fuzzy")  # a machine draft nobody approved yet
    po.save(str(po_path))
    po_path = po_file(root, "pt", "consult")
    po = polib.pofile(str(po_path), wrapwidth=0)
    for entry in po:
        if entry.msgctxt == "consult.visa|answer":
            entry.msgid = "むかしの ぶん。"  # translated from an older Japanese text
        if entry.msgctxt == "consult.desk|answer":
            entry.msgstr = ""  # never translated
    po.save(str(po_path))
    kb = load_knowledge(root, furigana=False)
    assert approved_translations(kb) == {"vi": 1, "pt": 0, "es": 2, "tl": 2, "en": 2, "zh": 2}
