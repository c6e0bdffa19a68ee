"""Garbage in conversation: "when is burnable garbage?", "how do I throw away X?".

The area is taken from the question when it names one ("i live in nishimachi,
when is burnable"), else asked once (town buttons within the channel's limits,
or a typed name; a typo-tolerant guess is confirmed, never silently stored), and
remembered in the session. The answer gives real dates from the area's calendar
in the resident's language. Item questions are answered from the item dictionary
with the item's category, its notice and the next collection date in that area.
Short follow-ups ("and tomorrow?", "プラは？", "what about a microwave") reuse the
last garbage question kept in the session. Japanese replies go through
`EasyJapanese` (furigana, easy forms) as a whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import ahocorasick
import yaml
from babel.dates import format_date

from bot.garbage import CategoryDates, GarbageData, ItemMatch, today
from bot.garbage.lookup import base_name, name_forms, name_variants

from . import memo
from .easyreply import EasyJapanese, simplify_note
from .normalize import has_han, normalize
from .reminder_times import load_reminder_times
from .types import Button, Reply, Result, Session, replace

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
ITEM_MODE_MIN_SCORE = 60.0  # "これは何ごみ？" mode: a bare name may be a part (でんち)
MAX_BUTTONS = 13  # LINE's quick-reply limit, the tightest of our channels
MAX_LABEL = 20  # LINE's label limit
DAYS_AHEAD = 14
FOLLOW_UP_WORDS = 6  # "con bong den thi sao": a follow-up is short
FOLLOW_UP_CJK = 15
AREA_WORDS = 3  # longer than this, a message in the area prompt is a question
# Typed questions matched to this topic are answered from the calendar, not its entry's
# text (`route`); bot.core.answer_source tells the staff editor so.
CALENDAR_TOPIC = "garbage.collection_days"
AREA_CJK = 10
# Garbage entries that answer a question naming a kind of garbage when it also
# names what the entry is about (garbage_words.yaml): bags, the shops' boxes.
OWN_WORDS = {"garbage.bags": "bag", "garbage.resource_station": "shop_box"}
_KANA = "\u3041-\u309f\u30a0-\u30ff"
_PARTICLES = set("はのがをもとにへや")


@lru_cache(maxsize=1)
def _raw_words() -> dict[str, object]:
    data = yaml.safe_load((DATA / "garbage_words.yaml").read_text(encoding="utf-8"))
    return dict(data)


@lru_cache(maxsize=1)
def words() -> dict[str, list[str]]:
    """Word groups (today, tomorrow, dispose, discard, leave, yes, no), folded."""
    return {
        str(k): [normalize(str(w)) for w in v]
        for k, v in _raw_words().items()
        if k != "categories" and isinstance(v, list)
    }


def category_words() -> list[tuple[list[str], list[str]]]:
    """(labels, words) per kind of garbage: what residents call it."""
    groups = _raw_words().get("categories") or []
    assert isinstance(groups, list)
    return [
        ([str(x) for x in g.get("labels") or []], [normalize(str(w)) for w in g.get("words") or []])
        for g in groups
    ]


def kind_names(label: str, lang: str) -> list[str]:
    """What the kinds of a city's label are called in `lang` (["burnable"])."""
    groups = _raw_words().get("categories") or []
    assert isinstance(groups, list)
    out: list[str] = []
    for i in kinds_of(label):
        name = (groups[i].get("names") or {}).get(lang)
        if name and name not in out:
            out.append(str(name))
    return out


def kinds_of(label: str) -> list[int]:
    """The word groups (indexes into `category_words()`) a city's category label is
    of: its own label, else by the stems it holds (燃やせるごみ: burnable; びん・缶:
    bottles; 燃やせないごみ: not burnable, though it holds 燃やせ)."""
    groups = _raw_words().get("categories") or []
    assert isinstance(groups, list)
    named = [i for i, g in enumerate(groups) if label in (g.get("labels") or [])]
    if named:
        return named
    label = unicodedata.normalize("NFKC", label)  # ﾍﾟｯﾄﾎﾞﾄﾙ (Aomori) is ペットボトル
    return [
        i
        for i, g in enumerate(groups)
        if any(str(s) in label for s in g.get("stems") or [])
        and not any(str(u) in label for u in g.get("unless") or [])
    ]


