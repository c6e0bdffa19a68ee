"""`resbot serve`: the web chat, the LINE and Telegram webhooks and /healthz."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from . import app
from .context import server_settings, settings


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (RESBOT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (RESBOT_PORT, default 8000).")] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every HTTP request.")
    ] = False,
) -> None:
    """Run the bot server: web chat at /, webhooks, /healthz.

    Configuration comes from the environment or .env (see README). With no
    LINE/Telegram tokens those routes stay off and the web chat works at once.
    With a cities.yaml (several cities in one install) every city is served under
    /c/<id>/; --city serves that one city alone (same paths).

    Example: resbot serve --port 8000
    """
    import uvicorn
    from starlette.applications import Starlette

    from bot import heap
    from bot.install import InstallError, is_install, load_cities
    from bot.web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cfg = settings(ctx)
    conf = server_settings(ctx)
    asgi: Starlette
    if cfg.city is not None or is_install():
        from bot.web.install import create_install_app

        try:
            cities = [cfg.city] if cfg.city is not None else load_cities()
            asgi = create_install_app(cities)
        except (InstallError, ValueError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        for city in cities:
            typer.echo(
                f"resbot: {city.id} ({city.name}) on"
                f" http://{host or conf.host}:{port or conf.port}{city.prefix}/"
            )
    else:
        asgi = create_app(conf)
        typer.echo(f"resbot: web chat on http://{host or conf.host}:{port or conf.port}/")
    # The knowledge and index just loaded live as long as the server: out of the
    # cycle collector's full walks (bot.heap; a reload thaws them).
    heap.freeze_startup()
    # No per-request access log by default: every event is already in the
    # interaction log, and formatting (and secret-masking) a line per request
    # costs throughput during a disaster spike. --access-log turns it on.
    uvicorn.run(
        asgi,
        host=host or conf.host,
        port=port or conf.port,
        log_level="info",
        access_log=access_log,
    )
