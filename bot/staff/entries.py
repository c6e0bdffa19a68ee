"""Editing entries (`entries/<category>/<id>.yaml`): title, Japanese question
variants, the easy-Japanese answer, and draft questions from the unanswered queue.

After a save, the translations of a changed title or answer are marked fuzzy the
way `resbot kb sync` does, with an audit row per message, so a stale translation
is never served as if it still matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polib

from bot.core.checks import allowed_numbers, stray_numbers
from bot.core.city import placeholders
from bot.core.knowledge import Entry, KnowledgeBase, context, load_knowledge
from bot.core.langs import LANGS, SOURCE_LANG, TARGET_LANGS
from bot.core.translation_sync import COMMENTS, sync_translations

from . import yamlrt
from .audit import Audit
from .files import WRITE_LOCK, atomic_write, conflict, digest
from .pofiles import find, load_po, message_hash, po_path, state
from .workspace import Workspace

MAX_TITLE = 20
MAX_DRAFT = 300
DRAFTS = "draft_questions"


class Invalid(ValueError):
    """What the staff typed cannot be saved; `problems` say why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class EntryForm:
    title: str
    questions: list[str]
    answer: str

    @classmethod
    def parse(cls, title: str, questions: str, answer: str) -> EntryForm:
        return cls(title.strip(), lines(questions), clean_text(answer))


@dataclass
class Saved:
    changed: list[str] = field(default_factory=list)
    stale: dict[str, int] = field(default_factory=dict)  # language -> messages marked fuzzy


@dataclass(frozen=True)
class Draft:
    lang: str
    text: str
    by: str
    date: str
    asked: int


def clean_text(text: str) -> str:
    """Browser text (CRLF, trailing spaces) as the files keep it."""
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(r.rstrip() for r in rows).strip()


def lines(text: str) -> list[str]:
    """One question per line, blank lines and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for row in clean_text(text).split("\n"):
        if row.strip():
            seen.setdefault(row.strip(), None)
    return list(seen)


def one_line(text: str) -> str:
    """Line breaks and runs of spaces become one space; a Japanese full-width space stays."""
    return re.sub(r"[ \t\r\n\v\f]+", " ", text).strip(" ")


def problems(kb: KnowledgeBase, form: EntryForm) -> list[str]:
    """Reasons not to save: what `resbot kb check` would refuse, caught before writing."""
    found: list[str] = []
    if not form.title:
        found.append("The title is empty.")
    elif len(form.title) > MAX_TITLE:
        found.append(f"The title has {len(form.title)} characters; buttons show {MAX_TITLE}.")
    if not form.questions:
        found.append("Give at least one question variant (one per line).")
    if not form.answer:
        found.append("The answer is empty.")
    unknown = [p for p in placeholders(form.answer) if p not in kb.city.values]
    if unknown:
        found.append(
            "Unknown placeholder(s) "
            + ", ".join(f"{{{p}}}" for p in unknown)
            + ": use a key of city.yaml (see the city profile page)."
        )
    stray = stray_numbers(form.answer, allowed_numbers(kb))
    if stray:
        found.append(
            f"Phone-like number(s) {', '.join(stray)}: put city numbers in city.yaml and"
            " write a {placeholder} here."
        )
    return found


def _entry(ws: Workspace, entry_id: str) -> tuple[KnowledgeBase, Entry]:
    kb = ws.kb()
    entry = kb.entries.get(entry_id)
    if entry is None:
        raise KeyError(entry_id)
    return kb, entry


def save_entry(
    ws: Workspace, audit: Audit, user: str, entry_id: str, base: str, form: EntryForm
) -> Saved:
    """Write the entry if it is still the version `base` (its file hash) names."""
    with WRITE_LOCK:
        kb, entry = _entry(ws, entry_id)
        rel = ws.rel(entry.path)
        text = entry.path.read_text(encoding="utf-8")
        if digest(text) != base:
            raise conflict(audit, ws.root, rel, digest(text))
        found = problems(kb, form)
        if found:
            raise Invalid(found)
        data = yamlrt.load(text)
        before = {
            "title": str(data.get("title") or "").strip(),
            "questions": "\n".join(str(q).strip() for q in data.get("questions") or []),
            "answer": str(data.get("answer") or "").strip(),
        }
        after = {"title": form.title, "questions": "\n".join(form.questions), "answer": form.answer}
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return Saved()
        if "title" in changed:
            data["title"] = yamlrt.scalar(form.title)
        if "questions" in changed:
            seq = data["questions"]
            seq.clear()
            seq.extend(yamlrt.scalar(q) for q in form.questions)
        if "answer" in changed:
            data["answer"] = yamlrt.block(form.answer)
        _stamp_review(data, user)

        def check(read: Any) -> None:
            got = {
                "title": str(read.get("title")).strip(),
                "questions": "\n".join(str(q).strip() for q in read.get("questions") or []),
                "answer": str(read.get("answer")).strip(),
            }
            if got != after:
                raise yamlrt.ReadBackError(f"{rel}: the YAML would not read back as typed")

        new_hash = atomic_write(entry.path, yamlrt.dump(data, check))
        for fld in changed:
            audit.record(user, "edit", rel, fld, before[fld], after[fld], new_hash)
        saved = Saved(changed=changed)
        if {"title", "answer"} & set(changed):
            saved.stale = _sync(ws, audit, user, entry)
        return saved


def _stamp_review(data: Any, user: str) -> None:
    """Whoever saves content vouches for it: `review` says who and when."""
    review = data.get("review")
    if hasattr(review, "__setitem__"):
        review["by"] = user
        review["date"] = date.today()
    else:
        data["review"] = {"by": user, "date": date.today()}


def _snapshot(ws: Workspace, entry: Entry) -> dict[tuple[str, str], polib.POEntry | None]:
    out: dict[tuple[str, str], polib.POEntry | None] = {}
    for lang in TARGET_LANGS:
        po = load_po(po_path(ws.root, lang, entry.category), lang)
        for fld in ("title", "questions", "answer"):
            out[(lang, fld)] = find(po, context(entry.id, fld))
    return out


def _sync(ws: Workspace, audit: Audit, user: str, entry: Entry) -> dict[str, int]:
    """`kb sync` for the entry's category; audit the messages it marked fuzzy."""
    before = _snapshot(ws, entry)
    sync_translations(load_knowledge(ws.root, furigana=False), entry.category)
    after = _snapshot(ws, entry)
    stale: dict[str, int] = {}
    for (lang, fld), old in before.items():
        new = after[(lang, fld)]
        if message_hash(old) != message_hash(new):
            rel = ws.rel(po_path(ws.root, lang, entry.category))
            action = "stale" if new is not None and "fuzzy" in new.flags else "sync"
            audit.record(
                user,
                action,
                rel,
                context(entry.id, fld),
                state(old),
                state(new),
                message_hash(new),
            )
            stale[lang] = stale.get(lang, 0) + (action == "stale")
    return stale


