"""The knowledge base: entries (YAML, Japanese source) plus translations (PO).

Layout of a knowledge folder (the files are the source of truth; staff edit them):

    city.yaml                         city-specific values, used as {placeholders}
    readings.yaml                     furigana overrides for words the analyzer misreads
    entries/<category>/<id>.yaml      one entry each: id, topic, title, questions, answer
    garbage/                          area calendars and the item dictionary

and beside it, in the sibling `../translations/` (see `layout`):

    <lang>/LC_MESSAGES/<category>.po  msgctxt "<id>|title" / "<id>|questions" / "<id>|answer"

The `questions` message of a PO file holds one question variant per line, written
the way residents of that language type; its msgid is the entry title, so the
variants only go stale when the entry's meaning (its title) changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .catalog import CTX_SEP, Catalog, load_catalog
from .city import CityProfile, fill, load_city
from .furigana import add_furigana, load_readings
from .langs import LANGS, SOURCE_LANG, TARGET_LANGS
from .layout import content_files, translations_dir
from .tagging import remembered
from .topics import TopicCatalogue, load_topics

FIELDS = ("title", "questions", "answer")
ENV_VAR = "RESBOT_KNOWLEDGE"


def default_knowledge_dir() -> Path:
    """The folder in use: $RESBOT_KNOWLEDGE, else `knowledge/` of this checkout."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "knowledge"
    return here if here.is_dir() else Path.cwd() / "knowledge"


@dataclass
class Entry:
    id: str
    topic: str
    category: str
    title: dict[str, str]
    questions: dict[str, list[str]]
    answer: dict[str, str]
    related: list[str]
    action: str | None
    desk_referral: bool
    path: Path
    raw: dict[str, Any]
    ruby_answer: str = ""
    # context -> status per language ("ok", "missing", "fuzzy", "stale")
    status: dict[str, dict[str, str]] = field(default_factory=dict)

    def source(self, fld: str) -> str:
        """The Japanese msgid of a PO message: the answer, or the title (which also
        stands for the question variants, see the module docstring)."""
        return self.answer[SOURCE_LANG] if fld == "answer" else self.title[SOURCE_LANG]


@dataclass
class KnowledgeBase:
    root: Path
    entries: dict[str, Entry]
    city: CityProfile
    catalogs: dict[str, Catalog]
    topics: TopicCatalogue
    readings: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @property
    def translations(self) -> Path:
        """The folder of this knowledge base's content catalogues."""
        return translations_dir(self.root)

    @cached_property
    def by_topic(self) -> dict[str, list[Entry]]:
        out: dict[str, list[Entry]] = {}
        for e in self.entries.values():
            out.setdefault(e.topic, []).append(e)
        return out

    def entry_for(self, key: str) -> Entry | None:
        """An entry by id, or the first entry of a topic."""
        if key in self.entries:
            return self.entries[key]
        found = self.by_topic.get(key)
        return found[0] if found else None

    def title(self, entry: Entry, lang: str) -> str:
        return entry.title.get(lang) or entry.title.get("en") or entry.title[SOURCE_LANG]

    @staticmethod
    def pending(entry: Entry, lang: str) -> bool:
        """The answer in `lang` is being updated: it was translated from an older
        Japanese source, so it is not served and the easy-Japanese answer is."""
        return lang not in entry.answer and entry.status.get("answer", {}).get(lang) == "stale"

    def answer_lang(self, entry: Entry, lang: str) -> str:
        """The language actually served: an unapproved translation is never shown.
        A stale one gives the current easy Japanese (its note says why), not an
        English answer the resident did not ask for; a missing one gives English."""
        if lang in entry.answer:
            return lang
        if self.pending(entry, lang):
            return SOURCE_LANG
        return "en" if lang != SOURCE_LANG and "en" in entry.answer else SOURCE_LANG

    def answer(
        self,
        entry: Entry,
        lang: str,
        example_mark: str,
        *,
        stale_mark: str | None = None,
        pending_note: str = "",
    ) -> str:
        """The answer as served to a resident of `lang`; `pending_note` (in `lang`)
        goes before the easy-Japanese answer when that language's is being updated."""
        served = self.answer_lang(entry, lang)
        text = entry.ruby_answer if served == SOURCE_LANG else entry.answer[served]
        text = fill(text, self.city, served, example_mark, stale_mark)
        if pending_note and self.pending(entry, lang):
            return f"{pending_note}\n\n{text}"
        return text


