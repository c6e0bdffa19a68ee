"""The Telegram limiter: at most 30 sends in any second, ~29/s kept even when every
wake-up is late, and one send a second per chat."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.notify.limits import (
    CREDIT_AFTER,
    CREDIT_MARGIN,
    RECENT,
    Limits,
    SlidingWindow,
    TelegramLimiter,
)


def most_in_a_second(times: list[float], width: float = 1.0) -> int:
    """The most timestamps in any window [t, t + width)."""
    times = sorted(times)
    most, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - width:
            j += 1
        most = max(most, i - j + 1)
    return most


class LateClock:
    """A fake monotonic clock whose sleeps always wake `late` seconds too late, and
    where every send itself takes `cost` seconds (the event loop is busy)."""

    def __init__(self, late: float, cost: float = 0.0) -> None:
        self.now, self.late, self.cost = 1000.0, late, cost
        self.sleepers: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Virtual time: the sleeper due first wakes first, and moves the clock."""
        due = self.now + max(seconds, 0.0) + self.late
        self.sleepers.append(due)
        while True:
            await asyncio.sleep(0)
            if due <= min(self.sleepers):
                break
        self.sleepers.remove(due)
        self.now = max(self.now, due)


def sends(
    limiter: TelegramLimiter, clock: LateClock, chats: list[str], workers: int = 8
) -> list[float]:
    return [t for _, t in booked(limiter, clock, chats, workers)]


def booked(
    limiter: TelegramLimiter, clock: LateClock, chats: list[str], workers: int = 8
) -> list[tuple[str, float]]:
    """(chat, time) of each send, as `workers` concurrent senders book them."""
    times: list[tuple[str, float]] = []
    queue = list(reversed(chats))

    async def worker() -> None:
        while queue:
            chat = queue.pop()
            done = await limiter.wait(chat)
            times.append((chat, clock.now))
            await asyncio.sleep(0)  # the request: others run meanwhile
            clock.now += clock.cost
            done()

    async def go() -> None:
        await asyncio.gather(*(worker() for _ in range(workers)))

    asyncio.run(go())
    return times


@pytest.mark.parametrize("late", [0.0, 0.002, 0.008])
def test_late_wake_ups_cost_only_their_own_send(late: float) -> None:
    clock = LateClock(late, cost=0.0005)
    limiter = TelegramLimiter(Limits(), clock=clock, sleep=clock.sleep)
    times = sends(limiter, clock, [f"chat{i}" for i in range(301)])
    rate = 300 / (times[-1] - times[0])
    print(f"late wake-ups of {late * 1000:.0f} ms: {rate:.2f} messages/s")
    assert most_in_a_second(times) <= 30
    # A one-token bucket loses each wake-up's lateness 30 times a second (8 ms late:
    # 30 / (1 + 30 * 0.008) = 24/s); the window loses it once a second.
    assert rate >= 30 * 0.95


def test_a_window_counts_from_the_end_of_each_request() -> None:
    clock = LateClock(0.0)
    window = SlidingWindow(3, 1.0, clock=clock)
    first = window.take()  # still in flight
    clock.now += 0.1
    window.take().done()
    window.take().done()
    assert window.delay() == pytest.approx(1.0)
    clock.now += 1.0
    assert window.delay() == 0.0  # the two that ended left; the first holds its place
    window.take()
    window.take()
    assert window.delay() == pytest.approx(1.0)  # all in flight: a second at least
    clock.now += 0.5
    first.done()  # Telegram has it by now at the latest: its second starts here
    assert window.delay() == pytest.approx(1.0)
    clock.now += 1.0
    assert window.delay() == 0.0


