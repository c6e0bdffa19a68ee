"""`resbot remind`, `resbot broadcast`, `resbot signups`: notifications from the shell.

Tokens and API hosts come from the environment or `.env`, as for `resbot serve`
(LINE_CHANNEL_ACCESS_TOKEN, TELEGRAM_BOT_TOKEN, LINE_API_BASE, TELEGRAM_API_BASE).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from .context import server_settings, settings

signups_app = typer.Typer(
    help="Sign-ups from the chat forms (volunteers, Japanese-class waiting list).\n\n"
    "Example: resbot signups export --kind volunteer --format xlsx",
    no_args_is_help=True,
)


class Kind(StrEnum):
    volunteer = "volunteer"
    klass = "class"


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _store(ctx: typer.Context) -> Any:
    from bot.storage import Store

    return Store(settings(ctx).db_path)


def _outbox(ctx: typer.Context, store: Any, stale_after: float | None = None) -> Any:
    from bot.notify.outbox import outbox_from_settings

    cfg = settings(ctx)
    conf = server_settings(ctx)  # the city's platform secrets with --city
    conf = replace(conf, db_path=cfg.db_path, knowledge=cfg.knowledge_dir)
    outbox = outbox_from_settings(store, conf)
    if outbox.line is None and outbox.telegram is None:
        typer.echo(
            "no platform configured: set LINE_CHANNEL_ACCESS_TOKEN or TELEGRAM_BOT_TOKEN",
            err=True,
        )
        raise typer.Exit(2)
    if stale_after is not None:
        outbox.stale_after = stale_after
    return outbox


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        from bot.garbage import JST

        moment = moment.replace(tzinfo=JST)  # a bare time is Japan's
    return moment


def _params(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"expected name=value, not {item!r}", param_hint="--param")
        out[name.strip()] = value.strip()
    return out


def _counts_line(counts: dict[str, int]) -> str:
    keys = ("sent", "failed", "blocked", "unknown", "cancelled", "skipped", "pending", "sending")
    return ", ".join(f"{k} {counts.get(k, 0)}" for k in keys)


@app.command("remind")
def remind(
    ctx: typer.Context,
    due: Annotated[
        bool, typer.Option("--due", help="Queue the garbage reminders due now and send them.")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Pretend it is this time (ISO; no zone = Japan time)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Send the garbage reminders that are due (for cron, when no server runs).

    Each subscriber gets one reminder per collection date, in their language,
    the evening before or the morning of the day. Run it every few minutes:
    a missed reminder is sent late while still before the put-out time, else
    skipped and logged; nothing is ever sent twice.

    Example: */5 * * * * resbot remind --due
    """
    if not due:
        typer.echo("nothing to do: add --due", err=True)
        raise typer.Exit(2)
    from bot.core.dialogue import Bot
    from bot.notify.reminders import Reminders

    store = _store(ctx)
    outbox = _outbox(ctx, store)
    moment = _now(now)
    report = Reminders(store, Bot.load(settings(ctx).knowledge_dir)).enqueue_due(moment)

    async def deliver() -> dict[str, int]:
        try:
            counts: dict[str, int] = await outbox.run(moment)
            return counts
        finally:
            await outbox.close()

    counts = asyncio.run(deliver())
    if as_json:
        typer.echo(json.dumps({"queued": report.queued, "skipped": report.skipped, **counts}))
    else:
        typer.echo(f"reminders: {report.queued} queued, {report.skipped} skipped (too late)")
        typer.echo(f"deliveries: {_counts_line(counts)}")


