"""The KPI dashboard: `bot.analytics`'s monthly report of one month, as tables
and PNG charts drawn server-side (kept in memory for a few minutes).

The report has a dozen tables; shown one after another they made a page some
8,500 px tall, so the dashboard groups them into a few sections (each chart next
to the tables it sums up) with a table of contents, and folds the long tables."""

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
from bot.analytics.labels import CHARTS as CHART_TITLES
from bot.analytics.labels import METRICS, Label
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
# (anchor, title, charts, tables by name): the order staff read the page in.
SECTIONS: tuple[tuple[str, Label, tuple[str, ...], tuple[str, ...]], ...] = (
    ("overview", ("概要", "Overview"), (), ("kpi", "summary")),
    ("trend", ("推移", "Trend"), ("trend",), ("trend", "yoy")),
    ("languages", ("言語とチャネル", "Languages and channels"), ("languages",),
     ("languages", "channels")),
    ("topics", ("分類とトピック", "Categories and topics"), ("topics",),
     ("categories", "topics")),
    ("feedback", ("評価", "Feedback"), (), ("feedback",)),
    ("unanswered", ("未回答の質問", "Unanswered questions"), (), ("unanswered",)),
)  # fmt: skip
# Tables that start folded: the summary repeats the figures at the top, the
# topics chart shows the top topics, year over year is for the yearly review.
FOLDED = frozenset({"summary", "yoy", "topics"})
OPEN_ROWS = 15  # a longer table starts folded too


@dataclass
class Section:
    id: str
    title: Label
    charts: list[tuple[str, Label]]
    tables: list[Table]

    @staticmethod
    def folded(table: Table) -> bool:
        return table.name in FOLDED or len(table.rows) > OPEN_ROWS


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

    @property
    def sections(self) -> list[Section]:
        """The tables grouped for the table of contents; a table no section names
        (added to the report later) shows under "Other" rather than vanishing."""
        by_name = {t.name: t for t in self.tables}
        out = [
            Section(
                anchor,
                title,
                [(c, CHART_TITLES[c]) for c in charts],
                [by_name.pop(t) for t in tables if t in by_name],
            )
            for anchor, title, charts, tables in SECTIONS
        ]
        if by_name:
            out.append(Section("other", ("その他", "Other"), [], list(by_name.values())))
        return out


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
