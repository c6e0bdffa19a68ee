"""PO messages as the staff pages edit them, one message at a time.

The optimistic lock of a translation is the hash of its own message (source,
text, flags), not of the whole file: two reviewers approving different
messages of the same catalogue do not block each other.
"""

from __future__ import annotations

import json
from pathlib import Path

import polib

from bot.core.catalog import new_po
from bot.core.layout import content_po, translations_dir

from .files import digest


def po_path(root: Path, lang: str, category: str) -> Path:
    """The catalogue of a category for the knowledge folder `root` (see `layout`)."""
    return content_po(translations_dir(root), lang, category)


def load_po(path: Path, lang: str) -> polib.POFile:
    return polib.pofile(str(path), wrapwidth=0) if path.exists() else new_po(lang)


def find(po: polib.POFile, ctx: str) -> polib.POEntry | None:
    for entry in po:
        if entry.msgctxt == ctx and not entry.obsolete:
            return entry
    return None


def message_hash(entry: polib.POEntry | None) -> str:
    if entry is None:
        return digest("")
    state = [entry.msgid, entry.msgstr, sorted(entry.flags), entry.previous_msgid or ""]
    return digest(json.dumps(state, ensure_ascii=False))


def state(entry: polib.POEntry | None) -> str:
    """A message as one audit string: its text, and [fuzzy] when not approved."""
    if entry is None:
        return ""
    return str(entry.msgstr) + (" [fuzzy]" if "fuzzy" in entry.flags else "")


def is_machine(entry: polib.POEntry) -> bool:
    """Machine drafts say so in a translator comment or a flag (bot.translate)."""
    notes = f"{entry.tcomment or ''} {' '.join(entry.flags)}".lower()
    return "machine" in notes or "argos" in notes
