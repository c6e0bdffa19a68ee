"""Plain values passed between channels, the service and the core."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

T = TypeVar("T")

Outcome = Literal[
    "answer", "clarify", "fallback", "menu", "language", "feedback", "ignored", "form"
]  # form: a step of a sign-up or settings form (not a question; see analytics.stats)


MAX_LABEL = 20
"""The shortest button label any channel allows (LINE quick replies)."""
MAX_BUTTONS = 13
"""The most buttons any channel shows on one reply (LINE quick replies)."""


def short_label(label: str, limit: int = MAX_LABEL) -> str:
    """`label` within `limit` characters, cut between words with "…", never
    inside one ("Phòng chống thiên ta" tells a resident nothing)."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    room = limit - 1
    words = label.split(" ")
    kept = ""
    for word in words:
        joined = f"{kept} {word}" if kept else word
        if len(joined) > room:
            break
        kept = joined
    if not kept:
        # One long word, or text without spaces (Japanese, Chinese): cut by character.
        kept = label[:room]
    return kept.rstrip(" ,、・/-") + "…"


def replace(obj: T, /, **changes: Any) -> T:
    """`dataclasses.replace`, without re-running `__init__` over every field: a turn
    replaces its Session up to six times, and that was ~8 % of a turn's CPU (issue 18).
    A shallow copy with `changes` set is the same for our plain dataclasses; a class
    with `__post_init__` or `__slots__` goes the standard way."""
    cls = type(obj)
    if hasattr(cls, "__post_init__") or not hasattr(obj, "__dict__"):
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    for name in changes:
        if name not in fields:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
    new = object.__new__(cls)
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


LOCATION_REQUEST = "@location"
"""Button data of "send my location": channels render it as their own location
action (LINE location quick reply, Telegram request_location keyboard button, the
web chat's browser geolocation), never as a postback."""


@dataclass(frozen=True)
class Button:
    """A choice offered to the resident. `data` is what comes back when tapped."""

    label: str
    data: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", short_label(self.label))


def fit_buttons(replies: list[Reply]) -> None:
    """No two buttons with the same label or data across a result's replies (channels
    show them together), and at most MAX_BUTTONS: the first ones are kept."""
    labels: set[str] = set()
    datas: set[str] = set()
    count = 0
    for reply in replies:
        kept: list[Button] = []
        for b in reply.buttons:
            if b.label in labels or b.data in datas or count >= MAX_BUTTONS:
                continue
            labels.add(b.label)
            datas.add(b.data)
            kept.append(b)
            count += 1
        reply.buttons = kept


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)


@dataclass(frozen=True)
class Incoming:
    """One thing a resident did, in channel-neutral form."""

    kind: Literal["text", "postback", "follow", "join", "unsupported", "location"] = "text"
    text: str = ""
    platform_lang: str | None = None  # LINE profile language, Telegram language_code
    # kind "location": where the resident is (WGS84 degrees, as the platforms send it).
    lat: float | None = None
    lon: float | None = None
    live: bool = False  # an update of a Telegram live location, not a new message


@dataclass
class Session:
    """What the bot remembers about one resident across messages and channels."""

    lang: str | None = None  # explicit choice from the language menu
    last_lang: str | None = None  # the language we answered in last time
    area: str | None = None  # garbage collection area
    pending: list[str] = field(default_factory=list)  # entry ids offered in "did you mean"
    awaiting: str | None = None  # e.g. "area" while we wait for the area name
    awaiting_payload: str | None = None
    topic: str | None = None  # the topic of the last answer, for follow-ups
    context: str | None = None  # the question that answer was for ("and tomorrow?")
    # Notification subscriptions (kind -> option), filled by the service from its
    # table before each turn; None where the channel cannot push (web chat, CLI).
    subs: dict[str, str] | None = None
    # The last garbage question as JSON ({"kind": "days", "day": 1, "category": ...}
    # or {"kind": "item", "item": ...}): "and tomorrow?", "プラは？" reuse it.
    garbage_context: str | None = None
    # Evacuation sites (shelter_flow): the point sent last ("35.6559,139.3389"), kept
    # so a tap on a disaster type can answer; the disaster asked about before the
    # location came; the ids last shown (a live location re-answers only on change);
    # whether the emergency-site / shelter difference was explained once.
    shelter_point: str | None = None
    shelter_disaster: str | None = None
    shelter_shown: str | None = None
    shelter_explained: bool = False

    def to_dict(self) -> dict[str, Any]:
        """What dataclasses.asdict gives, built shallowly: asdict deep-copies every
        field on every turn; the only containers here hold strings."""
        out = {name: getattr(self, name) for name in _SESSION_FIELDS}
        out["pending"] = list(self.pending)
        out["subs"] = dict(self.subs) if self.subs is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Session:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


_SESSION_FIELDS = tuple(Session.__dataclass_fields__)


@dataclass(frozen=True)
class Effect:
    """Something the service must do beyond replying (the core never writes storage):
    "subscribe", "unsubscribe", "signup", "forget"."""

    kind: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """The core's answer to one Incoming, plus what the KPI log needs to count."""

    replies: list[Reply]
    session: Session
    lang: str
    outcome: Outcome
    topic: str | None = None
    entry: str | None = None
    score: float = 0.0
    choices: list[Button] = field(default_factory=list)
    desk_referral: bool = False
    feedback: tuple[str, bool] | None = None  # (entry id, helpful) from a feedback tap
    effects: list[Effect] = field(default_factory=list)
    private: bool = False  # the message was form data (a name, a contact): not logged
