"""`resbot city ...`: the cities of a several-city install (cities.yaml, bot.install)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .context import settings

city_app = typer.Typer(
    help="Several cities in one install: list them, add one.\n\n"
    "Example: resbot city add minato --name 'Minato City' --from knowledge",
    no_args_is_help=True,
)


@city_app.command("add")
def add(
    ctx: typer.Context,
    city_id: Annotated[str, typer.Argument(help="Short id: its path /c/<id>/, CITY_<ID>_*.")],
    name: Annotated[str, typer.Option("--name", help="The city's name as residents see it.")],
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Knowledge folder to start from (default: the one in use, --knowledge).",
        ),
    ] = None,
) -> None:
    """Add a city: its folder (knowledge/ and translations/, copied from --from,
    to be made its own on its staff pages) and its line in cities.yaml
    ($RESBOT_CITIES, default ./cities.yaml). Restart `resbot serve` to serve it.

    Example: resbot city add minato --name "Minato City" --from knowledge
    """
    from bot.install import CITY_SECRETS, InstallError, add_city, cities_file

    try:
        city = add_city(city_id, name, source or settings(ctx).knowledge_dir)
    except InstallError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"added {city.id} ({city.name}) to {cities_file()}: folder {city.folder}")
    typer.echo(f"  web chat and staff pages: {city.prefix}/ and {city.prefix}/staff/")
    typer.echo(
        f"  webhooks: {city.prefix}/line/webhook, {city.prefix}/telegram/webhook"
        f" (resbot --city {city.id} telegram set-webhook)"
    )
    names = ", ".join(city.env_name(n) for n in CITY_SECRETS.values())
    typer.echo(f"  its LINE and Telegram secrets (environment or .env): {names}")
    typer.echo(
        "  its example values (phones, hours, places, collection days) are the source's:"
        f" fix them in {city.knowledge / 'city.yaml'} or on its staff pages before going live"
    )


@city_app.command("list")
def list_cities() -> None:
    """The cities this install serves, with their folders and databases.

    Example: resbot city list
    """
    from bot.install import InstallError, cities_file, database_of, load_cities

    try:
        cities = load_cities()
    except InstallError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if not cities:
        typer.echo(f"no {cities_file()}: this install serves one city (resbot city add)")
        return
    for city in cities:
        target = database_of(city)
        where = f"schema {city.schema}" if not isinstance(target, Path) else str(target)
        typer.echo(f"{city.id}\t{city.name}\t{city.prefix}/\t{city.folder}\t{where}")


app.add_typer(city_app, name="city")
