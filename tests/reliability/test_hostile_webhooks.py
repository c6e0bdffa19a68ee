"""Fuzzing the webhook parsing path: correctly signed garbage never gets a 500.

Anyone who learns a webhook URL can send anything; a platform can send a new
event type tomorrow. Bodies here are signed with the right secret, so they get
past the signature check and reach the SDK parsers, the dispatch and the bot.
The answer must be a 2xx or a 4xx, quickly, and the server must keep serving.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.core.dialogue import Bot

from .conftest import TG_SECRET, Platforms, running, sign

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False)
    | st.text(max_size=50)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)


def keyed(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts over the platform's own key names, so the parsers get past the first check."""
    return st.dictionaries(st.sampled_from(keys), values, max_size=len(keys))


LINE_EVENT_KEYS = [
    "type", "mode", "timestamp", "source", "webhookEventId", "deliveryContext",
    "replyToken", "message", "postback", "follow", "unsend", "joined", "left", "link",
]  # fmt: skip
LINE_TYPES = st.sampled_from(
    ["message", "postback", "follow", "unfollow", "join", "leave", "memberJoined", "beacon",
     "accountLink", "things", "unsend", "videoPlayComplete", "activated", "nonsense"]
)  # fmt: skip
LINE_MESSAGE = keyed(
    ["type", "id", "text", "quoteToken", "emojis", "mention"], JSON
) | st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image", "sticker", "location", "file", "?"])},
    optional={"id": st.text(max_size=10), "text": JSON, "quoteToken": st.text(max_size=5)},
)
LINE_SOURCE = st.fixed_dictionaries(
    {"type": st.sampled_from(["user", "group", "room", "?"]) | JSON},
    optional={"userId": st.text(max_size=40) | JSON, "groupId": st.text(max_size=20)},
)
LINE_EVENT = keyed(LINE_EVENT_KEYS, JSON) | st.fixed_dictionaries(
    {"type": LINE_TYPES, "mode": st.sampled_from(["active", "standby"]) | JSON},
    optional={
        "timestamp": st.integers() | JSON,
        "source": LINE_SOURCE | JSON,
        "webhookEventId": st.text(max_size=30) | JSON,
        "deliveryContext": st.fixed_dictionaries({"isRedelivery": st.booleans() | JSON}),
        "replyToken": st.text(max_size=30) | JSON,
        "message": LINE_MESSAGE | JSON,
        "postback": st.fixed_dictionaries({"data": st.text(max_size=400) | JSON}),
    },
)
TEXT = st.text(max_size=1200) | st.sampled_from(["menu", "lang:vi", "cat:garbage", "fb:1:x"])
# Well-formed events with hostile leaves, so most bodies reach the dispatch and the bot.
LINE_VALID = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["message", "postback", "follow", "unfollow", "join", "unsend"]),
        "mode": st.just("active"),
        "timestamp": st.integers(0, 2**45),
        "source": st.fixed_dictionaries(
            {"type": st.sampled_from(["user", "group", "room"]), "userId": st.text(max_size=40)},
            optional={"groupId": st.text(min_size=1, max_size=20)},
        ),
        "webhookEventId": st.text(min_size=1, max_size=30),
        "deliveryContext": st.fixed_dictionaries({"isRedelivery": st.booleans()}),
        "replyToken": st.text(max_size=30),
        "message": st.fixed_dictionaries(
            {
                "id": st.text(min_size=1, max_size=10),
                "type": st.sampled_from(["text", "sticker", "image"]),
                "text": TEXT,
                "quoteToken": st.just("q"),
            }
        ),
        "postback": st.fixed_dictionaries({"data": TEXT}),
    }
)
LINE_BODY = (
    JSON
    | st.fixed_dictionaries(
        {"events": st.lists(LINE_EVENT, max_size=3) | JSON},
        optional={"destination": st.text(max_size=40) | JSON},
    )
    | st.fixed_dictionaries(
        {
            "destination": st.text(max_size=40),
            "events": st.lists(LINE_VALID, min_size=1, max_size=3),
        }
    )
)

