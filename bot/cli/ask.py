"""`resbot ask`: one answer from the shell, or a JSONL batch from stdin."""

from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.core.dialogue import Bot
from bot.core.langs import LANGS
from bot.core.open_shelters import LiveSource
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

    Many conversations in one process: stdin lines that are JSON objects,
    `{"user": "a", "text": "..."}` or `{"user": "a", "tap": "<button data>"}`;
    each user keeps their own session (in memory, or in the database with --user).
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

    sessions: dict[str, Session] = {}
    live: LiveSource = None
    if service is None and Path(cfg.db_path).is_file():
        # Open shelters and the active disaster, as the server would pass them.
        from bot.shelters import opened
        from bot.storage import Store

        live = partial(opened.live, Store(cfg.db_path))

    def one(incoming: Incoming, who: str | None) -> Result:
        if service is not None and user is not None:
            # A batch line's own user id is a separate conversation of this CLI user.
            key = user if who is None else f"{user}/{who}"
            result = service.handle("cli", key, incoming, lang=lang)
            assert result is not None  # no event id, so never a redelivery
            return result
        if who is None:
            return bot.handle(incoming, Session(lang=lang), live)
        result = bot.handle(incoming, sessions.get(who) or Session(lang=lang), live)
        sessions[who] = result.session
        return result

    def emit(result: Result, who: str | None) -> None:
        if as_json:
            data = result_json(result)
            if who is not None:
                data = {"user": who, **data}
            typer.echo(json.dumps(data, ensure_ascii=False))
        else:
            print_human(result)

    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for number, line in enumerate(lines, 1):
        parsed = _batch_line(line) if text is None else (Incoming(kind="text", text=line), None)
        if isinstance(parsed, str):
            typer.echo(json.dumps({"line": number, "error": parsed}, ensure_ascii=False))
            continue
        incoming, who = parsed
        emit(one(incoming, who), who)


def _batch_line(line: str) -> tuple[Incoming, str | None] | str:
    """A stdin line: plain text, or a JSON object naming the user and a text or a tap.
    Returns an error message for an object we cannot use (the batch goes on)."""
    if not line.lstrip().startswith("{"):
        return Incoming(kind="text", text=line), None
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"not a JSON object: {exc}"
    if not isinstance(obj, dict):
        return "not a JSON object"
    who = obj.get("user")
    if who is not None and not isinstance(who, str | int):
        return '"user" must be a string'
    who_text = None if who is None else str(who)
    if isinstance(obj.get("tap"), str):
        return Incoming(kind="postback", text=obj["tap"]), who_text
    if isinstance(obj.get("text"), str):
        return Incoming(kind="text", text=obj["text"]), who_text
    return 'needs "text" or "tap" (a string)'
