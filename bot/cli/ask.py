"""`resbot ask`: one answer from the shell, or a JSONL batch from stdin."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from bot.core.dialogue import Bot
from bot.core.langs import LANGS
from bot.core.types import Incoming, Result, Session

from . import app
from .context import settings


def result_json(result: Result) -> dict[str, Any]:
    return {
        "topic": result.topic if result.outcome in ("answer", "clarify", "language") else None,
        "entry": result.entry,
        "lang": result.lang,
        "score": round(result.score, 4),
        "outcome": result.outcome,
        "answer": "\n\n".join(r.text for r in result.replies),
        "choices": [{"label": b.label, "data": b.data} for b in result.choices],
        "buttons": [{"label": b.label, "data": b.data} for r in result.replies for b in r.buttons],
        "desk_referral": result.desk_referral,
    }


def print_human(result: Result) -> None:
    for reply in result.replies:
        typer.echo(reply.text)
        for i, b in enumerate(reply.buttons, 1):
            typer.echo(f"  [{i}] {b.label}")
        typer.echo("")


@app.command("ask")
def ask(
    ctx: typer.Context,
    text: Annotated[
        str | None, typer.Argument(help="The question. Omit to read one per line from stdin.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help=f"Reply language: {' '.join(LANGS)}.")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Remember the conversation (language, area) for this user id, and log it.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (JSONL for stdin batches).")
    ] = False,
) -> None:
    """Ask the bot a question.

    Examples:

      resbot ask "ngay nao do rac nhua" --json

      printf 'what day is plastic collection\\n塑料垃圾哪天收\\n' | resbot ask --json
    """
    if lang is not None and lang not in LANGS:
        typer.echo(f"unknown language {lang!r}; use one of: {' '.join(LANGS)}", err=True)
        raise typer.Exit(2)
    cfg = settings(ctx)
    bot = Bot.load(cfg.knowledge_dir)
    service = None
    if user:
        from bot.service import Service
        from bot.storage import Store

        service = Service(bot, Store(cfg.db_path))

    def one(question: str) -> Result:
        incoming = Incoming(kind="text", text=question)
        if service is not None and user is not None:
            result = service.handle("cli", user, incoming, lang=lang)
            assert result is not None  # no event id, so never a redelivery
            return result
        return bot.handle(incoming, Session(lang=lang))

    questions = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        result = one(question)
        if as_json:
            typer.echo(json.dumps(result_json(result), ensure_ascii=False))
        else:
            print_human(result)
