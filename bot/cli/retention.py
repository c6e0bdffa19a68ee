"""`resbot log ...`: look after the interaction log (retention of message text)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.retention import DEFAULT_DAYS, ENV_VAR, purge_sessions, purge_text, retention_days
from bot.storage import Store, database_url

from . import app
from .context import settings

log_app = typer.Typer(
    help="Look after the interaction log.\n\nExample: resbot log purge --days 90",
    no_args_is_help=True,
)


@log_app.command("purge")
def purge(
    ctx: typer.Context,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            help=f"Keep message text this many days (default {DEFAULT_DAYS}, or ${ENV_VAR}).",
        ),
    ] = None,
) -> None:
    """Delete the message text of interactions older than the retention period,
    and web-chat sessions never used again (one call without a cookie, a day ago;
    or idle longer than the 180-day cookie).

    Only the text goes (it is kept for staff to review unanswered questions);
    the rows stay, so monthly reports still count them. Safe to run daily.

    Example: resbot log purge --days 180
    """
    path = settings(ctx).db_path
    if database_url() is None and not path.exists():
        typer.echo(f"no database at {path}: nothing to purge", err=True)
        raise typer.Exit(1)
    try:
        keep = retention_days() if days is None else days
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    store = Store(path)
    n = purge_text(store, keep)
    typer.echo(f"purged the text of {n} interaction(s) older than {keep} days (counts kept)")
    typer.echo(f"purged {purge_sessions(store)} web-chat session(s) that will not come back")
    store.close()


app.add_typer(log_app, name="log")
