"""Pushing messages to Telegram with python-telegram-bot (see bot.notify.senders).

Its own module so that python-telegram-bot is imported only when a Telegram
token is set (issue 18: ~10 MiB the server does not need with Telegram off).
"""

from __future__ import annotations

import datetime as dtm
import warnings
from collections.abc import Callable

import httpx
from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.channels.limits import split_text
from bot.channels.telegram import MAX_TEXT, keyboard
from bot.core.types import Reply

from . import retry
from .limits import Limits, TelegramLimiter
from .retry import Classifier, RetryPolicy
from .senders import Outcome, describe
from .sendslots import SendSlots

# ---------------------------------------------------------------------- Telegram
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _telegram_transient(exc: BaseException) -> bool:
    if isinstance(exc, RetryAfter):
        return True
    if isinstance(exc, BadRequest):  # a NetworkError in PTB, but nothing to retry
        return False
    if isinstance(exc, TimedOut):
        return isinstance(exc.__cause__, _NOT_SENT) or "Pool timeout" in str(exc)
    if isinstance(exc, NetworkError):
        # An HTTP 5xx answer (no cause) or a connection that never opened.
        return exc.__cause__ is None or isinstance(exc.__cause__, _NOT_SENT)
    return False


def _telegram_retry_after(exc: BaseException) -> float | None:
    if not isinstance(exc, RetryAfter):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns while it moves to timedelta
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


TELEGRAM_ERRORS = Classifier(_telegram_transient, _telegram_retry_after)


class _Taken(Exception):
    """Another sender claimed the row while this one waited for the limiter."""


class TelegramSender:
    channel = "telegram"

    def __init__(
        self,
        token: str,
        base_url: str,
        limits: Limits | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 20.0,
        shared: SendSlots | None = None,
    ) -> None:
        self.token = token
        self.base_url = base_url
        self.limits = limits or Limits()
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.shared = shared  # PostgreSQL: the window every instance books in
        self.limiter = TelegramLimiter(self.limits, shared=shared)
        self.bot: Bot | None = None

    async def start(self) -> None:
        request = HTTPXRequest(
            connection_pool_size=self.limits.telegram_concurrency + 2,
            read_timeout=self.timeout,
            write_timeout=self.timeout,
            connect_timeout=self.timeout,
            pool_timeout=self.timeout,
        )
        self.bot = Bot(self.token, base_url=self.base_url, request=request)
        await self.bot.initialize()
        # A new run starts with empty local windows (the shared one is the database's).
        self.limiter = TelegramLimiter(self.limits, shared=self.shared)

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.shutdown()
            self.bot = None
        if self.shared is not None:
            self.shared.close()

    async def send(
        self, chat_id: str, replies: list[Reply], claim: Callable[[], bool] | None = None
    ) -> Outcome:
        """Every part of the message, each request when the limiter lets it go (retries
        too). `claim` runs once, right before the first request leaves (after the wait):
        False means another sender took the row, and nothing is sent ("taken")."""
        assert self.bot is not None, "TelegramSender.start() was not called"
        bot = self.bot
        texts = [t for r in replies for t in split_text(r.text, MAX_TEXT)]
        markup = keyboard(replies)
        pending_claim = [claim] if claim is not None else []
        for i, text in enumerate(texts):
            last = i == len(texts) - 1

            async def once(text: str = text, last: bool = last) -> None:
                limiter = self.limiter
                done = await limiter.wait(chat_id)
                left, trip = False, None
                try:
                    if pending_claim and not pending_claim.pop()():
                        raise _Taken
                    left, leaving = True, limiter.clock()
                    try:
                        await bot.send_message(chat_id, text, reply_markup=markup if last else None)
                    finally:
                        # The exchange alone (not the claim): the early credit's measure.
                        trip = limiter.clock() - leaving
                finally:
                    done(left, trip)  # its place counts from here (given back if it never left)

            try:
                await retry.call(once, self.policy, TELEGRAM_ERRORS)
            except _Taken:
                return Outcome("taken")
            except Forbidden as exc:
                return Outcome("blocked", describe(exc))
            except TimedOut as exc:  # the request may have arrived: never sent again
                return Outcome("unknown", f"timeout, delivery unknown: {describe(exc)}")
            except TelegramError as exc:
                return Outcome("failed", describe(exc))
        return Outcome("sent")
