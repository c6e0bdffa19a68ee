"""The LINE webhook with the real SDK parser and client against a fake LINE API."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest
from linebot.v3.messaging import Configuration
from starlette.testclient import TestClient

from bot.channels.line import api_client
from tests.channels.conftest import sign
from tests.conftest import shared_path
from tests.fakes import FakeApi, settle

# What each fixture event must get back: a reply or none (no reply token, a group
# or room we were not asked in, or an event that calls for no answer).
REPLIES = {
    ("message", "text", "user"): True,
    ("message", "image", "user"): True,  # polite "text only" reply
    ("message", "video", "user"): True,
    ("message", "audio", "user"): True,
    ("message", "location", "user"): True,
    ("message", "sticker", "user"): True,
    ("message", "file", "user"): True,
    ("follow", None, "user"): True,
    ("join", None, "group"): True,
    ("postback", None, "user"): True,
}


def fixture_events() -> list[dict[str, Any]]:
    data = json.loads(shared_path("fixtures", "line", "webhook-all-event-types.json").read_text())
    events = data["events"]
    # The SDK's fixture reuses one webhookEventId: give each event its own, and its
    # own user, so every event is judged on its own.
    for i, ev in enumerate(events):
        ev["webhookEventId"] = f"01TESTEVENT{i:04d}"
        if "userId" in ev.get("source", {}):
            ev["source"]["userId"] = f"U{i:032d}"
    return events


def post(client: TestClient, events: list[dict[str, Any]], signature: str | None = None) -> Any:
    body = json.dumps({"destination": "U123", "events": events}).encode()
    headers = {"X-Line-Signature": signature if signature is not None else sign(body)}
    res = client.post("/line/webhook", content=body, headers=headers)
    settle(client)  # the reply is sent after the 200
    return res


def replies_for(api: FakeApi, token: str) -> list[dict[str, Any]]:
    return [c.body for c in api.of("/v2/bot/message/reply") if c.body.get("replyToken") == token]


def test_every_fixture_event_is_acknowledged_and_answered_as_expected(
    client: TestClient, line_api: tuple[FakeApi, str]
) -> None:
    api = line_api[0]
    events = fixture_events()
    api.profiles[events[6]["source"]["userId"]] = {
        "userId": "x",
        "displayName": "Ana",
        "language": "pt",
    }
    for i, ev in enumerate(events):
        ev = copy.deepcopy(ev)
        ev["replyToken"] = f"token-{i}"
        api.clear()
        res = post(client, [ev])
        assert res.status_code == 200, (i, ev["type"], res.text)
        key = (ev["type"], ev.get("message", {}).get("type"), ev.get("source", {}).get("type"))
        sent = replies_for(api, f"token-{i}")
        if REPLIES.get(key):
            assert len(sent) == 1, f"event {i} {key} should get one reply"
            messages = sent[0]["messages"]
            assert 1 <= len(messages) <= 5
            for m in messages:
                assert m["type"] == "text" and len(m["text"]) <= 5000
            quick = messages[-1].get("quickReply", {}).get("items", [])
            assert len(quick) <= 13
            assert all(len(item["action"]["label"]) <= 20 for item in quick)
            assert all(item["action"]["type"] == "postback" for item in quick)
        else:
            assert sent == [], f"event {i} {key} must not get a reply"
    rows = client.app.state.store.count()  # type: ignore[attr-defined]
    assert rows == len(events)  # one log row per event, answered or not


def test_follow_uses_the_profile_language_and_offers_the_language_menu(
    client: TestClient, line_api: tuple[FakeApi, str]
) -> None:
    api = line_api[0]
    ev = next(e for e in fixture_events() if e["type"] == "follow")
    api.profiles[ev["source"]["userId"]] = {"userId": "x", "displayName": "Ana", "language": "pt"}
    assert post(client, [ev]).status_code == 200
    (sent,) = replies_for(api, ev["replyToken"])
    texts = [m["text"] for m in sent["messages"]]
    assert texts[0].startswith("Olá")
    datas = [i["action"]["data"] for i in sent["messages"][-1]["quickReply"]["items"]]
    assert "lang:vi" in datas and "lang:pt" in datas
    assert api.of(f"/v2/bot/profile/{ev['source']['userId']}")


def test_text_question_is_answered_in_its_language(
    client: TestClient, line_api: tuple[FakeApi, str]
) -> None:
    ev = copy.deepcopy(fixture_events()[0])
    ev["message"]["text"] = "dong dat thi lam gi"
    assert post(client, [ev]).status_code == 200
    (sent,) = replies_for(line_api[0], ev["replyToken"])
    assert "động đất" in sent["messages"][0]["text"].lower()


def test_unfollow_marks_the_user_inactive(client: TestClient) -> None:
    ev = next(e for e in fixture_events() if e["type"] == "unfollow")
    assert post(client, [ev]).status_code == 200
    store = client.app.state.store  # type: ignore[attr-defined]
    service = client.app.state.service  # type: ignore[attr-defined]
    assert store.is_active(service.key("line", ev["source"]["userId"])) is False


def test_redelivered_event_gets_no_second_reply_and_one_log_row(
    client: TestClient, line_api: tuple[FakeApi, str]
) -> None:
    ev = copy.deepcopy(fixture_events()[0])
    assert post(client, [ev]).status_code == 200
    again = copy.deepcopy(ev)
    again["deliveryContext"] = {"isRedelivery": True}
    assert post(client, [again]).status_code == 200
    assert len(replies_for(line_api[0], ev["replyToken"])) == 1
    assert client.app.state.store.count() == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", sign(b"other body")])
def test_wrong_or_missing_signature_is_refused_and_nothing_processed(
    client: TestClient, line_api: tuple[FakeApi, str], signature: str
) -> None:
    res = post(client, fixture_events()[:1], signature=signature)
    assert res.status_code == 401
    assert line_api[0].of("/v2/bot/message/reply") == []
    assert client.app.state.store.count() == 0  # type: ignore[attr-defined]


def test_malformed_empty_and_huge_bodies_are_refused_and_the_server_keeps_serving(
    client: TestClient,
) -> None:
    bad = b'{"destination": "U1", "events": [ {'
    assert (
        client.post(
            "/line/webhook", content=bad, headers={"X-Line-Signature": sign(bad)}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/line/webhook", content=b"", headers={"X-Line-Signature": sign(b"")}
        ).status_code
        == 400
    )
    huge = b"x" * 1_000_000
    res = client.post("/line/webhook", content=huge, headers={"X-Line-Signature": sign(huge)})
    assert res.status_code == 413
    assert client.get("/healthz").json()["status"] == "ok"


def test_reply_api_failure_is_logged_and_the_interaction_kept(
    client: TestClient, line_api: tuple[FakeApi, str], caplog: pytest.LogCaptureFixture
) -> None:
    line_api[0].fail_next.append(500)
    ev = copy.deepcopy(fixture_events()[0])
    assert post(client, [ev]).status_code == 200
    assert "LINE reply failed" in caplog.text
    assert client.app.state.store.count() == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("proxy", "trusted"), [(None, False), ("http://proxy.city.example:8080", True)]
)
def test_api_client_reads_the_environment_only_when_a_proxy_is_configured(
    monkeypatch: pytest.MonkeyPatch, proxy: str | None, trusted: bool
) -> None:
    """No per-call netrc/proxy lookups without a proxy; a city behind one keeps it."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    if proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy)

    async def session_trusts_env() -> bool:
        client = api_client(Configuration(access_token="t", host="http://127.0.0.1:9"))
        try:
            return bool(client.rest_client.pool_manager.trust_env)
        finally:
            await client.close()

    assert asyncio.run(session_trusts_env()) is trusted


