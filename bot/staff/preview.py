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


@dataclass(frozen=True)
class SourceNote:
    """Where the reply to a typed question really comes from (Japanese first)."""

    ja: str
    en: str
    files: list[str]


def source_note(bot: Bot, entry: Entry) -> SourceNote | None:
    """The editor's warning for an entry whose text residents asking do not get."""
    from bot.core.answer_source import answer_source

    source = answer_source(bot, entry)
    if source is None:
        return None
    if source.kind == "garbage_calendar":
        ja = (
            "この答えの文は、質問を書いた住民には送られません。ごみの日の質問には、"
            "ごみのカレンダーのデータから、住んでいる地域の次の収集日を答えます。"
            "収集日を直すときは、下のファイルを直すか `resbot garbage import-5374` で"
            "取り込み直してください。"
        )
        en = (
            "Residents who type a question never get this text: garbage-day questions"
            " are answered from the garbage calendar data with the next dates for their"
            " area. Fix collection days in the files below, or import them again with"
            " `resbot garbage import-5374`."
        )
    else:
        ja = (
            "この答えの文は、住民には送られません。言葉を変える質問には、"
            "その言語に切り替えるか、7つの言語の言語メニューを出します。"
            "メニューの文は下のファイルにあります。"
        )
        en = (
            "Residents never get this text: a question about the language switches to"
            " that language or shows the language menu in all seven languages, whose"
            " text is in the files below."
        )
    titles = [bot.kb.title(bot.kb.entries[i], SOURCE_LANG) for i in source.tapped_from]
    places_ja: list[str] = []
    places_en: list[str] = []
    if titles:
        places_ja.append("、".join(f"「{t}」" for t in titles) + "の関連ボタン")
        places_en.append("related to " + ", ".join(titles))
    if source.in_menu:
        places_ja.append("メニュー")
        places_en.append("the category menu")
    if places_ja:
        ja += f"この文が出るのは、ボタン（{'、'.join(places_ja)}）を押したときだけです。"
        en += f" It is shown only when a resident taps its button ({'; '.join(places_en)})."
    return SourceNote(ja, en, source.files)
