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
overall window takes `telegram_rtt_credit` (0.85) of the fastest round trip seen,
less CREDIT_MARGIN (5 ms), once CREDIT_AFTER round trips were seen (the first ones
include connection setup): ~29/s at 80 ms, with a margin of ~17 ms there against
the two ways not both being at their shortest in the fastest round trip.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from .sendslots import SendSlots

T = TypeVar("T")
PRUNE_ABOVE = 5000  # chats remembered by the per-chat buckets before idle ones are dropped
CREDIT_AFTER = 16  # round trips seen before the fastest one earns a send any credit
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
    sender had claimed the row, or the claim failed), so its place is given back."""

    def __call__(self, sent: bool = True) -> None: ...


class Booking:
    """One send in a window: in flight (at = inf) until `done` stamps its end."""

    __slots__ = ("at", "start", "window")

    def __init__(self, window: SlidingWindow) -> None:
        self.window = window
        self.at, self.start = math.inf, window.clock()

    def done(self) -> None:
        self.at = self.window.clock()
        self.window.ended(self.at - self.start)

    def cancel(self) -> None:
        """The request never left: the place is free again."""
        if self in self.window.bookings:
            self.window.bookings.remove(self)


class SlidingWindow:
    """At most `count` sends in any `period` seconds, each counted until `period`
    after its request ended (a send in flight holds its place), less `credit` times
    the fastest round trip seen (see the module's notes). Not bound to an event
    loop: it only sleeps."""

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
        self.fastest = math.inf
        self.seen = 0
        self.bookings: list[Booking] = []

    def ended(self, round_trip: float) -> None:
        self.fastest = min(self.fastest, round_trip)
        self.seen += 1

    def early(self) -> float:
        """Seconds before its end a finished send stops being counted."""
        if not self.credit or self.seen < CREDIT_AFTER:
            return 0.0
        return max(0.0, self.credit * self.fastest - CREDIT_MARGIN)

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

        def done(sent: bool = True) -> None:
            for booking in (mine, everyone):
                if sent:
                    booking.done()
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

        def done(sent: bool = True) -> None:
            if not sent:
                mine.cancel()
                shared.end(slot, 0.0, 0.0, 0.0)
                return
            mine.done()
            self.overall.ended(self.clock() - started)
            shared.end(slot, period, interval, self.overall.early())

        return done
