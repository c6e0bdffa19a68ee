"""Item and category names in the other six languages, from gettext PO files.

`translations/<lang>/LC_MESSAGES/garbage-items.po` (beside the knowledge folder,
see `bot.core.layout`) holds, per message:

    msgctxt "garbage.item|<Japanese item name>"       msgid = that name
    msgctxt "garbage.category|<label>"                msgid = the label
    msgctxt "garbage.category.description|<label>"    msgid = the description
    msgctxt "garbage.notice|<Japanese item name>"     msgid = the notice

A name message may list several names, one per line (the first is shown; the
others are what residents also type: plurals, slang, spellings without accents).
Only approved messages are used: fuzzy ones, and ones whose msgid no longer
equals the Japanese source, wait for a translator (`bot.core.catalog`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.core.catalog import CTX_SEP, Catalog, load_catalog, sync_po
from bot.core.langs import TARGET_LANGS
from bot.core.layout import DIR_NAME, MESSAGES, content_po, translations_dir

from .data import Dataset

DOMAIN = "garbage-items"
PO_NAME = f"{DOMAIN}.po"
ITEM, CATEGORY, DESCRIPTION, NOTICE = (
    "garbage.item",
    "garbage.category",
    "garbage.category.description",
    "garbage.notice",
)
_COMMENTS = {
    ITEM: "Item name: one name per line; the first is shown. Add the words residents type "
    "(plural, without accents, everyday words).",
    CATEGORY: "Garbage category name, as residents know it. Short: it is a button label.",
    DESCRIPTION: "What goes into this category and how to put it out.",
    NOTICE: "Note on how to throw this item away.",
}


def context(kind: str, key: str) -> str:
    return f"{kind}{CTX_SEP}{key}"


def po_path(knowledge_dir: Path, lang: str) -> Path:
    return content_po(translations_dir(knowledge_dir), lang, DOMAIN)


def shown_path(lang: str) -> str:
    """The catalogue as problems name it: relative to the city folder."""
    return f"{DIR_NAME}/{lang}/{MESSAGES}/{PO_NAME}"


@dataclass
class Translations:
    """Approved garbage messages of every target language."""

    catalogs: dict[str, Catalog]

    def text(self, lang: str, kind: str, key: str, source: str) -> str | None:
        catalog = self.catalogs.get(lang)
        if catalog is None or not source:
            return None
        text = catalog.get(context(kind, key), source)
        return text.strip() if text and text.strip() else None

    def names(self, lang: str, kind: str, key: str, source: str) -> list[str]:
        """All names of a message, display name first; [] when not approved."""
        text = self.text(lang, kind, key, source)
        return [n.strip() for n in text.split("\n") if n.strip()] if text else []

    def status(self, lang: str, kind: str, key: str, source: str) -> str:
        catalog = self.catalogs.get(lang)
        return catalog.status(context(kind, key), source) if catalog else "missing"


def load_translations(knowledge_dir: Path, langs: Iterable[str] = TARGET_LANGS) -> Translations:
    catalogs = {}
    for lang in langs:
        path = po_path(knowledge_dir, lang)
        catalogs[lang] = load_catalog(lang, [path] if path.is_file() else [])
    return Translations(catalogs)


def sources(ds: Dataset) -> dict[str, tuple[str, str]]:
    """Every message a translator should see: context -> (Japanese source, comment)."""
    out: dict[str, tuple[str, str]] = {}
    for label, cat in ds.categories.items():
        out[context(CATEGORY, label)] = (label, _COMMENTS[CATEGORY])
        if cat.description:
            out[context(DESCRIPTION, label)] = (cat.description, _COMMENTS[DESCRIPTION])
    for item in ds.items:
        out.setdefault(context(ITEM, item.name), (item.name, _COMMENTS[ITEM]))
        if item.notice:
            out.setdefault(context(NOTICE, item.name), (item.notice, _COMMENTS[NOTICE]))
    return out


def sync_translations(ds: Dataset, knowledge_dir: Path) -> dict[str, dict[str, int]]:
    """Add new garbage messages to each language's PO file, mark changed ones fuzzy."""
    wanted = sources(ds)
    return {lang: sync_po(po_path(knowledge_dir, lang), lang, wanted) for lang in TARGET_LANGS}


def missing(ds: Dataset, tr: Translations) -> list[str]:
    """One line per language and kind: what translators still have to do."""
    out: list[str] = []
    wanted = sources(ds)
    for lang in TARGET_LANGS:
        gaps: dict[str, list[str]] = {}
        for ctx, (source, _) in wanted.items():
            kind, _, key = ctx.partition(CTX_SEP)
            status = tr.status(lang, kind, key, source)
            if status != "ok":
                gaps.setdefault(kind, []).append(
                    key if status == "missing" else f"{key} ({status})"
                )
        for kind, keys in gaps.items():
            shown = ", ".join(keys[:8]) + (f" (+{len(keys) - 8} more)" if len(keys) > 8 else "")
            what = kind.removeprefix("garbage.").replace(".", " ")
            out.append(
                f"{shown_path(lang)}: {len(keys)} {what} message(s) missing "
                f"or not approved: {shown}"
            )
        catalog = tr.catalogs.get(lang)
        if catalog is not None:
            unknown = [c for c, m in catalog.messages.items() if c not in wanted and m.text.strip()]
            if unknown:
                out.append(
                    f"{shown_path(lang)}: {len(unknown)} message(s) for items or "
                    f"categories not in the data: {', '.join(unknown[:5])}"
                )
    return out
