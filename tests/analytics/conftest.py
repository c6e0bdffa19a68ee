"""A synthetic log played through the real Service, with a clock we control.

The story (times are Japan time; the log stores UTC):

- April 2025: Minh asks one question, then follows; Maria asks one we cannot answer.
- October 2025: Minh blocks the account.
- March 2026: Li follows and asks; tanaka (staff, CLI) and Maria ask; Maria's
  question lands at 23:50 on 31 March, which is still March in Japan.
- April 2026 (the month under test): 17 questions from six people on four
  channels, a redelivered webhook, a sticker, a beacon, a crashed event, four
  follows (Ana's at 00:10 on 1 April = 31 March in UTC), one unfollow, feedback
  taps (one redelivered), and a question at 23:30 on 30 April.
- May 2026: Jose asks at 00:05 on 1 May (30 April in UTC) and gives feedback.

Every question states the outcome, topic and language we expect from the
shipped knowledge base, so a change there fails here, loudly, and not later as
a puzzling count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bot.service
import bot.storage
from bot.core.dialogue import Bot
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store

JST = ZoneInfo("Asia/Tokyo")
SECRET = b"analytics-test-secret"

# Raw platform ids: none of them may ever reach the database file.
ANA = ("line", "U1f2e3d4c5b6a79880123456789abcdef")
MINH = ("line", "U0a9b8c7d6e5f40312233445566778899")
DAN = ("line", "U77aa88bb99cc00dd11ee22ff33aa44bb")
JOSE = ("telegram", "7401234567")
LI = ("telegram", "7409876543")
MARIA = ("web", "web-6f1c2a9e4b7d4e0f")
TANAKA = ("cli", "staff-tanaka")
RAW_IDS = [who[1] for who in (ANA, MINH, DAN, JOSE, LI, MARIA, TANAKA)]
PERSONAL = ["0901234567", "090-1234-5678", "maria.silva@example.com"]


class Clock:
    """Stands in for storage.now_iso: the log's timestamps are what we set."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def set(self, local: str) -> None:
        self.now = datetime.fromisoformat(local).replace(tzinfo=JST)

    def iso(self) -> str:
        return self.now.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass
class Scenario:
    service: Service
    clock: Clock
    events: int = 0
    results: list[tuple[str, str, str | None, str]] = field(default_factory=list)

    def _event_id(self, event_id: str | None) -> str:
        self.events += 1
        return event_id or f"ev-{self.events}"

    def ask(
        self,
        when: str,
        who: tuple[str, str],
        text: str,
        expect: tuple[str, str | None, str],
        *,
        kind: str = "text",
        event_id: str | None = None,
    ) -> None:
        """One question; `expect` is (outcome, topic, language)."""
        self.clock.set(when)
        incoming = Incoming(kind="postback" if kind == "postback" else "text", text=text)
        result = self.service.handle(who[0], who[1], incoming, self._event_id(event_id))
        assert result is not None, f"{text!r} was taken for a redelivery"
        got = (result.outcome, result.topic, result.lang)
        assert got == expect, f"{text!r}: the knowledge base now gives {got}, not {expect}"

    def redeliver(self, when: str, who: tuple[str, str], text: str, event_id: str) -> None:
        self.clock.set(when)
        incoming = Incoming(kind="text", text=text)
        assert self.service.handle(who[0], who[1], incoming, event_id) is None

    def follow(self, when: str, who: tuple[str, str], platform_lang: str) -> None:
        self.clock.set(when)
        incoming = Incoming(kind="follow", platform_lang=platform_lang)
        assert self.service.handle(who[0], who[1], incoming, self._event_id(None)) is not None

    def sticker(self, when: str, who: tuple[str, str]) -> None:
        self.clock.set(when)
        incoming = Incoming(kind="unsupported")
        result = self.service.handle(who[0], who[1], incoming, self._event_id(None))
        assert result is not None and result.outcome == "ignored"

    def record(self, when: str, who: tuple[str, str], kind: str) -> None:
        self.clock.set(when)
        assert self.service.record(who[0], who[1], kind, self._event_id(None))

    def feedback(
        self, when: str, who: tuple[str, str], entry: str, helpful: bool, event_id: str
    ) -> bool:
        self.clock.set(when)
        return self.service.store.add_feedback(event_id, self.service.key(*who), entry, helpful)


