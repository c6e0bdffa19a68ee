""""Which shelters are open?": the reply, from sites the city marked open.

Pure, like the rest of the core: the service reads the open sites and the active
disaster from storage (``bot.shelters.opened.live``) and passes them in as `Live`;
this module only sorts and words them. The location answer (nearest designated
site) can call `site_lines` / `sort_sites` to list open sites the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.shelters.geo import Disaster, haversine_m

from .city import CityProfile
from .phrases import Phrases
from .types import Result, Session

ACTION = "open_shelters"  # the knowledge entry whose answer this replaces
KINDS = ("shelter", "emergency")  # 指定避難所 (stay), 指定緊急避難場所 (flee there now)
MAX_LISTED = 10  # one chat message; the nearest (or first opened) come first


@dataclass(frozen=True)
class OpenSite:
    """A site the city announced as open (a snapshot: a re-import does not change it)."""

    common_id: str
    kind: str  # "shelter" | "emergency"
    name: str
    address: str
    lat: float
    lon: float
    disasters: frozenset[str] = frozenset()  # Disaster values; empty for a shelter
    since: str = ""  # ISO time it was opened


@dataclass(frozen=True)
class Live:
    """The city's state right now, read by the service before each turn."""

    open_sites: tuple[OpenSite, ...] = ()
    disaster: str | None = None  # `Disaster` value of the latest disaster broadcast


LiveSource = Live | Callable[[], Live] | None
"""What `Bot.handle` takes: the state, or a function reading it (the service passes
one, so SQLite is read only on the turns that need it), or None (nothing known)."""


def resolve(live: LiveSource) -> Live:
    """The state now: read it if we were given a reader."""
    if live is None:
        return Live()
    return live if isinstance(live, Live) else live()


def usable(sites: Sequence[OpenSite], disaster: str | None) -> list[OpenSite]:
    """Drop emergency sites not designated for the active disaster (design.md §5a):
    a site is never offered for a disaster it is not designated for. Shelters stay."""
    if disaster is None or disaster not in {d.value for d in Disaster}:
        return list(sites)
    return [s for s in sites if s.kind != "emergency" or disaster in s.disasters]


def sort_sites(
    sites: Sequence[OpenSite], where: tuple[float, float] | None
) -> list[tuple[OpenSite, float | None]]:
    """Nearest first when the resident's location is known, else in the order given."""
    if where is None:
        return [(s, None) for s in sites]
    lat, lon = where
    scored = [(s, haversine_m(lat, lon, s.lat, s.lon)) for s in sites]
    return sorted(scored, key=lambda pair: (pair[1], pair[0].name))


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f}"


def site_lines(
    site: OpenSite,
    lang: str,
    phrases: Phrases,
    city: CityProfile | None = None,
    distance_m: float | None = None,
) -> str:
    """One site for a chat message: name and kind, then address (and distance)."""
    kind = phrases.t(f"site_kind_{site.kind if site.kind in KINDS else 'shelter'}", lang, city)
    head = phrases.t("site_line", lang, city, name=site.name, kind=kind)
    address = phrases.t("site_address", lang, city, address=site.address or "—")
    if distance_m is not None:
        address += " " + phrases.t("site_distance", lang, city, km=_km(distance_m))
    return f"{head}\n{address}"


def reply_text(
    live: Live,
    lang: str,
    phrases: Phrases,
    city: CityProfile | None,
    where: tuple[float, float] | None,
    none_text: str,
) -> str:
    """The answer: the open sites (nearest first if `where`), or `none_text`."""
    sites = usable(live.open_sites, live.disaster)
    if not sites:
        return none_text
    ranked = sort_sites(sites, where)
    head = phrases.t(
        "open_shelters_near" if where is not None else "open_shelters_head",
        lang,
        city,
        count=str(len(sites)),
    )
    parts = [head, *(site_lines(s, lang, phrases, city, d) for s, d in ranked[:MAX_LISTED])]
    if len(ranked) > MAX_LISTED:
        more = str(len(ranked) - MAX_LISTED)
        parts.append(phrases.t("open_shelters_more", lang, city, count=more))
    parts.append(phrases.t("open_shelters_foot", lang, city))
    return "\n\n".join(parts)


def location(session: Session) -> tuple[float, float] | None:
    """The resident's last shared location, if the session has one."""
    lat, _, lon = (session.shelter_point or "").partition(",")
    try:
        return float(lat), float(lon)
    except ValueError:
        return None


def apply(
    result: Result, live: LiveSource, phrases: Phrases, city: CityProfile | None
) -> Result:
    """Replace the entry's static answer (said when nothing is open) with the live list."""
    first = result.replies[0]
    where = location(result.session)
    text = reply_text(resolve(live), result.lang, phrases, city, where, first.text)
    result.replies = [replace(first, text=text), *result.replies[1:]]
    return result
