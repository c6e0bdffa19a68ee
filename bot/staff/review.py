"""Translation review: the six translations of an entry next to the Japanese
source; approve, edit or reject one message at a time.

A fuzzy message is not served. It is either stale (its Japanese source changed:
`kb sync` kept the old source as `#| msgid`) or a draft nobody approved yet (a
machine draft, or a translator's unfinished work). Approving takes the current
Japanese source as the message's msgid and removes the fuzzy flag; rejecting
empties the translation, so the resident gets the English or Japanese answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import polib

from bot.core.checks import allowed_numbers, stray_numbers
from bot.core.city import placeholders
from bot.core.knowledge import FIELDS, Entry, KnowledgeBase, context
from bot.core.langs import TARGET_LANGS
from bot.core.translation_sync import COMMENTS

from .audit import Audit
from .entries import MAX_TITLE, Invalid, clean_text, lines
from .files import WRITE_LOCK, atomic_write, conflict
from .pofiles import find, is_machine, load_po, message_hash, po_path, state
from .textdiff import Segment, diff
from .workspace import Workspace

ACTIONS = ("approve", "save", "reject")
STATUS_TEXT = {
    "ok": "approved",
    "draft": "draft: not served until approved",
    "stale": "Japanese source changed: not served until reviewed",
    "missing": "missing",
}


@dataclass(frozen=True)
class MessageView:
    lang: str
    field: str
    ctx: str
    source: str  # the Japanese source now
    text: str
    status: str  # ok / draft / stale / missing
    previous: str  # the Japanese the translation was made from, when that changed
    machine: bool
    notes: str  # translator comments: a machine draft's marker, an earlier translation
    base: str  # optimistic lock: hash of this message
    file: str
    changes: tuple[Segment, ...] = ()  # stale: the Japanese it was made from -> now

    @property
    def status_text(self) -> str:
        return ("machine " if self.machine and self.status == "draft" else "") + STATUS_TEXT[
            self.status
        ]


def entry_messages(ws: Workspace, entry: Entry) -> dict[str, list[MessageView]]:
    """field -> the message of each target language."""
    out: dict[str, list[MessageView]] = {fld: [] for fld in FIELDS}
    for lang in TARGET_LANGS:
        path = po_path(ws.root, lang, entry.category)
        po = load_po(path, lang)
        for fld in FIELDS:
            ctx = context(entry.id, fld)
            msg = find(po, ctx)
            source = entry.source(fld)
            previous = ""
            if msg is None or not msg.msgstr.strip():
                status = "missing"
            elif msg.previous_msgid or msg.msgid != source:
                status = "stale" if ("fuzzy" in msg.flags or msg.msgid != source) else "ok"
                previous = msg.previous_msgid or (msg.msgid if msg.msgid != source else "")
            elif "fuzzy" in msg.flags:
                status = "draft"
            else:
                status = "ok"
            out[fld].append(
                MessageView(
                    lang=lang,
                    field=fld,
                    ctx=ctx,
                    source=source,
                    text=msg.msgstr if msg is not None else "",
                    status=status,
                    previous=previous if status == "stale" else "",
                    machine=msg is not None and is_machine(msg),
                    notes=(msg.tcomment or "") if msg is not None else "",
                    base=message_hash(msg),
                    file=ws.rel(path),
                    changes=tuple(diff(previous, source)) if status == "stale" else (),
                )
            )
    return out


def progress(kb: KnowledgeBase) -> list[tuple[str, int, int]]:
    """(language, approved messages, all messages) over every entry and field."""
    out = []
    for lang in TARGET_LANGS:
        statuses = [e.status.get(f, {}).get(lang) for e in kb.entries.values() for f in FIELDS]
        out.append((lang, sum(s == "ok" for s in statuses), len(statuses)))
    return out


def entry_status(entry: Entry, lang: str) -> str:
    """One word for an entry in one language: ok, fuzzy (some need review) or missing."""
    found = {entry.status.get(f, {}).get(lang, "missing") for f in FIELDS}
    if "missing" in found:
        return "missing"
    return "ok" if found == {"ok"} else "fuzzy"


def _problems(kb: KnowledgeBase, entry: Entry, fld: str, text: str) -> list[str]:
    found: list[str] = []
    if not text.strip():
        found.append("The translation is empty: use Reject to clear it.")
    if fld == "title" and len(text) > MAX_TITLE:
        found.append(f"The title has {len(text)} characters; buttons show {MAX_TITLE}.")
    if fld == "answer":
        want, got = set(placeholders(entry.source("answer"))), set(placeholders(text))
        if want != got:
            found.append(
                "Keep the placeholders of the Japanese answer exactly: "
                f"{', '.join(sorted('{' + p + '}' for p in want)) or 'none'}"
                f" (this text has {', '.join(sorted('{' + p + '}' for p in got)) or 'none'})."
            )
        stray = stray_numbers(text, allowed_numbers(kb))
        if stray:
            found.append(f"Phone-like number(s) {', '.join(stray)}: use the placeholder.")
    return found


def apply(
    ws: Workspace,
    audit: Audit,
    user: str,
    entry_id: str,
    lang: str,
    fld: str,
    action: str,
    base: str,
    text: str = "",
) -> str:
    """Approve, save (edit and approve) or reject one message; returns a note for the page."""
    if lang not in TARGET_LANGS or fld not in FIELDS or action not in ACTIONS:
        raise Invalid(["Unknown language, field or action."])
    with WRITE_LOCK:
        kb = ws.kb()
        entry = kb.entries.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        path = po_path(ws.root, lang, entry.category)
        rel = ws.rel(path)
        po = load_po(path, lang)
        ctx = context(entry.id, fld)
        msg = find(po, ctx)
        if message_hash(msg) != base:
            raise conflict(audit, ws.city_dir, rel, message_hash(msg), field=ctx)
        before = state(msg)
        if action == "save":
            text = "\n".join(lines(text)) if fld == "questions" else clean_text(text)
            found = _problems(kb, entry, fld, text)
            if found:
                raise Invalid(found)
            if msg is None:
                msg = po_entry(ctx, entry.source(fld), fld)
                po.append(msg)
            msg.msgstr = text
        elif action == "approve":
            if msg is None or not msg.msgstr.strip():
                raise Invalid(["There is no translation to approve: write one and save it."])
            found = _problems(kb, entry, fld, msg.msgstr)
            if found:
                raise Invalid(found)
        elif msg is None:
            return "Nothing to reject."
        else:
            msg.msgstr = ""
        msg.msgid = entry.source(fld)
        msg.previous_msgid = None
        msg.previous_msgctxt = None
        if "fuzzy" in msg.flags:
            msg.flags.remove("fuzzy")
        if msg.tcomment:  # a person decided: the "machine draft, needs review" note is done
            kept = [x for x in msg.tcomment.splitlines() if "machine draft" not in x.lower()]
            msg.tcomment = "\n".join(kept)
        new_hash = message_hash(msg)
        atomic_write(path, str(po))
        audit.record(user, action, rel, ctx, before, state(msg), new_hash)
        done = {"approve": "Approved", "save": "Saved and approved", "reject": "Rejected"}
        return f"{done[action]}: {lang} {fld}."


def po_entry(ctx: str, source: str, fld: str) -> polib.POEntry:
    return polib.POEntry(msgctxt=ctx, msgid=source, msgstr="", comment=COMMENTS[fld])