# ---------------------------------------------------------------------- drafts
def drafts(entry: Entry) -> list[Draft]:
    out = []
    for item in entry.raw.get(DRAFTS) or []:
        if isinstance(item, dict) and item.get("text") and item.get("lang") in LANGS:
            out.append(
                Draft(
                    lang=str(item["lang"]),
                    text=str(item["text"]),
                    by=str(item.get("by") or ""),
                    date=str(item.get("date") or ""),
                    asked=int(item.get("asked") or 1),
                )
            )
    return out


def add_draft(
    ws: Workspace, audit: Audit, user: str, entry_id: str, lang: str, text: str, asked: int = 1
) -> None:
    """Add a resident's question to the entry as a draft variant (not served yet)."""
    text = one_line(text)
    if lang not in LANGS:
        raise Invalid([f"Unknown language {lang!r}."])
    if not text or len(text) > MAX_DRAFT:
        raise Invalid([f"A question variant has 1 to {MAX_DRAFT} characters."])
    with WRITE_LOCK:
        _, entry = _entry(ws, entry_id)
        rel = ws.rel(entry.path)
        data = yamlrt.load(entry.path.read_text(encoding="utf-8"))
        items = data.get(DRAFTS)
        if items is None:
            data[DRAFTS] = items = yamlrt.flow_list()
            data.yaml_set_comment_before_after_key(
                DRAFTS, "Questions residents asked (unanswered queue): not served until accepted."
            )
        if any(str(i.get("text")) == text and i.get("lang") == lang for i in items):
            return
        items.append(
            yamlrt.flow_map(
                {
                    "lang": lang,
                    "text": yamlrt.scalar(text),
                    "by": user,
                    "date": date.today(),
                    "asked": asked,
                }
            )
        )
        new_hash = atomic_write(entry.path, yamlrt.dump(data))
        audit.record(user, "draft", rel, f"{DRAFTS} [{lang}]", "", text, new_hash)


def resolve_draft(
    ws: Workspace, audit: Audit, user: str, entry_id: str, lang: str, text: str, accept: bool
) -> str:
    """Accept a draft (into `questions`, or that language's PO `questions` message,
    as served text) or discard it. Returns what happened, for the page."""
    with WRITE_LOCK:
        _, entry = _entry(ws, entry_id)
        rel = ws.rel(entry.path)
        data = yamlrt.load(entry.path.read_text(encoding="utf-8"))
        items = data.get(DRAFTS) or []
        index = next(
            (
                i
                for i, d in enumerate(items)
                if str(d.get("text")) == text and d.get("lang") == lang
            ),
            None,
        )
        if index is None:
            raise Invalid(["This draft is gone: someone else handled it already."])
        del items[index]
        if not items:
            del data[DRAFTS]
        if accept and lang == SOURCE_LANG:
            if text not in [str(q) for q in data["questions"]]:
                data["questions"].append(yamlrt.scalar(text))
        elif accept:
            _append_po_question(ws, audit, user, entry, lang, text)
        new_hash = atomic_write(entry.path, yamlrt.dump(data))
        action = "accept" if accept else "discard"
        after = text if accept and lang == SOURCE_LANG else ""
        fld = "questions" if accept and lang == SOURCE_LANG else f"{DRAFTS} [{lang}]"
        audit.record(user, action, rel, fld, text if not after else "", after, new_hash)
        return f"{'Added' if accept else 'Discarded'}: {text}"


def _append_po_question(
    ws: Workspace, audit: Audit, user: str, entry: Entry, lang: str, text: str
) -> None:
    path = po_path(ws.root, lang, entry.category)
    po = load_po(path, lang)
    ctx = context(entry.id, "questions")
    msg = find(po, ctx)
    before = state(msg)
    if msg is None:
        msg = polib.POEntry(
            msgctxt=ctx, msgid=entry.source("questions"), msgstr="", comment=COMMENTS["questions"]
        )
        po.append(msg)
    rows = [r for r in msg.msgstr.split("\n") if r.strip()]
    if text not in rows:
        rows.append(text)
    msg.msgstr = "\n".join(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, str(po))
    audit.record(user, "accept", ws.rel(path), ctx, before, state(msg), message_hash(msg))


__all__ = [
    "DRAFTS",
    "Draft",
    "EntryForm",
    "Invalid",
    "Saved",
    "add_draft",
    "drafts",
    "problems",
    "resolve_draft",
    "save_entry",
]
