"""The city's KPI indicators (knowledge/kpi.yaml) computed from the log.

A city's plan names its indicators in its own words ("日本語教室についての問い合わせ");
kpi.yaml ties each one to a *measure* the log can count, optionally narrowed to
topics, topic prefixes or categories. Staff edit the file; the rule text shown in
reports is generated from it, so the sheet always says how a number was counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.knowledge import KnowledgeBase
from bot.core.langs import TARGET_LANGS
from bot.core.topics import load_topics

from .stats import PeriodStats

KPI_FILE = "kpi.yaml"

# measure -> (Japanese, English) description, shown as the rule in every report.
MEASURES: dict[str, tuple[str, str]] = {
    "questions": ("質問の数", "Questions"),
    "answered": ("答えられた質問の数", "Answered questions"),
    "unique_users": ("質問した人の数（重複なし）", "Unique users who asked"),
    "new_followers": ("新しくフォローした人の数", "New followers"),
    "lost_followers": ("フォローをやめた人の数", "Lost followers"),
    "desk_referrals": ("相談窓口を案内した質問の数", "Questions referred to the consultation desk"),
    "consultations": (
        "相談の分類で答えた質問＋相談窓口への案内（両方の質問は1件）",
        "Answered questions in the consult category plus desk referrals (each question once)",
    ),
    "fallback": ("答えられなかった質問の数", "Unanswered questions"),
    "fallback_rate": ("答えられなかった質問の割合", "Unanswered questions ÷ questions"),
    "answered_rate": ("答えられた質問の割合", "Answered questions ÷ questions"),
    "deliveries_sent": ("届けた通知の数", "Notifications delivered"),
    "deliveries_failed": ("届けられなかった通知の数", "Notifications that failed"),
    "deliveries_blocked": ("ブロックで届かなかった通知の数", "Notifications blocked"),
    "volunteer_signups": (
        "チャットでの災害ボランティア登録の数",
        "Disaster-volunteer sign-ups in chat",
    ),
    "class_signups": (
        "チャットでの日本語教室の順番待ち登録の数",
        "Japanese-class waiting-list sign-ups in chat",
    ),
    "approved_translations": (
        "承認された翻訳の回答の数（報告を作った時の知識ベース）",
        "Approved translated answers (knowledge base when the report was made)",
    ),
}
FILTERABLE = ("questions", "answered")
SNAPSHOTS = ("approved_translations",)


class KpiError(ValueError):
    """kpi.yaml is not usable; the message names the file and the field."""


@dataclass(frozen=True)
class Indicator:
    id: str
    ja: str
    en: str
    measure: str
    topics: tuple[str, ...] = ()
    topic_prefixes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    langs: tuple[str, ...] = field(default=TARGET_LANGS)

    @property
    def snapshot(self) -> bool:
        """True when the value describes the knowledge base now, not a month."""
        return self.measure in SNAPSHOTS

    @property
    def is_rate(self) -> bool:
        return self.measure.endswith("_rate")

    def rule(self) -> tuple[str, str]:
        ja, en = MEASURES[self.measure]
        parts = [
            *(f"{t}" for t in self.topics),
            *(f"{p}*" for p in self.topic_prefixes),
            *(f"{c} (category)" for c in self.categories),
        ]
        if parts:
            ja += f"（トピック: {', '.join(parts)}）"
            en += f" (topic: {', '.join(parts)})"
        return ja, en

    def matches(self, topic: str) -> bool:
        if not (self.topics or self.topic_prefixes or self.categories):
            return True
        category = load_topics().topics.get(topic)
        return (
            topic in self.topics
            or any(topic.startswith(p) for p in self.topic_prefixes)
            or category in self.categories
        )

    def value(self, stats: PeriodStats) -> int | float | None:
        """This indicator for one period (snapshot measures are not per period)."""
        if self.measure == "questions":
            return sum(n for t, n in stats.by_topic.items() if self.matches(t))
        if self.measure == "answered":
            return sum(n for t, n in stats.answered_by_topic.items() if self.matches(t))
        if self.snapshot:
            return None
        return stats.metric(self.measure)


def _strings(value: Any, where: str, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: expected a text or a list of texts")
        return ()
    return tuple(value)


def _indicator(raw: Any, where: str, errors: list[str]) -> Indicator | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a mapping with id, name and measure")
        return None
    name = raw.get("name")
    if not isinstance(name, dict) or not name.get("ja") or not name.get("en"):
        errors.append(f"{where}.name: expected {{ja: ..., en: ...}}")
        return None
    measure = str(raw.get("measure", ""))
    if measure not in MEASURES:
        errors.append(f"{where}.measure: {measure!r} is not one of {', '.join(MEASURES)}")
        return None
    catalogue = load_topics()
    topics = _strings(raw.get("topics"), f"{where}.topics", errors)
    prefixes = _strings(raw.get("topic_prefix"), f"{where}.topic_prefix", errors)
    categories = _strings(raw.get("categories"), f"{where}.categories", errors)
    langs = _strings(raw.get("langs"), f"{where}.langs", errors) or TARGET_LANGS
    errors.extend(
        f"{where}.topics: unknown topic {t!r}" for t in topics if t not in catalogue.topics
    )
    errors.extend(
        f"{where}.topic_prefix: no topic starts with {p!r}"
        for p in prefixes
        if not any(t.startswith(p) for t in catalogue.topics)
    )
    errors.extend(
        f"{where}.categories: unknown category {c!r}"
        for c in categories
        if c not in catalogue.categories
    )
    errors.extend(
        f"{where}.langs: {x!r} is not a translation language"
        for x in langs
        if x not in TARGET_LANGS
    )
    if (topics or prefixes or categories) and measure not in FILTERABLE:
        errors.append(f"{where}: topics only narrow the measures {', '.join(FILTERABLE)}")
    return Indicator(
        id=str(raw.get("id") or where),
        ja=str(name["ja"]),
        en=str(name["en"]),
        measure=measure,
        topics=topics,
        topic_prefixes=prefixes,
        categories=categories,
        langs=langs,
    )


def load_indicators(path: Path) -> list[Indicator]:
    """The indicators of a kpi.yaml; none when the city has no such file."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KpiError(f"{path}: not valid YAML: {exc}") from exc
    raw = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise KpiError(f"{path}: expected `indicators:` with a list of indicators")
    errors: list[str] = []
    found = [_indicator(r, f"indicators[{i}]", errors) for i, r in enumerate(raw)]
    ids = [i.id for i in found if i is not None]
    errors.extend(
        f"indicators: id {x!r} is used twice" for x in sorted(set(ids)) if ids.count(x) > 1
    )
    if errors:
        raise KpiError("\n".join(f"{path}: {e}" for e in errors))
    return [i for i in found if i is not None]


def approved_translations(kb: KnowledgeBase) -> dict[str, int]:
    """Entries whose answer has an approved (not fuzzy, not stale) translation, per language."""
    return {
        lang: sum(e.status.get("answer", {}).get(lang) == "ok" for e in kb.entries.values())
        for lang in TARGET_LANGS
    }