def _compact(text: str) -> str:
    return normalize(text).replace(" ", "")


def _find(folded: str, word: str, *, noun: bool = False) -> int:
    """Where `word` stands in `folded` as a word (-1: nowhere). Latin words need
    spaces around them; a short kana `noun` must not be the inside of a longer
    word (プラ is not in てんぷら). Verb stems (すて) go on: すてたい."""
    if word.isascii():
        return f" {folded} ".find(f" {word} ")
    at = folded.find(word)
    while at >= 0:
        if not noun or len(word) > 3 or not re.fullmatch(f"[{_KANA}]+", word):
            return at
        left = folded[at - 1] if at > 0 else " "
        right = folded[at + len(word)] if at + len(word) < len(folded) else " "
        if not re.match(f"[{_KANA}]", left) and (
            not re.match(f"[{_KANA}]", right) or right in _PARTICLES
        ):
            return at
        at = folded.find(word, at + 1)
    return -1


@lru_cache(maxsize=64)
def _group_pattern(group: str) -> re.Pattern[str]:
    """One regex for "any word of the group stands in the text", as `_find` reads a
    word (Latin between spaces, other scripts anywhere): one C-level scan instead
    of a Python call per word (issue 18: the word scans were a third of an answer)."""
    group_words = words()[group]
    latin = [re.escape(w) for w in group_words if w.isascii()]
    other = [re.escape(w) for w in group_words if not w.isascii()]
    parts = ([f" (?:{'|'.join(latin)}) "] if latin else []) + other
    return re.compile("|".join(parts) if parts else r"(?!)")


def _scanner(names: Iterable[str]) -> ahocorasick.Automaton | None:
    """An Aho-Corasick automaton that finds every one of `names` in a text, each
    with its places in `names` (pyahocorasick: a C scan, as for the emergency
    words); None without names (an empty automaton cannot scan)."""
    places: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        places.setdefault(name, []).append(i)
    if not places:
        return None
    automaton = ahocorasick.Automaton()
    for name, at in places.items():
        automaton.add_word(name, tuple(at))
    automaton.make_automaton()
    return automaton


def _has_word(folded: str, group: str) -> bool:
    # Padded with spaces so that a Latin word at either end stands between spaces.
    return _group_pattern(group).search(f" {folded} ") is not None


def _is_word(text: str, group: str) -> bool:
    """The whole message is one of the group's words ("menu", "はい", "sim")."""
    return normalize(text) in words()[group]


def _too_short(form: str) -> bool:
    """One kana or kanji, or two kana: too short to be sure it names the item."""
    return len(form) < 2 or (len(form) < 3 and not has_han(form))


def is_short(text: str, max_words: int, max_cjk: int) -> bool:
    folded = normalize(text)
    if re.search(f"[{_KANA}\u4e00-\u9fff]", folded):
        return len(folded.replace(" ", "")) <= max_cjk
    return len(folded.split()) <= max_words


