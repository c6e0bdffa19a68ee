"""Fake LINE and Telegram APIs over real HTTP, a store, and outboxes wired to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.notify import subscriptions
from bot.notify.limits import Limits
from bot.notify.outbox import Outbox
from bot.notify.retry import RetryPolicy
from bot.notify.senders import LineSender
from bot.notify.telegram_sender import TelegramSender
from bot.storage import Store
from tests.fakes import FakeApi, Served, line_app, telegram_app

FAST = RetryPolicy(attempts=4, initial=0.01, cap=0.05)
# Scaled down so a 2,000-recipient broadcast takes a second; the real limits'
# arithmetic is tested on its own (test_delivery.py).
QUICK = Limits(telegram_per_second=2000.0, telegram_chat_interval=0.05)
TG_TOKEN = "123456:NOTIFY-TEST"


@dataclass
class Fakes:
    line: FakeApi
    line_url: str
    tg: FakeApi
    tg_url: str

    def outbox(
        self,
        store: Store,
        limits: Limits = QUICK,
        policy: RetryPolicy = FAST,
        line_timeout: float = 30.0,
    ) -> Outbox:
        return Outbox(
            store,
            LineSender("test-access-token", self.line_url, limits, policy, timeout=line_timeout),
            TelegramSender(TG_TOKEN, f"{self.tg_url}/bot", limits, policy),
        )

    def received(self) -> dict[str, list[str]]:
        """Address -> texts it was really delivered (accepted calls only: a LINE call
        answered 409 or an error, or a Telegram error, delivered nothing)."""
        out: dict[str, list[str]] = defaultdict(list)
        for call in self.line.of("/message/multicast") + self.line.of("/message/push"):
            if call.status == 200:
                to = call.body["to"]
                text = "\n".join(m["text"] for m in call.body["messages"])
                for address in to if isinstance(to, list) else [to]:
                    out[address].append(text)
        for call in self.tg.of("sendMessage"):
            if call.status == 200:
                out[str(call.body["chat_id"])].append(call.body["text"])
        return out


def reset(api: FakeApi) -> None:
    api.clear()
    api.fail_next = []
    api.fail_only = None
    api.delay_next = []
    api.blocked = set()
    api.retry_keys = set()
    api.retry_after = 1.0
    api.latency = api.jitter = 0.0


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeApi, str, FakeApi, str]]:
    line, tg = FakeApi(), FakeApi()
    with Served(line_app(line)) as ls, Served(telegram_app(tg)) as ts:
        yield line, ls.url, tg, ts.url


@pytest.fixture()
def fakes(served: tuple[FakeApi, str, FakeApi, str]) -> Fakes:
    line, line_url, tg, tg_url = served
    reset(line)
    reset(tg)
    return Fakes(line, line_url, tg, tg_url)


@pytest.fixture()
def store(db_target: Path | str) -> Iterator[Store]:
    """A fresh store, on SQLite and on PostgreSQL (every test using it runs on both)."""
    store = Store(db_target)
    yield store
    if store.is_pg:
        store.close()


def line_id(i: int) -> str:
    return f"U{i:032x}"


def tg_id(i: int) -> str:
    return str(700_000_000 + i)


def subscribe(
    store: Store, i: int, channel: str, lang: str, kind: str = "disaster", **kw: str
) -> str:
    """Subscriber number i; returns the raw address."""
    address = line_id(i) if channel == "line" else tg_id(i)
    subscriptions.subscribe(
        store,
        user_key=f"key{i:05d}",
        channel=channel,
        address=address,
        kind=kind,
        lang=lang,
        **kw,
    )
    return address
