"""Gettext PO catalogues: the translators' format for answers and bot phrases.

A message is looked up by `msgctxt` (entry id + field, or a phrase key). The
`msgid` holds the Japanese source the translation was made from, so a changed
source shows up as a mismatch (stale) and `sync` marks it fuzzy, as msgmerge does.
A fuzzy message is never served: it waits for a person to approve it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polib

CTX_SEP = "|"


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    text: str
    fuzzy: bool
    file: Path
    line: int
    previous: str = ""  # `#| msgid`: the source it was translated from, kept by `sync`

    @property
    def approved(self) -> bool:
        return bool(self.text.strip()) and not self.fuzzy


@dataclass
class Catalog:
    """All messages of one language, from one or more PO files."""

    lang: str
    messages: dict[str, Message]

    def status(self, context: str, source: str) -> str:
        """'ok', 'missing', 'fuzzy' (a draft nobody approved yet) or 'stale' (translated
        from another Japanese source: `sync` marked it fuzzy and kept the old source,
        or the msgid no longer matches)."""
        msg = self.messages.get(context)
        if msg is None or not msg.text.strip():
            return "missing"
        if msg.source != source or (msg.fuzzy and msg.previous):
            return "stale"
        if msg.fuzzy:
            return "fuzzy"
        return "ok"

    def get(self, context: str, source: str) -> str | None:
        """The approved translation of `source`, or None."""
        if self.status(context, source) != "ok":
            return None
        return self.messages[context].text


def load_catalog(lang: str, files: Iterable[Path]) -> Catalog:
    messages: dict[str, Message] = {}
    for path in sorted(files):
        po = polib.pofile(str(path), wrapwidth=0)
        for e in po:
            if e.obsolete or not e.msgctxt:
                continue
            messages[e.msgctxt] = Message(
                context=e.msgctxt,
                source=e.msgid,
                text=e.msgstr,
                fuzzy="fuzzy" in e.flags,
                file=path,
                line=e.linenum,
                previous=e.previous_msgid or "",
            )
    return Catalog(lang=lang, messages=messages)


def new_po(lang: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "resbot",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    return po


def sync_po(path: Path, lang: str, sources: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Bring one PO file in line with its sources, the way msgmerge does.

    `sources` maps context -> (Japanese source, translator comment). New contexts
    are added empty; a changed source keeps the old translation but marks it
    fuzzy (with the previous source kept as `#| msgid`); vanished contexts become
    obsolete. Returns counts of what changed.
    """
    po = polib.pofile(str(path), wrapwidth=0) if path.exists() else new_po(lang)
    by_ctx = {e.msgctxt: e for e in po if e.msgctxt}
    counts = {"added": 0, "stale": 0, "obsolete": 0}
    for ctx, (source, comment) in sources.items():
        entry = by_ctx.get(ctx)
        if entry is None:
            po.append(polib.POEntry(msgctxt=ctx, msgid=source, msgstr="", comment=comment))
            counts["added"] += 1
            continue
        if entry.obsolete:
            entry.obsolete = False
        if comment and entry.comment != comment:
            entry.comment = comment
        if entry.msgid != source:
            entry.previous_msgid = entry.msgid
            entry.msgid = source
            if entry.msgstr and "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
            counts["stale"] += 1
    for ctx, entry in by_ctx.items():
        if ctx not in sources and not entry.obsolete:
            entry.obsolete = True
            counts["obsolete"] += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    save_po(po, path)
    return counts


def save_po(po: polib.POFile, path: Path) -> None:
    """Write atomically: a crash mid-write must not leave translators a torn file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    po.save(str(tmp))
    tmp.replace(path)