@app.command("broadcast")
def broadcast(
    ctx: typer.Context,
    template: Annotated[
        str | None, typer.Option("--template", "-t", help="A pre-translated template id.")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A template value: name=value.")
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="Compose in Japanese instead of a template.")
    ] = None,
    translation: Annotated[
        list[str] | None,
        typer.Option("--translation", help="Your own translation of --text: LANG=TEXT."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Subscribers of: disaster | events | garbage."),
    ] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option("--lang", "-l", help="Preview / test-send these languages (default all)."),
    ] = None,
    to_lang: Annotated[
        list[str] | None,
        typer.Option("--to-lang", help="Send only to subscribers reading these languages."),
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="Send only to subscribers in these areas.")
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Show the message.")] = False,
    test_to: Annotated[
        str | None,
        typer.Option("--test-to", help="Send only to one staff account: line:U... or telegram:ID."),
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Send to every subscriber.")] = False,
    status: Annotated[int | None, typer.Option("--status", help="A broadcast's counts.")] = None,
    broadcast_id: Annotated[
        int | None, typer.Option("--id", help="Test or send this existing broadcast.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish pending deliveries (after a crash).")
    ] = False,
    stale_after: Annotated[
        float | None,
        typer.Option(
            help="With --resume: seconds after its sender's last heartbeat a claim of"
            " another instance or host counts as interrupted (default"
            " RESBOT_NOTIFY_STALE_AFTER, 30); a dead process of this host's counts at once."
        ),
    ] = None,
    list_templates: Annotated[
        bool, typer.Option("--list-templates", help="List the templates and their values.")
    ] = False,
    check_templates: Annotated[
        bool, typer.Option("--check-templates", help="Check every template in every language.")
    ] = False,
    by: Annotated[str, typer.Option("--by", help="Who sends it (kept with the broadcast).")] = "",
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            help="An evacuation site's 共通ID from the imported list (`resbot shelters find`"
            " shows them), for a template that lists sites (shelter_open); sending marks it open.",
        ),
    ] = None,
    disaster: Annotated[
        str | None,
        typer.Option(
            "--disaster",
            help="The disaster type, for a template that asks (flood, earthquake, ...).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compose, preview, test and send a broadcast in every resident's language.

    Disaster templates are pre-translated into all seven languages
    (knowledge/broadcast_templates.yaml); or compose with --text in Japanese.
    Target: subscribers of --kind (default: the template's), --to-lang, --area;
    each gets their own language. --lang only picks what --preview shows and
    what --test-to sends.

    Examples:
      resbot broadcast --list-templates
      resbot broadcast -t shelter_open -p place="東小学校" --preview --lang tl
      resbot broadcast -t shelter_open -p place="東小学校" --test-to telegram:12345
      resbot broadcast -t shelter_open -p place= --site E1320100006111 --disaster flood --preview
      resbot broadcast --id 7 --send          (the broadcast the test created)
      resbot broadcast --text "にほんごきょうしつが　はじまります。" --kind events --send
      resbot broadcast --status 3
    """
    from bot.core.knowledge import load_knowledge
    from bot.core.langs import LANGS
    from bot.notify.broadcast import Broadcasts
    from bot.notify.templates import TemplateError
    from bot.notify.templates import check_templates as check

    store = _store(ctx)
    kb = load_knowledge(settings(ctx).knowledge_dir)
    api = Broadcasts(store, kb)
    langs = [x for x in lang or [] if x]
    targets = [x for x in to_lang or [] if x]
    if list_templates:
        for t in api.templates.values():
            hints = ", ".join(f"{k} ({v})" for k, v in t.params.items()) or "no values"
            typer.echo(f"{t.id}  [{t.kind}]  {t.title}  — {hints}")
        return
    if check_templates:
        problems = check(api.templates, set(kb.city.values))
        for p in problems:
            typer.echo(p)
        typer.echo(f"{len(api.templates)} template(s), {len(problems)} problem(s)")
        raise typer.Exit(1 if problems else 0)
    if status is not None:
        _print_status(api.status(status), as_json)
        return
    if resume:
        outbox = _outbox(ctx, store, stale_after)
        counts = asyncio.run(_run(outbox, wait_for_claims=True))
        typer.echo(json.dumps(counts) if as_json else f"deliveries: {_counts_line(counts)}")
        return
    if not (preview or test_to or send):
        typer.echo("say what to do: --preview, --test-to or --send (see --help)", err=True)
        raise typer.Exit(2)
    bad = [x for x in [*langs, *targets] if x not in LANGS]
    if bad:
        raise typer.BadParameter(f"unknown language(s) {bad}; use {list(LANGS)}")
    source: dict[str, Any] = {
        "template": template,
        "params": _params(param or []),
        "text": text,
        "texts": _params(translation or []),
    }
    if site:
        from bot.shelters import opened
        from bot.shelters import store as site_store

        known = {s.common_id: s for s in site_store.load(settings(ctx).knowledge_dir)}
        missing = [x for x in site if x not in known]
        if missing:
            typer.echo(f"not in the imported sites: {', '.join(missing)}", err=True)
            raise typer.Exit(2)
        source["sites"] = [opened.snapshot(known[x]) for x in dict.fromkeys(site)]
    try:
        if broadcast_id is not None:
            for code in langs or list(LANGS) if preview else []:
                shown = "\n".join(r.text for r in api.message(broadcast_id, code))
                typer.echo(f"----- {code} -----\n{shown}\n")
        elif preview:
            for code in langs or list(LANGS):
                shown = api.preview(
                    template, source["params"], code, text=text, texts=source["texts"], kind=kind,
                    sites=source.get("sites"),
                )
                typer.echo(f"----- {code} -----\n{shown}\n")
        if not (test_to or send):
            return
        bid = broadcast_id or api.create_broadcast(
            **source, kind=kind, langs=targets or None, areas=area or None, created_by=by,
            disaster=disaster,
        )
    except (TemplateError, ValueError, KeyError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    audience = api.audience(bid)
    typer.echo(
        f"broadcast {bid}: {sum(audience.values())} subscriber(s) "
        + " ".join(f"{k}:{v}" for k, v in audience.items() if v)
    )
    outbox = _outbox(ctx, store)
    if test_to:
        outcomes = asyncio.run(_test(api, bid, test_to, outbox, langs or None))
        for code, outcome in outcomes.items():
            typer.echo(f"test {code} -> {test_to}: {outcome.status} {outcome.error or ''}".rstrip())
        if not send:
            typer.echo(f"not sent to subscribers; to send it: resbot broadcast --id {bid} --send")
            return
    api.queue(bid, by)
    asyncio.run(_run(outbox))
    _print_status(api.status(bid), as_json)


async def _run(outbox: Any, wait_for_claims: bool = False) -> dict[str, int]:
    try:
        counts: dict[str, int] = await outbox.run(wait_for_claims=wait_for_claims)
        return counts
    finally:
        await outbox.close()


async def _test(api: Any, bid: int, target: str, outbox: Any, langs: list[str] | None) -> Any:
    try:
        return await api.send_test(bid, target, outbox, langs)
    finally:
        await outbox.close()


def _print_status(st: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(st.to_json(), ensure_ascii=False))
        return
    typer.echo(
        f"broadcast {st.id} [{st.kind}] {st.state}: {st.total} recipient(s): "
        f"{_counts_line(st.counts)}"
    )


@signups_app.command("export")
def export(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Option("--kind", help="volunteer or class.")],
    fmt: Annotated[Format, typer.Option("--format", help="csv or xlsx.")] = Format.csv,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: signups-KIND.FORMAT).")
    ] = None,
) -> None:
    """Write the sign-ups of one form as CSV (UTF-8, opens in Excel) or XLSX.

    Example: resbot signups export --kind class --format xlsx --out class.xlsx
    """
    from bot.notify.signups import export as write

    path = out or Path(f"signups-{kind.value}.{fmt.value}")
    written = write(_store(ctx), kind.value, fmt.value, path)
    typer.echo(f"wrote {written}")


@signups_app.command("purge")
def purge(
    ctx: typer.Context,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            help="Keep this many days (default $RESBOT_SIGNUP_RETENTION_DAYS, 365).",
        ),
    ] = None,
) -> None:
    """Delete sign-ups older than the retention period (the counts stay).

    Also drops forms left unfinished in a chat for more than a day. Run daily.

    Example: resbot signups purge --days 365
    """
    from bot.notify.signups import purge as run

    n = run(_store(ctx), days)
    typer.echo(f"deleted {n} sign-up(s) past the retention period")


app.add_typer(signups_app, name="signups")
