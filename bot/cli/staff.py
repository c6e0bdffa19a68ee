"""`resbot staff ...`: accounts for the staff pages (/staff/)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from . import app
from .context import settings

if TYPE_CHECKING:
    from bot.staff.accounts import Accounts

staff_app = typer.Typer(
    help="Accounts for the staff pages at /staff/ (roles: viewer, editor, admin).\n\n"
    "Example: resbot staff add tanaka --role editor",
    no_args_is_help=True,
)


class RoleName(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _accounts(ctx: typer.Context) -> Accounts:
    """The database's accounts; in a several-city install the install's (with
    --city: that city's view of them, bot.staff.accounts)."""
    from bot.install import install_db, is_install
    from bot.staff.accounts import Accounts
    from bot.storage import Store

    cfg = settings(ctx)
    if cfg.city is None and not is_install():
        return Accounts(Store(cfg.db_path))
    return Accounts(Store(install_db()), cfg.city.id if cfg.city else None)


@staff_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name: lowercase letters, digits, . _ -")],
    role: Annotated[RoleName, typer.Option("--role", help="viewer, editor or admin.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Several-city install: an account of the whole install (every city).",
        ),
    ] = False,
) -> None:
    """Create a staff account; the password is asked twice (or read from stdin).

    viewer: the dashboard and the unanswered questions. editor: also entries,
    translations and the city profile. admin: also accounts and settings.

    Example: resbot staff add tanaka --role editor

    Example: printf '%s\\n' "$PW" | resbot staff add ci --role viewer --password-stdin

    Several cities in one install: `resbot --city minato staff add ...` makes an
    account of that city (it gets 403 on other cities' pages); `--install` one
    that opens every city (a prefecture's international association).
    """
    from bot.install import is_install
    from bot.staff.accounts import AccountError
    from bot.staff.roles import Role

    city = settings(ctx).city
    if is_install() and (city is None) == (not install):
        typer.echo(
            "several cities: say whose account this is, --city ID (one city's staff)"
            " or --install (every city), not both",
            err=True,
        )
        raise typer.Exit(2)
    where = f"{city.prefix}/staff/login" if city else "/staff/login"
    try:
        account = _accounts(ctx).add(name, Role(role.value), _password(password_stdin))
    except AccountError as exc:
        typer.echo(f"not added: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"added {account.name} ({account.role}); log in at {where}")


@staff_app.command("list")
def list_accounts(ctx: typer.Context) -> None:
    """List the staff accounts: name, role, state, last login.

    Example: resbot staff list
    """
    from bot.install import is_install
    from bot.staff.clock import local

    several = is_install() or settings(ctx).city is not None
    accounts = _accounts(ctx).all()
    if not accounts:
        typer.echo("no staff accounts yet: resbot staff add NAME --role admin")
        return
    for a in accounts:
        state = "active" if a.active else "disabled"
        login = local(a.last_login) or "never"
        cities = f"\tcities: {a.cities}" if several else ""
        typer.echo(f"{a.name}\t{a.role}\t{state}\tlast login: {login}{cities}")


@staff_app.command("passwd")
def passwd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The account.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
) -> None:
    """Set a new password; the account's open sessions end.

    Example: resbot staff passwd tanaka
    """
    from bot.staff.accounts import AccountError

    try:
        _accounts(ctx).set_password(name, _password(password_stdin))
    except AccountError as exc:
        typer.echo(f"not changed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"password of {name} changed; their sessions were ended")


app.add_typer(staff_app, name="staff")
