"""Keep the PO catalogues in step with the Japanese entries (like msgmerge)."""

from __future__ import annotations

from .catalog import sync_po
from .knowledge import FIELDS, KnowledgeBase, context
from .langs import TARGET_LANGS
from .layout import content_po

COMMENTS = {
    "title": "Button label: at most 20 characters.",
    "questions": (
        "Question variants for the entry with this title: one per line, written the way"
        " residents of this language really type (short keyword queries, no diacritics, slang)."
    ),
    "answer": "Natural, friendly, short sentences. Keep {placeholders} exactly as they are.",
}


def sync_translations(kb: KnowledgeBase, category: str | None = None) -> dict[str, dict[str, int]]:
    """Add new messages, mark changed sources fuzzy, retire vanished ones."""
    by_category: dict[str, dict[str, tuple[str, str]]] = {}
    for entry in kb.entries.values():
        if category and entry.category != category:
            continue
        sources = by_category.setdefault(entry.category, {})
        for fld in FIELDS:
            sources[context(entry.id, fld)] = (entry.source(fld), COMMENTS[fld])
    totals: dict[str, dict[str, int]] = {}
    for lang in TARGET_LANGS:
        for category, sources in sorted(by_category.items()):
            path = content_po(kb.translations, lang, category)
            counts = sync_po(path, lang, sources)
            agg = totals.setdefault(lang, {"added": 0, "stale": 0, "obsolete": 0})
            for k, v in counts.items():
                agg[k] += v
    return totals
