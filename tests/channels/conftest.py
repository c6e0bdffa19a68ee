"""A running fake LINE + Telegram API and our app wired to them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.fakes import FakeApi, Served, line_app, telegram_app

LINE_SECRET = "test-channel-secret"
TG_SECRET = "test-telegram-secret-token"
TG_TOKEN = "123456:TEST-TOKEN"


def sign(body: bytes, secret: str = LINE_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture(scope="module")
def line_api() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    with Served(line_app(api)) as served:
        yield api, served.url


@pytest.fixture(scope="module")
def tg_api() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    with Served(telegram_app(api)) as served:
        yield api, served.url


@pytest.fixture()
def client(
    tmp_path: Path, bot: Bot, line_api: tuple[FakeApi, str], tg_api: tuple[FakeApi, str]
) -> Iterator[TestClient]:
    line_api[0].clear()
    tg_api[0].clear()
    settings = load_settings(
        env_file=None,
        db_path=tmp_path / "bot.sqlite3",
        line_channel_secret=LINE_SECRET,
        line_access_token="test-access-token",
        line_api_base=line_api[1],
        telegram_token=TG_TOKEN,
        telegram_secret_token=TG_SECRET,
        telegram_api_base=f"{tg_api[1]}/bot",
    )
    app = create_app(settings, bot)
    with TestClient(app) as c:
        yield c
