"""Hostile input that once got a 500: deeply nested JSON and lone surrogates.

A lone surrogate (`"\\ud800"` as a JSON escape) is valid JSON but not encodable
as UTF-8, so SQLite refused it and every redelivery failed the same way. Each
case must get a clean 4xx or a polite reply, and leave nothing half-saved.
"""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from tests.fakes import settle

from .conftest import TG_SECRET, Platforms, line_event, rows, sign, tg_update, wait_for

DEEP = 1000


def deep(n: int = DEEP) -> bytes:
    return ("[" * n + "]" * n).encode()


def deep_object(n: int = DEEP) -> bytes:
    return ('{"text": ' + '{"a": ' * n + "1" + "}" * n + "}").encode()


@pytest.mark.parametrize("body", [deep(), deep_object(), deep(100_000)])
def test_deeply_nested_json_is_a_400_on_every_route(client: TestClient, body: bytes) -> None:
    assert client.post("/api/chat", content=body).status_code == 400
    line = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
    assert line.status_code == 400
    tg = client.post(
        "/telegram/webhook", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    assert tg.status_code == 400
    assert rows(client) == []
    assert client.get("/healthz").status_code == 200


# The escape as a platform sends it: json.dumps keeps "\ud800" as six ASCII characters.
SURROGATE_TEXT = "ゴミ\ud800の日は？"


def test_lone_surrogate_in_web_chat_gets_a_reply_and_one_clean_row(client: TestClient) -> None:
    raw = json.dumps({"text": SURROGATE_TEXT}).encode()
    assert b"\\ud800" in raw
    res = client.post("/api/chat", content=raw)
    assert res.status_code == 200 and res.json()["replies"]
    (row,) = rows(client)
    assert row["outcome"] != "pending" and "\ud800" not in (row["text"] or "")
    assert "\ufffd" in row["text"]


def test_lone_surrogate_on_line_is_answered_once_also_on_redelivery(
    client: TestClient, platforms: Platforms
) -> None:
    for redelivery in (False, True):
        body = json.dumps(
            {"destination": "U", "events": [line_event(7, SURROGATE_TEXT, redelivery=redelivery)]}
        ).encode()
        res = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
        assert res.status_code == 200
    wait_for(lambda: len(platforms.replies()) == 1)
    # The `done` mark follows the reply call's answer, a moment after the fake saw it.
    wait_for(lambda: rows(client)[0]["delivery"] == "done")
    (row,) = rows(client)
    assert row["delivery"] == "done" and row["outcome"] != "pending"


def test_lone_surrogate_in_a_user_id_and_postback_is_not_a_500(
    client: TestClient, platforms: Platforms
) -> None:
    event = line_event(8, "hello", user="U\udfff")
    event["type"], event["postback"] = "postback", {"data": "menu\ud800"}
    del event["message"]
    body = json.dumps({"destination": "U", "events": [event]}).encode()
    res = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
    assert res.status_code == 200
    wait_for(lambda: len(platforms.replies()) == 1)
    assert len(rows(client)) == 1


def test_lone_surrogate_on_telegram_is_answered_once(
    client: TestClient, platforms: Platforms
) -> None:
    update = tg_update(77, SURROGATE_TEXT)
    update["message"]["from"]["first_name"] = "\udc00"
    update["message"]["from"]["language_code"] = "e\ud800"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    for _ in range(2):  # the second is Telegram's redelivery
        res = client.post("/telegram/webhook", content=json.dumps(update), headers=headers)
        assert res.status_code == 200
    wait_for(lambda: len(platforms.sends()) >= 1)
    assert len(rows(client)) == 1 and len(platforms.sends()) == 1


# Personal data typed the ways people slip it past filters: masked in the stored row.
PERSONAL = [
    ("携帯は090/5555/1212です", "5555"),
    ("連絡先 080～7777～1414 まで", "7777"),
    ("call 0 9 0 5 5 5 5 1 2 1 2 please", "5 5 5 5"),
    ("my number 090,5555,1212 ok", "5555"),
    ("write to maria(at)example.com", "maria"),
    ("email maria.silva@localhost please", "maria.silva"),
]


@pytest.mark.parametrize(("text", "secret"), PERSONAL)
def test_personal_data_sent_over_every_channel_is_stored_masked(
    client: TestClient, platforms: Platforms, text: str, secret: str
) -> None:
    assert client.post("/api/chat", json={"text": text}).status_code == 200
    body = json.dumps({"destination": "U", "events": [line_event(31, text)]}).encode()
    line = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
    assert line.status_code == 200
    tg = json.dumps(tg_update(31, text)).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    assert client.post("/telegram/webhook", content=tg, headers=headers).status_code == 200
    settle(client)
    stored = [r["text"] for r in rows(client)]
    assert len(stored) == 3 and all(t and secret not in t and "[" in t for t in stored), stored