def test_a_send_is_counted_from_a_little_before_its_end() -> None:
    clock = LateClock(0.0)
    window = SlidingWindow(2, 1.0, clock=clock, credit=0.5)
    for n in range(CREDIT_AFTER):  # round trips of 80-84 ms (a quiet loop: little spread)
        assert window.early() == 0.0  # too few seen: the first include connecting
        booking = window.take()
        clock.now += 0.080 + 0.001 * (n % 5)
        booking.done()
        clock.now += 1.0
    early = 0.5 * 0.08 - CREDIT_MARGIN  # of the fastest round trip seen
    assert window.early() == pytest.approx(early)
    first, second = window.take(), window.take()
    clock.now += 0.1
    first.done()
    second.done()
    assert window.delay() == pytest.approx(1.0 - early)  # not a whole second
    # On loopback (a round trip of a millisecond or two) there is no credit at all.
    fast = SlidingWindow(2, 1.0, clock=clock, credit=0.85)
    for _ in range(CREDIT_AFTER):
        fast.ended(0.002)
    assert fast.early() == 0.0


def test_a_busy_loop_earns_little_or_no_credit() -> None:
    """Round trips timed on a busy event loop hold its lag (measured: 30 ms and up, a
    median of 80-120 ms, for a 20-30 ms network); their spread takes the credit back."""
    quiet, busy = (SlidingWindow(30, 1.0, credit=0.85) for _ in range(2))
    for n in range(RECENT):
        quiet.ended(0.080 + 0.0002 * (n % 100))  # 80-100 ms: the network's jitter
        busy.ended(0.030 + 0.001 * (n % 100))  # 30-130 ms: the same loop, lagging
    assert quiet.early() == pytest.approx(0.85 * 0.080 - CREDIT_MARGIN)
    # 30 ms, and a quarter within 55 ms: no more than 5 ms of network at all.
    assert busy.early() == pytest.approx(0.030 - 0.025 - CREDIT_MARGIN)
    # Only the latest round trips count: when the loop calms down the credit returns.
    for _ in range(RECENT):
        busy.ended(0.080)
    assert busy.early() == pytest.approx(0.85 * 0.080 - CREDIT_MARGIN)
    assert busy.fastest == 0.080


def test_a_booking_takes_the_round_trip_it_is_given() -> None:
    clock = LateClock(0.0)
    window = SlidingWindow(2, 1.0, clock=clock, credit=0.85)
    booking = window.take()
    clock.now += 0.5  # a slow claim, then a 30 ms request
    booking.done(round_trip=0.03)
    assert window.fastest == 0.03
    assert booking.at == clock.now  # still counted from its end


def test_one_chat_gets_one_message_a_second() -> None:
    clock = LateClock(0.001)
    limiter = TelegramLimiter(Limits(), clock=clock, sleep=clock.sleep)
    times = booked(limiter, clock, ["one chat"] * 4 + [f"c{i}" for i in range(20)])
    chat = sorted(t for c, t in times if c == "one chat")
    gaps = [b - a for a, b in itertools.pairwise(chat)]
    assert len(times) == 24 and len(gaps) == 3
    assert min(gaps) >= 1.0


def test_the_real_clock_paces_a_burst() -> None:
    async def go() -> float:
        limiter = TelegramLimiter(Limits())
        loop = asyncio.get_running_loop()
        t0 = loop.time()

        async def send(chat: str) -> None:
            (await limiter.wait(chat))()

        await asyncio.gather(*(send(f"chat{i}") for i in range(31)))
        return loop.time() - t0

    # 30 go at once; the 31st waits for the first to leave the window (1 s).
    assert asyncio.run(go()) >= 1.0


def test_a_send_that_never_left_gives_its_place_back() -> None:
    """A row another sender claimed first is not sent: its booking (overall and chat)
    is returned, so it costs the window nothing."""
    clock = LateClock(0.0)
    limiter = TelegramLimiter(Limits(telegram_per_second=2), clock=clock, sleep=clock.sleep)

    async def go() -> tuple[float, float]:
        start = clock.now
        first = await limiter.wait("a")
        first(False)  # taken by another sender: never left
        sent = [await limiter.wait("a"), await limiter.wait("b")]  # "a" at once: given back
        given_back = clock.now - start
        for done in sent:
            done()  # both requests ended now
        await limiter.wait("c")  # the third within the second waits: 2 a second
        return given_back, clock.now - start

    # Virtual time: a place never given back would make it wait forever, so bound it.
    given_back, third = asyncio.run(asyncio.wait_for(go(), 10))
    assert given_back == 0.0 and third >= 1.0
