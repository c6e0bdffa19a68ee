"""The platforms' sending limits, and the windows that keep them.

LINE: a multicast names at most 500 recipients (one message per language group,
split in calls of 500). Telegram: about 30 messages a second overall and one a
second to the same chat; beyond that it answers 429. The overall limit is a
sliding window over the last 30 sends, each counted from when its request
ENDED (its answer or error came back), not when it left: Telegram received it
somewhere in between, so a 31st request leaving 1 s after the end of the
oldest can never make 31 in any second at Telegram's side, whatever the network
jitter (booking the start lets a jittered burst reach Telegram 34-36 in a second
on a busy machine). The cost is one request's latency a second. A late wake-up
delays only its own send; a one-token bucket (aiolimiter's AsyncLimiter(1, 1/30))
loses every wake-up's lateness 30 times a second: 27.9-28.9/s measured. The
same window of one keeps each chat's 1 s spacing. Tests scale the rates by
configuration; `telegram_min_seconds` is the arithmetic.

Counting from the end costs a whole round trip a second: at 80-100 ms that is
27.4/s (bench/telegram_broadcast.py). But the end is later than Telegram's receipt
by at least the answer's way back, and a request needs at least its way there, so
a send may be counted from `end - credit` as long as `credit` stays below the
shortest way there plus the shortest way back, which no round trip can beat. The
overall window takes `telegram_rtt_credit` (0.85) of the fastest of the latest
RECENT round trips, less CREDIT_MARGIN (5 ms), once CREDIT_AFTER round trips were
seen (the first ones include connection setup): ~29/s at 80 ms, with a margin of
~17 ms there against the two ways not both being at their shortest in the
fastest round trip.

A round trip is timed by the event loop, so it also holds the loop's lag: the
time the answer waited while the loop ran other work (other sends' database
calls, webhooks). On a busy loop even the fastest one can be far longer than the
network's two ways: two outboxes and a fake Telegram with 20-30 ms round trips in
one process measured 30 ms and up (a median of 80-120 ms), and a credit of up to
74 ms let 101 sends reach it in one second at 100/s (a CI run). Lag varies from
request to request, so it shows as spread: the fastest quarter of the round trips
lies within a few ms of the fastest on a quiet loop (the network's jitter) and
tens of ms apart on a busy one. Taking that spread as the most lag the fastest
round trip holds, the credit is also never more than the fastest less its
spread (less the margin): a busy loop gets little or no credit, a quiet one all
of it. The sender times the request alone, not the claim before it (`Done`'s
`round_trip`).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from .sendslots import SendSlots

T = TypeVar("T")
PRUNE_ABOVE = 5000  # chats remembered by the per-chat buckets before idle ones are dropped
CREDIT_AFTER = 30  # round trips seen before the fastest one earns a send any credit
RECENT = 100  # the latest round trips the credit is judged on
# Kept off the credit whatever the round trip: scheduling noise on a busy machine
# (on loopback, where a round trip is a millisecond or two, no credit at all).
CREDIT_MARGIN = 0.005


@dataclass(frozen=True)
class Limits:
    line_multicast_max: int = 500
    telegram_per_second: float = 30.0
    telegram_chat_interval: float = 1.0  # seconds between two messages to one chat
    telegram_concurrency: int = 8  # requests in flight (latency hides behind them)
    # The share of the fastest round trip seen by which a send is counted before its
    # end (see above); 0 counts from the end.
    telegram_rtt_credit: float = 0.85

    @classmethod
    def from_env(cls) -> Limits:
        """The limits, lowered if the city (or a test) says so in the environment:
        RESBOT_TELEGRAM_PER_SECOND, RESBOT_TELEGRAM_CHAT_INTERVAL, RESBOT_LINE_MULTICAST_MAX."""
        base = cls()

        def num(name: str, default: float) -> float:
            value = os.environ.get(name, "").strip()
            return float(value) if value else default

        return cls(
            line_multicast_max=min(
                int(num("RESBOT_LINE_MULTICAST_MAX", base.line_multicast_max)),
                base.line_multicast_max,
            ),
            telegram_per_second=num("RESBOT_TELEGRAM_PER_SECOND", base.telegram_per_second),
            telegram_chat_interval=num(
                "RESBOT_TELEGRAM_CHAT_INTERVAL", base.telegram_chat_interval
            ),
        )

    def telegram_window(self) -> tuple[int, float]:
        """(N, seconds): at most N sends in any window of N / rate seconds (a rate
        below 1/s keeps its own spacing)."""
        count = max(1, math.floor(self.telegram_per_second))
        return count, count / self.telegram_per_second

    def chunks(self, items: Sequence[T]) -> list[Sequence[T]]:
        """LINE multicast calls for one message: 500 recipients each."""
        size = self.line_multicast_max
        return [items[i : i + size] for i in range(0, len(items), size)]

    def line_calls(self, recipients_per_message: Iterable[int]) -> int:
        return sum(math.ceil(n / self.line_multicast_max) for n in recipients_per_message)

    def telegram_min_seconds(self, messages: int, most_to_one_chat: int = 1) -> float:
        """The least time `messages` Telegram sends can take: the overall window (a
        burst of up to N, then N more each window), or the per-chat spacing of the
        chat that gets the most, whichever is longer."""
        if messages <= 0:
            return 0.0
        count, period = self.telegram_window()
        overall = (messages - 1) // count * period
        per_chat = (max(most_to_one_chat, 1) - 1) * self.telegram_chat_interval
        return max(overall, per_chat)


class Done(Protocol):
    """Called when a booked send's request ended; `sent=False`: it never left (another
    sender had claimed the row, or the claim failed), so its place is given back.
    `round_trip`: the request's own exchange as the caller timed it. Without it the
    time since the booking counts, which also holds the claim and any other work
    of this event loop meanwhile: a credit taken from that can exceed the network's
    two ways (see the module's notes)."""

    def __call__(self, sent: bool = True, round_trip: float | None = None) -> None: ...


class Booking:
    """One send in a window: in flight (at = inf) until `done` stamps its end."""

    __slots__ = ("at", "start", "window")

    def __init__(self, window: SlidingWindow) -> None:
        self.window = window
        self.at, self.start = math.inf, window.clock()

    def done(self, round_trip: float | None = None) -> None:
        self.at = self.window.clock()
        self.window.ended(self.at - self.start if round_trip is None else round_trip)

    def cancel(self) -> None:
        """The request never left: the place is free again."""
        if self in self.window.bookings:
            self.window.bookings.remove(self)


class SlidingWindow:
    """At most `count` sends in any `period` seconds, each counted until `period`
    after its request ended (a send in flight holds its place), less an early credit
    from the recent round trips (see the module's notes). Not
    bound to an event loop: it only sleeps."""

    def __init__(
        self,
        count: int,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        credit: float = 0.0,
    ):
        self.count = max(1, count)
        self.period = period
        self.clock = clock
        self.credit = credit
        self.trips: deque[float] = deque(maxlen=RECENT)
        self.seen = 0
        self._early: float | None = 0.0
        self.bookings: list[Booking] = []

    @property
    def fastest(self) -> float:
        return min(self.trips, default=math.inf)

    def ended(self, round_trip: float) -> None:
        self.trips.append(round_trip)
        self.seen += 1
        self._early = None

    def early(self) -> float:
        """Seconds before its end a finished send stops being counted."""
        if not self.credit or self.seen < CREDIT_AFTER:
            return 0.0
        if self._early is None:
            trips = sorted(self.trips)
            fastest, quarter = trips[0], trips[len(trips) // 4]
            lag = quarter - fastest  # at most the lag in the fastest (module's notes)
            credit = min(self.credit * fastest, fastest - lag) - CREDIT_MARGIN
            self._early = max(0.0, credit)
        return self._early

    def delay(self) -> float:
        """Seconds until a place is free (0.0: free now)."""
        since = self.clock() - self.period + self.early()
        self.bookings = [b for b in self.bookings if b.at > since]
        if len(self.bookings) < self.count:
            return 0.0
        # A send in flight frees its place `period` after it ends: not before then.
        oldest = min(b.at for b in self.bookings)
        return self.period if oldest == math.inf else oldest - since

    def take(self) -> Booking:
        booking = Booking(self)
        self.bookings.append(booking)
        return booking


class TelegramLimiter:
    """Waits so sends keep Telegram's overall and per-chat rates.

    `wait` returns when a send may go and books it at once (no await in between),
    so the caller must send right away (claim the row, make the request) and call
    the function it returns when the request has ended, however it ended.

    With `shared` (PostgreSQL: several instances) the overall window and the chat
    spacing are booked in the database (`sendslots`), one booking of this instance
    at a time; the local windows still give the early credit and keep this
    instance's own chats apart without a database round trip."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SendSlots | None = None,
    ) -> None:
        self.limits = limits
        self.clock, self.sleep = clock, sleep
        self.overall = SlidingWindow(
            *limits.telegram_window(), clock=clock, credit=limits.telegram_rtt_credit
        )
        self.chats: dict[str, SlidingWindow] = {}
        self.shared = shared
        self._turn: asyncio.Lock | None = None

    def _chat(self, chat_id: str) -> SlidingWindow:
        chat = self.chats.get(chat_id)
        if chat is None:
            if len(self.chats) > PRUNE_ABOVE:
                # Forget chats with nothing in their window: they may send now anyway.
                self.chats = {k: v for k, v in self.chats.items() if v.delay() > 0}
            interval = self.limits.telegram_chat_interval
            chat = self.chats[chat_id] = SlidingWindow(1, interval, clock=self.clock)
        return chat

    async def wait(self, chat_id: str) -> Done:
        if self.shared is not None:
            return await self._wait_shared(chat_id, self.shared)
        chat = self._chat(chat_id)
        # The chat's turn first: waiting for it must not hold an overall place. Both
        # are booked together, once both are free.
        while True:
            wait = chat.delay() or self.overall.delay()
            if wait <= 0:
                break
            await self.sleep(wait)
        mine, everyone = chat.take(), self.overall.take()

        def done(sent: bool = True, round_trip: float | None = None) -> None:
            for booking in (mine, everyone):
                if sent:
                    booking.done(round_trip)
                else:
                    booking.cancel()

        return done

    async def _wait_shared(self, chat_id: str, shared: SendSlots) -> Done:
        chat = self._chat(chat_id)
        count, period = self.limits.telegram_window()
        interval = self.limits.telegram_chat_interval
        if self._turn is None:
            self._turn = asyncio.Lock()
        while True:
            while (wait := chat.delay()) > 0:  # this instance's own spacing, no round trip
                await self.sleep(wait)
            async with self._turn:  # one booking (and one poll of a full window) at a time
                while True:
                    turn = shared.book(chat_id, count, period, interval, self.overall.early())
                    if turn.slot is not None or turn.reason == "chat":
                        break
                    await self.sleep(min(turn.wait, period))
            if turn.slot is not None and chat.delay() <= 0:
                break
            if turn.slot is not None:  # another send to this chat went meanwhile
                shared.end(turn.slot, 0.0, 0.0, 0.0)
                continue
            await self.sleep(turn.wait)  # another instance wrote to this chat just now
        slot, mine, started = turn.slot, chat.take(), self.clock()

        def done(sent: bool = True, round_trip: float | None = None) -> None:
            if not sent:
                mine.cancel()
                shared.end(slot, 0.0, 0.0, 0.0)
                return
            mine.done(round_trip)
            self.overall.ended(self.clock() - started if round_trip is None else round_trip)
            shared.end(slot, period, interval, self.overall.early())

        return done
