"""`resbot report ...`: monthly KPI reports from the interaction log."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from . import app
from .context import settings

report_app = typer.Typer(
    help="KPI reports from the interaction log.\n\n"
    "Example: resbot report monthly --month 2026-04 --format xlsx --out reports",
    no_args_is_help=True,
)


class Format(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    png = "png"


@report_app.command("monthly")
def monthly(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option("--month", help="The month, YYYY-MM (default: last month).")
    ] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="First month of a range, YYYY-MM.")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last month of a range, YYYY-MM.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.json,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write to (JSON goes to stdout without it)."),
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="The city's time zone: months start here.")] = (
        "Asia/Tokyo"
    ),
) -> None:
    """Count a month (or a range of months) of questions for the city's KPI sheet.

    Questions by category, topic, language and channel; unique users; new and lost
    followers; answered, clarified and unanswered counts and rates; desk referrals;
    feedback per answer; the top 20 unanswered questions (masked); the same month a
    year earlier; the monthly trend (for one month: the 12 months up to it); and
    the indicators of knowledge/kpi.yaml. JSON is one document, CSV one file per
    table, Excel one sheet per table, PNG three charts (trend, languages, topics).

    Example: resbot report monthly --month 2026-04 --format xlsx --out reports

    Example: resbot report monthly --from 2025-04 --to 2026-03 --format png
    """
    from bot.analytics import KpiError, Month, build_report, load_indicators, write
    from bot.analytics.export import json_text
    from bot.analytics.kpi import KPI_FILE, approved_translations
    from bot.core.knowledge import load_knowledge
    from bot.storage import Store, database_url

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        typer.echo(f"unknown time zone {tz!r} (e.g. Asia/Tokyo)", err=True)
        raise typer.Exit(2) from exc
    try:
        if month and (first or last):
            raise ValueError("use either --month or --from/--to, not both")
        if bool(first) != bool(last):
            raise ValueError("a range needs both --from and --to")
        if first and last:
            start, end = Month.parse(first), Month.parse(last)
        else:
            start = Month.parse(month) if month else Month.of(datetime.now(UTC), tz).shift(-1)
            end = start
        if end < start:
            raise ValueError(f"--to {end} is before --from {start}")
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    cfg = settings(ctx)
    if database_url() is None and not cfg.db_path.exists():
        typer.echo(f"no database at {cfg.db_path}: nothing has been logged yet", err=True)
        raise typer.Exit(1)
    try:
        indicators = load_indicators(cfg.knowledge_dir / KPI_FILE)
    except KpiError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    kb = load_knowledge(cfg.knowledge_dir, furigana=False)
    report = build_report(
        Store(cfg.db_path).db,
        start,
        end,
        tz=tz,
        indicators=indicators,
        translations=approved_translations(kb),
    )
    if fmt is Format.json and out is None:
        typer.echo(json_text(report))
        return
    for path in write(report, fmt.value, out or Path("."), kb):
        typer.echo(str(path))


@report_app.command("install")
def install(
    month: Annotated[
        str | None, typer.Option("--month", help="The month, YYYY-MM (default: last month).")
    ] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="First month of a range, YYYY-MM.")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last month of a range, YYYY-MM.")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="json, csv or xlsx.")] = Format.json,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write to (JSON goes to stdout without it)."),
    ] = None,
    tz: Annotated[str, typer.Option("--tz", help="Months start in this time zone.")] = (
        "Asia/Tokyo"
    ),
) -> None:
    """Several cities in one install: every city's numbers and the install's,
    side by side (counts add up; unique users are counted once across cities).

    Example: resbot report install --month 2026-04 --format xlsx --out reports
    """
    from bot.analytics import Month
    from bot.analytics.install import install_json, install_report, write_install
    from bot.analytics.periods import Period
    from bot.install import InstallError, database_of, load_cities
    from bot.storage import Store

    try:
        cities = load_cities()
        if not cities:
            raise InstallError("no cities.yaml: this install serves one city (report monthly)")
        if fmt is Format.png:
            raise ValueError("an install report is json, csv or xlsx")
        ZoneInfo(tz)
        if month and (first or last):
            raise ValueError("use either --month or --from/--to, not both")
        if bool(first) != bool(last):
            raise ValueError("a range needs both --from and --to")
        if first and last:
            start, end = Month.parse(first), Month.parse(last)
        else:
            start = Month.parse(month) if month else Month.of(datetime.now(UTC), tz).shift(-1)
            end = start
        if end < start:
            raise ValueError(f"--to {end} is before --from {start}")
    except (InstallError, ValueError, ZoneInfoNotFoundError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    dbs = {c.id: Store(database_of(c)).db for c in cities}
    report = install_report(dbs, {c.id: c.name for c in cities}, Period(start, end, tz))
    if fmt is Format.json and out is None:
        typer.echo(install_json(report))
        return
    for path in write_install(report, fmt.value, out or Path(".")):
        typer.echo(str(path))


app.add_typer(report_app, name="report")
