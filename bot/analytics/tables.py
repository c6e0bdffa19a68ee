"""A report as tables: one per breakdown, the shape of a CSV file or an Excel sheet.

Breakdowns have one column per month (the way KPI sheets are laid out), a total
column when there are several months, the share of all questions, and a totals
row. Counts are ints and rates are floats, so writers can format them apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.knowledge import KnowledgeBase
from bot.core.langs import LANGS
from bot.core.topics import load_topics

from . import labels
from .labels import Label, both
from .report import Report
from .stats import NONE, PeriodStats, rate

TOTAL: Label = ("合計", "Total")
TREND_METRICS = (
    "questions",
    "unique_users",
    "new_followers",
    "lost_followers",
    "answered",
    "clarified",
    "fallback",
    "fallback_rate",
    "desk_referrals",
)
YOY_METRICS = (
    "questions",
    "unique_users",
    "new_followers",
    "answered",
    "fallback",
    "fallback_rate",
    "desk_referrals",
)


@dataclass(frozen=True)
class Column:
    key: str  # CSV header and JSON-ish name
    label: Label  # shown in Excel
    text: bool = False  # a name rather than a number

    @property
    def header(self) -> str:
        return both(self.label)


@dataclass
class Table:
    name: str  # file name stem
    title: Label  # sheet name
    columns: list[Column]
    rows: list[list[Any]]
    totals: list[Any] | None = None  # the totals row, when adding up makes sense
    notes: list[str] = field(default_factory=list)

    @property
    def sheet(self) -> str:
        return f"{self.title[0]} {self.title[1]}"[:31]


def tables(report: Report, kb: KnowledgeBase | None = None) -> list[Table]:
    return [
        kpi_table(report),
        summary_table(report),
        trend_table(report),
        yoy_table(report),
        breakdown(report, "categories", ("分類", "Categories"), ("分類", "Category"),
                  _categories(report), lambda s: s.by_category, labels.category),
        breakdown(report, "topics", ("トピック", "Topics"), ("トピック", "Topic"),
                  _by_total(report.total.by_topic), lambda s: s.by_topic,
                  lambda t: labels.topic(t, kb)),
        breakdown(report, "languages", ("言語", "Languages"), ("言語", "Language"),
                  _ordered(report.total.by_lang, LANGS), lambda s: s.by_lang, labels.language),
        breakdown(report, "channels", ("チャネル", "Channels"), ("チャネル", "Channel"),
                  _ordered(report.total.by_channel, labels.CHANNELS), lambda s: s.by_channel,
                  labels.channel),
        feedback_table(report, kb),
        unanswered_table(report),
    ]  # fmt: skip


def _month_columns(report: Report, total: bool = True) -> list[Column]:
    cols = [Column(m, (m, m)) for m in report.months]
    if total and len(report.months) > 1:
        cols.append(Column("total", TOTAL))
    return cols


def _columns_stats(report: Report) -> list[PeriodStats]:
    """The numbers behind the month columns (and the total column, if any)."""
    months = list(report.months.values())
    return [*months, report.total] if len(months) > 1 else months


def kpi_table(report: Report) -> Table:
    rows = []
    for row in report.kpi:
        lang = both(labels.language(row.lang)) if row.lang else ""
        values = list(row.values.values())
        if len(report.months) > 1:
            values.append(row.total)
        rule = both(row.indicator.rule())
        rows.append([row.id, row.indicator.ja, row.indicator.en, lang, rule, *values])
    columns = [
        Column("id", ("ID", "ID"), text=True),
        Column("indicator_ja", ("指標", "Indicator (Japanese)"), text=True),
        Column("indicator_en", ("指標（英語）", "Indicator (English)"), text=True),
        Column("language", ("言語", "Language"), text=True),
        Column("rule", ("計算方法", "How it is counted"), text=True),
        *_month_columns(report),
    ]
    notes = [
        "承認された翻訳の数は報告を作った時点の値です / Approved translations: as of the report"
    ]
    return Table("kpi", ("指標", "KPI"), columns, rows, notes=notes)


def summary_table(report: Report) -> Table:
    rows = [
        [name, both(labels.METRICS[name]), *(s.metric(name) for s in _columns_stats(report))]
        for name in report.total.summary()
    ]
    columns = [
        Column("metric", ("項目", "Metric key"), text=True),
        Column("name", ("指標", "Metric"), text=True),
        *_month_columns(report),
    ]
    return Table("summary", ("概要", "Summary"), columns, rows)


def trend_table(report: Report) -> Table:
    columns = [
        Column("month", ("月", "Month"), text=True),
        *(Column(m, labels.METRICS[m]) for m in TREND_METRICS),
    ]
    rows = [[s.label, *(s.metric(m) for m in TREND_METRICS)] for s in report.trend]
    totals = [both(TOTAL), *(report.trend_total.metric(m) for m in TREND_METRICS)]
    return Table("trend", ("推移", "Trend"), columns, rows, totals)


def yoy_table(report: Report) -> Table:
    rows = []
    for month, now in report.months.items():
        before = report.previous_year[month]
        for m in YOY_METRICS:
            a, b = now.metric(m), before.metric(m)
            change = None if a is None or b is None else round(a - b, 4)
            ratio = None if m.endswith("_rate") or change is None or not b else rate(change, b)
            rows.append([month, before.label, both(labels.METRICS[m]), a, b, change, ratio])
    columns = [
        Column("month", ("月", "Month"), text=True),
        Column("previous_year_month", ("前年同月", "Same month last year"), text=True),
        Column("metric", ("指標", "Metric"), text=True),
        Column("this_year", ("当月", "This month")),
        Column("last_year", ("前年同月の値", "Last year")),
        Column("change", ("増減", "Change")),
        Column("change_rate", ("増減率", "Change rate")),
    ]
    return Table("yoy", ("前年比", "Year over year"), columns, rows)


def breakdown(
    report: Report,
    name: str,
    title: Label,
    key_label: Label,
    keys: Iterable[str],
    counts: Callable[[PeriodStats], Counter[str]],
    label: Callable[[str], Label],
) -> Table:
    whole = report.total.questions
    stats = _columns_stats(report)
    rows = [
        [
            key,
            both(label(key)),
            *(counts(s)[key] for s in stats),
            rate(counts(report.total)[key], whole),
        ]
        for key in keys
    ]
    totals = [both(TOTAL), "", *(s.questions for s in stats), rate(whole, whole)]
    columns = [
        Column("key", key_label, text=True),
        Column("name", ("名称", "Name"), text=True),
        *_month_columns(report),
        Column("share", ("割合", "Share")),
    ]
    return Table(name, title, columns, rows, totals)


def feedback_table(report: Report, kb: KnowledgeBase | None) -> Table:
    rows = [
        [entry, both(labels.entry(entry, kb)), yes, no, yes + no, rate(yes, yes + no)]
        for entry, (yes, no) in sorted(report.total.feedback.items())
    ]
    yes, no = report.total.helpful, report.total.not_helpful
    columns = [
        Column("entry", ("回答", "Answer"), text=True),
        Column("name", ("名称", "Name"), text=True),
        Column("helpful", labels.METRICS["helpful"]),
        Column("not_helpful", labels.METRICS["not_helpful"]),
        Column("total", TOTAL),
        Column("helpful_rate", ("役に立った割合", "Helpful rate")),
    ]
    totals = [both(TOTAL), "", yes, no, yes + no, rate(yes, yes + no)]
    return Table("feedback", ("評価", "Feedback"), columns, rows, totals)


def unanswered_table(report: Report) -> Table:
    rows = [
        [i, u.text, u.count, both(labels.language(u.lang))]
        for i, u in enumerate(report.total.unanswered, 1)
    ]
    columns = [
        Column("rank", ("順位", "Rank")),
        Column("text", ("質問（個人情報は伏せ字）", "Question (personal data masked)"), text=True),
        Column("count", ("件数", "Count")),
        Column("language", ("言語", "Language"), text=True),
    ]
    return Table("unanswered", ("未回答", "Unanswered"), columns, rows)


def _categories(report: Report) -> list[str]:
    known = list(load_topics().categories)
    extra = sorted(k for k in report.total.by_category if k not in known and k != NONE)
    return [*known, *extra, NONE]


def _ordered(counts: Counter[str], known: Iterable[str]) -> list[str]:
    first = list(known)
    return [*first, *sorted(k for k in counts if k not in first)]


def _by_total(counts: Counter[str]) -> list[str]:
    """Most asked first; questions without a topic last, whatever their number."""
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (kv[0] == NONE, -kv[1], kv[0]))]
