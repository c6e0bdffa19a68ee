"""One monthly report: the months asked for, their totals, the trend, the same
months a year earlier and the city's KPI indicators, ready for any export format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from .kpi import Indicator
from .periods import DEFAULT_TZ, Month, Period
from .stats import PeriodStats, period_stats

TREND_MONTHS = 12


Value = int | float | None


@dataclass(frozen=True)
class KpiRow:
    indicator: Indicator
    lang: str | None  # the language of a per-language indicator
    values: dict[str, Value]  # month -> value
    total: Value  # over the whole range

    @property
    def id(self) -> str:
        return f"{self.indicator.id}.{self.lang}" if self.lang else self.indicator.id


@dataclass
class Report:
    period: Period
    generated: str
    months: dict[str, PeriodStats]  # month -> its numbers
    total: PeriodStats  # the whole range (unique users are unique across it)
    previous_year: dict[str, PeriodStats]  # month -> the same month a year earlier
    trend: list[PeriodStats]
    trend_total: PeriodStats
    kpi: list[KpiRow]

    @property
    def label(self) -> str:
        return self.period.label

    def to_json(self) -> dict[str, Any]:
        return {
            "report": "resbot monthly report",
            "months": list(self.months),
            "timezone": self.period.tz,
            "generated": self.generated,
            "per_month": {m: s.to_json() for m, s in self.months.items()},
            "total": self.total.to_json(),
            "previous_year": {
                m: {"month": s.label, **s.summary()} for m, s in self.previous_year.items()
            },
            "trend": [{"month": s.label, **s.summary()} for s in self.trend],
            "trend_total": {"months": self.trend_total.label, **self.trend_total.summary()},
            "kpi": [
                {
                    "id": row.id,
                    "name": {"ja": row.indicator.ja, "en": row.indicator.en},
                    "lang": row.lang,
                    "measure": row.indicator.measure,
                    "rule": dict(zip(("ja", "en"), row.indicator.rule(), strict=True)),
                    "snapshot": row.indicator.snapshot,
                    "values": row.values,
                    "total": row.total,
                }
                for row in self.kpi
            ],
        }


def trend_period(period: Period) -> Period:
    """The range itself, or for a single month the 12 months up to it (a trend
    needs more than one point)."""
    if period.first != period.last:
        return period
    return Period(period.last.shift(1 - TREND_MONTHS), period.last, period.tz)


def kpi_rows(
    indicators: list[Indicator],
    months: dict[str, PeriodStats],
    total: PeriodStats,
    translations: dict[str, int],
) -> list[KpiRow]:
    rows: list[KpiRow] = []
    last = list(months)[-1]
    for ind in indicators:
        if ind.snapshot:
            # Known only for the knowledge base as it is now: shown under the last month.
            for lang in ind.langs:
                now = translations.get(lang, 0)
                values: dict[str, Value] = {m: (now if m == last else None) for m in months}
                rows.append(KpiRow(ind, lang, values, now))
            continue
        per_month: dict[str, Value] = {m: ind.value(s) for m, s in months.items()}
        rows.append(KpiRow(ind, None, per_month, ind.value(total)))
    return rows


def build_report(
    db: sqlite_utils.Database,
    first: Month,
    last: Month | None = None,
    *,
    tz: str = DEFAULT_TZ,
    indicators: list[Indicator] | None = None,
    translations: dict[str, int] | None = None,
    now: datetime | None = None,
) -> Report:
    period = Period(first, last or first, tz)
    months = {str(m): period_stats(db, Period(m, m, tz)) for m in period.months}
    total = period_stats(db, period)
    previous = {
        str(m): period_stats(db, Period(m.shift(-12), m.shift(-12), tz)) for m in period.months
    }
    trend = trend_period(period)
    trend_stats = [months.get(str(m)) or period_stats(db, Period(m, m, tz)) for m in trend.months]
    if trend != period:
        # Months before the bot had any users only flatten the chart.
        while len(trend_stats) > 1 and not _active(trend_stats[0]):
            trend_stats.pop(0)
        trend = Period(Month.parse(trend_stats[0].label), trend.last, tz)
    return Report(
        period=period,
        generated=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        months=months,
        total=total,
        previous_year=previous,
        trend=trend_stats,
        trend_total=total if trend == period else period_stats(db, trend),
        kpi=kpi_rows(indicators or [], months, total, translations or {}),
    )


def _active(stats: PeriodStats) -> bool:
    return bool(stats.questions or stats.new_followers or stats.lost_followers or stats.feedback)
