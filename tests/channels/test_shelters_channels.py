"""Nearest evacuation sites through LINE and Telegram: real SDK parsers, fake servers.

LINE: the fixture's location event goes through line-bot-sdk's WebhookParser; the
request for a location is a quick reply with a location action. Telegram: location and
live-location updates go through python-telegram-bot's Update.de_json; the request is
a reply keyboard with request_location. Expected sites: tests/shelters/sites.py.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import LocationMessageContent, MessageEvent
from starlette.testclient import TestClient

from bot.channels.line import location_incoming as line_incoming
from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.channels.conftest import LINE_SECRET, TG_SECRET, TG_TOKEN
from tests.channels.test_line import fixture_events, post, replies_for
from tests.channels.test_telegram import post as tg_post
from tests.channels.test_telegram import sends, update
from tests.fakes import FakeApi
from tests.shelters.sites import COLUMNS, POINTS, expected


@pytest.fixture()
def client(
    tmp_path: Path, hachioji_bot: Bot, line_api: tuple[FakeApi, str], tg_api: tuple[FakeApi, str]
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
    with TestClient(create_app(settings, hachioji_bot)) as c:
        yield c


def names(text: str) -> list[str]:
    return re.findall(r"^\d\. (.+)$", text, flags=re.M)


# --------------------------------------------------------------------------- LINE
def line_location_event() -> dict[str, Any]:
    (event,) = [
        e for e in fixture_events() if e["type"] == "message" and e["message"]["type"] == "location"
    ]
    return event


def line_text(user: str, text: str, n: int) -> dict[str, Any]:
    """The fixture's text message event, saying `text`."""
    (event,) = [
        e for e in fixture_events()
        if e["type"] == "message" and e["message"]["type"] == "text"
        and e["source"]["type"] == "user"
    ][:1]
    event = copy.deepcopy(event)
    event["source"]["userId"] = user
    event["webhookEventId"] = f"01SHELTERTEXT{n:04d}"
    event["replyToken"] = f"text-{n}"
    event["message"]["text"] = text
    event["message"].pop("emojis", None)
    event["message"].pop("mention", None)
    return event


def line_ask(client: TestClient, api: FakeApi, user: str, text: str, n: int) -> dict[str, Any]:
    api.clear()
    assert post(client, [line_text(user, text, n)]).status_code == 200
    (sent,) = replies_for(api, f"text-{n}")
    return sent


def test_line_fixture_location_event_through_the_sdk_parser(
    client: TestClient, line_api: tuple[FakeApi, str]
) -> None:
    api = line_api[0]
    event = line_location_event()
    # The server reads events as JSON (issue 18's hot path): it must read the point
    # exactly as line-bot-sdk's own parser does.
    body = json.dumps({"destination": "U0", "events": [event]})
    signature = base64.b64encode(
        hmac.new(LINE_SECRET.encode(), body.encode(), hashlib.sha256).digest()
    ).decode()
    (parsed,) = WebhookParser(LINE_SECRET).parse(body, signature)
    assert isinstance(parsed, MessageEvent)
    assert isinstance(parsed.message, LocationMessageContent)
    incoming = line_incoming(event["message"])
    assert incoming is not None
    assert (incoming.lat, incoming.lon) == (parsed.message.latitude, parsed.message.longitude)
    user = event["source"]["userId"]
    asked = line_ask(client, api, user, "nearest evacuation site for flood", 1)
    items = asked["messages"][-1]["quickReply"]["items"]
    assert items[0]["action"] == {"type": "location", "label": "Send my location"}
    # The fixture's point (Shibuya) is 30 km from any Hachioji site: say so, and what to do.
    event = copy.deepcopy(event)
    event["replyToken"] = "loc-fixture"
    assert post(client, [event]).status_code == 200
    (sent,) = replies_for(api, "loc-fixture")
    text = "\n".join(m["text"] for m in sent["messages"])
    assert names(text) == []
    assert "no evacuation site for “Flood” within 5 km" in text and "119" in text


