"""The KPI dashboard: `bot.analytics`'s monthly report of one month, as tables
and PNG charts drawn server-side (kept in memory for a few minutes)."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import sqlite_utils

from bot.analytics import Month, Report, build_report, load_indicators, tables
from bot.analytics.kpi import KPI_FILE, KpiError, approved_translations
from bot.analytics.labels import METRICS
from bot.analytics.percent import percent
from bot.analytics.tables import Table
from bot.core.knowledge import KnowledgeBase
from bot.db import PgDatabase
from bot.storage import Store

CHARTS = ("trend", "languages", "topics")
SUMMARY = (
    "questions",
    "unique_users",
    "answered_rate",
    "fallback",
    "desk_referrals",
    "consultations",
)
CACHE_SECONDS = 120


@dataclass
class Dashboard:
    month: Month
    report: Report
    tables: list[Table]
    kpi_error: str = ""

    @property
    def summary(self) -> list[tuple[str, str, str]]:
        """(Japanese, English, value) for the figures at the top."""
        stats = self.report.total
        return [(*METRICS[name], cell(stats.metric(name))) for name in SUMMARY]


def cell(value: object) -> str:
    """A table cell as the Excel export formats it: counts with commas, rates in %."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return percent(value)
    return str(value)


@contextmanager
def reading(store: Store) -> Iterator[sqlite_utils.Database]:
    """A read-only connection of its own: counting a busy month must not hold the
    store's write lock, which the bot needs to log every answer (WAL lets both run)."""
    if store.is_pg:  # a connection of its own there too
        db = PgDatabase(str(store.path))
        try:
            yield cast(sqlite_utils.Database, db)
        finally:
            db.conn.close()
        return
    file = str(store.db.execute("pragma database_list").fetchone()[2] or "")
    if not file:  # an in-memory database has no second connection
        with store.lock:
            yield store.db
        return
    conn = sqlite3.connect(Path(file).as_uri() + "?mode=ro", uri=True)
    try:
        yield sqlite_utils.Database(conn)
    finally:
        conn.close()


def build(store: Store, kb: KnowledgeBase, month: Month) -> Dashboard:
    error = ""
    try:
        indicators = load_indicators(kb.root / KPI_FILE)
    except KpiError as exc:
        indicators, error = [], str(exc)
    with reading(store) as db:
        report = build_report(
            db, month, indicators=indicators, translations=approved_translations(kb)
        )
    return Dashboard(month, report, tables(report, kb), error)


class Charts:
    """PNG bytes per (month, chart); matplotlib draws one chart at a time."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, bytes]] = {}

    def png(self, store: Store, kb: KnowledgeBase, month: Month, name: str) -> bytes:
        if name not in CHARTS:
            raise KeyError(name)
        key = (str(month), name)
        with self._lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < self.seconds:
                return hit[1]
            from bot.analytics.charts import Painter, cjk_font  # slow import: when drawing

            board = build(store, kb, month)
            painter = Painter(board.report, kb, bilingual=cjk_font() is not None)
            with tempfile.TemporaryDirectory(prefix="resbot-chart-") as tmp:
                path = Path(tmp) / f"{name}.png"
                getattr(painter, name)(path)
                data = path.read_bytes()
            self._cache = {
                k: v for k, v in self._cache.items() if time.monotonic() - v[0] < self.seconds
            }
            self._cache[key] = (time.monotonic(), data)
            return data