class GarbageFlow:
    def __init__(self, bot: Bot, data: GarbageData, clock: Callable[[], date] = today) -> None:
        self.bot = bot
        self.data = data
        self.clock = clock
        # The area prompt of a language is the same text and buttons every time (bot.core.memo).
        self._area_prompt = memo.bound(self._make_area_prompt)
        self.names_category = memo.bound(self._names_category)  # type: ignore[method-assign]
        folder = data.dataset.folder
        settings = folder / "settings.yaml"
        raw = yaml.safe_load(settings.read_text(encoding="utf-8")) if settings.exists() else {}
        raw = raw or {}
        self.topics: dict[str, str] = {str(k): str(v) for k, v in (raw.get("topics") or {}).items()}
        # The put-out time: garbage settings when they say, else the city value
        # (a placeholder, so an example value carries its example mark).
        reminders = raw.get("reminders") or {}
        self.put_out_by: str | None = (
            load_reminder_times(folder).put_out_by.strftime("%H:%M")
            if reminders.get("put_out_by")
            else ("{garbage.put_out_by}" if "garbage.put_out_by" in bot.kb.city.values else None)
        )
        self.easy = EasyJapanese(bot.kb.root)
        # Category names in every language, folded, longest first ("燃えないごみ" before "ごみ").
        pairs = [
            (normalize(name), label)
            for label in data.categories
            for name in data.category_names(label).values()
        ]
        groups = category_words()
        for label in data.categories:
            for i in kinds_of(label):
                pairs += [(n, label) for n in groups[i][1]]
        self._category_forms = {n for n, _ in pairs}
        # Longest first; on one name, a label on the calendar before one only in the
        # dictionary (both 燃えるごみ of target.csv and もやせるごみ of area_days.csv
        # are "rác cháy"), then data order. Never set order: that changed per process.
        on_calendar = set(data.dataset.area_columns)
        order = {label: i for i, label in enumerate(data.categories)}
        self._category_names = sorted(
            {(n, lab) for n, lab in pairs if len(n) > 1},
            key=lambda p: (-len(p[0]), p[1] not in on_calendar, order.get(p[1], 0), p),
        )
        self._category_scan = _scanner(n for n, _ in self._category_names)
        # Area and town names as written ("相野第一", "青葉台"): a message that is only
        # one of them says nothing of the resident's language, and after a garbage
        # answer it asks for that area's days.
        self._place_names = {
            key
            for area in data.areas
            for key in (_compact(area), _compact(base_name(area)))
            if len(key) >= 2
        }

    # ------------------------------------------------------------------ parsing
    def day_of(self, text: str) -> int | None:
        folded = normalize(text)
        if _has_word(folded, "tomorrow"):
            return 1
        if _has_word(folded, "today"):
            return 0
        return None

    def only_a_place(self, text: str) -> bool:
        """The message is an area or town name of the calendar and nothing else."""
        return _compact(text) in self._place_names

    def names_category(self, text: str) -> str | None:
        """The kind of garbage a text names by name, or None (remembered per text)."""
        return self._names_category(text)

    def _names_category(self, text: str) -> str | None:
        """The kind of garbage a text names by name ("Nasusunog na basura, kailan?",
        "プラの日", "rác không cháy"), or None. The first name in the text wins, the
        longest at one place: "hindi nasusunog" is non-burnable, not "nasusunog".
        For the emergency fast path: a text naming a category is no fire report."""
        folded = normalize(text)
        best: tuple[int, int, str] | None = None
        # Only the names in the text (one automaton pass, not an `in` per name), in
        # `_category_names`' order, so the same one wins a tie as in a loop over all.
        scan = self._category_scan
        present = {i for _, places in scan.iter(folded) for i in places} if scan else set()
        for i in sorted(present):
            name, label = self._category_names[i]
            at = _find(folded, name, noun=True)
            if at >= 0 and (best is None or (at, -len(name)) < (best[0], best[1])):
                best = (at, -len(name), label)
        return best[2] if best else None

    def category_in(self, text: str, lang: str | None) -> str | None:
        """A collected category the question names, directly or through an item."""
        named = self.names_category(text)
        if named is not None and named in self.data.dataset.area_columns:
            return named
        match = self.data.find_item(text, lang)
        if (
            match
            and match.score >= ITEM_MIN_SCORE
            and match.category in self.data.dataset.area_columns
            and self._confirmed(match, text, lang)
        ):
            return match.category
        return None

    def item_for(
        self, text: str, lang: str | None, *, strict: bool, discard: bool = False
    ) -> ItemMatch | None:
        """The item a question is about. `strict` (when our search found nothing
        better) also asks for a disposal word or a bare item name, so "where to buy
        a car" is not read as "how do I throw away a car". `discard`: the question says
        "throw away", so a short name (傘, かさ) standing alone is the item."""
        match = self.data.find_item(text, lang)
        if (
            match is None
            or match.score < ITEM_MIN_SCORE
            or not self._confirmed(match, text, lang, short_ok=discard and match.kind == "exact")
        ):
            return None
        if strict:
            folded = normalize(text)
            extra = len(folded.replace(" ", "")) - len(normalize(match.matched).replace(" ", ""))
            bare = extra <= 2 if not folded.isascii() else len(folded.split()) <= 3
            if not (_has_word(folded, "dispose") or bare):
                return None
        return match

    def refused_at_the_point(self, text: str, lang: str | None) -> ItemMatch | None:
        """An appliance or an oversized item named in a question about the collection
        point ("my TV died, can I leave it at the garbage point?", "sira na ref, pwede
        ilabas sa gomi station"): the point never takes it, so the item's answer (how
        to hand it over) is the answer, not the point's rules. Exact names only."""
        match = self.data.find_item(text, lang)
        if match is None or match.kind != "exact" or match.score < 100.0:
            return None
        if self.topics.get(match.category) not in ("garbage.appliances", "garbage.oversized"):
            return None
        name = match.matched.casefold()
        if len(normalize(name)) < 5 and not name.isascii() and name not in text.casefold():
            return None  # "dem ra" (bring out) is not đệm (a mattress) without its marks
        return match

    def _confirmed(
        self, match: ItemMatch, text: str, lang: str | None, *, short_ok: bool = False
    ) -> bool:
        """Is the item really named in the question? The dictionary search is
        generous (readings, words in brackets, other languages); in conversation a
        wrong item is worse than none: "にほん" is not 本 (ほん), "plastic" is a
        category, and Vietnamese "nón" (hat) is not the English "non-burnable"."""
        folded = normalize(text)
        # The name alone, maybe with a particle or "?" ("かさ は？"): no longer word.
        bare = re.sub(r"(\s*(は|も|って|ですか|？|\?))+$", "", folded).strip()
        if match.lang == "ja":
            forms = [(normalize(f), w) for f, w in name_forms(match.item.name, "ja")]
        else:
            forms = [(normalize(match.matched), 0)]
        for form, weight in forms:
            if not form or weight > 1 or (form in self._category_forms and not short_ok):
                continue  # "plastic" is a category, unless "throw away" makes it an item
            if form == bare:
                return True
            if form.isascii():
                if f" {form} " not in f" {folded} ":
                    continue
                if len(form) <= 3 and lang and lang != match.lang and lang not in match.langs:
                    continue
            elif form not in folded or (not short_ok and _too_short(form)):
                continue
            return True
        return False

    # ------------------------------------------------------------------ routing
    def route(
        self, text: str, lang: str, session: Session, topic: str | None, score: float
    ) -> Result | None:
        """A question that belongs to the garbage data, answered from it; else None.

        "X すてたい" / "how do I throw away X" go to the item dictionary whatever
        entry the search liked; a question naming a kind of garbage with "when", a
        day or an area ("Nasusunog na basura, kailan?", "にしまち です。プラ の ひ
        は？") is a collection-day question.
        """
        folded = normalize(text)
        garbage_topic = bool(topic and topic.startswith("garbage."))
        if _has_word(folded, "discard"):  # "X すてたい", "how do I throw away X"
            match = self.item_for(text, lang, strict=False, discard=True)
            if match is not None:
                return self.item(match, lang, session, score, text)
        named = self.names_category(text)
        area = self.data.area_named_in(text)
        asks_day = self.day_of(text) is not None
        asks_when = _has_word(folded, "when") or asks_day
        discard = _has_word(folded, "discard")  # "how do I throw away cans" is no day question
        # "which bag for burnable?" matched the bags entry and names bags: it answers.
        # So does "cans also ok there?" right after the shops' boxes.
        after_garbage = (session.topic or "").startswith("garbage.")
        own = OWN_WORDS.get(topic or "")
        own_question = own is not None and (_has_word(folded, own) or session.topic == topic)
        if (
            topic == CALENDAR_TOPIC
            or (garbage_topic and asks_day)
            or (
                named is not None
                and (
                    asks_when
                    or bool(area)
                    or (not discard and garbage_topic and not own_question)
                )
            )
            or (named is not None and topic is None and not discard)
            or (bool(area) and garbage_topic and asks_when)
            or (asks_day and not discard and _has_word(folded, "collection"))
            or (bool(area) and after_garbage and self.only_a_place(text))
        ):
            category = self.category_in(text, lang)
            if named is not None and named not in self.data.dataset.area_columns:
                return None  # 粗大ごみ, 家電リサイクル: not on the calendar, the entry says how
            return self.days(text, lang, session, score, category, area)
        return None

    def follow_up(
        self, text: str, session: Session, topic: str | None, score: float
    ) -> Result | None:
        """A short follow-up of the last garbage answer, in its language: a new day
        ("e amanhã?", "那明天呢"), a new kind ("プラは？", "con rac nhua?") for the
        same area, or a new item after an item answer ("what about a microwave")."""
        if not (session.topic or "").startswith("garbage.") or not session.garbage_context:
            return None
        if not is_short(text, FOLLOW_UP_WORDS, FOLLOW_UP_CJK):
            return None
        if topic and not topic.startswith("garbage.") and score >= 0.6:
            return None  # a clear question of its own
        lang = session.lang or session.last_lang or "ja"
        day = self.day_of(text)
        named = self.names_category(text)
        if session.topic in OWN_WORDS and day is None and not _has_word(normalize(text), "when"):
            return None  # "cans also ok there?" after the shops' boxes asks about the boxes
        if named is not None and named in self.data.dataset.area_columns:
            return self.days(text, lang, session, score, named, [])
        if day is not None:  # after a day or an item answer: what is collected then
            return self.days(text, lang, session, score, None, [])
        match = self.item_for(text, lang, strict=False) or self.bare_item(text, lang)
        if match is not None:
            return self.item(match, lang, session, score, text)
        return None

    def bare_item(self, text: str, lang: str) -> ItemMatch | None:
        """A message that is little more than a name ("でんち", "かさ は？"): a part of
        a name is enough (でんち -> 乾電池), as the resident is naming an item."""
        if not is_short(text, AREA_WORDS, AREA_CJK):
            return None
        match = self.data.find_item(text, lang)
        return match if match is not None and match.score >= ITEM_MODE_MIN_SCORE else None

    def item_mode(self, text: str, lang: str, session: Session) -> Result | None:
        """After "これは何ごみ？" the resident types a name ("でんち", "かさ"): look it
        up, a part of a name included. Anything else leaves the mode (None)."""
        if _is_word(text, "leave"):
            return self.bot.show_menu(lang, replace(session, awaiting=None))
        match = self.bare_item(text, lang)
        if match is None:
            return None
        return self.item(match, lang, session, match.score / 100.0, text)

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
        """The category's name in `lang`; a city's label not translated yet is shown
        with what its kind is called ("燃やせるごみ (rác cháy được)", garbage_words.yaml)."""
        names = self.data.category_names(label)
        if lang in names:
            return names[lang]
        glosses = kind_names(label, lang)
        if glosses:
            return f"{label} ({' / '.join(glosses)})"
        return names.get("en") or label

    def _ja(self, text: str, lang: str) -> str:
        """An assembled reply in easy Japanese (furigana) when the resident reads Japanese."""
        return self.easy(text) if lang == "ja" else text

    def _label(self, text: str, lang: str) -> str:
        """A button label within LINE's 20 characters without cutting a word: the town
        part of a long area name, then whole words."""
        if len(text) > MAX_LABEL:
            text = base_name(text)
        if len(text) > MAX_LABEL:
            cut = text[: MAX_LABEL + 1].rsplit(" ", 1)[0]
            text = cut if cut and len(cut) <= MAX_LABEL else text[:MAX_LABEL]
        return self.easy.label(text, MAX_LABEL) if lang == "ja" else text

    def area_buttons(self, areas: list[str], lang: str = "en") -> list[Button]:
        return [Button(self._label(a, lang), f"area:{a}") for a in areas[:MAX_BUTTONS]]

    def towns(self) -> list[str]:
        """Town names for the area buttons (東町1〜3丁目 is one button 東町), data order."""
        out: list[str] = []
        for area in self.data.areas:
            town = base_name(area)
            if town not in out:
                out.append(town)
        return out

    def town_buttons(self, lang: str, start: int = 0) -> list[Button]:
        """One page of town buttons, "more" and the menu, at most MAX_BUTTONS in all."""
        towns = self.towns()
        menu = Button(self.bot.t("btn_menu", lang), "menu")
        if len(towns) - start + 1 <= MAX_BUTTONS:
            page, more = towns[start:], []
        else:
            end = start + MAX_BUTTONS - 2
            page, more = (
                towns[start:end],
                [Button(self.bot.t("btn_more", lang), f"area:more:{end}")],
            )
        return [*(Button(self._label(t, lang), f"area:{t}") for t in page), *more, menu]

    def examples(self) -> str:
        """Names a resident can type: the first areas as written, and the first in kana
        and romaji ("西町、にしまち、nishimachi")."""
        towns = self.towns()
        if not towns:
            return ""
        readings, romaji = name_variants(towns[0])
        shown = towns[:2]
        shown += sorted(readings)[-1:] + sorted(romaji)[-1:]
        return "、".join(shown)

    def ask_area(
        self,
        lang: str,
        session: Session,
        payload: dict[str, object],
        lead: list[Reply],
        start: int = 0,
    ) -> Result:
        payload = {k: v for k, v in payload.items() if k != "confirm"}
        text, buttons = self._area_prompt(lang, start)
        entry = self.bot.kb.entry_for("garbage.collection_days")
        return Result(
            replies=[*lead, Reply(text, list(buttons))],
            session=replace(
                session, awaiting="area", awaiting_payload=json.dumps(payload), last_lang=lang
            ),
            lang=lang,
            outcome="answer",
            topic=str(payload.get("topic") or "garbage.collection_days"),
            entry=entry.id if entry else None,
            score=float(str(payload.get("score") or 0.0)),
        )

    def _make_area_prompt(self, lang: str, start: int) -> tuple[str, tuple[Button, ...]]:
        """ "Which area do you live in?" with examples and one page of town buttons."""
        text = self.bot.t("ask_area", lang)
        text += "\n" + self.bot.t("ask_area_examples", lang, examples=self.examples())
        return self._ja(text, lang), tuple(self.town_buttons(lang, start))

    def days(
        self,
        text: str,
        lang: str,
        session: Session,
        score: float,
        category: str | None,
        named: list[str] | None = None,
    ) -> Result:
        """Collection days; `named`: the areas the question itself names."""
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
        if named and len(named) == 1 and named[0] != session.area:
            return self.after_area(named[0], lang, session, payload)
        if named and len(named) > 1:
            session = replace(session, awaiting="area", awaiting_payload=json.dumps(payload))
            return self.choose(named, lang, session)
        if not session.area or session.area not in self.data.areas:
            return self.ask_area(lang, session, payload, [])
        return self.dates_reply(session.area, lang, session, payload)

    def _shown(self, c: CategoryDates, lang: str, limit: int) -> str:
        """The next dates, or why there are none: not collected here, none soon, or
        a cell of the city's data we could not read (never "none" then)."""
        shown = " / ".join(self.fmt_day(d, lang) for d in c.dates[:limit])
        if c.unread:
            key = "garbage_partly_unread" if shown else "garbage_unread"
            return f"{shown} {self.bot.t(key, lang)}".strip()
        if shown:
            return shown
        if c.not_collected:
            return self.bot.t("garbage_not_collected", lang)
        return self.bot.t("garbage_no_days" if c.no_days else "no_collection", lang)

    def _put_out(self, lang: str) -> list[str]:
        """ "Put it out by 8:30": the garbage settings' or the city's time, never a guess."""
        if self.put_out_by is None:
            return []
        return [self.bot.t("reminder_putout", lang, time=self.put_out_by)]

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
            on_day = self.data.next_dates(area, when, 1)
            found = [self.cat_name(c.category, lang) for c in on_day if c.dates]
            unread = [self.cat_name(c.category, lang) for c in on_day if c.unread]
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
            if found:
                lines += self._put_out(lang)
            if unread:
                # "Nothing tomorrow" must not rest on a cell we could not read.
                sep = "、" if lang in ("ja", "zh") else ", "
                lines.append(f"{sep.join(unread)}: {self.bot.t('garbage_unread', lang)}")
        else:
            lines.append(self.bot.t("next_collection", lang, area=area))
            cats = self.data.next_dates(
                area, start, DAYS_AHEAD, str(category) if category else None
            )
            for c in cats:
                lines.append(f"・{self.cat_name(c.category, lang)}: {self._shown(c, lang, 2)}")
        entry = self.bot.kb.entry_for("garbage.collection_days")
        buttons = [Button(self.bot.t("btn_area", lang), "area")]
        if entry is not None:
            buttons += [self.bot._entry_button(r, lang) for r in self._related(entry)]
        buttons += self.bot._nav_buttons(lang)
        context = {"kind": "days", "day": day, "category": category}
        return Result(
            replies=[Reply(self.marked(self._ja("\n".join(lines), lang), lang), buttons)],
            session=replace(
                session,
                area=area,
                awaiting=None,
                awaiting_payload=None,
                pending=[],
                last_lang=lang,
                garbage_context=json.dumps(context, ensure_ascii=False),
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
            lines.append(simplify_note(notice) if lang == "ja" else notice)
        area_button: list[Button] = []
        payload = session.awaiting_payload
        if category in self.data.dataset.area_columns:
            if session.area and session.area in self.data.areas:
                (cat,) = self.data.next_dates(session.area, self.clock(), 366, category)
                day = self._shown(cat, lang, 1)
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
        replies = [Reply(self.marked(self._ja("\n".join(lines), lang), lang))]
        entry = self.bot.kb.entry_for(topic) or self.bot.kb.entry_for("garbage.item")
        if entry is not None and topic != "garbage.item":
            # Oversized items and appliances: how to apply comes from the entry itself.
            replies += self.bot.answer(entry, lang, session, score).replies
        last = replies[-1]
        last.buttons = area_button + (last.buttons or self.bot._nav_buttons(lang))
        context = {"kind": "item", "item": match.item.name, "category": category}
        return Result(
            replies=replies,
            session=replace(
                session,
                pending=[],
                last_lang=lang,
                awaiting_payload=payload,
                garbage_context=json.dumps(context, ensure_ascii=False),
            ),
            lang=lang,
            outcome="answer",
            topic=topic,
            entry=entry.id if entry else None,
            score=max(score, match.score / 100.0),
            desk_referral=bool(entry and entry.desk_referral and topic != "garbage.item"),
        )

    # ------------------------------------------------------------------ the area prompt
    def area_answer(
        self, text: str, lang: str, session: Session, new_question: bool
    ) -> Result | None:
        """While we wait for the area: an area name, a yes/no to "did you mean",
        or "menu"/"cancel". None: the message is a question of its own (`new_question`
        or too long to be a name), answered as such; the prompt never traps."""
        payload = json.loads(session.awaiting_payload or "{}")
        if _is_word(text, "leave"):
            return self.bot.show_menu(lang, replace(session, awaiting=None, awaiting_payload=None))
        guess = payload.get("confirm")
        if isinstance(guess, str) and guess in self.data.areas:
            if _is_word(text, "yes"):
                return self.after_area(guess, lang, session, payload)
            if _is_word(text, "no"):
                return self.ask_area(lang, session, payload, [])
        named = self.data.area_named_in(text)
        short = is_short(text, AREA_WORDS, AREA_CJK)
        if named:
            found, fuzzy = named, False
        elif short:
            found, fuzzy = self.data.match_area_guess(text)
        else:
            found, fuzzy = [], False
        if len(found) == 1 and not fuzzy:
            return self.after_area(found[0], lang, session, payload)
        if found and fuzzy:
            return self.confirm(found[0], lang, session, payload)
        if len(found) > 1:
            return self.choose(found, lang, session)
        if payload.get("kind") == "days" and not new_question:
            # "那塑料呢?", "明天收啥?" while we wait for the area: still the days, now
            # of that kind or day; the area is still what we need, so ask again
            # (the message is no misspelt area).
            category, day = self.names_category(text), self.day_of(text)
            if category is not None or day is not None:
                asked = {k: v for k, v in (("category", category), ("day", day)) if v is not None}
                return self.ask_area(lang, session, {**payload, **asked}, [])
        if short and not new_question:
            return self.area_unknown(lang, session)
        return None

    def confirm(self, area: str, lang: str, session: Session, payload: dict[str, object]) -> Result:
        """ "Did you mean 西町?": a typo-tolerant guess is never stored unasked."""
        payload = {**payload, "confirm": area}
        buttons = [
            Button(self._label(self.bot.t("btn_yes_area", lang, area=area), lang), f"area:{area}"),
            Button(self.bot.t("btn_other_area", lang), "area"),
        ]
        return Result(
            replies=[Reply(self._ja(self.bot.t("area_confirm", lang, area=area), lang), buttons)],
            session=replace(
                session, awaiting="area", awaiting_payload=json.dumps(payload), last_lang=lang
            ),
            lang=lang,
            outcome="clarify",
            topic="garbage.collection_days",
            choices=buttons,
        )

    def choose(self, areas: list[str], lang: str, session: Session) -> Result:
        buttons = self.area_buttons(areas, lang)
        return Result(
            replies=[Reply(self.bot.t("area_choose", lang), buttons)],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="clarify",
            topic="garbage.collection_days",
            choices=buttons,
        )

    def postback(self, data: str, lang: str, session: Session) -> Result:
        """Taps on "area" (change it), "area:<name>" (an area or a town), "area:more:N"."""
        payload = json.loads(session.awaiting_payload or '{"kind": "days"}')
        value = data[5:] if data.startswith("area:") else ""
        if value.startswith("more:") and value[5:].isdigit():
            return self.ask_area(lang, session, payload, [], int(value[5:]))
        if value in self.data.areas:
            return self.after_area(value, lang, session, payload)
        found = self.data.match_area(value) if value else []
        if len(found) == 1:
            return self.after_area(found[0], lang, session, payload)
        if found:
            session = replace(session, awaiting="area", awaiting_payload=json.dumps(payload))
            return self.choose(found, lang, session)
        return self.ask_area(lang, session, payload, [])

    def after_area(
        self, area: str, lang: str, session: Session, payload: dict[str, object]
    ) -> Result:
        if payload.get("kind") == "subscribe":  # the area a garbage reminder needs
            return self.bot.subscribe.after_area(area, lang, session, payload)
        session = replace(session, area=area, awaiting=None, awaiting_payload=None)
        note = Reply(self._ja(self.bot.t("area_set", lang, area=area), lang))
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
        text = self.bot.t("area_unknown", lang)
        text += "\n" + self.bot.t("ask_area_examples", lang, examples=self.examples())
        return Result(
            replies=[Reply(self._ja(text, lang), self.town_buttons(lang))],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="fallback",
        )
