"""The KPI of a several-city install (bot.install): each city's month and the
install's, side by side, so the association's sheet and each city's add up.

Counts of the install are the cities' counts added; rates are recomputed from
those sums; unique users are counted once across the cities (a resident who
writes to two cities' bots is one person: the same pseudonymous key, as the
install shares one secret key). Each city's own numbers are exactly its
`resbot --city ID report monthly`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.core.langs import LANGS

from . import labels
from .export import write_tables_csv, write_tables_xlsx
from .labels import Label, both
from .periods import Period
from .stats import SUMMARY_METRICS, PeriodStats, Unanswered, period_stats, rate, unique_user_keys
from .tables import TOTAL, Column, Table

INSTALL: Label = ("全体", "Install")
ADDED = (
    "questions",
    "new_followers",
    "lost_followers",
    "answered",
    "clarified",
    "fallback",
    "desk_referrals",
    "consultations",
    "deliveries_sent",
    "deliveries_failed",
    "deliveries_blocked",
    "volunteer_signups",
    "class_signups",
)
COUNTERS = ("by_category", "by_topic", "answered_by_topic", "by_lang", "by_channel")


def add_up(label: str, parts: Iterable[PeriodStats], unique_users: int) -> PeriodStats:
    """The cities' numbers as one: sums, merged breakdowns, the given unique users."""
    total = PeriodStats(label=label, unique_users=unique_users)
    unanswered: Counter[tuple[str, str]] = Counter()
    for part in parts:
        for name in ADDED:
            setattr(total, name, getattr(total, name) + getattr(part, name))
        for name in COUNTERS:
            getattr(total, name).update(getattr(part, name))
        for entry, (yes, no) in part.feedback.items():
            y, n = total.feedback.get(entry, (0, 0))
            total.feedback[entry] = (y + yes, n + no)
        for u in part.unanswered:
            unanswered[(u.text, u.lang)] += u.count
    total.unanswered = [
        Unanswered(text, n, lang)
        for (text, lang), n in sorted(unanswered.items(), key=lambda kv: (-kv[1], kv[0][0]))
    ]
    return total


@dataclass
class InstallReport:
    period: Period
    names: dict[str, str]  # city id -> its name
    cities: dict[str, PeriodStats]  # city id -> its numbers
    total: PeriodStats  # the install's

    @property
    def label(self) -> str:
        return self.period.label

    def to_json(self) -> dict[str, Any]:
        return {
            "report": "resbot install report",
            "months": self.period.label,
            "timezone": self.period.tz,
            "cities": {
                cid: {"name": self.names[cid], **stats.to_json()}
                for cid, stats in self.cities.items()
            },
            "install": self.total.to_json(),
        }


def install_report(
    dbs: Mapping[str, sqlite_utils.Database], names: Mapping[str, str], period: Period
) -> InstallReport:
    cities = {cid: period_stats(db, period) for cid, db in dbs.items()}
    users: set[str] = set()
    for db in dbs.values():
        users |= unique_user_keys(db, period)
    total = add_up(period.label, cities.values(), len(users))
    return InstallReport(period, dict(names), cities, total)


def install_tables(report: InstallReport) -> list[Table]:
    ids = list(report.cities)
    city_columns = [Column(cid, (report.names[cid], cid)) for cid in ids]
    columns_stats = [*report.cities.values(), report.total]
    summary = Table(
        "summary",
        ("概要", "Summary"),
        [
            Column("metric", ("項目", "Metric key"), text=True),
            Column("name", ("指標", "Metric"), text=True),
            *city_columns,
            Column("install", INSTALL),
        ],
        [
            [m, both(labels.METRICS[m]), *(s.metric(m) for s in columns_stats)]
            for m in SUMMARY_METRICS
        ],
        notes=[
            "全体の利用者数は重複なし（複数の市に書いた人は1人） / Install unique users:"
            " a person who wrote to several cities counts once"
        ],
    )

    def breakdown(
        name: str, title: Label, key_label: Label, keys: list[str], attr: str, label: Any
    ) -> Table:
        rows = [
            [
                key,
                both(label(key)),
                *(getattr(s, attr)[key] for s in columns_stats),
                rate(getattr(report.total, attr)[key], report.total.questions),
            ]
            for key in keys
        ]
        totals = [
            both(TOTAL),
            "",
            *(s.questions for s in columns_stats),
            rate(report.total.questions, report.total.questions),
        ]
        columns = [
            Column("key", key_label, text=True),
            Column("name", ("名称", "Name"), text=True),
            *city_columns,
            Column("install", INSTALL),
            Column("share", ("割合", "Share")),
        ]
        return Table(name, title, columns, rows, totals)

    total = report.total
    langs = [c for c in LANGS if c in total.by_lang] + sorted(set(total.by_lang) - set(LANGS))
    channels = [c for c in labels.CHANNELS if c in total.by_channel] + sorted(
        set(total.by_channel) - set(labels.CHANNELS)
    )
    topics = [t for t, _ in total.by_topic.most_common()]
    categories = [c for c, _ in total.by_category.most_common()]
    return [
        summary,
        breakdown("languages", ("言語", "Languages"), ("言語", "Language"), langs, "by_lang",
                  labels.language),
        breakdown("channels", ("チャネル", "Channels"), ("チャネル", "Channel"), channels,
                  "by_channel", labels.channel),
        breakdown("categories", ("分類", "Categories"), ("分類", "Category"), categories,
                  "by_category", labels.category),
        breakdown("topics", ("トピック", "Topics"), ("トピック", "Topic"), topics, "by_topic",
                  lambda t: labels.topic(t, None)),
    ]  # fmt: skip


def write_install(report: InstallReport, fmt: str, out: Path) -> list[Path]:
    name = f"resbot-install-{report.label}"
    if fmt == "json":
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.json"
        path.write_text(install_json(report) + "\n", encoding="utf-8")
        return [path]
    if fmt == "csv":
        return write_tables_csv(name, install_tables(report), out)
    if fmt == "xlsx":
        return write_tables_xlsx(name, install_tables(report), out)
    raise ValueError(f"an install report is json, csv or xlsx, not {fmt}")


def install_json(report: InstallReport) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2)
