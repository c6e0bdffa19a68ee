"""`resbot db ...`: back up, restore and check the database (PostgreSQL: backup only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.backup import BackupError, backup, backup_pg, check, restore
from bot.storage import database_url

from . import app
from .context import settings

db_app = typer.Typer(
    help="Back up, restore and check the database.\n\nExample: resbot db backup backup.sqlite3",
    no_args_is_help=True,
)


def _fail(exc: BackupError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@db_app.command("backup")
def backup_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="File to write the backup to.")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Copy the database to PATH, safe while the server is running.

    Uses SQLite's online backup API (a consistent snapshot; the server keeps
    answering), checks the copy with PRAGMA integrity_check and only then
    puts it at PATH. Run it daily from cron and keep copies off the machine.

    With RESBOT_DATABASE_URL (PostgreSQL) it runs pg_dump (custom format, one
    consistent snapshot), reads the dump back with pg_restore --list, and only
    then puts it at PATH; restore it with pg_restore.

    Example: resbot db backup /backups/resbot-$(date +%F).sqlite3
    """
    try:
        url = database_url()
        if url is not None:
            typer.echo(f"backed up: {backup_pg(url, path, overwrite=force)}")
            return
        summary = backup(settings(ctx).db_path, path, overwrite=force)
    except BackupError as exc:
        raise _fail(exc) from exc
    typer.echo(f"backed up: {summary}")


@db_app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Backup file to restore from.")],
    force: Annotated[
        bool, typer.Option("--force", help="Restore even while the database is in use.")
    ] = False,
) -> None:
    """Replace the database with the backup at PATH.

    The backup is checked first (integrity, schema version); a database in use
    (a running `resbot serve`) is refused unless --force; the replaced database
    is kept next to it as <name>.bak. Start the server again afterwards: it
    upgrades an older backup's schema on start.

    Example: resbot db restore /backups/resbot-2026-04-01.sqlite3
    """
    if database_url() is not None:
        raise _fail(BackupError("PostgreSQL (RESBOT_DATABASE_URL): restore with pg_restore"))
    try:
        summary = restore(path, settings(ctx).db_path, force=force)
    except BackupError as exc:
        raise _fail(exc) from exc
    typer.echo(f"restored: {summary}")


@db_app.command("check")
def check_cmd(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="Database or backup (default: the database).")
    ] = None,
) -> None:
    """Integrity check, schema version and row counts of the database or a backup.

    Example: resbot db check /backups/resbot-2026-04-01.sqlite3
    """
    if path is None and database_url() is not None:
        raise _fail(BackupError("PostgreSQL (RESBOT_DATABASE_URL): check a dump with pg_restore"))
    try:
        summary = check(path or settings(ctx).db_path)
    except BackupError as exc:
        raise _fail(exc) from exc
    typer.echo(f"ok: {summary}")


app.add_typer(db_app, name="db")
