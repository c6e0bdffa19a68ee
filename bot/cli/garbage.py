"""`resbot garbage ...`: import 5374.jp data, ask for collection days and items."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.core.langs import LANGS, SOURCE_LANG
from bot.core.phrases import load_phrases
from bot.garbage import GarbageData, ItemMatch, check, import_5374, today
from bot.garbage.data import read_dataset
from bot.garbage.rules import WEEKDAYS
from bot.garbage.translations import sync_translations

from .context import settings

garbage_app = typer.Typer(
    help="Garbage calendars (5374.jp open-data format) and the item dictionary.",
    no_args_is_help=True,
)


def _load(ctx: typer.Context) -> GarbageData:
    data = GarbageData.load(settings(ctx).knowledge_dir)
    if not data.available:
        typer.echo(
            f"no garbage data in {settings(ctx).knowledge_dir / 'garbage'}; "
            "import some with: resbot garbage import-5374 DIR",
            err=True,
        )
        raise typer.Exit(1)
    return data


def _example_mark(data: GarbageData, lang: str | None = None) -> str:
    """The phrase city.yaml example values carry ("（れい）"), while the shipped
    invented calendar is in use; "" for a city's own data."""
    if not data.example:
        return ""
    typer.echo(
        "example garbage data (an invented city; settings.yaml `example: true`): "
        "import your city's data with `resbot garbage import-5374`",
        err=True,
    )
    return load_phrases().raw("example_mark", lang or SOURCE_LANG)


def _one_area(data: GarbageData, name: str) -> str:
    found = data.match_area(name)
    if len(found) == 1:
        return found[0]
    if found:
        typer.echo(f"area {name!r} is ambiguous; did you mean one of:", err=True)
        for area in found:
            typer.echo(f"  {area}", err=True)
    else:
        typer.echo(
            f"no area matches {name!r}; `resbot garbage areas` lists all {len(data.areas)} areas",
            err=True,
        )
    raise typer.Exit(1)


@garbage_app.command("import-5374")
def import_cmd(
    ctx: typer.Context,
    src: Annotated[
        Path,
        typer.Argument(help="Folder with area_days.csv etc. (or a 5374 checkout with data/)."),
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Also fail (exit 1) on errors, not only fatal ones.")
    ] = False,
) -> None:
    """Validate and import a city's 5374.jp data into <knowledge>/garbage/.

    Files are normalized (UTF-8, trimmed cells, ASCII digits) and every problem is
    listed with file and line. Nothing is written when a problem is fatal (exit 1).

    Example: resbot --knowledge knowledge garbage import-5374 ~/5374/data
    """
    report = import_5374(src, settings(ctx).knowledge_dir)
    for problem in report.problems:
        typer.echo(str(problem))
    if report.dialect:
        typer.echo("how the data was read:")
        for line in report.dialect:
            typer.echo(f"  {line}")
    typer.echo(report.summary())
    errors = any(p.level == "error" for p in report.problems)
    raise typer.Exit(0 if report.ok and not (strict and errors) else 1)


@garbage_app.command("next")
def next_cmd(
    ctx: typer.Context,
    area: Annotated[str, typer.Option("--area", help="Area name (fuzzy: kana, romaji).")],
    from_date: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="First day (default: today, JST)."),
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days to cover.")] = 14,
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category (its label).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Collection days of an area, per category, from a date for N days.

    An ambiguous or unknown area lists the candidates and exits 1.

    Example: resbot garbage next --area asahicho --date 2015-01-05 --days 14 --json
    """
    data = _load(ctx)
    name = _one_area(data, area)
    if category is not None and category not in data.dataset.area_columns:
        typer.echo(f"no category {category!r}; categories: {', '.join(data.categories)}", err=True)
        raise typer.Exit(1)
    start = from_date.date() if from_date else today()
    result = data.next_dates(name, start, days, category)
    mark = _example_mark(data)
    if as_json:
        out = {
            "area": name,
            "from": start.isoformat(),
            "example": data.example,
            "example_mark": mark,
            "categories": [
                {"category": c.category, "dates": [d.isoformat() for d in c.dates]} for c in result
            ],
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"{name}: {start.isoformat()} + {days} days{mark}")
    for c in result:
        shown = ", ".join(f"{d.isoformat()} ({WEEKDAYS[d.weekday()]})" for d in c.dates) or (
            "not collected in this area"
            if c.not_collected
            else "no day in the city's data (empty cell)"
            if c.no_days
            else "-"
        )
        if c.unread:
            shown += " (the data of this cell could not be read in full: see garbage check)"
        typer.echo(f"  {c.category}: {shown}")
        for remark in c.remarks:
            typer.echo(f"    * {remark}")


def _match_json(data: GarbageData, match: ItemMatch) -> dict[str, Any]:
    return {
        "item": match.item.name,
        "category": match.category,
        "category_names": data.category_names(match.category),
        "notice": match.notice,
        "names": data.item_names(match.item),
        "lang": match.lang,
        "langs": list(match.langs),
        "matched": match.matched,
        "kind": match.kind,
        "score": match.score,
        "alternatives": [
            {"item": i.name, "category": i.category, "notice": i.notice} for i in match.alternatives
        ],
    }


@garbage_app.command("item")
def item_cmd(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="An item or a whole question, any language.")],
    lang: Annotated[
        str | None, typer.Option("--lang", help=f"Preferred language: {' '.join(LANGS)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How to throw an item away: its category and notice. Exits 1 when nothing matches.

    Example: resbot garbage item "como jogar fora pilhas" --json
    """
    data = _load(ctx)
    match = data.find_item(text, lang)
    mark = _example_mark(data, lang)
    if match is None:
        if as_json:
            typer.echo(json.dumps({"query": text, "item": None}, ensure_ascii=False))
        else:
            typer.echo(f"no item matches {text!r}", err=True)
        raise typer.Exit(1)
    if as_json:
        out = {"query": text, **_match_json(data, match)}
        out |= {"example": data.example, "example_mark": mark}
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(
        f"{match.item.name} -> {match.category}{mark}  ({match.kind} {match.score:g}, {match.lang})"
    )
    if match.notice:
        typer.echo(f"  {match.notice}")
    for other in match.alternatives:
        typer.echo(f"  or: {other.name} -> {other.category}")


@garbage_app.command("areas")
def areas_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the areas (as residents must name them) with their centre.

    Example: resbot garbage areas
    """
    data = _load(ctx)
    rows = [
        {"area": a.name, "centre": a.centre, "group": a.group} for a in data.dataset.areas.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(f"{row['area']}\t{row['centre']}")


@garbage_app.command("check")
def check_cmd(ctx: typer.Context) -> None:
    """Problems in <knowledge>/garbage/ (file:line) and missing translations.

    Exits 1 when anything but warnings is found.

    Example: resbot garbage check
    """
    problems = check(settings(ctx).knowledge_dir)
    for line in problems:
        typer.echo(line)
    bad = [p for p in problems if ": warning: " not in p]
    typer.echo(f"{len(problems)} problem(s), {len(bad)} not warnings")
    raise typer.Exit(1 if bad else 0)


@garbage_app.command("sync")
def sync_cmd(ctx: typer.Context) -> None:
    """Add new item and category names to translations/<lang>/LC_MESSAGES/garbage-items.po.

    Changed Japanese sources mark their translations fuzzy until re-approved.

    Example: resbot garbage sync
    """
    knowledge = settings(ctx).knowledge_dir
    ds = read_dataset(knowledge / "garbage")
    if ds.fatal:
        for problem in ds.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    for lang, counts in sync_translations(ds, knowledge).items():
        typer.echo(f"{lang}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
