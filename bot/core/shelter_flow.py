""""Where do I go?": the nearest designated evacuation sites for a resident's location.

A location (LINE, Telegram, the web chat's geolocation) or a typed place name gives
the point; the disaster comes from the message ("flood shelter", "lũ lụt") or one tap
on the eight GSI types, else the city's latest disaster broadcast (`live`). Only sites
designated for that disaster are ever offered
(bot.shelters.index), and only within ``MAX_DISTANCE_M``: beyond it the resident is
told so and what to do instead. Pure: the site index is built by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.shelters.geo import Disaster, haversine_m
from bot.shelters.gsi_csv import Site
from bot.shelters.index import SiteIndex
from bot.shelters.nearest import Hit

from .langs import SOURCE_LANG
from .normalize import normalize
from .open_shelters import LiveSource, resolve
from .topics import national_numbers
from .types import LOCATION_REQUEST, Button, Incoming, Reply, Result, Session, replace

if TYPE_CHECKING:
    from .dialogue import Bot

DATA = Path(__file__).resolve().parents[1] / "data"
TOPIC = "disaster.shelter"
LIMIT = 3
MAX_DISTANCE_M = 5000.0  # farther than this is no place to flee to on foot
PLACE_SPREAD_M = 3000.0  # a typed area name whose sites lie farther apart is ambiguous
MAP_URL = "https://www.google.com/maps/search/?api=1&query={lat},{lon}"
DECIMAL_COMMA = frozenset({"vi", "pt", "es"})
CJK_LANGS = frozenset({"ja", "zh"})
SHORT_ANSWER = 4  # words (Latin) in a bare "flood" answering "which disaster?"
DISASTER_IDS = frozenset(d.value for d in Disaster)


@dataclass(frozen=True)
class _Word:
    folded: str

    def found_in(self, folded: str) -> bool:
        if self.folded.isascii():
            return f" {self.folded} " in f" {folded} "
        return self.folded in folded


def _fold_list(by_lang: dict[str, list[str]]) -> tuple[_Word, ...]:
    words = {normalize(str(w)) for ws in by_lang.values() for w in ws}
    return tuple(_Word(w) for w in sorted(words, key=len, reverse=True) if w)


@dataclass(frozen=True)
class Words:
    site: tuple[_Word, ...]
    near: tuple[_Word, ...]
    disasters: tuple[tuple[_Word, Disaster], ...]  # longest first


@lru_cache(maxsize=1)
def words() -> Words:
    raw = yaml.safe_load((DATA / "shelter_words.yaml").read_text(encoding="utf-8"))
    pairs = [
        (w, Disaster(kind))
        for kind, by_lang in raw["disasters"].items()
        for w in _fold_list(by_lang)
    ]
    pairs.sort(key=lambda p: len(p[0].folded), reverse=True)
    return Words(_fold_list(raw["site"]), _fold_list(raw["near"]), tuple(pairs))


@lru_cache(maxsize=1)
def remark_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    raw = yaml.safe_load((DATA / "shelter_remarks.yaml").read_text(encoding="utf-8"))
    return tuple((re.compile(str(r["pattern"])), str(r["key"])) for r in raw)


def disaster_in(text: str) -> Disaster | None:
    """The disaster a message names (the longest matching word wins), or None."""
    folded = normalize(text)
    for word, disaster in words().disasters:
        if word.found_in(folded):
            return disaster
    return None


def asks_for_site(text: str) -> bool:
    """ "避難所 どこ", "onde tem abrigo aqui perto", "flood shelter": a site word and a
    near / where word or a disaster."""
    folded = normalize(text)
    w = words()
    if not any(x.found_in(folded) for x in w.site):
        return False
    return any(x.found_in(folded) for x in w.near) or disaster_in(text) is not None


def active_disaster(live: LiveSource) -> str | None:
    """The disaster the city's latest disaster broadcast names (a `Disaster` value),
    read only when a location needs one; None when there is none or it was lifted."""
    if live is None:
        return None
    found = resolve(live).disaster
    return found if found in DISASTER_IDS else None


def _point(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    lat, _, lon = text.partition(",")
    try:
        return float(lat), float(lon)
    except ValueError:
        return None


class ShelterFlow:
    """Location in -> the nearest sites for the disaster, in the resident's language."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # Place names keep their Japanese; a reading only where staff gave one in
        # readings.yaml: the analyzer's guess for a proper noun (明星 -> みょうじょう)
        # is often wrong.
        self.readings = bot.kb.readings
        self._places: tuple[SiteIndex, list[tuple[str, str, Site]]] | None = None

    @property
    def index(self) -> SiteIndex:
        return self.bot.sites

    @property
    def available(self) -> bool:
        return bool(self.index.sites)

    def t(self, key: str, lang: str, **fmt: str) -> str:
        numbers = {f"n{k}": k for k in national_numbers() if k.isdigit()}
        return self.bot.t(key, lang, **{**numbers, **fmt})

    # ------------------------------------------------------------------ entry points
    def location(
        self, incoming: Incoming, lang: str, session: Session, live: LiveSource = None
    ) -> Result:
        """A location arrived: answer for the disaster asked about, else for the one
        the city's latest disaster broadcast names (`live`), else ask which."""
        assert incoming.lat is not None and incoming.lon is not None
        if not self.available:
            return self.no_data(lang, session)
        point = f"{incoming.lat:.6f},{incoming.lon:.6f}"
        # The disaster asked about counts while we wait for this location, or while a
        # live location moves; a location sent days later asks again.
        asked = session.awaiting == "location" or incoming.live
        disaster = (session.shelter_disaster if asked else None) or active_disaster(live)
        session = replace(session, shelter_point=point, awaiting=None)
        if disaster is None:
            if incoming.live:  # a moving live location: wait for the resident's choice
                return self._silent(lang, session)
            return self.ask_disaster(lang, session)
        return self.show(
            incoming.lat, incoming.lon, Disaster(disaster), lang, session, live=incoming.live
        )

    def postback(self, data: str, lang: str, session: Session) -> Result | None:
        """`shelter` (menu entry), `shelter:types`, `shelter:<disaster>`,
        `shelter:noposition` (the web chat could not read the position); None if not ours."""
        if data == LOCATION_REQUEST:
            # A channel that cannot send a position (the CLI) passed the tap on:
            # a typed place name will do.
            data = "shelter:noposition"
        if data != "shelter" and not data.startswith("shelter:"):
            return None
        if not self.available:
            return self.no_data(lang, session)
        kind = data.partition(":")[2]
        point = _point(session.shelter_point)
        if kind in DISASTER_IDS:
            disaster = Disaster(kind)
            if point is not None:
                return self.show(*point, disaster, lang, session)
            return self.ask_location(lang, session, disaster)
        if kind == "types" and point is not None:
            return self.ask_disaster(lang, session)
        if kind == "noposition":  # the browser refused or failed: a typed place will do
            session = replace(session, awaiting="location")
            reply = Reply(self.t("shelter_no_position", lang), self._nav(lang))
            return self._result([reply], lang, session)
        return self.ask_location(lang, session, None)

    def text(
        self, text: str, lang: str, session: Session, live: LiveSource = None
    ) -> Result | None:
        """A typed place name or disaster while we wait, or a "nearest site?" question."""
        if not self.available:
            return None
        if session.awaiting == "location":
            place = self.place(text)
            if place is not None:
                name, lat, lon = place
                session = replace(session, shelter_point=f"{lat:.6f},{lon:.6f}", awaiting=None)
                lead = self.t("shelter_from_place", lang, place=name)
                disaster = session.shelter_disaster or active_disaster(live)
                if disaster is None:
                    result = self.ask_disaster(lang, session)
                else:
                    result = self.show(lat, lon, Disaster(disaster), lang, session)
                result.replies[0].text = f"{lead}\n{result.replies[0].text}"
                return result
        if session.awaiting == "shelter_type" and self.bare_disaster(text):
            point = _point(session.shelter_point)
            disaster = disaster_in(text)
            if point is not None and disaster is not None:
                return self.show(*point, disaster, lang, session)
        if asks_for_site(text):
            return self.ask_location(lang, session, disaster_in(text))
        return None

    @staticmethod
    def bare_disaster(text: str) -> bool:
        """ "flood", "津波です": the answer to "which disaster?", not a new question."""
        folded = normalize(text)
        if folded.isascii():
            return len(folded.split()) <= SHORT_ANSWER and disaster_in(text) is not None
        return len(folded.replace(" ", "")) <= 2 * SHORT_ANSWER and disaster_in(text) is not None

    # ------------------------------------------------------------------ replies
    def _nav(self, lang: str) -> list[Button]:
        return [
            Button(self.t("btn_menu", lang), "menu"),
            Button(self.t("btn_desk", lang), "desk"),
        ]

    def _result(self, replies: list[Reply], lang: str, session: Session) -> Result:
        return Result(
            replies=replies,
            session=replace(session, pending=[], last_lang=lang),
            lang=lang,
            outcome="answer",
            topic=TOPIC,
            score=1.0,
        )

    def _silent(self, lang: str, session: Session) -> Result:
        return Result(replies=[], session=session, lang=lang, outcome="ignored", topic=TOPIC)

    def no_data(self, lang: str, session: Session) -> Result:
        """No site list imported: say so, and where the city's hazard map is."""
        reply = Reply(self.t("shelter_no_data", lang), self._nav(lang))
        return self._result([reply], lang, session)

    def ask_location(self, lang: str, session: Session, disaster: Disaster | None) -> Result:
        """Ask for the location (a channel's own location button) or a typed place."""
        session = replace(
            session,
            awaiting="location",
            shelter_disaster=disaster.value if disaster else None,
            shelter_shown=None,
        )
        buttons = [Button(self.t("btn_send_location", lang), LOCATION_REQUEST), *self._nav(lang)]
        return self._result([Reply(self.t("shelter_ask_location", lang), buttons)], lang, session)

    def disaster_buttons(self, lang: str) -> list[Button]:
        return [Button(self.disaster_name(d, lang), f"shelter:{d.value}") for d in Disaster]

    def ask_disaster(self, lang: str, session: Session) -> Result:
        session = replace(session, awaiting="shelter_type", shelter_shown=None)
        buttons = [*self.disaster_buttons(lang), Button(self.t("btn_menu", lang), "menu")]
        return self._result([Reply(self.t("shelter_ask_disaster", lang), buttons)], lang, session)

    def show(
        self,
        lat: float,
        lon: float,
        disaster: Disaster,
        lang: str,
        session: Session,
        *,
        live: bool = False,
        only_ids: Collection[str] | None = None,
    ) -> Result:
        """The nearest designated sites within MAX_DISTANCE_M, or what to do instead.

        ``only_ids`` narrows the sites (e.g. to the shelters opened today)."""
        hits = [
            h
            for h in self.index.nearest(lat, lon, disaster, LIMIT, only_ids=only_ids)
            if h.distance_m <= MAX_DISTANCE_M
        ]
        shown = f"{disaster.value}:" + ",".join(h.site.common_id or h.site.name for h in hits)
        point = f"{lat:.6f},{lon:.6f}"
        session = replace(
            session, awaiting=None, shelter_disaster=disaster.value, shelter_point=point
        )
        if live and shown == session.shelter_shown:
            return self._silent(lang, session)  # the resident moved, the answer did not
        replies: list[Reply] = []
        if not session.shelter_explained:
            replies.append(Reply(self.t("shelter_explain", lang)))
        name = self.disaster_name(disaster, lang)
        buttons = [
            Button(self.t("btn_other_disaster", lang), "shelter:types"),
            Button(self.t("btn_send_location", lang), LOCATION_REQUEST),
            *self._nav(lang),
        ]
        if hits:
            blocks = [self.site_text(i, h, lang) for i, h in enumerate(hits, 1)]
            text = "\n\n".join(
                [self.t("shelter_head", lang, disaster=name), *blocks, self.t("shelter_call", lang)]
            )
        else:
            far = self.distance(MAX_DISTANCE_M, lang)
            text = self.t("shelter_none_near", lang, disaster=name, distance=far)
        replies.append(Reply(text, buttons))
        session = replace(session, shelter_explained=True, shelter_shown=shown)
        return self._result(replies, lang, session)

    # ------------------------------------------------------------------ pieces
    def disaster_name(self, disaster: Disaster, lang: str) -> str:
        return self.t(f"disaster_{disaster.value}", lang)

    def place_name(self, name: str) -> str:
        reading = self.readings.get(name)
        return f"{name}({reading})" if reading else name

    @staticmethod
    def distance(metres: float, lang: str) -> str:
        if metres < 1000:
            return f"{max(10, round(metres / 10) * 10)} m"
        km = f"{metres / 1000:.1f}".removesuffix(".0")
        return (km.replace(".", ",") if lang in DECIMAL_COMMA else km) + " km"

    def site_text(self, n: int, hit: Hit, lang: str) -> str:
        site = hit.site
        where = self.t(
            "shelter_distance",
            lang,
            direction=self.t(f"dir_{hit.direction}", lang),
            distance=self.distance(hit.distance_m, lang),
        )
        lines = [f"{n}. {self.place_name(site.name)}", where]
        if site.address:
            lines.append(site.address)
        if site.remarks:
            lines.append(self.t("shelter_note", lang, remarks=self.remarks(site.remarks, lang)))
        lines.append(self.t("shelter_map", lang, url=MAP_URL.format(lat=site.lat, lon=site.lon)))
        return "\n".join(lines)

    def remarks(self, text: str, lang: str) -> str:
        """Known notes translated (bot/data/shelter_remarks.yaml); the rest kept in Japanese."""
        if lang == SOURCE_LANG:
            return text
        out = text
        for pattern, key in remark_rules():
            out = pattern.sub(partial(self._remark, key, lang=lang), out)
        if lang not in CJK_LANGS:
            out = out.replace("：", ": ").replace("、", ", ")
        return out

    def _remark(self, key: str, match: re.Match[str], *, lang: str) -> str:
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        return self.t(key, lang, **groups)

    def place(self, text: str) -> tuple[str, float, float] | None:
        """A typed site name or area ("明星大学", "みなみ野"): where it is, or None.

        A full site name gives that site; a fragment found in the names or addresses
        of sites lying close together gives their middle; anything else is no place."""
        folded = normalize(text).replace(" ", "")
        if len(folded) < 2 or folded.isdigit():
            return None
        index = self.index
        if self._places is None or self._places[0] is not index:  # folded once per index
            self._places = (index, [
                (normalize(s.name).replace(" ", ""), normalize(s.address).replace(" ", ""), s)
                for s in index.all_sites
            ])
        places = self._places[1]
        exact = [s for name, _, s in places if name == folded]
        if exact:
            return exact[0].name, exact[0].lat, exact[0].lon
        found = [s for name, addr, s in places if folded in name or folded in addr]
        if not found:
            return None
        lat = sum(s.lat for s in found) / len(found)
        lon = sum(s.lon for s in found) / len(found)
        if any(haversine_m(lat, lon, s.lat, s.lon) > PLACE_SPREAD_M for s in found):
            return None
        return text.strip(), lat, lon