TG_USER = st.fixed_dictionaries(
    {"id": st.integers(min_value=-(2**52), max_value=2**52), "is_bot": st.booleans()},
    optional={"first_name": st.text(max_size=20), "language_code": st.text(max_size=8) | JSON},
)
TG_CHAT = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=-(2**52), max_value=2**52),
        "type": st.sampled_from(["private", "group", "supergroup", "channel", "?"]),
    }
)
TG_MESSAGE = st.fixed_dictionaries(
    {"message_id": st.integers(min_value=0, max_value=2**31), "date": st.integers(0, 2**31)},
    optional={
        "chat": TG_CHAT | JSON,
        "from": TG_USER | JSON,
        "text": st.text(max_size=300) | JSON,
        "caption": st.text(max_size=100),
        "photo": JSON,
        "sticker": JSON,
        "entities": JSON,
    },
)
TG_VALID_MESSAGE = st.fixed_dictionaries(
    {
        "message_id": st.integers(0, 2**31),
        "date": st.integers(0, 2**31),
        "chat": TG_CHAT,
        "from": TG_USER,
        "text": TEXT,
    }
)
TG_VALID = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=0, max_value=2**31)},
    optional={
        "message": TG_VALID_MESSAGE,
        "callback_query": st.fixed_dictionaries(
            {"id": st.text(max_size=10), "from": TG_USER, "chat_instance": st.just("c")},
            optional={"data": TEXT, "message": TG_VALID_MESSAGE},
        ),
    },
)
TG_UPDATE = (
    JSON
    | TG_VALID
    | st.fixed_dictionaries(
        {"update_id": st.integers(min_value=0, max_value=2**31)},
        optional={
            "message": TG_MESSAGE | JSON,
            "edited_message": TG_MESSAGE,
            "channel_post": TG_MESSAGE,
            "callback_query": st.fixed_dictionaries(
                {"id": st.text(max_size=10), "from": TG_USER, "chat_instance": st.text(max_size=5)},
                optional={"data": st.text(max_size=100) | JSON, "message": TG_MESSAGE},
            )
            | JSON,
            "my_chat_member": JSON,
        },
    )
)
CHAT_BODY = (
    JSON
    | keyed(["text", "postback", "start", "lang"], JSON | st.text(max_size=3000))
    | st.fixed_dictionaries(
        {"text": st.text(max_size=3000)}, optional={"lang": st.sampled_from(["vi", "zh", None])}
    )
    | st.fixed_dictionaries({"postback": TEXT})
    | st.fixed_dictionaries({"start": st.just(True), "lang": st.sampled_from(["pt", "tl", None])})
)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LIMIT_SECONDS = 5.0


@pytest.fixture(scope="module")
def fuzzed(
    tmp_path_factory: pytest.TempPathFactory, bot: Bot, platforms: Platforms
) -> Iterator[TestClient]:
    platforms.reset()
    tmp = tmp_path_factory.mktemp("fuzz")
    with running(Path(tmp), bot, platforms, rate_per_second=0) as client:
        yield client


def timed(call: Any) -> Any:
    started = time.perf_counter()
    res = call()
    assert time.perf_counter() - started < LIMIT_SECONDS
    return res


@FUZZ
@given(LINE_BODY)
def test_signed_line_bodies_never_get_a_500(fuzzed: TestClient, body: Any) -> None:
    raw = json.dumps(body).encode()
    res = timed(
        lambda: fuzzed.post("/line/webhook", content=raw, headers={"X-Line-Signature": sign(raw)})
    )
    event(f"HTTP {res.status_code}")  # --hypothesis-show-statistics: how deep it got
    assert res.status_code in (200, 400), (res.status_code, body)


@FUZZ
@given(TG_UPDATE)
def test_telegram_updates_with_the_secret_never_get_a_500(fuzzed: TestClient, update: Any) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    raw = json.dumps(update).encode()
    res = timed(lambda: fuzzed.post("/telegram/webhook", content=raw, headers=headers))
    event(f"HTTP {res.status_code}")  # --hypothesis-show-statistics: how deep it got
    assert res.status_code in (200, 400), (res.status_code, update)


@FUZZ
@given(CHAT_BODY)
def test_web_chat_json_never_gets_a_500(fuzzed: TestClient, body: Any) -> None:
    res = timed(lambda: fuzzed.post("/api/chat", content=json.dumps(body).encode()))
    event(f"HTTP {res.status_code}")  # --hypothesis-show-statistics: how deep it got
    assert res.status_code in (200, 400), (res.status_code, body)
    if res.status_code == 200:
        assert res.json()["replies"] is not None


@FUZZ
@given(st.binary(max_size=400))
def test_raw_bytes_never_get_a_500(fuzzed: TestClient, raw: bytes) -> None:
    line = fuzzed.post("/line/webhook", content=raw, headers={"X-Line-Signature": sign(raw)})
    tg = fuzzed.post(
        "/telegram/webhook", content=raw, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    chat = fuzzed.post("/api/chat", content=raw)
    assert {line.status_code, tg.status_code, chat.status_code} <= {200, 400, 401}


def test_the_server_still_serves_after_the_fuzzing(fuzzed: TestClient) -> None:
    assert fuzzed.get("/healthz").json()["status"] == "ok"
    assert fuzzed.post("/api/chat", json={"text": "hello"}).status_code == 200


def test_telegram_fields_of_the_wrong_type_are_not_trusted(fuzzed: TestClient) -> None:
    """Found by the fuzzer: PTB passes JSON types through, so language_code can be a float."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    who = {"id": 5, "is_bot": False, "first_name": "", "language_code": 1.5}
    chat = {"id": 5, "type": "private"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": who, "text": 12345}
    query = {"id": "q", "from": who, "chat_instance": "c", "data": 7, "message": message}
    for n, update in enumerate(({"message": message}, {"callback_query": query})):
        raw = json.dumps({"update_id": 900 + n, **update}).encode()
        res = fuzzed.post("/telegram/webhook", content=raw, headers=headers)
        assert res.status_code == 200
