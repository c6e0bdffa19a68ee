"""Monthly KPI reports from the interaction log (see `stats` for the counting rules).

`build_report(store.db, Month.parse("2026-04"), ...)` counts; `write(report, "xlsx",
folder, kb)` exports. Nothing here writes to the log: reports only read it.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.knowledge import KnowledgeBase

from .kpi import Indicator, KpiError, approved_translations, load_indicators
from .periods import DEFAULT_TZ, Month, Period
from .report import Report, build_report
from .tables import tables

FORMATS = ("json", "csv", "xlsx", "png")


def write(report: Report, fmt: str, out: Path, kb: KnowledgeBase | None = None) -> list[Path]:
    """Write the report in one format into the folder `out`; returns the files."""
    # openpyxl is heavy (~20 MB): imported only when a report is written, not by `serve`
    from .export import write_csv, write_json, write_xlsx

    if fmt == "json":
        return write_json(report, out)
    if fmt == "csv":
        return write_csv(report, tables(report, kb), out)
    if fmt == "xlsx":
        return write_xlsx(report, tables(report, kb), out)
    if fmt == "png":
        from .charts import write_png  # matplotlib is slow to import: only when drawing

        return write_png(report, out, kb)
    raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")


__all__ = [
    "DEFAULT_TZ",
    "FORMATS",
    "Indicator",
    "KpiError",
    "Month",
    "Period",
    "Report",
    "approved_translations",
    "build_report",
    "load_indicators",
    "tables",
    "write",
]
