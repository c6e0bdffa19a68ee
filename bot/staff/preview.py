"""What an answer will look like before it is saved: furigana, the easy-Japanese
checker's findings, and the reply as LINE, Telegram and the web chat show it
(rendered by the channels' own code, so limits and truncation are the real ones)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from markupsafe import Markup, escape

from bot.core import easyja
from bot.core.dialogue import Bot
from bot.core.furigana import Segment, chat_form, furigana
from bot.core.knowledge import Entry
from bot.core.langs import SOURCE_LANG
from bot.core.types import Session


@dataclass(frozen=True)
class Bubble:
    text: str
    buttons: list[str] = field(default_factory=list)


@dataclass
class Preview:
    lang: str
    served: str  # the language residents actually get (an unapproved translation is never shown)
    furigana: str  # the chat form: 燃(も)える
    ruby: Markup  # the same as <ruby>燃<rt>も</rt></ruby>える, as on a printed page
    findings: list[easyja.Finding]
    line: list[Bubble]  # LINE text messages; quick replies on the last
    telegram: list[Bubble]  # Telegram messages; the inline keyboard on the last
    keyboard: list[list[str]]  # Telegram keyboard rows
    web: list[Bubble]


def findings(root: Path, entry: Entry, title: str, answer: str) -> list[easyja.Finding]:
    settings = easyja.Settings.load(root / "easyja.yaml")
    found = easyja.lint(answer, settings) + [
        f for f in easyja.lint(title, settings) if f.rule != "plain-ending"
    ]
    return easyja.reviewed(found, list(entry.raw.get("lint_ok") or []))


def ruby_html(segments: list[Segment]) -> Markup:
    """Segments as HTML <ruby> (every text escaped); <rp> keeps brackets for
    browsers without ruby support and in copied text."""
    out = [
        Markup("<ruby>{}<rp>(</rp><rt>{}</rt><rp>)</rp></ruby>").format(text, reading)
        if reading
        else escape(text)
        for text, reading in segments
    ]
    return Markup("").join(out)


def preview(
    bot: Bot,
    entry: Entry,
    title: str,
    answer: str,
    lang: str,
    readings: dict[str, str] | None = None,
) -> Preview:
    """`readings`: the overrides as on disk now (a reading fixed a moment ago shows
    at once); by default the bot's."""
    from bot.channels.limits import split_text
    from bot.channels.line import render
    from bot.channels.telegram import MAX_TEXT, keyboard

    segments = furigana(answer, bot.kb.readings if readings is None else readings)
    ruby = chat_form(segments)
    draft = replace(
        entry,
        title={**entry.title, SOURCE_LANG: title},
        answer={**entry.answer, SOURCE_LANG: answer},
        ruby_answer=ruby,
    )
    result = bot.answer(draft, lang, Session(lang=lang), 1.0)
    line = []
    for message in render(result.replies):
        quick = message.quick_reply.items if message.quick_reply else []
        line.append(Bubble(message.text, [item.action.label or "" for item in quick]))
    texts = [t for r in result.replies for t in split_text(r.text, MAX_TEXT)]
    markup = keyboard(result.replies)
    rows = [[b.text for b in row] for row in markup.inline_keyboard] if markup else []
    return Preview(
        lang=lang,
        served=bot.kb.answer_lang(draft, lang),
        furigana=ruby,
        ruby=ruby_html(segments),
        findings=findings(bot.kb.root, entry, title, answer),
        line=line,
        telegram=[Bubble(t) for t in texts],
        keyboard=rows,
        web=[Bubble(r.text, [b.label for b in r.buttons]) for r in result.replies],
    )