def play(s: Scenario) -> None:
    # ---------------------------------------------------------------- April 2025
    s.ask("2025-04-15 10:00", MINH, "how to sort garbage", ("answer", "garbage.sorting", "en"))
    s.follow("2025-04-16 09:00", MINH, "vi")
    s.ask("2025-04-20 12:00", MARIA, "recommend a good hotel in Kyoto", ("fallback", None, "en"))
    s.record("2025-10-01 08:00", MINH, "unfollow")
    # ---------------------------------------------------------------- March 2026
    s.follow("2026-03-10 18:00", LI, "zh")
    s.ask("2026-03-10 18:01", LI, "塑料垃圾哪天收", ("answer", "garbage.collection_days", "zh"))
    s.ask("2026-03-20 11:00", TANAKA, "how to sort garbage", ("answer", "garbage.sorting", "en"))
    s.ask("2026-03-31 23:50", MARIA, "where is the shelter", ("answer", "disaster.shelter", "en"))
    assert s.feedback("2026-03-10 18:02", LI, "garbage.collection_days", False, "fb-march")
    # ---------------------------------------------------------------- April 2026
    s.follow("2026-04-01 00:10", ANA, "pt")  # 2026-03-31T15:10Z: April in Japan
    s.ask(
        "2026-04-01 00:12",
        ANA,
        "Onde posso estudar japonês?",
        ("answer", "japanese.class", "pt"),
    )
    s.follow("2026-04-02 09:00", MINH, "vi")  # he comes back after blocking
    s.ask(
        "2026-04-02 09:01",
        MINH,
        "ngay nao do rac nhua",
        ("answer", "garbage.collection_days", "vi"),
        event_id="line-redelivered",
    )
    s.redeliver("2026-04-02 09:02", MINH, "ngay nao do rac nhua", "line-redelivered")
    s.ask(
        "2026-04-03 20:00",
        MINH,
        "Tôi muốn hỏi về thuế, số điện thoại 0901234567",
        ("fallback", None, "vi"),
    )
    s.follow("2026-04-05 07:30", JOSE, "es")
    s.ask(
        "2026-04-05 07:31",
        JOSE,
        "quiero ser voluntario en el festival internacional",
        ("answer", "life.intl_volunteer", "es"),
    )
    s.ask(
        "2026-04-05 07:32",
        JOSE,
        "e:disaster.volunteer.register",
        ("answer", "disaster.volunteer", "es"),
        kind="postback",
    )
    s.ask("2026-04-06 12:00", LI, "塑料垃圾哪天收", ("answer", "garbage.collection_days", "zh"))
    # Asked while the bot waits for Li's area: a new question leaves the prompt and
    # is answered (here: honestly not) in the language it is written in.
    s.ask("2026-04-06 12:05", LI, "最好吃的拉面店在哪里？", ("fallback", None, "zh"))
    s.record("2026-04-06 12:06", LI, "member")  # a Telegram chat-member update: not a question
    s.ask(
        "2026-04-08 15:00",
        MARIA,
        "saan ako pwedeng mag-aral ng Japanese",
        ("answer", "japanese.class", "tl"),
    )
    s.ask("2026-04-08 15:01", MARIA, "desk", ("answer", "meta.human", "tl"), kind="postback")
    s.ask("2026-04-09 10:00", MARIA, "recommend a good hotel in Kyoto", ("fallback", None, "en"))
    s.ask("2026-04-10 09:00", TANAKA, "相談窓口はどこですか", ("answer", "consult.desk", "ja"))
    s.ask("2026-04-10 09:05", TANAKA, "日本語教室はどこですか", ("clarify", "japanese.apply", "ja"))
    s.ask("2026-04-11 09:00", TANAKA, "cat:garbage", ("menu", None, "ja"), kind="postback")
    s.sticker("2026-04-12 13:00", ANA)
    s.ask("2026-04-12 13:01", ANA, "Recommend a good hotel in  Kyoto", ("fallback", None, "en"))
    s.ask(
        "2026-04-15 21:00",
        MINH,
        "My phone is 090-1234-5678, please call me about my tax refund",
        # The area prompt no longer holds him (his tax question left it): an
        # English message with no language chosen is answered in English.
        ("fallback", None, "en"),
    )
    s.record("2026-04-16 10:00", ANA, "beacon")
    s.follow("2026-04-20 19:00", DAN, "en")
    s.record("2026-04-21 08:00", DAN, "unfollow")
    s.ask("2026-04-22 08:00", MINH, "lang:en", ("language", "meta.language", "en"), kind="postback")
    s.clock.set("2026-04-25 10:00")  # the server died while answering this one
    s.service.store.claim("web-crashed", MARIA[0], s.service.key(*MARIA), "text")
    s.ask(
        "2026-04-30 23:30",
        JOSE,
        "email me at maria.silva@example.com about cheap flights",
        ("fallback", None, "en"),
    )
    assert s.feedback("2026-04-01 00:13", ANA, "japanese.class", True, "fb-1")
    assert s.feedback("2026-04-02 09:03", MINH, "garbage.collection_days", True, "fb-2")
    assert s.feedback("2026-04-08 15:02", MARIA, "japanese.class", False, "fb-3")
    assert s.feedback("2026-04-05 07:33", JOSE, "disaster.volunteer.register", True, "fb-4")
    assert not s.feedback("2026-04-05 07:34", JOSE, "disaster.volunteer.register", True, "fb-4")
    # ---------------------------------------------------------------- May 2026
    s.ask("2026-05-01 00:05", JOSE, "how to sort garbage", ("answer", "garbage.sorting", "en"))
    assert s.feedback("2026-05-01 00:30", JOSE, "garbage.sorting", True, "fb-may")


@dataclass
class Played:
    db_path: Path
    store: Store
    service: Service


@pytest.fixture(scope="module")
def answering_bot() -> Bot:
    return Bot.load()


@pytest.fixture(scope="module")
def clock() -> Iterator[Clock]:
    clock = Clock()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bot.storage, "now_iso", clock.iso)
        mp.setattr(bot.service, "now_iso", clock.iso)
        yield clock


@pytest.fixture(scope="module")
def played(answering_bot: Bot, clock: Clock, tmp_path_factory: pytest.TempPathFactory) -> Played:
    return replay(answering_bot, clock, tmp_path_factory.mktemp("log") / "resbot.sqlite3")


def replay(answering_bot: Bot, clock: Clock, target: Path | str) -> Played:
    """Play the scenario into a fresh store at `target` (a SQLite file or a PostgreSQL URL)."""
    store = Store(target)
    service = Service(answering_bot, store, SECRET)
    play(Scenario(service, clock))
    return Played(Path(str(target)), store, service)
