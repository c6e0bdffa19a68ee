"""The `resbot` command line: the top of the stack (cli -> web -> channels -> service -> core)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.core.knowledge import ENV_VAR

from .context import Settings
from .kb import kb_app

app = typer.Typer(
    help="resbot: answers foreign residents' questions about city life in seven languages.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(kb_app, name="kb")


@app.callback()
def main_options(
    ctx: typer.Context,
    knowledge: Annotated[
        Path | None,
        typer.Option(
            "--knowledge",
            envvar=ENV_VAR,
            help="Knowledge folder to use (default: ./knowledge of this checkout).",
        ),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", envvar="RESBOT_DB", help="SQLite database (default: var/resbot.sqlite3)."
        ),
    ] = None,
    city: Annotated[
        str | None,
        typer.Option(
            "--city",
            envvar="RESBOT_CITY",
            help="In a several-city install (cities.yaml): the city this command is about.",
        ),
    ] = None,
) -> None:
    if city is None:
        ctx.obj = Settings(knowledge=knowledge, db=db)
        return
    import os

    from bot.install import InstallError, find_city, uses_postgresql
    from bot.install import database_of as city_database

    try:
        chosen = find_city(city)
    except InstallError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    target = city_database(chosen)
    if uses_postgresql(target):
        # Every command's Store reads RESBOT_DATABASE_URL: the city's schema.
        os.environ["RESBOT_DATABASE_URL"] = str(target)
    ctx.obj = Settings(knowledge=knowledge or chosen.knowledge, db=db or chosen.db, city=chosen)


def _register() -> None:
    # Sub-commands live in their own modules; importing registers them on `app`.
    from . import (  # noqa: F401
        ask,
        chat,
        cities,
        db,
        notify,
        platforms,
        report,
        retention,
        serve,
        staff,
        translate,
    )
    from .shelters_open import shelters_app  # `shelters`, with find / opened / close added

    app.add_typer(shelters_app, name="shelters")

    try:
        from .garbage import garbage_app
    except ImportError:  # the garbage commands are optional while being built
        return
    app.add_typer(garbage_app, name="garbage")


_register()


def main() -> None:
    app()
