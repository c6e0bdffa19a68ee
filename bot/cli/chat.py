"""`resbot chat`: talk to the bot in a terminal, no chat service needed.

Buttons are shown as numbered options: type the number to tap one.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.core.dialogue import Bot
from bot.core.langs import LANGS
from bot.core.types import Button, Incoming, Session

from . import app
from .ask import print_human
from .context import settings


@app.command("chat")
def chat(
    ctx: typer.Context,
    lang: Annotated[
        str | None, typer.Option("--lang", help=f"Start in: {' '.join(LANGS)}.")
    ] = None,
) -> None:
    """Talk to the bot in this terminal (Ctrl-D or an empty line + "quit" to leave).

    Example: resbot chat --lang vi
    """
    bot = Bot.load(settings(ctx).knowledge_dir)
    session = Session(lang=lang)
    buttons: list[Button] = []
    result = bot.handle(Incoming(kind="follow"), session)
    session = result.session
    print_human(result)
    buttons = [b for r in result.replies for b in r.buttons]
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if line.lower() in ("quit", "exit"):
            return
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            incoming = Incoming(kind="postback", text=buttons[int(line) - 1].data)
        else:
            incoming = Incoming(kind="text", text=line)
        result = bot.handle(incoming, session)
        session = result.session
        print_human(result)
        buttons = [b for r in result.replies for b in r.buttons]
