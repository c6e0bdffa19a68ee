"""`resbot line ...` and `resbot telegram ...`: one-off platform setup.

Settings come from the environment or .env, like `resbot serve`. The SDKs
and Pillow are imported inside the commands, so `resbot --help` stays fast.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from bot.config import Settings

from . import app
from .context import server_settings

line_app = typer.Typer(
    help="LINE setup: the rich menu.\n\nExample: resbot line rich-menu --dry-run",
    no_args_is_help=True,
)
telegram_app = typer.Typer(
    help="Telegram setup: the webhook and the bot's menu.\n\nExample: resbot telegram set-webhook",
    no_args_is_help=True,
)
app.add_typer(line_app, name="line")
app.add_typer(telegram_app, name="telegram")


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@line_app.command("rich-menu")
def rich_menu(
    ctx: typer.Context,
    image_out: Annotated[
        Path | None,
        typer.Option(
            "--image-out", help="Only render the menu image to this PNG file (no LINE call)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Render and print the rich menu JSON; send nothing.")
    ] = False,
    definition: Annotated[
        Path | None,
        typer.Option("--definition", help="Menu definition (default: bot/data/richmenu.yaml)."),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Then delete older rich menus with the same name."),
    ] = False,
    font: Annotated[
        Path | None,
        typer.Option(
            "--font", help="Font file with Japanese glyphs (default: found on the system)."
        ),
    ] = None,
) -> None:
    """Create the LINE rich menu and make it every user's default menu.

    Six buttons (garbage, Japanese classes, consultation, disasters, daily life,
    language) from bot/data/richmenu.yaml, on an image resbot draws from the
    labels in topics.yaml. Needs LINE_CHANNEL_ACCESS_TOKEN. Each run creates a
    new menu; --replace deletes the ones earlier runs made.

    Example: resbot line rich-menu --image-out var/richmenu.png
    Example: resbot line rich-menu --replace
    """
    from bot.channels.richmenu import (
        DEFINITION,
        DefinitionError,
        PublishError,
        load_definition,
        publish,
    )
    from bot.channels.richmenu_image import render_png

    conf = server_settings(ctx)
    token = conf.line_access_token
    if image_out is None and not dry_run and token is None:
        raise _fail(
            "LINE_CHANNEL_ACCESS_TOKEN is not set (environment or .env). Issue a channel "
            "access token in the LINE Developers console (Messaging API tab).",
            2,
        )
    try:
        menu = load_definition(definition or DEFINITION)
        png = render_png(menu, font)
    except (DefinitionError, FileNotFoundError, KeyError) as exc:
        raise _fail(f"rich menu definition: {exc}", 2) from exc
    if image_out is not None:
        image_out.parent.mkdir(parents=True, exist_ok=True)
        image_out.write_bytes(png)
        typer.echo(f"wrote {image_out} ({menu.width}x{menu.height}, {len(png) // 1024} KB)")
        return
    if dry_run:
        typer.echo(json.dumps(menu.request().to_dict(), ensure_ascii=False, indent=2))
        typer.echo(f"dry run: image rendered ({len(png) // 1024} KB); nothing sent to LINE")
        return
    try:
        done = publish(
            menu,
            png,
            access_token=str(token),
            api_base=conf.line_api_base,
            data_api_base=conf.line_data_api_base,
            replace=replace,
        )
    except PublishError as exc:
        raise _fail(str(exc), 1) from exc
    typer.echo(f"ok: rich menu {done.menu_id} created and set as the default for all users")
    for old in done.deleted:
        typer.echo(f"deleted older rich menu {old}")


def _telegram_token(conf: Settings) -> str:
    if conf.telegram_token is None:
        raise _fail(
            "TELEGRAM_BOT_TOKEN is not set (environment or .env). "
            "Ask @BotFather for the token (/newbot or /token).",
            2,
        )
    return str(conf.telegram_token)


DropOption = Annotated[
    bool,
    typer.Option("--drop-pending-updates", help="Discard updates Telegram is still holding."),
]


@telegram_app.command("set-webhook")
def set_webhook(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Webhook URL (default: $PUBLIC_BASE_URL/telegram/webhook)."),
    ] = None,
    drop_pending_updates: DropOption = False,
) -> None:
    """Tell Telegram to send this bot's updates to our webhook, with the secret token.

    Registers PUBLIC_BASE_URL + /telegram/webhook (HTTPS) for message,
    edited_message, callback_query and my_chat_member updates. Needs
    TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN.

    Example: resbot telegram set-webhook --url https://bot.example.org/telegram/webhook
    """
    from telegram.error import TelegramError

    from bot.channels import telegram_setup as tg

    conf = server_settings(ctx)
    token = _telegram_token(conf)
    if conf.telegram_secret_token is None:
        raise _fail(
            "TELEGRAM_SECRET_TOKEN is not set (environment or .env): choose a random string "
            "of letters, digits, _ and - (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`).",
            2,
        )
    secret = str(conf.telegram_secret_token)
    if not tg.SECRET_TOKEN.match(secret):
        raise _fail("TELEGRAM_SECRET_TOKEN may only hold A-Z, a-z, 0-9, _ and - (1-256).", 2)
    target = url or tg.webhook_url(conf.public_base_url)
    if not target.startswith("https://"):
        raise _fail(
            f"Telegram only calls HTTPS webhooks, and {target} is not one: set PUBLIC_BASE_URL "
            "to the server's public https:// address or pass --url.",
            2,
        )
    try:
        asyncio.run(
            tg.set_webhook(
                token,
                conf.telegram_api_base,
                target,
                secret,
                drop_pending_updates=drop_pending_updates,
            )
        )
    except TelegramError as exc:
        raise _fail(f"Telegram refused setWebhook: {exc.message}", 1) from exc
    typer.echo(f"ok: Telegram webhook set to {target} ({', '.join(tg.ALLOWED_UPDATES)})")


@telegram_app.command("set-commands")
def set_commands(ctx: typer.Context) -> None:
    """Set the bot's "/" menu in every language: menu, nearest evacuation site, area, language.

    One setMyCommands call per language (ja vi pt es tl en zh) plus the default list
    (English), with the descriptions from translations/<lang>/LC_MESSAGES/interface.po.
    Needs TELEGRAM_BOT_TOKEN.

    Example: resbot telegram set-commands
    """
    from telegram.error import TelegramError

    from bot.channels import telegram_setup as tg
    from bot.core.langs import LANGS
    from bot.core.phrases import load_phrases

    conf = server_settings(ctx)
    token = _telegram_token(conf)
    phrases = load_phrases()

    def menu(lang: str) -> list[tuple[str, str]]:
        return [(name, phrases.raw(key, lang)) for name, key in tg.MENU_COMMANDS.items()]

    menus: dict[str | None, list[tuple[str, str]]] = {None: menu("en")}
    menus.update({lang: menu(lang) for lang in LANGS})
    try:
        calls = asyncio.run(tg.set_commands(token, conf.telegram_api_base, menus))
    except TelegramError as exc:
        raise _fail(f"Telegram refused setMyCommands: {exc.message}", 1) from exc
    typer.echo(f"ok: Telegram menu set in {calls - 1} languages and the default (English)")


@telegram_app.command("delete-webhook")
def delete_webhook(ctx: typer.Context, drop_pending_updates: DropOption = False) -> None:
    """Stop Telegram from calling the webhook (for example before moving the server).

    Example: resbot telegram delete-webhook --drop-pending-updates
    """
    from telegram.error import TelegramError

    from bot.channels import telegram_setup as tg

    conf = server_settings(ctx)
    token = _telegram_token(conf)
    try:
        asyncio.run(
            tg.delete_webhook(
                token, conf.telegram_api_base, drop_pending_updates=drop_pending_updates
            )
        )
    except TelegramError as exc:
        raise _fail(f"Telegram refused deleteWebhook: {exc.message}", 1) from exc
    typer.echo("ok: Telegram webhook deleted")
