"""`kb check`: everything that must hold before content goes live.

Each problem names the file and the field, so a staff member can fix it without
reading code. Errors fail the check; warnings (example values still in the city
profile) are shown but do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.garbage import check as garbage_check

from .city import placeholders
from .knowledge import FIELDS, KnowledgeBase, context
from .langs import SOURCE_LANG, TARGET_LANGS
from .layout import legacy_dir
from .phrases import Phrases
from .topics import national_numbers

# Phone-like strings: Japanese numbers starting with 0, short codes such as #8008,
# the 1xx service numbers (110, 119, 171...), international +81 forms, long digit runs.
PHONE_RE = re.compile(
    r"(?<![\w#+])(?:"
    r"\+\d[\d\- ()]{7,}\d"
    r"|#\d{3,5}"
    r"|0\d{1,4}[-‐－ ]?\d{1,4}[-‐－ ]?\d{3,4}"
    r"|1\d\d"
    r"|\d{7,}"
    r")(?![\w])"
)
_DIGITS = re.compile(r"\D")


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def phone_like(text: str) -> list[str]:
    return [m.group(0).strip() for m in PHONE_RE.finditer(text)]


def allowed_numbers(kb: KnowledgeBase) -> set[str]:
    """Digits-only forms of every number an answer may contain."""
    allowed = {_DIGITS.sub("", n) or n for n in national_numbers()}
    allowed |= {n for n in national_numbers() if n.startswith("#")}
    for value in kb.city.values.values():
        for text in value.all_texts():
            for number in phone_like(text):
                allowed.add(_DIGITS.sub("", number))
    return allowed


def stray_numbers(text: str, allowed: set[str]) -> list[str]:
    out = []
    for number in phone_like(text):
        digits = _DIGITS.sub("", number)
        if digits not in allowed and number not in allowed:
            out.append(number)
    return out


def check(kb: KnowledgeBase, phrases: Phrases | None = None) -> Report:
    report = Report(errors=list(kb.errors))
    allowed = allowed_numbers(kb)
    missing_by_lang: dict[str, list[str]] = {lang: [] for lang in TARGET_LANGS}

    for entry in kb.entries.values():
        where = str(entry.path)
        if len(entry.title[SOURCE_LANG]) > 20:
            report.errors.append(f"{where}: field `title`: longer than 20 characters (buttons)")
        for ref in entry.related:
            if kb.entry_for(ref) is None:
                report.errors.append(f"{where}: field `related`: no entry or topic {ref!r}")
        for fld in FIELDS:
            for lang in TARGET_LANGS:
                status = entry.status.get(fld, {}).get(lang, "missing")
                if status != "ok":
                    missing_by_lang[lang].append(f"{context(entry.id, fld)} ({status})")
        # Answers: placeholders must resolve; numbers must be known.
        source_ph = set(placeholders(entry.answer[SOURCE_LANG]))
        for lang, text in entry.answer.items():
            po_file = (
                where
                if lang == SOURCE_LANG
                else str(kb.catalogs[lang].messages[context(entry.id, "answer")].file)
            )
            label = "answer" if lang == SOURCE_LANG else f"{context(entry.id, 'answer')}"
            for ph in placeholders(text):
                if ph not in kb.city.values:
                    report.errors.append(
                        f"{po_file}: {label}: unresolved placeholder {{{ph}}} (not in city.yaml)"
                    )
            if lang != SOURCE_LANG and set(placeholders(text)) != source_ph:
                report.errors.append(
                    f"{po_file}: {label}: placeholders {sorted(set(placeholders(text)))} "
                    f"differ from the Japanese source {sorted(source_ph)}"
                )
            for number in stray_numbers(text, allowed):
                report.errors.append(
                    f"{po_file}: {label}: phone-like {number!r} is neither a national fact "
                    "nor in city.yaml"
                )

    for lang, items in missing_by_lang.items():
        if items:
            shown = ", ".join(items[:8]) + (f" (+{len(items) - 8} more)" if len(items) > 8 else "")
            report.errors.append(
                f"translations/{lang}: {len(items)} message(s) missing or not approved: {shown}"
            )

    old = legacy_dir(kb.root)
    if old is not None:
        report.errors.append(
            f"{old}: no longer read: move its <lang>/<category>.po files to "
            f"{kb.translations}/<lang>/LC_MESSAGES/ (README: Translations)"
        )

    covered = {e.topic for e in kb.entries.values()}
    uncovered = sorted(set(kb.topics.topics) - covered)
    if uncovered:
        report.errors.append(f"entries: topics with no entry: {', '.join(uncovered)}")

    if phrases is not None:
        for lang, keys in phrases.missing().items():
            report.errors.append(
                f"translations/{lang}/LC_MESSAGES/interface.po: phrase(s) missing or not "
                f"approved: {', '.join(keys)}"
            )
        for key, source in phrases.sources.items():
            for ph in placeholders(source):
                if ph not in kb.city.values:
                    report.errors.append(
                        f"translations/interface.pot: {key}: unresolved placeholder {{{ph}}}"
                        " (not in city.yaml)"
                    )

    # Garbage calendars and the item dictionary (file:line for data problems).
    for line in garbage_check(kb.root):
        (report.warnings if ": warning: " in line else report.errors).append(line)

    examples = kb.city.example_keys
    if examples:
        report.warnings.append(
            f"city.yaml: {len(examples)} example value(s) still to be replaced by the city: "
            + ", ".join(examples)
        )
    for key, marks in kb.city.pending.items():
        langs = ", ".join(f"{lang} ({mark})" for lang, mark in marks.items())
        report.warnings.append(
            f"city.yaml: {key}: language(s) still to fill in or update: {langs}"
        )
    return report
