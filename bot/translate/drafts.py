"""Fill missing and stale entry messages with machine drafts a person must approve.

A draft is written flagged `fuzzy` with the translator comment `# machine draft
(argos), needs review`, so the bot never serves it (see bot/core/catalog.py)
until a translator checks it and removes the flag. A translator comment (`# `),
not an extracted one (`#.`): `resbot kb sync` rewrites `#.` lines, and the staff
review pages look for machine drafts in translator comments. What needs a draft:

- missing: no message, or an empty one;
- stale: translated from an older Japanese source, whether `resbot kb sync` has
  already marked it (fuzzy with a `#| msgid`) or not.

A fuzzy message of the current source is left alone: it already waits for a
person. A stale human translation is not thrown away: it moves to a translator
comment, where the reviewer sees it next to the draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polib

from bot.core.catalog import new_po, save_po
from bot.core.knowledge import FIELDS, KnowledgeBase, context, load_knowledge
from bot.core.langs import SOURCE_LANG, TARGET_LANGS
from bot.core.layout import content_files, content_po
from bot.core.translation_sync import COMMENTS

from .engine import ArgosEngine, Route, TranslateError, plan_routes
from .placeholders import lost, protect, restore

MARKER = "machine draft (argos), needs review"
EARLIER = "earlier translation, of the older Japanese text {source!r}:"


@dataclass(frozen=True)
class Draft:
    lang: str
    context: str
    path: Path
    text: str  # empty in a dry run


@dataclass(frozen=True)
class Failure:
    lang: str
    context: str
    path: Path
    reason: str


@dataclass
class DraftReport:
    root: Path
    dry_run: bool = False
    routes: dict[str, str] = field(default_factory=dict)  # lang -> "ja→en→vi"
    drafted: list[Draft] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as the CLI prints it: per language, then one line per message."""
        if not self.drafted and not self.failed:
            return ["nothing to draft: every message is translated or awaiting review"]
        verb = "would draft" if self.dry_run else "drafted"
        out: list[str] = []
        for lang in self.routes:
            drafted = [d for d in self.drafted if d.lang == lang]
            failed = [f for f in self.failed if f.lang == lang]
            out.append(f"{lang} ({self.routes[lang]}): {verb} {len(drafted)}, failed {len(failed)}")
            out += [f"  {verb} {d.context}  {self._rel(d.path)}" for d in drafted]
            out += [f"  FAILED {f.context}  {self._rel(f.path)}: {f.reason}" for f in failed]
        if not self.dry_run:
            out.append(
                "Drafts are flagged fuzzy and never served: review each one and remove the"
                " `fuzzy` flag to approve it."
            )
        return out

    def _rel(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)


@dataclass(frozen=True)
class _Job:
    lang: str
    fld: str
    context: str
    source: str  # the msgid: the Japanese title (for questions too) or answer
    texts: tuple[str, ...]  # what to translate: the source, or each question variant
    path: Path


def draft_missing(
    knowledge_dir: Path,
    langs: list[str] | None = None,
    *,
    fields: Sequence[str] = FIELDS,
    dry_run: bool = False,
) -> DraftReport:
    """Machine-draft every missing or stale entry message of `langs` (default: all).

    Raises MissingModel (naming the pairs to install) before anything is written
    when a language with work to do has no Argos route; MTUnavailable without the
    `mt` extra. Nothing to do needs neither. A dry run lists, translates nothing.
    """
    langs = _checked(langs or list(TARGET_LANGS), TARGET_LANGS, "language")
    fields = _checked(list(fields), FIELDS, "field")
    kb = load_knowledge(knowledge_dir, furigana=False)
    files = {lang: _load_files(kb.translations, lang) for lang in langs}
    jobs = [job for lang in langs for job in _jobs(kb, lang, fields, files[lang])]
    # Paths in the report read as from the city folder: translations/<lang>/...
    report = DraftReport(root=kb.translations.parent, dry_run=dry_run)
    if not jobs:
        return report
    engine = ArgosEngine()
    routes = plan_routes(sorted({j.lang for j in jobs}, key=langs.index), engine.pairs())
    report.routes = {lang: route.label for lang, route in routes.items()}
    if dry_run:
        report.drafted = [Draft(j.lang, j.context, j.path, "") for j in jobs]
        return report
    for path in dict.fromkeys(j.path for j in jobs):
        lang = next(j.lang for j in jobs if j.path == path)
        po = files[lang].get(path) or new_po(lang)
        changed = False
        for job in (j for j in jobs if j.path == path):
            text, problem = _translate(engine, job, routes[job.lang])
            if problem:
                report.failed.append(Failure(job.lang, job.context, path, problem))
                continue
            _write(po, job, text)
            report.drafted.append(Draft(job.lang, job.context, path, text))
            changed = True
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_po(po, path)
    return report


