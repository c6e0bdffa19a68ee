"""Retrying transient errors with exponential backoff (tenacity), honouring Retry-After.

Each platform says which errors are transient (429, 5xx, timeouts that cannot
have delivered anything) and how long the server asked us to wait; anything else
fails at once, and the last error is raised when the attempts run out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    initial: float = 1.0  # first backoff, doubled each time, with jitter
    cap: float = 60.0
    max_retry_after: float = 300.0  # a longer Retry-After than this is capped


@dataclass(frozen=True)
class Classifier:
    transient: Callable[[BaseException], bool]
    retry_after: Callable[[BaseException], float | None]


async def call(fn: Callable[[], Awaitable[T]], policy: RetryPolicy, errors: Classifier) -> T:
    """Run `fn`, retrying transient errors; re-raises the last error."""
    backoff = wait_exponential(multiplier=policy.initial, max=policy.cap) + wait_random(
        0, policy.initial
    )

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = errors.retry_after(exc) if exc is not None else None
        if asked is not None:
            return min(max(asked, 0.0), policy.max_retry_after)
        return float(backoff(state))

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(errors.transient),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await fn()
    raise AssertionError("unreachable: tenacity re-raises the last error")
