"""`resbot translate ...`: machine drafts for translators (needs the extra `mt`)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.core.langs import TARGET_LANGS
from bot.translate import (
    ArgosEngine,
    MissingModel,
    TranslateError,
    draft_missing,
    package_name,
    plan_routes,
)

from . import app
from .context import settings

translate_app = typer.Typer(
    help=(
        "Machine-drafted translations with Argos Translate (pip install -e '.[mt]').\n\n"
        "Example: resbot translate draft --lang vi --dry-run"
    ),
    no_args_is_help=True,
)
app.add_typer(translate_app, name="translate")


@translate_app.command("draft")
def draft(
    ctx: typer.Context,
    lang: Annotated[
        list[str] | None,
        typer.Option("--lang", help="Only this language (repeatable; default: all six)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be drafted; write nothing.")
    ] = False,
) -> None:
    """Draft missing or stale translations of the entries by machine translation.

    Drafts are written to the PO files flagged fuzzy with the comment
    "machine draft (argos), needs review", so they are never served until a
    person approves them. Japanese is translated directly where an Argos
    package exists, else via English. Messages whose {placeholders} do not
    survive are left empty and reported.

    Example: resbot translate draft --lang vi --dry-run
    """
    try:
        report = draft_missing(settings(ctx).knowledge_dir, lang, dry_run=dry_run)
    except TranslateError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in report.lines():
        typer.echo(line)


@translate_app.command("packages")
def packages() -> None:
    """List the installed Argos Translate language pairs and each language's route.

    Example: resbot translate packages
    """
    try:
        pairs = ArgosEngine().pairs()
    except TranslateError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo("installed: " + (", ".join(f"{a}→{b}" for a, b in sorted(pairs)) or "none"))
    for lang in TARGET_LANGS:
        try:
            route = plan_routes([lang], pairs)[lang].label
        except MissingModel as exc:
            route = f"no route (install {', '.join(map(package_name, exc.missing[lang]))})"
        typer.echo(f"{lang}: {route}")