def _read_entry(path: Path, topics: TopicCatalogue, errors: list[str]) -> Entry | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        errors.append(f"{path}: not valid YAML: {exc}")
        return None
    if not isinstance(data, dict):
        errors.append(f"{path}: expected a mapping with id, topic, title, questions, answer")
        return None
    missing = [k for k in ("id", "topic", "title", "questions", "answer") if not data.get(k)]
    if missing:
        errors.append(f"{path}: missing field(s): {', '.join(missing)}")
        return None
    topic = str(data["topic"])
    if topic not in topics.topics:
        errors.append(f"{path}: field `topic`: unknown topic id {topic!r}")
        return None
    questions = data["questions"]
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        errors.append(f"{path}: field `questions`: expected a list of texts")
        return None
    related = data.get("related") or []
    return Entry(
        id=str(data["id"]),
        topic=topic,
        category=topics.topics[topic],
        title={SOURCE_LANG: str(data["title"]).strip()},
        questions={SOURCE_LANG: [q.strip() for q in questions if q.strip()]},
        answer={SOURCE_LANG: str(data["answer"]).strip()},
        related=[str(r) for r in related],
        action=data.get("action"),
        desk_referral=bool(data.get("desk_referral", False)),
        path=path,
        raw=data,
    )


def context(entry_id: str, fld: str) -> str:
    return f"{entry_id}{CTX_SEP}{fld}"


def load_catalogs(translations: Path) -> dict[str, Catalog]:
    """Every content catalogue per language (the interface domain left out)."""
    return {lang: load_catalog(lang, content_files(translations, lang)) for lang in TARGET_LANGS}


def load_knowledge(root: Path | None = None, *, furigana: bool = True) -> KnowledgeBase:
    """Read a knowledge folder. Problems are collected in `errors`, never raised,
    so `kb check` can report all of them at once and the bot can still serve."""
    root = Path(root) if root else default_knowledge_dir()
    errors: list[str] = []
    topics = load_topics()
    entries: dict[str, Entry] = {}
    for path in sorted((root / "entries").glob("**/*.yaml")):
        entry = _read_entry(path, topics, errors)
        if entry is None:
            continue
        if entry.id in entries:
            errors.append(
                f"{path}: field `id`: {entry.id!r} is also used by {entries[entry.id].path}"
            )
            continue
        entries[entry.id] = entry
    catalogs = load_catalogs(translations_dir(root))
    for entry in entries.values():
        for lang in TARGET_LANGS:
            cat = catalogs[lang]
            for fld in FIELDS:
                ctx = context(entry.id, fld)
                entry.status.setdefault(fld, {})[lang] = cat.status(ctx, entry.source(fld))
                text = cat.get(ctx, entry.source(fld))
                if text is None:
                    continue
                if fld == "title":
                    entry.title[lang] = text.strip()
                elif fld == "answer":
                    entry.answer[lang] = text.strip()
                else:
                    entry.questions[lang] = [q.strip() for q in text.split("\n") if q.strip()]
    readings = load_readings(root / "readings.yaml")
    if furigana:
        with remembered():  # MeCab's dictionary pages stay out of memory (bot.core.tagging)
            for entry in entries.values():
                entry.ruby_answer = add_furigana(entry.answer[SOURCE_LANG], readings)
    else:
        for entry in entries.values():
            entry.ruby_answer = entry.answer[SOURCE_LANG]
    city = load_city(root / "city.yaml")
    errors.extend(city.errors)
    return KnowledgeBase(
        root=root,
        entries=entries,
        city=city,
        catalogs=catalogs,
        topics=topics,
        readings=readings,
        errors=errors,
    )


__all__ = ["LANGS", "Entry", "KnowledgeBase", "context", "load_knowledge"]