def _checked(values: list[str], allowed: Sequence[str], what: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise TranslateError(
            f"unknown {what}(s) {', '.join(unknown)}: choose from {', '.join(allowed)}"
        )
    return list(dict.fromkeys(values))


def _load_files(translations: Path, lang: str) -> dict[Path, polib.POFile]:
    return {p: polib.pofile(str(p), wrapwidth=0) for p in content_files(translations, lang)}


def _jobs(
    kb: KnowledgeBase, lang: str, fields: Iterable[str], files: dict[Path, polib.POFile]
) -> Iterator[_Job]:
    found: dict[str, tuple[Path, polib.POEntry]] = {}
    for path, po in files.items():
        for e in po:
            if e.msgctxt and not (e.obsolete and e.msgctxt in found):
                found[e.msgctxt] = (path, e)
    for entry in sorted(kb.entries.values(), key=lambda e: (e.category, e.id)):
        default = content_po(kb.translations, lang, entry.category)
        for fld in fields:
            ctx = context(entry.id, fld)
            source = entry.source(fld)
            path, e = found.get(ctx, (default, None))
            if e is not None and not _needs_draft(e, source):
                continue
            texts = tuple(entry.questions[SOURCE_LANG]) if fld == "questions" else (source,)
            yield _Job(lang, fld, ctx, source, texts, path)


def _needs_draft(e: polib.POEntry, source: str) -> bool:
    if e.obsolete or not e.msgstr.strip() or e.msgid != source:
        return True  # missing, or stale before `kb sync`
    return "fuzzy" in e.flags and bool(e.previous_msgid)  # stale, marked by `kb sync`


def _translate(engine: ArgosEngine, job: _Job, route: Route) -> tuple[str, str]:
    """(draft, "") or ("", why not). Questions keep every variant that came out whole."""
    kept: list[str] = []
    problems: list[str] = []
    for text in job.texts:
        protected, originals = protect(text)
        out = restore(engine.translate(protected, route), originals).strip()
        bad = lost(text, out)
        if bad:
            problems.append(f"placeholder(s) {', '.join(bad)} did not survive translation")
        elif out and out.casefold() not in {k.casefold() for k in kept}:
            kept.append(out)
    if job.fld != "questions" and problems:
        return "", problems[0] + "; left empty"
    if not kept:
        return "", (problems or ["the translation came out empty"])[0] + "; left empty"
    return "\n".join(kept), ""


def _write(po: polib.POFile, job: _Job, text: str) -> None:
    e = next((e for e in po if e.msgctxt == job.context), None)
    if e is None:
        e = polib.POEntry(msgctxt=job.context, msgid=job.source, comment=COMMENTS[job.fld])
        po.append(e)
    notes = (e.tcomment or "").splitlines()
    unreviewed_draft = "fuzzy" in e.flags and MARKER in notes
    if e.msgstr.strip() and not unreviewed_draft:
        earlier = e.previous_msgid or e.msgid
        notes += [EARLIER.format(source=earlier), *e.msgstr.strip().splitlines()]
    if MARKER not in notes:
        notes.insert(0, MARKER)
    e.tcomment = "\n".join(notes)
    e.obsolete = False
    e.msgid = job.source
    e.previous_msgid = None  # the draft is of the current source; the note keeps the old one
    e.msgstr = text
    if "fuzzy" not in e.flags:
        e.flags.append("fuzzy")
