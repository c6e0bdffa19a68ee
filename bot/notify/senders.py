"""Pushing messages with the platforms' own SDK clients.

LINE: `AsyncMessagingApi.multicast` (up to 500 userIds) with `x_line_retry_key`,
so a retried call (after a timeout, a 5xx, a 429 or a crash) is never delivered
twice: LINE answers 409 when it had already accepted that key, which counts as
sent. Telegram: `Bot.send_message`, one chat at a time, through the token
buckets of `limits`; 403 means the resident blocked the bot. A Telegram timeout
while waiting for the answer may have delivered the message, and Telegram has
no retry key, so it is not retried (`unknown`: "delivery unknown"); timeouts before
the request left (connect, pool) and 5xx answers are retried.

line-bot-sdk is imported when a LINE sender starts, not with this module: the
outbox is built in every server with LINE on, and the SDK's model classes cost
~45 MiB resident that a server which never pushes should not carry (issue 18).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.channels.line import api_client, render
from bot.core.types import Reply

from . import retry
from .limits import Limits
from .retry import Classifier, RetryPolicy

if TYPE_CHECKING:
    from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi


@dataclass(frozen=True)
class Outcome:
    # sent | failed | blocked | unknown (may have arrived: never resent) | taken
    # (another sender claimed it: nothing sent)
    status: str
    error: str | None = None


def describe(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{status} {text}"[:300] if status else f"{type(exc).__name__}: {text}"[:300]


# ---------------------------------------------------------------------- LINE
def _api_exception() -> Any:
    """The SDK's ApiException; the SDK is loaded once a LINE sender has started."""
    from linebot.v3.messaging.exceptions import ApiException

    return ApiException


def _line_transient(exc: BaseException) -> bool:
    if isinstance(exc, _api_exception()):
        status = getattr(exc, "status", None) or 0
        return status == 429 or status >= 500
    # With the retry key even a timeout after delivery is safe to repeat.
    return isinstance(exc, TimeoutError | aiohttp.ClientError)


def _line_retry_after(exc: BaseException) -> float | None:
    headers = getattr(exc, "headers", None) if isinstance(exc, _api_exception()) else None
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
        self.access_token = access_token
        self.api_base = api_base
        self.limits = limits or Limits()
        self.policy = policy or RetryPolicy()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.client: AsyncApiClient | None = None
        self.api: AsyncMessagingApi | None = None

    async def start(self) -> None:
        from linebot.v3.messaging import AsyncMessagingApi, Configuration

        configuration = Configuration(access_token=self.access_token, host=self.api_base)
        self.client = api_client(configuration)
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
        from linebot.v3.messaging import MulticastRequest

        api, api_exception = self.api, _api_exception()
        request = MulticastRequest(to=to, messages=render(replies))

        async def once() -> None:
            try:
                await api.multicast(
                    request, x_line_retry_key=retry_key, _request_timeout=self.timeout
                )
            except api_exception as exc:
                if exc.status != 409:  # 409: this retry key was accepted before
                    raise

        return await self._outcome(once)

    async def push(self, to: str, replies: list[Reply], retry_key: str) -> Outcome:
        assert self.api is not None, "LineSender.start() was not called"
        from linebot.v3.messaging import PushMessageRequest

        api, api_exception = self.api, _api_exception()
        request = PushMessageRequest(to=to, messages=render(replies))

        async def once() -> None:
            try:
                await api.push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=self.timeout
                )
            except api_exception as exc:
                if exc.status != 409:
                    raise

        return await self._outcome(once)

    async def _outcome(self, once: Callable[[], Awaitable[None]]) -> Outcome:
        try:
            await retry.call(once, self.policy, LINE_ERRORS)
        except (TimeoutError, _api_exception(), aiohttp.ClientError) as exc:
            return Outcome("failed", describe(exc))
        return Outcome("sent")


# ---------------------------------------------------------------------- Telegram
def __getattr__(name: str) -> Any:
    """`TelegramSender` and its helpers live in bot.notify.telegram_sender, imported
    on first use: python-telegram-bot stays out of a server without Telegram."""
    if name in ("TelegramSender", "TELEGRAM_ERRORS"):
        from . import telegram_sender

        return getattr(telegram_sender, name)
    raise AttributeError(name)
