"""Pushing messages with the platforms' own SDK clients.

LINE: `AsyncMessagingApi.multicast` (up to 500 userIds) with `x_line_retry_key`,
so a retried call (after a timeout, a 5xx, a 429 or a crash) is never delivered
twice: LINE answers 409 when it had already accepted that key, which counts as
sent. Telegram: `Bot.send_message`, one chat at a time, through the token
buckets of `limits`; 403 means the resident blocked the bot. A Telegram timeout
while waiting for the answer may have delivered the message, and Telegram has
no retry key, so it is not retried (failed, "delivery unknown"); timeouts before
the request left (connect, pool) and 5xx answers are retried.
"""

from __future__ import annotations

import datetime as dtm
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import httpx
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MulticastRequest,
    PushMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException
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
from bot.channels.line import api_client, render
from bot.channels.telegram import MAX_TEXT, keyboard
from bot.core.types import Reply

from . import retry
from .limits import Limits, TelegramLimiter
from .retry import Classifier, RetryPolicy


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | failed | blocked | taken (another sender claimed it: nothing sent)
    error: str | None = None


def describe(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{status} {text}"[:300] if status else f"{type(exc).__name__}: {text}"[:300]


# ---------------------------------------------------------------------- LINE
def _line_transient(exc: BaseException) -> bool:
    if isinstance(exc, ApiException):
        return exc.status == 429 or (exc.status or 0) >= 500
    # With the retry key even a timeout after delivery is safe to repeat.
    return isinstance(exc, TimeoutError | aiohttp.ClientError)


def _line_retry_after(exc: BaseException) -> float | None:
    headers = getattr(exc, "headers", None) if isinstance(exc, ApiException) else None
    value = headers.get("Retry-After") if headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


LINE_ERRORS = Classifier(_line_transient, _line_retry_after)


class LineSender:
    channel = "line"

    def __init__(
        self,
        access_token: str,
        api_base: str,
        limits: Limits | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.configuration = Configuration(access_token=access_token, host=api_base)
        self.limits = limits or Limits()
        self.policy = policy or RetryPolicy()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.client: AsyncApiClient | None = None
        self.api: AsyncMessagingApi | None = None

    async def start(self) -> None:
        self.client = api_client(self.configuration)
        self.api = AsyncMessagingApi(self.client)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = self.api = None

    async def multicast(self, to: list[str], replies: list[Reply], retry_key: str) -> Outcome:
        """One call for up to 500 recipients of the same message."""
        if len(to) > self.limits.line_multicast_max:
            raise ValueError(f"a multicast names at most {self.limits.line_multicast_max}")
        assert self.api is not None, "LineSender.start() was not called"
        api = self.api
        request = MulticastRequest(to=to, messages=render(replies))

        async def once() -> None:
            try:
                await api.multicast(
                    request, x_line_retry_key=retry_key, _request_timeout=self.timeout
                )
            except ApiException as exc:
                if exc.status != 409:  # 409: this retry key was accepted before
                    raise

        return await self._outcome(once)

    async def push(self, to: str, replies: list[Reply], retry_key: str) -> Outcome:
        assert self.api is not None, "LineSender.start() was not called"
        api = self.api
        request = PushMessageRequest(to=to, messages=render(replies))

        async def once() -> None:
            try:
                await api.push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=self.timeout
                )
            except ApiException as exc:
                if exc.status != 409:
                    raise

        return await self._outcome(once)

    async def _outcome(self, once: Callable[[], Awaitable[None]]) -> Outcome:
        try:
            await retry.call(once, self.policy, LINE_ERRORS)
        except (TimeoutError, ApiException, aiohttp.ClientError) as exc:
            return Outcome("failed", describe(exc))
        return Outcome("sent")


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
    ) -> None:
        self.token = token
        self.base_url = base_url
        self.limits = limits or Limits()
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.limiter = TelegramLimiter(self.limits)
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
        self.limiter = TelegramLimiter(self.limits)  # a new run starts with empty windows

    async def close(self) -> None:
        if self.bot is not None:
            await self.bot.shutdown()
            self.bot = None

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
                done = await self.limiter.wait(chat_id)
                try:
                    if pending_claim and not pending_claim.pop()():
                        raise _Taken
                    await bot.send_message(chat_id, text, reply_markup=markup if last else None)
                finally:
                    done()  # its place in the window counts from here

            try:
                await retry.call(once, self.policy, TELEGRAM_ERRORS)
            except _Taken:
                return Outcome("taken")
            except Forbidden as exc:
                return Outcome("blocked", describe(exc))
            except TimedOut as exc:
                return Outcome("failed", f"timeout, delivery unknown: {describe(exc)}")
            except TelegramError as exc:
                return Outcome("failed", describe(exc))
        return Outcome("sent")