@pytest.mark.parametrize("disaster", sorted(COLUMNS))
@pytest.mark.parametrize("place", sorted(POINTS))
def test_line_location_gives_the_hand_computed_sites(
    client: TestClient, line_api: tuple[FakeApi, str], place: str, disaster: str
) -> None:
    api = line_api[0]
    lat, lon = POINTS[place]
    user = f"U{abs(hash((place, disaster))):032d}"[:33]
    first = copy.deepcopy(line_location_event())
    first["source"]["userId"] = user
    first["replyToken"] = "loc-1"
    first["message"].update(latitude=lat, longitude=lon)
    api.clear()
    post(client, [first])
    (asked,) = replies_for(api, "loc-1")
    datas = [i["action"].get("data") for i in asked["messages"][-1]["quickReply"]["items"]]
    assert f"shelter:{disaster}" in datas
    tap = {
        "type": "postback", "mode": "active", "timestamp": 1462629479999,
        "source": {"type": "user", "userId": user}, "webhookEventId": "01SHELTERTAP0001",
        "deliveryContext": {"isRedelivery": False}, "replyToken": "tap-1",
        "postback": {"data": f"shelter:{disaster}"},
    }
    post(client, [tap])
    (sent,) = replies_for(api, "tap-1")
    text = sent["messages"][-1]["text"]
    assert names(text) == [w.name for w in expected(COLUMNS[disaster], lat, lon)]
    assert len(sent["messages"]) <= 5


# ------------------------------------------------------------------------ Telegram
def tg_location(n: int, lat: float, lon: float, *, edited: bool = False) -> dict[str, Any]:
    body = update(7)  # the fixture's location message, moved to a Hachioji point
    body["update_id"] = 920000000 + n
    message = body.pop("message")
    message["location"] = {"latitude": lat, "longitude": lon}
    if edited:
        message["location"]["live_period"] = 900
        message["edit_date"] = message["date"] + 60
    body["edited_message" if edited else "message"] = message
    return body


def tg_text(n: int, text: str) -> dict[str, Any]:
    body = update(7)
    body["update_id"] = 930000000 + n
    message = body["message"]
    del message["location"]
    message["text"] = text
    return body


def test_telegram_fixture_location_update(client: TestClient, tg_api: tuple[FakeApi, str]) -> None:
    api = tg_api[0]
    assert tg_post(client, tg_text(1, "nearest evacuation site for earthquake")).status_code == 200
    (asked,) = sends(api)
    keyboard = asked["reply_markup"]
    keyboard = json.loads(keyboard) if isinstance(keyboard, str) else keyboard
    assert keyboard["keyboard"] == [[{"text": "Send my location", "request_location": True}]]
    assert keyboard["one_time_keyboard"] is True
    api.clear()
    assert tg_post(client, update(7)).status_code == 200  # 36.311,139.197: far from Hachioji
    text = "\n".join(m["text"] for m in sends(api))
    assert "no evacuation site for “Earthquake” within 5 km" in text


@pytest.mark.parametrize("disaster", sorted(COLUMNS))
def test_telegram_location_then_live_updates(
    client: TestClient, tg_api: tuple[FakeApi, str], disaster: str
) -> None:
    api = tg_api[0]
    tg_post(client, tg_text(2, {"flood": "lũ lụt nơi sơ tán gần nhất",
                                "earthquake": "nơi sơ tán gần nhất khi động đất",
                                "landslide": "nơi sơ tán gần nhất khi sạt lở đất"}[disaster]))
    lat, lon = POINTS["Hachioji station"]
    api.clear()
    tg_post(client, tg_location(1, lat, lon))
    text = sends(api)[-1]["text"]
    assert names(text) == [w.name for w in expected(COLUMNS[disaster], lat, lon)]
    assert "về phía" in text  # direction in Vietnamese
    # A live location moving a few metres: the same sites, no new message.
    api.clear()
    assert tg_post(client, tg_location(2, lat + 0.00003, lon, edited=True)).status_code == 200
    assert sends(api) == []
    # Moved to Minamino: the sites change, a new answer.
    lat2, lon2 = POINTS["Minamino"]
    tg_post(client, tg_location(3, lat2, lon2, edited=True))
    assert names(sends(api)[-1]["text"]) == [
        w.name for w in expected(COLUMNS[disaster], lat2, lon2)
    ]


def test_telegram_shelter_command_asks_for_the_location(
    client: TestClient, tg_api: tuple[FakeApi, str]
) -> None:
    body = tg_text(3, "/shelter")
    body["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 8}]
    tg_post(client, body)
    (asked,) = sends(tg_api[0])
    markup = asked["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    assert markup["keyboard"][0][0]["request_location"] is True
