"""`resbot serve`: the web chat, the LINE and Telegram webhooks and /healthz."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from . import app
from .context import settings


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

    Example: resbot serve --port 8000
    """
    import uvicorn

    from bot.config import load_settings
    from bot.web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cfg = settings(ctx)
    overrides: dict[str, object] = {}
    if cfg.knowledge:
        overrides["knowledge"] = cfg.knowledge
    if cfg.db:
        overrides["db_path"] = cfg.db
    conf = load_settings(".env", **overrides)
    asgi = create_app(conf)
    typer.echo(f"resbot: web chat on http://{host or conf.host}:{port or conf.port}/")
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
