"""Garbage in conversation: "when is burnable garbage?", "how do I throw away X?".

The area is asked once (buttons or a typed name, fuzzy matched), remembered in
the session, and the answer gives real dates from the area's calendar in the
resident's language. Item questions are answered from the item dictionary with
the item's category, its notice and the next collection date in that area.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from babel.dates import format_date

from bot.garbage import GarbageData, ItemMatch, today
from bot.garbage.lookup import name_forms

from .normalize import has_han, normalize
from .types import Button, Reply, Result, Session

if TYPE_CHECKING:
    from .dialogue import Bot
    from .knowledge import Entry

DATA = Path(__file__).resolve().parents[1] / "data"
BABEL_LOCALE = {
    "ja": "ja",
    "vi": "vi",
    "pt": "pt_BR",
    "es": "es",
    "tl": "fil",
    "en": "en",
    "zh": "zh_Hans",
}
ITEM_MIN_SCORE = 85.0
MAX_AREA_BUTTONS = 12
DAYS_AHEAD = 14


@lru_cache(maxsize=1)
def words() -> dict[str, list[str]]:
    data = yaml.safe_load((DATA / "garbage_words.yaml").read_text(encoding="utf-8"))
    return {k: [normalize(w) for w in v] for k, v in data.items()}


def _has_word(folded: str, group: str) -> bool:
    padded = f" {folded} "
    for w in words()[group]:
        if (w.isascii() and f" {w} " in padded) or (not w.isascii() and w in folded):
            return True
    return False


class GarbageFlow:
    def __init__(self, bot: Bot, data: GarbageData, clock: Callable[[], date] = today) -> None:
        self.bot = bot
        self.data = data
        self.clock = clock
        settings = data.dataset.folder / "settings.yaml"
        raw = yaml.safe_load(settings.read_text(encoding="utf-8")) if settings.exists() else {}
        self.topics: dict[str, str] = {
            str(k): str(v) for k, v in ((raw or {}).get("topics") or {}).items()
        }
        # Category names in every language, folded, longest first ("燃えないごみ" before "ごみ").
        pairs = [
            (normalize(name), label)
            for label in data.categories
            for name in data.category_names(label).values()
        ]
        self._category_forms = {n for n, _ in pairs}
        self._category_names = sorted(
            {(n, lab) for n, lab in pairs if len(n) > 1}, key=lambda p: len(p[0]), reverse=True
        )

    # ------------------------------------------------------------------ parsing
    def day_of(self, text: str) -> int | None:
        folded = normalize(text)
        if _has_word(folded, "tomorrow"):
            return 1
        if _has_word(folded, "today"):
            return 0
        return None

    def category_in(self, text: str, lang: str | None) -> str | None:
        """A collected category the question names, directly or through an item."""
        folded = normalize(text)
        for name, label in self._category_names:
            if label in self.data.dataset.area_columns and name in folded:
                return label
        match = self.data.find_item(text, lang)
        if (
            match
            and match.score >= ITEM_MIN_SCORE
            and match.category in self.data.dataset.area_columns
        ):
            return match.category
        return None

    def item_for(self, text: str, lang: str | None, *, strict: bool) -> ItemMatch | None:
        """The item a question is about. `strict` (when our search found nothing
        better) also asks for a disposal word or a bare item name, so "where to buy
        a car" is not read as "how do I throw away a car"."""
        match = self.data.find_item(text, lang)
        if match is None or match.score < ITEM_MIN_SCORE or not self._confirmed(match, text, lang):
            return None
        if strict:
            folded = normalize(text)
            extra = len(folded.replace(" ", "")) - len(normalize(match.matched).replace(" ", ""))
            bare = extra <= 2 if not folded.isascii() else len(folded.split()) <= 3
            if not (_has_word(folded, "dispose") or bare):
                return None
        return match

    def _confirmed(self, match: ItemMatch, text: str, lang: str | None) -> bool:
        """Is the item really named in the question? The dictionary search is
        generous (readings, words in brackets, other languages); in conversation a
        wrong item is worse than none: "にほん" is not 本 (ほん), "plastic" is a
        category, and Vietnamese "nón" (hat) is not the English "non-burnable"."""
        folded = normalize(text)
        if match.lang == "ja":
            forms = [(normalize(f), w) for f, w in name_forms(match.item.name, "ja")]
        else:
            forms = [(normalize(match.matched), 0)]
        for form, weight in forms:
            if not form or weight > 1 or form in self._category_forms:
                continue
            if form.isascii():
                if f" {form} " not in f" {folded} ":
                    continue
                if len(form) <= 3 and lang and lang != match.lang and lang not in match.langs:
                    continue
            elif form not in folded or len(form) < 2 or (len(form) < 3 and not has_han(form)):
                continue
            return True
        return False

    # ------------------------------------------------------------------ replies
    def fmt_day(self, day: date, lang: str) -> str:
        pattern = self.bot.phrases.raw("date_format", lang)
        return format_date(day, pattern, locale=BABEL_LOCALE.get(lang, "en"))

    def marked(self, text: str, lang: str) -> str:
        """The one place a data answer gets the example mark: while the shipped
        invented city is in use, its first line says so, as city.yaml values do."""
        if not self.data.example:
            return text
        first, sep, rest = text.partition("\n")
        head = first.rstrip(":：")  # "…の ひ（れい）：", not "…の ひ：（れい）"
        return head + self.bot.phrases.raw("example_mark", lang) + first[len(head) :] + sep + rest

    def cat_name(self, label: str, lang: str) -> str:
        names = self.data.category_names(label)
        return names.get(lang) or names.get("en") or label

    def area_buttons(self, areas: list[str]) -> list[Button]:
        return [Button(a, f"area:{a}") for a in areas[:MAX_AREA_BUTTONS]]

    def ask_area(
        self, lang: str, session: Session, payload: dict[str, object], lead: list[Reply]
    ) -> Result:
        areas = self.data.areas
        text = self.bot.t("ask_area", lang)
        buttons = self.area_buttons(areas) if len(areas) <= MAX_AREA_BUTTONS else []
        if not buttons:
            text += "\n" + self.bot.t("ask_area_examples", lang, examples="、".join(areas[:3]))
        entry = self.bot.kb.entry_for("garbage.collection_days")
        return Result(
            replies=[*lead, Reply(text, [*buttons, Button(self.bot.t("btn_menu", lang), "menu")])],
            session=replace(
                session, awaiting="area", awaiting_payload=json.dumps(payload), last_lang=lang
            ),
            lang=lang,
            outcome="answer",
            topic=str(payload.get("topic") or "garbage.collection_days"),
            entry=entry.id if entry else None,
            score=float(str(payload.get("score") or 0.0)),
        )

    def days(
        self, text: str, lang: str, session: Session, score: float, category: str | None
    ) -> Result:
        payload: dict[str, object] = {
            "kind": "days",
            "day": self.day_of(text),
            "category": category,
            "score": score,
        }
        if not self.data.areas:
            entry = self.bot.kb.entry_for("garbage.collection_days")
            assert entry is not None
            result = self.bot.answer(entry, lang, session, score)
            result.replies.insert(0, Reply(self.bot.t("no_garbage_data", lang)))
            return result
        if not session.area or session.area not in self.data.areas:
            return self.ask_area(lang, session, payload, [])
        return self.dates_reply(session.area, lang, session, payload)

    def dates_reply(
        self, area: str, lang: str, session: Session, payload: dict[str, object]
    ) -> Result:
        start = self.clock()
        lines: list[str] = []
        day = payload.get("day")
        category = payload.get("category")
        if isinstance(day, int):
            when = start + timedelta(days=day)
            label = (
                self.bot.t("tomorrow" if day else "today", lang) + " " + self.fmt_day(when, lang)
            )
            found = [
                self.cat_name(c.category, lang)
                for c in self.data.next_dates(area, when, 1)
                if c.dates
            ]
            lines.append(
                self.bot.t(
                    "collection_on",
                    lang,
                    day=label,
                    categories="、".join(found) if lang in ("ja", "zh") else ", ".join(found),
                )
                if found
                else self.bot.t("nothing_on", lang, day=label)
            )
        else:
            lines.append(self.bot.t("next_collection", lang, area=area))
            cats = self.data.next_dates(
                area, start, DAYS_AHEAD, str(category) if category else None
            )
            for c in cats:
                shown = " / ".join(self.fmt_day(d, lang) for d in c.dates[:2]) or self.bot.t(
                    "no_collection", lang
                )
                lines.append(f"・{self.cat_name(c.category, lang)}: {shown}")
        entry = self.bot.kb.entry_for("garbage.collection_days")
        buttons = [Button(self.bot.t("btn_area", lang), "area")]
        if entry is not None:
            buttons += [self.bot._entry_button(r, lang) for r in self._related(entry)]
        buttons += self.bot._nav_buttons(lang)
        return Result(
            replies=[Reply(self.marked("\n".join(lines), lang), buttons)],
            session=replace(
                session, area=area, awaiting=None, awaiting_payload=None, pending=[], last_lang=lang
            ),
            lang=lang,
            outcome="answer",
            topic=str(payload.get("topic") or "garbage.collection_days"),
            entry=entry.id if entry else None,
            score=float(str(payload.get("score") or 0.0)),
        )

    def _related(self, entry: Entry) -> list[Entry]:
        found = [self.bot.kb.entry_for(r) for r in entry.related]
        return [e for e in found if e is not None][:2]

    def item(
        self, match: ItemMatch, lang: str, session: Session, score: float, text: str = ""
    ) -> Result:
        names = self.data.item_names(match.item)
        category = match.category
        topic = self.topics.get(category, "garbage.item")
        shown = names.get(lang) or names.get("en") or match.item.name
        lines = [
            self.bot.t("item_category", lang, item=shown, category=self.cat_name(category, lang))
        ]
        notice = self.data.notice(match.item, lang)
        if notice:
            lines.append(notice)
        area_button: list[Button] = []
        payload = session.awaiting_payload
        if category in self.data.dataset.area_columns:
            if session.area and session.area in self.data.areas:
                (cat,) = self.data.next_dates(session.area, self.clock(), 366, category)
                day = (
                    self.fmt_day(cat.dates[0], lang)
                    if cat.dates
                    else self.bot.t("no_collection", lang)
                )
                lines.append(
                    self.bot.t(
                        "item_next",
                        lang,
                        category=self.cat_name(category, lang),
                        area=session.area,
                        day=day,
                    )
                )
            else:
                lines.append(self.bot.t("item_area_hint", lang))
                area_button = [Button(self.bot.t("btn_area", lang), "area")]
                payload = json.dumps({"kind": "item", "text": text, "score": score})
        replies = [Reply(self.marked("\n".join(lines), lang))]
        entry = self.bot.kb.entry_for(topic) or self.bot.kb.entry_for("garbage.item")
        if entry is not None and topic != "garbage.item":
            # Oversized items and appliances: how to apply comes from the entry itself.
            replies += self.bot.answer(entry, lang, session, score).replies
        last = replies[-1]
        last.buttons = area_button + (last.buttons or self.bot._nav_buttons(lang))
        return Result(
            replies=replies,
            session=replace(session, pending=[], last_lang=lang, awaiting_payload=payload),
            lang=lang,
            outcome="answer",
            topic=topic,
            entry=entry.id if entry else None,
            score=max(score, match.score / 100.0),
            desk_referral=bool(entry and entry.desk_referral and topic != "garbage.item"),
        )

    def area_answer(self, text: str, lang: str, session: Session) -> Result | None:
        """While we wait for the area: a typed area name, or None if it is not one."""
        found = self.data.match_area(text)
        payload = json.loads(session.awaiting_payload or "{}")
        if len(found) == 1:
            return self.after_area(found[0], lang, session, payload)
        if len(found) > 1:
            return Result(
                replies=[Reply(self.bot.t("area_choose", lang), self.area_buttons(found))],
                session=replace(session, last_lang=lang),
                lang=lang,
                outcome="clarify",
                topic="garbage.collection_days",
                choices=self.area_buttons(found),
            )
        return None

    def after_area(
        self, area: str, lang: str, session: Session, payload: dict[str, object]
    ) -> Result:
        if payload.get("kind") == "subscribe":  # the area a garbage reminder needs
            return self.bot.subscribe.after_area(area, lang, session, payload)
        session = replace(session, area=area, awaiting=None, awaiting_payload=None)
        note = Reply(self.bot.t("area_set", lang, area=area))
        if payload.get("kind") == "item" and payload.get("text"):
            match = self.data.find_item(str(payload["text"]), lang)
            if match is not None:
                result = self.item(match, lang, session, float(str(payload.get("score") or 0.0)))
                result.replies.insert(0, note)
                return result
        result = self.dates_reply(area, lang, session, payload)
        result.replies.insert(0, note)
        return result

    def area_unknown(self, lang: str, session: Session) -> Result:
        areas = self.data.areas
        buttons = self.area_buttons(areas) if len(areas) <= MAX_AREA_BUTTONS else []
        return Result(
            replies=[
                Reply(
                    self.bot.t("area_unknown", lang),
                    [*buttons, Button(self.bot.t("btn_menu", lang), "menu")],
                )
            ],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="fallback",
        )
