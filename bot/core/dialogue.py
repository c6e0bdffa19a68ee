"""One step of conversation: `Bot.handle(incoming, session) -> Result`.

Pure: no storage, no web, no SDK. A channel turns its event into an `Incoming`,
the service loads the `Session`, and whatever comes back is rendered and saved.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path

import yaml

from bot.garbage import GarbageData
from bot.shelters import store as shelter_store
from bot.shelters.index import SiteIndex

from . import memo, open_shelters
from .emergency import Emergency, find_emergency
from .garbage_flow import GarbageFlow
from .knowledge import Entry, KnowledgeBase, load_knowledge
from .langs import LANGS, NATIVE_NAMES, SOURCE_LANG, platform_lang
from .language import (
    Lexicon,
    detect,
    is_shared_only,
    romaji_by_loanwords_only,
    vocabulary_favours,
)
from .normalize import has_latin, normalize
from .open_shelters import LiveSource
from .phrases import Phrases, load_phrases
from .retrieval import CONTEXT_SEP, Candidate, Index, Variant
from .romaji import typed_romaji
from .shelter_flow import TOPIC as SHELTER_TOPIC
from .shelter_flow import ShelterFlow
from .signup_flow import SignupFlow
from .subscribe_flow import SubscribeFlow
from .tagging import remembered
from .topics import national_numbers
from .types import Button, Incoming, Reply, Result, Session, fit_buttons, replace

# Confidence thresholds on the retrieval score (tuned on the dev question set
# and our own tuning set; see bench/ and tests/core/test_accuracy.py).
FALLBACK_BELOW = 0.22
CLARIFY_MARGIN = 0.035
SURE_ABOVE = 0.70
LANGUAGE_LEAD = 0.20
COURTESY_ACTIONS = frozenset({"greeting", "thanks"})
COURTESY_MARGIN = 0.10
"""A real entry this close to a greeting or thanks in a longer message is the question."""
COURTESY_WORDS = 3
COURTESY_CJK = 8
"""A language request this far ahead of every other entry is one, not a near miss."""
MATCHED_LANG_ABOVE = 0.5
MAX_TEXT = 1000
OUT_OF_SCOPE = "_out_of_scope"
NEW_QUESTION_ABOVE = 0.35
LANGUAGE_REQUEST_WORDS = 6
# Topics where a named item is better answered from the item dictionary.
ITEM_TOPICS = ("garbage.item", "garbage.sorting", "garbage.oversized", "garbage.appliances")
# A typed question matched to an entry with this action switches the language or
# shows the language menu; the entry's text is not the reply (bot.core.answer_source).
LANGUAGE_ACTION = "language"
HIDDEN_CATEGORY = "meta"  # not in the menu: its entries open only from a question or a button
OFF_TOPIC_MARGIN = 0.03
MAX_RELATED = 3
MENU_PAGE = 11  # entries per page of a category menu (+ "more" + "menu" = 13 buttons)
ENTRY_GARBAGE = ("garbage.oversized", "garbage.appliances")
# Follow-ups ("magkano?", "and tomorrow?", "那明天呢") are short; at most this many
# words (or CJK characters) are read in the light of the previous question.
FOLLOW_UP_WORDS = 7
FOLLOW_UP_CJK = 14
MAX_CONTEXT = 300
EMERGENCY_TOPIC = "disaster.emergency_call"
CONTEXT_WEIGHT = 0.35
# In a follow-up, entries of the last topic (and those it links to) are likelier
# than others; entries of the same category a little.
SAME_TOPIC_BONUS = 0.10
LINKED_BONUS = 0.07
SAME_CATEGORY_BONUS = 0.04
# The emergency fast path: which lead line and which entry each kind of emergency gets.
EMERGENCY_REPLY = {
    "fire": ("emergency_119", "disaster.emergency_call.ambulance"),
    "medical": ("emergency_119", "disaster.emergency_call.ambulance"),
    "help": ("emergency_119", "disaster.emergency_call.ambulance"),
    "crime": ("emergency_110", "disaster.emergency_call.police"),
    "quake": ("emergency_quake", "disaster.earthquake"),
    "tsunami": ("emergency_tsunami", "disaster.earthquake"),
}
DATA = Path(__file__).resolve().parents[1] / "data"


@lru_cache(maxsize=1)
def language_names() -> list[tuple[str, str]]:
    """(folded name, language) pairs, longest first, for "English please"."""
    data = yaml.safe_load((DATA / "language_names.yaml").read_text(encoding="utf-8"))
    pairs = [
        (normalize(name), lang)
        for lang, names in data.items()
        if not lang.startswith("_")
        for name in names
    ]
    pairs += [(normalize(name), lang) for lang, name in NATIVE_NAMES.items()]
    return sorted(set(pairs), key=lambda p: len(p[0]), reverse=True)


@lru_cache(maxsize=1)
def _service_words() -> frozenset[str]:
    data = yaml.safe_load((DATA / "language_names.yaml").read_text(encoding="utf-8"))
    return frozenset(normalize(w) for w in data.get("_service") or [])


def asks_about_a_service(text: str) -> bool:
    """ "tem consulta em portugues?": a language named to ask about the desk."""
    folded = f" {normalize(text)} "
    return any(f" {w} " in folded or (not w.isascii() and w in folded) for w in _service_words())


def named_language(text: str) -> str | None:
    folded = f" {normalize(text)} "
    for name, lang in language_names():
        if f" {name} " in folded or (not name.isascii() and name in folded):
            return lang
    return None


def _on_the_globe(lat: float | None, lon: float | None) -> bool:
    """A usable position: a forged or broken event may carry NaN or 1e308."""
    return (
        lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon)
        and -90 <= lat <= 90 and -180 <= lon <= 180
    )


def _recent(context: str) -> str:
    """The conversation's last questions, at most MAX_CONTEXT characters in all: the
    oldest go whole, so each one kept is analysed once, when asked (the last alone
    is cut to its end if it is longer)."""
    if len(context) <= MAX_CONTEXT:
        return context
    *older, kept = context.split(CONTEXT_SEP)
    kept = kept[-MAX_CONTEXT:]
    for question in reversed(older):
        if len(kept) + len(CONTEXT_SEP) + len(question) > MAX_CONTEXT:
            break
        kept = question + CONTEXT_SEP + kept
    return kept


class Bot:
    """The answering core over one knowledge base."""

    def __init__(self, kb: KnowledgeBase, phrases: Phrases | None = None) -> None:
        self.kb = kb
        self.phrases = phrases or load_phrases()
        variants: list[Variant] = []
        with remembered():  # the variants' Japanese words from disk (bot.core.tagging)
            for entry in kb.entries.values():
                for lang, questions in entry.questions.items():
                    for q in [*questions, entry.title.get(lang, "")]:
                        if q.strip():
                            variants.append(Variant(entry.id, lang, q, normalize(q)))
                            if lang == SOURCE_LANG:
                                # Residents who cannot type kana write Japanese in romaji.
                                roman = typed_romaji(q)
                                variants.append(Variant(entry.id, lang, roman, normalize(roman)))
            variants += self._out_of_scope_variants(kb.root / "out_of_scope.yaml")
            self.index = Index(variants)
        data = GarbageData.load(kb.root)
        self.garbage = GarbageFlow(self, data.warm()) if data.available else None
        self.lexicon = Lexicon.build((v.lang, v.text) for v in variants)
        # The language of a text, remembered per text for this knowledge base (bot.core.memo).
        self.detect: Callable[[str], str | None] = memo.bound(partial(detect, lexicon=self.lexicon))
        self.favours: Callable[[str, str], bool] = memo.bound(
            partial(vocabulary_favours, lexicon=self.lexicon)
        )
        self.subscribe = SubscribeFlow(self)
        self.signup = SignupFlow(self)
        # Evacuation sites: loaded and indexed once here (server start, staff reload);
        # `reload_sites` swaps in a new index after `resbot shelters import`.
        self.sites = SiteIndex(shelter_store.load(kb.root)).warm()
        self.shelters = ShelterFlow(self)

    def reload_sites(self) -> SiteIndex:
        """Read the imported sites again and swap the index in one assignment, so a
        turn in progress keeps the index it started with."""
        self.sites = SiteIndex(shelter_store.load(self.kb.root)).warm()
        return self.sites

    @staticmethod
    def _out_of_scope_variants(path: Path) -> list[Variant]:
        """Examples of questions we do not cover: when one of them is the closest
        match, the honest fallback beats a confident wrong answer."""
        if not path.exists():
            return []
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out: list[Variant] = []
        for lang, texts in (data.get("examples") or {}).items():
            for text in texts or []:
                if isinstance(text, str) and text.strip():
                    # Each example stands alone: they share no meaning with each other.
                    eid = f"{OUT_OF_SCOPE}#{len(out)}"
                    out.append(Variant(eid, str(lang), text, normalize(text)))
        return out

    @classmethod
    def load(cls, knowledge: Path | None = None) -> Bot:
        return cls(load_knowledge(knowledge))

    # ------------------------------------------------------------------ helpers
    def t(self, key: str, lang: str, **fmt: str) -> str:
        return self.phrases.t(key, lang, self.kb.city, **fmt)

    def _reply_lang(
        self, incoming: Incoming, session: Session, best: Candidate | None
    ) -> str | None:
        """Explicit choice > the language the message is written in > the language
        the conversation has been in > the platform's (only a first guess).

        The message's language is what the detector says, or else the language of
        the question variant it matched best (our own evidence of how it is written).
        A bare "hi" or "ok" is written the same in every language: it says nothing.
        """
        if session.lang:
            return session.lang
        telling = incoming.kind == "text" and bool(incoming.text) and not is_shared_only(
            incoming.text
        )
        if telling:
            found = self.detect(incoming.text)
            kept = session.last_lang
            if found and kept and found != kept and self.favours(incoming.text, kept):
                # A short follow-up with a loanword ("e online tem?") is not a switch.
                return kept
            if found == SOURCE_LANG and kept and kept != found and romaji_by_loanwords_only(
                incoming.text
            ):
                return kept  # "e o moeru gomi?" in a Portuguese conversation
            if kept and self.garbage is not None and self.garbage.only_a_place(incoming.text):
                return kept  # "相野第一" is a place name, not Chinese
            if found:
                return found
            # A lone "ok" or "menu" is written the same in many languages.
            if best is not None and best.score >= MATCHED_LANG_ABOVE and len(incoming.text) >= 8:
                return best.lang
        known = session.last_lang or platform_lang(incoming.platform_lang)
        if known:
            return known
        if telling and best is not None and best.score >= FALLBACK_BELOW:
            return best.lang
        return None

    def _nav_buttons(self, lang: str) -> list[Button]:
        return [
            Button(self.t("btn_menu", lang), "menu"),
            Button(self.t("btn_desk", lang), "desk"),
        ]

    def feedback_buttons(self, entry: Entry, lang: str) -> list[Button]:
        return [
            Button(self.t("btn_helpful", lang), f"fb:1:{entry.id}"),
            Button(self.t("btn_not_helpful", lang), f"fb:0:{entry.id}"),
        ]

    def feedback(self, data: str, lang: str, session: Session) -> Result:
        """A "was this helpful?" tap: counted against the entry for staff review."""
        _, flag, entry_id = data.split(":", 2)
        helpful = flag == "1"
        entry = self.kb.entries.get(entry_id)
        text = self.t("feedback_thanks" if helpful else "feedback_sorry", lang)
        buttons = self.menu_buttons(lang) if helpful else self._nav_buttons(lang)
        return Result(
            replies=[Reply(text, buttons)],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="feedback",
            topic=entry.topic if entry else None,
            entry=entry.id if entry else None,
            feedback=(entry.id, helpful) if entry else None,
        )

    def menu_buttons(self, lang: str) -> list[Button]:
        cats = [c for c in self.kb.topics.categories if c != HIDDEN_CATEGORY]
        buttons = [Button(self.kb.topics.category_label(c, lang), f"cat:{c}") for c in cats]
        notify = Button(self.t("btn_notify", lang), "sub:menu")
        return [*buttons, notify, Button(self.t("btn_language", lang), "langmenu")]

    def language_buttons(self) -> list[Button]:
        return [Button(NATIVE_NAMES[lang], f"lang:{lang}") for lang in LANGS]

    def _entry_button(self, entry: Entry, lang: str) -> Button:
        return Button(self.kb.title(entry, lang), f"e:{entry.id}")

    # ------------------------------------------------------------------ replies
    def answer(self, entry: Entry, lang: str, session: Session, score: float) -> Result:
        text = self.phrases.answer(self.kb, entry, lang)
        related = [r for r in (self.kb.entry_for(x) for x in entry.related) if r is not None]
        # A sign-up form first: where its label equals a related entry's title
        # ("register as a volunteer"), the form is what the resident wants.
        buttons = self.signup.buttons_for(entry.topic, lang)
        if entry.topic == SHELTER_TOPIC and self.shelters.available:
            buttons.append(Button(self.t("btn_shelter", lang), "shelter"))
        buttons += [self._entry_button(r, lang) for r in related[:MAX_RELATED]]
        buttons += self._nav_buttons(lang)
        if entry.topic.split(".")[0] != "meta":
            buttons += self.feedback_buttons(entry, lang)
        replies = [Reply(text, buttons)]
        if entry.action == "garbage_item" and self.garbage is not None:
            # "これは何ごみ？": the next message is an item name ("でんち", "かさ").
            session = replace(session, awaiting="item")
        if entry.action == "greeting":
            replies = [
                Reply(text),
                Reply(self.t("menu_prompt", lang), self.menu_buttons(lang)),
            ]
        return Result(
            replies=replies,
            session=replace(session, pending=[], last_lang=lang),
            lang=lang,
            outcome="answer",
            topic=entry.topic,
            entry=entry.id,
            score=score,
            desk_referral=entry.desk_referral,
        )

    def emergency(self, found: Emergency, incoming: Incoming, session: Session) -> Result:
        """119 (or 110) and what to say, at once, in the message's language."""
        # Failing all else, the emergency word itself tells the language. Romaji words
        # tell it first: "kemuri ga ippai" reads as English to a detector.
        lang = (
            session.lang
            or ("ja" if found.romaji else None)
            or self._reply_lang(incoming, session, None)
            or min(found.langs, default=SOURCE_LANG)
        )
        lead_key, entry_id = EMERGENCY_REPLY[found.kind]
        numbers = {f"n{k}": k for k in national_numbers() if k.isdigit()}
        lead = self.t(lead_key, lang, **numbers)
        entry = self.kb.entries.get(entry_id) or self.kb.entry_for("disaster.emergency_call")
        if entry is None:
            return Result(
                replies=[Reply(lead, self._nav_buttons(lang))],
                session=replace(session, pending=[], awaiting=None, last_lang=lang),
                lang=lang,
                outcome="answer",
                topic="disaster.emergency_call",
                score=1.0,
            )
        result = self.answer(entry, lang, session, 1.0)
        first = result.replies[0]
        first.text = f"{lead}\n\n{first.text}"
        result.session = replace(
            result.session, awaiting=None, topic=entry.topic, context=incoming.text[:MAX_CONTEXT]
        )
        return result

    def fallback(self, lang: str, session: Session, score: float = 0.0) -> Result:
        text = self.t("fallback", lang) + "\n" + self.t("desk_contact", lang)
        return Result(
            replies=[
                Reply(text, [*self.menu_buttons(lang), Button(self.t("btn_desk", lang), "desk")])
            ],
            session=replace(session, pending=[], last_lang=lang),
            lang=lang,
            outcome="fallback",
            score=score,
        )

    def clarify(self, options: list[Candidate], lang: str, session: Session) -> Result:
        entries = [self.kb.entries[c.entry_id] for c in options]
        buttons = [self._entry_button(e, lang) for e in entries]
        text = self.t("did_you_mean", lang)
        return Result(
            replies=[Reply(text, [*buttons, Button(self.t("btn_menu", lang), "menu")])],
            session=replace(session, pending=[e.id for e in entries], last_lang=lang),
            lang=lang,
            outcome="clarify",
            topic=entries[0].topic,
            entry=None,
            score=options[0].score,
            choices=buttons,
        )

    def show_menu(
        self, lang: str, session: Session, category: str | None = None, page: int = 1
    ) -> Result:
        if category and category in self.kb.topics.categories:
            entries = [e for e in self.kb.entries.values() if e.category == category]
            label = self.kb.topics.category_label(category, lang)
            text = self.t("category_prompt", lang, category=label)
            buttons = [self._entry_button(e, lang) for e in entries]
            if len(buttons) > MENU_PAGE + 1:
                # A long category is paged: entries, "more", "menu" fit every channel.
                start = (page - 1) * MENU_PAGE
                more = start + MENU_PAGE < len(buttons)
                buttons = buttons[start : start + MENU_PAGE]
                if more:
                    more_label = self.t("btn_more_questions", lang)
                    buttons.append(Button(more_label, f"cat:{category}:{page + 1}"))
            buttons.append(Button(self.t("btn_menu", lang), "menu"))
        else:
            text = self.t("menu_prompt", lang)
            buttons = self.menu_buttons(lang)
        return Result(
            replies=[Reply(text, buttons)],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="menu",
        )

    def set_language(self, lang: str, session: Session) -> Result:
        session = replace(session, lang=lang, last_lang=lang)
        return Result(
            replies=[Reply(self.t("language_set", lang), self.menu_buttons(lang))],
            session=session,
            lang=lang,
            outcome="language",
            topic="meta.language",
        )

    def _language_named(self, lang: str, session: Session) -> Result:
        """A message that names a language: the switch it asks for. Right after an
        emergency it asks whether 119 or 110 understands that language ("police
        understand english?", "报警能说中文吗"): the call's answer, which says how
        to get an interpreter, in that language."""
        if session.topic != EMERGENCY_TOPIC:
            return self.set_language(lang, session)
        entry = self.kb.entry_for(EMERGENCY_TOPIC)
        if entry is None:
            return self.set_language(lang, session)
        return self.answer(entry, lang, replace(session, lang=lang, last_lang=lang), 1.0)

    def language_menu(self) -> Reply:
        """ "Choose your language" in all seven languages: we may not know which one reads."""
        return Reply(
            "\n".join(self.t("choose_language", x) for x in LANGS), self.language_buttons()
        )

    def ask_language(self, lang: str, session: Session) -> Result:
        return Result(
            replies=[self.language_menu()],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="language",
            topic="meta.language",
        )

    # ------------------------------------------------------------------ dispatch
    def handle(
        self, incoming: Incoming, session: Session | None = None, live: LiveSource = None
    ) -> Result:
        """One turn. `live`: what the city has announced now (open shelters, the
        active disaster) or a function the service gives to read it from storage
        (called only by the answers that need it); None outside a server."""
        result = self._handle(incoming, session or Session(), live)
        entry = self.kb.entries.get(result.entry or "")
        if result.outcome == "answer" and entry and entry.action == open_shelters.ACTION:
            # "Which shelters are open?": the entry's own answer is what we say when
            # none are; otherwise the open sites (nearest first if we know where).
            result = open_shelters.apply(result, live, self.phrases, self.kb.city)
        fit_buttons(result.replies)
        return result

    def _handle(self, incoming: Incoming, session: Session, live: LiveSource = None) -> Result:
        if incoming.kind in ("follow", "join"):
            lang = session.lang or platform_lang(incoming.platform_lang) or SOURCE_LANG
            greeting = self.kb.entry_for("meta.greeting")
            welcome = self.t("welcome", lang)
            return Result(
                replies=[
                    # The language menu follows: no "language" button in the menu too.
                    Reply(welcome, [b for b in self.menu_buttons(lang) if b.data != "langmenu"]),
                    self.language_menu(),
                ],
                session=replace(session, last_lang=lang),
                lang=lang,
                outcome="menu",
                topic=greeting.topic if greeting else None,
            )
        if incoming.kind == "postback":
            return self._remember_topic(self._postback(incoming, session))
        if incoming.kind == "location" and _on_the_globe(incoming.lat, incoming.lon):
            lang = self._reply_lang(incoming, session, None) or SOURCE_LANG
            return self.shelters.location(incoming, lang, self.signup.leave(session), live)
        if incoming.kind in ("unsupported", "location"):
            lang = self._reply_lang(incoming, session, None) or SOURCE_LANG
            return Result(
                replies=[Reply(self.t("unsupported_message", lang), self.menu_buttons(lang))],
                session=session,
                lang=lang,
                outcome="ignored",
            )
        return self._remember_topic(self._text(incoming, session, live))

    def _shelter_lang(self, incoming: Incoming, session: Session) -> str:
        """While we wait for a place or a disaster, "明星大学" says nothing of the
        resident's language: the conversation's language stands."""
        if session.awaiting in ("location", "shelter_type") and session.last_lang:
            return session.lang or session.last_lang
        return self._reply_lang(incoming, session, None) or SOURCE_LANG

    @staticmethod
    def _remember_topic(result: Result) -> Result:
        """The topic of the last answer, for follow-up questions ("thanks" keeps it)."""
        topic = result.topic
        if result.outcome == "answer" and topic and not topic.startswith("meta."):
            result.session = replace(result.session, topic=topic)
        return result

    def _garbage(
        self, text: str, lang: str, session: Session, best: Candidate | None
    ) -> Result | None:
        """Collection days and items go to the garbage data, not a static answer."""
        assert self.garbage is not None
        topic = self.kb.entries[best.entry_id].topic if best else None
        routed = self.garbage.route(text, lang, session, topic, best.score if best else 0.0)
        if routed is not None:
            return routed
        if topic == "garbage.put_out_rules":
            refused = self.garbage.refused_at_the_point(text, lang)
            if refused is not None:
                return self.garbage.item(refused, lang, session, best.score if best else 0.0, text)
        weak = best is None or best.score < NEW_QUESTION_ABOVE
        if topic is None or topic in ITEM_TOPICS or weak:
            match = self.garbage.item_for(text, lang, strict=topic not in ITEM_TOPICS)
            if match is not None:
                return self.garbage.item(match, lang, session, best.score if best else 0.0, text)
        return None

    def _postback(self, incoming: Incoming, session: Session) -> Result:
        data = incoming.text
        lang = self._reply_lang(replace(incoming, kind="postback"), session, None) or SOURCE_LANG
        # Notification settings and sign-up forms (subscribe_flow, signup_flow).
        routed = self.signup.postback(data, lang, session) or self.subscribe.postback(
            data, lang, session
        )
        if routed is not None:
            return routed
        session = self.signup.leave(session)  # a tap elsewhere drops an unfinished form
        shelter = self.shelters.postback(data, lang, session)
        if shelter is not None:
            return shelter
        if data.startswith("lang:") and data[5:] in LANGS:
            return self.set_language(data[5:], session)
        if data == "langmenu":
            return self.ask_language(lang, session)
        if data.startswith("cat:"):
            category, _, page = data[4:].partition(":")
            number = int(page) if page.isdigit() and 0 < int(page) < 100 else 1
            return self.show_menu(lang, session, category, number)
        if data.startswith(("fb:1:", "fb:0:")):
            return self.feedback(data, lang, session)
        if data.startswith("e:"):
            entry = self.kb.entries.get(data[2:])
            if entry is not None:
                # A tapped entry is the conversation's subject, as a typed question is.
                return self._remember(
                    self.answer(entry, lang, session, 1.0), self.kb.title(entry, lang)
                )
        if self.garbage is not None and (data == "area" or data.startswith("area:")):
            return self.garbage.postback(data, lang, session)
        if data == "desk":
            entry = self.kb.entry_for("meta.human")
            if entry is not None:
                result = self.answer(entry, lang, session, 1.0)
                result.desk_referral = True
                return result
        return self.show_menu(lang, session)

    def _text(self, incoming: Incoming, session: Session, live: LiveSource = None) -> Result:
        text = incoming.text.strip()
        if not text:
            lang = self._reply_lang(incoming, session, None) or SOURCE_LANG
            return Result(
                replies=[Reply(self.t("empty_message", lang), self.menu_buttons(lang))],
                session=session,
                lang=lang,
                outcome="fallback",
            )
        if len(text) > MAX_TEXT:
            lang = (
                self._reply_lang(replace(incoming, text=text[:200]), session, None) or SOURCE_LANG
            )
            return Result(
                replies=[Reply(self.t("too_long", lang))],
                session=session,
                lang=lang,
                outcome="fallback",
            )
        waiting = session.awaiting in ("location", "shelter_type")
        if waiting and self.shelters.bare_disaster(text):
            # "火事" answering "which disaster?": the sites (their reply names 119 too).
            shelter = self.shelters.text(
                text, self._shelter_lang(incoming, session), session, live
            )
            if shelter is not None:
                return shelter
        found = find_emergency(text)
        if found is not None:
            # Nothing stands between a resident and 119: no form, no area prompt.
            return self.emergency(found, incoming, self.signup.leave(session))
        if session.awaiting == "signup" or self.signup.wants_text(text):
            chosen = session.lang or session.last_lang or SOURCE_LANG
            form = self.signup.text(text, chosen, session)
            if form is not None:
                return form
            session = self.signup.leave(session)
        shelter = self.shelters.text(text, self._shelter_lang(incoming, session), session, live)
        if shelter is not None:
            return shelter
        if waiting:
            session = replace(session, awaiting=None)  # a new question instead
        # A number answers the last "did you mean" (the CLI shows numbered options).
        if session.pending and text.isdigit() and 1 <= int(text) <= len(session.pending):
            entry = self.kb.entries.get(session.pending[int(text) - 1])
            if entry is not None:
                chosen = session.lang or session.last_lang or SOURCE_LANG
                return self.answer(entry, chosen, session, 1.0)
        candidates, followed = self._search(text, session)
        if session.awaiting in ("area", "item") and self.garbage is not None:
            lang = session.lang or session.last_lang or SOURCE_LANG
            new = bool(candidates) and candidates[0].score >= NEW_QUESTION_ABOVE
            answered = (
                self.garbage.area_answer(text, lang, session, new)
                if session.awaiting == "area"
                else self.garbage.item_mode(text, lang, session)
            )
            if answered is not None:
                return answered
            session = replace(session, awaiting=None)  # a new question instead
        result = self._answer_text(text, incoming, session, candidates)
        # The conversation's questions, each analysed once (retrieval.CONTEXT_SEP).
        context = f"{session.context}{CONTEXT_SEP}{text}" if followed and session.context else text
        return self._remember(result, context)

    @staticmethod
    def _looks_like_follow_up(text: str) -> bool:
        folded = normalize(text)
        if has_latin(folded):
            return len(folded.split()) <= FOLLOW_UP_WORDS
        return len(folded.replace(" ", "")) <= FOLLOW_UP_CJK

    @staticmethod
    def _is_bare(text: str) -> bool:
        """One or two words ("magkano?", "那明天呢"): nothing but a follow-up."""
        folded = normalize(text)
        if has_latin(folded):
            return len(folded.split()) <= 2
        return len(folded.replace(" ", "")) <= 5

    def _search(self, text: str, session: Session) -> tuple[list[Candidate], bool]:
        """Candidates for a message, and whether the conversation was used.

        A short message that is not clearly a question of its own is read with
        the previous question beside it, and the entries near the last topic come
        first: "magkano?" after the Japanese class is about the class, "saan ako
        tatawag" after a fire is about calling 119.
        """
        alone = self.index.search(text)
        if not session.context or not session.topic or not self._looks_like_follow_up(text):
            return alone, False
        bare = self._is_bare(text)
        off_topic = bool(alone) and alone[0].entry_id.startswith(OUT_OF_SCOPE)
        if alone and alone[0].score >= SURE_ABOVE and not (off_topic and bare):
            # (A bare "quanto custa?" is as close to "quanto custa o arroz" as to
            # anything: after the fridge it asks what the fridge costs.)
            return alone, False
        if off_topic and not bare:
            # "今晩の試合は何時から" after a visa question is a new question we do not
            # cover, not a follow-up: the honest fallback stands.
            return alone, False
        found = self.index.search(
            text, limit=8, context=session.context, context_weight=CONTEXT_WEIGHT
        )
        near = self._near_topic(session.topic)
        category = session.topic.split(".")[0]
        ranked: list[Candidate] = []
        for c in found:
            entry = self.kb.entries.get(c.entry_id)
            bonus = 0.0
            if entry is not None and entry.topic == session.topic:
                bonus = SAME_TOPIC_BONUS
            elif entry is not None and (entry.topic in near or entry.id in near):
                bonus = LINKED_BONUS
            elif entry is not None and entry.category == category:
                bonus = SAME_CATEGORY_BONUS
            if not c.entry_id.startswith(OUT_OF_SCOPE):
                # Out-of-scope examples were weighed on the message alone (above).
                ranked.append(replace(c, score=c.score + bonus) if bonus else c)
        ranked.sort(key=lambda c: c.score, reverse=True)
        if not ranked:
            return alone, False
        if self._unclear(alone) and self._stays(session.topic) and (
            ranked[0].score < NEW_QUESTION_ABOVE
        ):
            ranked = self._stay_on_topic(session.topic, ranked)
        return ranked[:5], True

    @staticmethod
    def _unclear(alone: list[Candidate]) -> bool:
        """Alone, the message would get a "did you mean": it names nothing of its
        own ("hay algun numero para llamar?" is as near the shelters as a person or
        the police), unlike "vay con visa cua toi thi sao". (Below the fallback line
        it may well name something we do not cover: "今晚日本队比赛几点开始".)"""
        if len(alone) < 2 or not FALLBACK_BELOW <= alone[0].score < NEW_QUESTION_ABOVE:
            return False
        return alone[0].score - alone[1].score < CLARIFY_MARGIN

    @staticmethod
    def _stays(topic: str) -> bool:
        # Garbage has its own follow-ups (garbage_flow): "and the bags?" is a new
        # question there, not the last kind's collection days again. Oversized
        # garbage and appliances are answered by their entry (apply, the fee), so
        # "いくらですか" right after the sofa asks what the sofa costs.
        return not topic.startswith("garbage.") or topic in ENTRY_GARBAGE

    def _stay_on_topic(self, topic: str, ranked: list[Candidate]) -> list[Candidate]:
        """A short question that names nothing of its own ("hay algun numero para
        llamar?", "is it secret?", "a donde puedo ir con mis hijos" after the DV
        desk) asks about what was just answered: that topic's entry leads."""
        same = next((c for c in ranked if self.kb.entries[c.entry_id].topic == topic), None)
        others = [c.score for c in ranked if c is not same]
        # Clear of the rest: no "did you mean" between the topic and a stray match.
        lead = max([*others, FALLBACK_BELOW]) + 2 * CLARIFY_MARGIN
        if same is not None and same.score >= lead:
            return ranked
        if same is None:
            same = Candidate(entry_id=topic, score=lead, lang=ranked[0].lang, variant="")
        rest = [c for c in ranked if c is not same]
        return [replace(same, score=lead), *rest]

    @lru_cache(maxsize=256)  # noqa: B019 - one Bot per knowledge base, a few dozen topics
    def _near_topic(self, topic: str) -> frozenset[str]:
        """The topic itself and the entries its entries link to."""
        near = {topic}
        for entry in self.kb.entries.values():
            if entry.topic == topic:
                near.update(entry.related)
        return frozenset(near)

    @staticmethod
    def _remember(result: Result, context: str) -> Result:
        """Keep the topic and the question for the next turn's follow-up."""
        topic = result.topic
        if result.outcome in ("answer", "clarify") and topic and not topic.startswith("meta."):
            result.session = replace(result.session, topic=topic, context=_recent(context))
        return result

    def _courtesy_aside(self, text: str, candidates: list[Candidate]) -> list[Candidate]:
        """A greeting or thanks inside a longer question is not the question:
        "Boa tarde, gostaria de trazer minha mae do Brasil... que visto?" is about
        the visa, "sou obrigado a pagar nenkin?" (obliged, not thanks) about the
        pension. When the best candidate is a courtesy entry by a variant of a few
        words ("boa tarde", "obrigado"), the message is longer and a real entry
        scores nearly as well, that entry leads."""
        if not candidates or self._is_short_courtesy(text):
            return candidates
        if not self._is_short_courtesy(candidates[0].variant):
            # It matched a longer variant ("o que vc sabe responder?" asks what the
            # bot can do, which the greeting answers): the courtesy entry is meant.
            return candidates
        entry = self.kb.entries.get(candidates[0].entry_id)
        if entry is None or entry.action not in COURTESY_ACTIONS:
            return candidates
        for c in candidates[1:]:
            other = self.kb.entries.get(c.entry_id)
            if other is None or other.topic.startswith("meta."):
                continue
            if c.score >= FALLBACK_BELOW and candidates[0].score - c.score < COURTESY_MARGIN:
                return [c, *(x for x in candidates if x is not c)]
            break
        return candidates

    @staticmethod
    def _is_short_courtesy(text: str) -> bool:
        folded = normalize(text)
        if has_latin(folded):
            return len(folded.split()) <= COURTESY_WORDS
        return len(folded.replace(" ", "")) <= COURTESY_CJK

    def _answer_text(
        self, text: str, incoming: Incoming, session: Session, candidates: list[Candidate]
    ) -> Result:
        candidates = self._courtesy_aside(text, candidates)
        best = candidates[0] if candidates else None
        lang = self._reply_lang(incoming, session, best)
        off_topic = [c for c in candidates if c.entry_id.startswith(OUT_OF_SCOPE)]
        unsure = (
            best is None
            or best.score < FALLBACK_BELOW
            or best.entry_id.startswith(OUT_OF_SCOPE)
            or bool(off_topic and best.score - off_topic[0].score < OFF_TOPIC_MARGIN)
        )
        if self.garbage is not None:
            topic = None if unsure or best is None else self.kb.entries[best.entry_id].topic
            routed = self.garbage.follow_up(
                text, session, topic, best.score if best else 0.0
            ) or self._garbage(text, lang or SOURCE_LANG, session, None if unsure else best)
            if routed is not None:
                return routed
        if unsure:
            named = named_language(text) if len(text.split()) <= 3 else None
            if named:
                return self._language_named(named, session)
            return self.fallback(lang or SOURCE_LANG, session, best.score if best else 0.0)
        assert best is not None
        candidates = [c for c in candidates if not c.entry_id.startswith(OUT_OF_SCOPE)]
        entry = self.kb.entries[best.entry_id]
        if entry.action == LANGUAGE_ACTION:
            # "can they speak english" inside a longer question is not a request
            # to switch: only a short message names the language it wants, and
            # not to ask about the desk ("tem consulta em portugues?").
            service = asks_about_a_service(text)
            short = len(text.split()) <= LANGUAGE_REQUEST_WORDS
            named = named_language(text) if short and not service else None
            if named:
                return self._language_named(named, session)
            # Near-certain (a language variant as written, "ことばを　かえる"), or far
            # ahead of the rest ("kotoba kaetai": 0.60 against 0.24): the resident
            # wants the menu, whatever else scrapes past the fallback line.
            sure = best.score >= SURE_ABOVE
            others = [] if sure else [
                c
                for c in candidates[1:]
                if c.score >= FALLBACK_BELOW and best.score - c.score < LANGUAGE_LEAD
            ]
            if not others:
                return self.ask_language(lang or SOURCE_LANG, session)
            desks = [c for c in others if self.kb.entries[c.entry_id].topic.startswith("consult.")]
            if service and desks:
                others = desks[:1]  # the desk says which day it speaks which language
            # "quiero cambiar mi visa" shares "change" with the language entry but
            # names no language: the next candidate is what was meant.
            candidates = others
            best = others[0]
            entry = self.kb.entries[best.entry_id]
        rivals = [c for c in candidates[1:] if best.score - c.score < CLARIFY_MARGIN]
        if rivals and session.topic == EMERGENCY_TOPIC and entry.topic != EMERGENCY_TOPIC:
            # Right after an emergency, "nao falo japones como eu explico" is about the
            # call: when the call is among the choices, it is the answer, not a question.
            call = next(
                (c for c in rivals[:2] if self.kb.entries[c.entry_id].topic == EMERGENCY_TOPIC),
                None,
            )
            if call is not None:
                best, entry, rivals = call, self.kb.entries[call.entry_id], []
        # Every emergency-call entry gives the number: asking first would only delay it.
        if rivals and best.score < SURE_ABOVE and entry.topic != EMERGENCY_TOPIC:
            return self.clarify([best, *rivals[:2]], lang or SOURCE_LANG, session)
        result = self.answer(entry, lang or SOURCE_LANG, session, best.score)
        if lang is None:
            # We could not tell the language: answer, and offer the language menu.
            result.replies.append(self.language_menu())
        return result
