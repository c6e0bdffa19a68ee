"""`resbot kb ...`: check, export and maintain the knowledge base."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.core.checks import check
from bot.core.knowledge import load_knowledge
from bot.core.langs import LANGS
from bot.core.phrases import load_phrases
from bot.core.translation_sync import sync_translations
from bot.garbage import today
from bot.shelters import store as shelter_store

from .context import settings

kb_app = typer.Typer(help="Check, export and maintain the knowledge base.", no_args_is_help=True)


@kb_app.command("check")
def kb_check(ctx: typer.Context) -> None:
    """Validate entries, translations, placeholders and phone numbers.

    Exits 1 when anything is wrong; each problem names its file and field.

    Example: resbot kb check
    """
    kb = load_knowledge(settings(ctx).knowledge_dir, furigana=False)
    report = check(kb, load_phrases())
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    for e in report.errors:
        typer.echo(f"error: {e}", err=True)
    shelter_lines = shelter_store.check_lines(settings(ctx).knowledge_dir, today())
    for line in shelter_lines:
        typer.echo(line, err=True)
    report.warnings += [line for line in shelter_lines if ": warning: " in line]
    topics = {e.topic for e in kb.entries.values()}
    summary = (
        f"{len(kb.entries)} entries, {len(topics)}/{len(kb.topics.topics)} topics, "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )
    typer.echo(("ok: " if report.ok else "FAILED: ") + summary)
    raise typer.Exit(0 if report.ok else 1)


@kb_app.command("sync")
def kb_sync(
    ctx: typer.Context,
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category's catalogues.")
    ] = None,
) -> None:
    """Update the translation catalogues after the Japanese entries changed.

    New messages are added empty; a changed Japanese source marks its translations
    fuzzy (stale) until a person approves them again.

    Example: resbot kb sync
    """
    kb = load_knowledge(settings(ctx).knowledge_dir, furigana=False)
    for lang, counts in sync_translations(kb, category).items():
        typer.echo(f"{lang}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@kb_app.command("export")
def kb_export(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the only format).")] = True,
) -> None:
    """Print every entry with its question variants and answers per language.

    Example: resbot kb export --json > kb.json
    """
    kb = load_knowledge(settings(ctx).knowledge_dir)
    out = []
    for entry in kb.entries.values():
        out.append(
            {
                "id": entry.id,
                "topic": entry.topic,
                "category": entry.category,
                "title": entry.title,
                "questions": entry.questions,
                "answers": {
                    lang: kb.answer(entry, lang, "") for lang in LANGS if lang in entry.answer
                },
                "related": entry.related,
                "file": str(entry.path),
            }
        )
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2 if not as_json else None))


@kb_app.command("show")
def kb_show(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="Entry id or topic id.")],
    lang: Annotated[str, typer.Option("--lang", help="Language code.")] = "ja",
) -> None:
    """Show one answer as residents see it (easy Japanese gets its furigana).

    Example: resbot kb show garbage.sorting --lang vi
    """
    kb = load_knowledge(settings(ctx).knowledge_dir)
    entry = kb.entry_for(entry_id)
    if entry is None:
        typer.echo(f"no entry or topic {entry_id!r}", err=True)
        raise typer.Exit(1)
    phrases = load_phrases()
    typer.echo(kb.title(entry, lang))
    typer.echo(phrases.answer(kb, entry, lang))


@kb_app.command("lint-ja")
def kb_lint_ja(ctx: typer.Context) -> None:
    """Check every easy-Japanese answer against the easy-Japanese rules
    (messages in Japanese first, then English).

    Rules: sentence length, kanji runs, honorific/humble forms, double negatives,
    katakana loanwords, plain endings, hard words without a gloss. A finding a
    person has reviewed is accepted with `lint_ok` in the entry. Exits 1 on findings.

    Example: resbot kb lint-ja
    """
    from bot.core.easyja import Settings, lint, reviewed

    kb = load_knowledge(settings(ctx).knowledge_dir, furigana=False)
    cfg = Settings.load(kb.root / "easyja.yaml")
    total = 0
    for entry in kb.entries.values():
        findings = reviewed(lint(entry.answer["ja"], cfg), entry.raw.get("lint_ok") or [])
        for f in findings:
            typer.echo(f"{entry.path}: answer: [{f.name}] {f.message}: 「{f.text}」")
        total += len(findings)
    verdict = "問題なし / ok" if not total else "要修正 / FAILED"
    typer.echo(
        f"{verdict}: 答え {len(kb.entries)}件、指摘 {total}件"
        f" / {len(kb.entries)} answers, {total} finding(s)"
    )
    raise typer.Exit(0 if not total else 1)