def test_a_garbage_conversation_with_quick_reply_taps(
    client: TestClient, line_api: tuple[FakeApi, str]
) -> None:
    """Ask, tap a town, tap its chome, then a short follow-up: one LINE user."""
    api = line_api[0]
    events = fixture_events()
    text_ev = next(e for e in events if e.get("message", {}).get("type") == "text")
    tap_ev = next(e for e in events if e["type"] == "postback")
    user = "U" + "9" * 32
    turns: list[tuple[str, str]] = [
        ("text", "when is garbage day"),
        ("postback", "area:東町"),
        ("postback", "area:東町2丁目"),
        ("text", "and tomorrow?"),
    ]
    sent_texts: list[str] = []
    quick: list[dict[str, Any]] = []
    for i, (kind, value) in enumerate(turns):
        ev = copy.deepcopy(text_ev if kind == "text" else tap_ev)
        ev["source"] = {"type": "user", "userId": user}
        ev["webhookEventId"] = f"01GARBAGE{i:04d}"
        ev["replyToken"] = f"garbage-{i}"
        if kind == "text":
            ev["message"]["text"] = value
        else:
            assert value in [q["action"]["data"] for q in quick], (value, quick)
            ev["postback"] = {"data": value}
        api.clear()
        assert post(client, [ev]).status_code == 200
        (sent,) = replies_for(api, f"garbage-{i}")
        quick = sent["messages"][-1].get("quickReply", {}).get("items", [])
        assert len(quick) <= 13 and all(len(q["action"]["label"]) <= 20 for q in quick)
        sent_texts.append("\n".join(m["text"] for m in sent["messages"]))
    assert "Which area" in sent_texts[0]
    assert "東町2丁目" in sent_texts[2] and "Next collection days" in sent_texts[2]
    assert sent_texts[3].startswith("Tomorrow")
