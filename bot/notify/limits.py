"""The platforms' sending limits, and the token buckets that keep them.

LINE: a multicast names at most 500 recipients (one message per language group,
split in calls of 500). Telegram: about 30 messages a second overall and one a
second to the same chat; beyond that it answers 429. Both buckets are aiolimiter
leaky buckets of size one (python-telegram-bot's own rate limiter is built on
it), so sends are spaced evenly: no 1-second window ever holds more than the
rate. Tests scale the rates by configuration; `min_seconds` is the arithmetic.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from aiolimiter import AsyncLimiter

T = TypeVar("T")
PRUNE_ABOVE = 5000  # chats remembered by the per-chat buckets before idle ones are dropped


@dataclass(frozen=True)
class Limits:
    line_multicast_max: int = 500
    telegram_per_second: float = 30.0
    telegram_chat_interval: float = 1.0  # seconds between two messages to one chat
    telegram_concurrency: int = 8  # requests in flight (latency hides behind them)

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

    def chunks(self, items: Sequence[T]) -> list[Sequence[T]]:
        """LINE multicast calls for one message: 500 recipients each."""
        size = self.line_multicast_max
        return [items[i : i + size] for i in range(0, len(items), size)]

    def line_calls(self, recipients_per_message: Iterable[int]) -> int:
        return sum(math.ceil(n / self.line_multicast_max) for n in recipients_per_message)

    def telegram_min_seconds(self, messages: int, most_to_one_chat: int = 1) -> float:
        """The least time `messages` Telegram sends can take: the overall rate, or the
        per-chat spacing of the chat that gets the most, whichever is longer."""
        if messages <= 0:
            return 0.0
        overall = (messages - 1) / self.telegram_per_second
        per_chat = (max(most_to_one_chat, 1) - 1) * self.telegram_chat_interval
        return max(overall, per_chat)


class TelegramLimiter:
    """Waits so sends keep Telegram's overall and per-chat rates."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.overall = AsyncLimiter(1, 1.0 / limits.telegram_per_second)
        self.chats: dict[str, AsyncLimiter] = {}

    async def wait(self, chat_id: str) -> None:
        chat = self.chats.get(chat_id)
        if chat is None:
            if len(self.chats) > PRUNE_ABOVE:
                # Forget chats whose bucket is empty again: they may send at once anyway.
                self.chats = {k: v for k, v in self.chats.items() if not v.has_capacity()}
            chat = self.chats[chat_id] = AsyncLimiter(1, self.limits.telegram_chat_interval)
        # The chat's turn first: waiting for it must not hold an overall slot.
        await chat.acquire()
        await self.overall.acquire()
