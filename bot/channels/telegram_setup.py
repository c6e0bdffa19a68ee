"""Register or remove the Telegram webhook (Bot API setWebhook / deleteWebhook).

Telegram must send the secret token with every update: the webhook route
refuses updates without it.
"""

from __future__ import annotations

import re

from telegram import Bot, BotCommand

WEBHOOK_PATH = "/telegram/webhook"
# The update types TelegramChannel has handlers for; Telegram drops the rest.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
# Telegram's rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


# The bot's menu (Telegram's "/" list): command -> the phrase key of its description.
# Each command is a postback the dialogue knows (bot.channels.telegram.COMMANDS).
MENU_COMMANDS = {
    "menu": "btn_menu",
    "shelter": "shelter_command",
    "area": "btn_area",
    "language": "btn_language",
}


def webhook_url(public_base_url: str) -> str:
    return public_base_url.rstrip("/") + WEBHOOK_PATH


async def set_webhook(
    token: str, api_base: str, url: str, secret_token: str, *, drop_pending_updates: bool = False
) -> bool:
    async with Bot(token, base_url=api_base) as bot:
        return await bot.set_webhook(
            url,
            secret_token=secret_token,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=drop_pending_updates,
        )


async def delete_webhook(token: str, api_base: str, *, drop_pending_updates: bool = False) -> bool:
    async with Bot(token, base_url=api_base) as bot:
        return await bot.delete_webhook(drop_pending_updates=drop_pending_updates)


async def set_commands(
    token: str, api_base: str, menus: dict[str | None, list[tuple[str, str]]]
) -> int:
    """setMyCommands once per language (None: the default list). Returns the calls made."""
    async with Bot(token, base_url=api_base) as bot:
        for lang, commands in menus.items():
            await bot.set_my_commands(
                [BotCommand(name, text) for name, text in commands], language_code=lang
            )
    return len(menus)
