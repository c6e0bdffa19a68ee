"""The LINE hot path speaks plain JSON (issue 18): it must be the JSON the SDK's
own models would have sent, and malformed bodies are still refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import pytest
from linebot.v3.messaging import ReplyMessageRequest
from linebot.v3.webhook import SignatureValidator

from bot.channels.line import (
    MAX_MESSAGES,
    MAX_QUICK_REPLIES,
    http_session,
    parse_events,
    render,
    render_json,
    valid_signature,
)
from bot.core.types import Button, Reply
from tests.conftest import shared_path


def _replies() -> list[Reply]:
    buttons = [Button(f"Choice number {i} with a long label", f"cat:{i}") for i in range(20)]
    return [Reply("A" * 6000, []), Reply("second", buttons[:5]), Reply("third", buttons)]


def test_render_json_is_what_the_sdk_models_serialize_to() -> None:
    messages = render_json(_replies())
    request = ReplyMessageRequest.from_dict({"replyToken": "t", "messages": messages})
    # The models add only `notificationDisabled: false`, the API's default.
    assert request.to_dict()["messages"] == messages
    assert [m.to_dict() for m in render(_replies())] == messages
    assert len(messages) <= MAX_MESSAGES
    assert len(messages[-1]["quickReply"]["items"]) == MAX_QUICK_REPLIES
    assert all(len(i["action"]["label"]) <= 20 for i in messages[-1]["quickReply"]["items"])
    assert "quickReply" not in messages[0]


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", '{"events": {}}', '{"events": [1]}', '{"destination": "U"}', "[" * 5000],
)
def test_parse_events_refuses_bodies_that_are_not_line_webhooks(body: str) -> None:
    with pytest.raises(ValueError):
        parse_events(body)


def test_parse_events_returns_the_event_objects() -> None:
    assert parse_events('{"destination": "U", "events": [{"type": "follow"}]}') == [
        {"type": "follow"}
    ]


def _bodies() -> list[bytes]:
    """Real webhook bodies: the SDK's fixture as stored, each event alone, and
    one with non-ASCII text (residents write Japanese, Vietnamese, ...)."""
    raw = shared_path("fixtures", "line", "webhook-all-event-types.json").read_bytes()
    events = json.loads(raw)["events"]
    bodies = [raw] + [json.dumps({"destination": "U1", "events": [e]}).encode() for e in events]
    event = dict(events[0], message={"type": "text", "id": "1", "text": "ごみの日 rác thải ñ"})
    bodies.append(json.dumps({"destination": "U1", "events": [event]}, ensure_ascii=False).encode())
    return bodies


@pytest.mark.parametrize("secret", ["test-channel-secret", "0123456789abcdef0123456789abcdef"])
def test_signature_check_agrees_with_the_sdk_validator(secret: str) -> None:
    sdk = SignatureValidator(secret)
    bodies = _bodies()
    for body in bodies:
        good = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        other = bodies[0] if body != bodies[0] else bodies[1]
        wrong = base64.b64encode(hmac.new(secret.encode(), other, hashlib.sha256).digest()).decode()
        for signature in (good, wrong, good[:-4], "", "não-ascii"):
            expected = sdk.validate(body.decode("utf-8"), signature)
            assert valid_signature(secret, body, signature) is expected, signature
        assert valid_signature(secret, body, good)


@pytest.mark.parametrize(
    ("proxy", "trusted"), [(None, False), ("http://proxy.city.example:8080", True)]
)
def test_webhook_session_reads_the_environment_only_when_a_proxy_is_configured(
    monkeypatch: pytest.MonkeyPatch, proxy: str | None, trusted: bool
) -> None:
    """No per-call netrc/proxy lookups without a proxy; a city behind one keeps it."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    if proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy)

    async def session_trusts_env() -> bool:
        session = http_session("token")
        try:
            return session.trust_env
        finally:
            await session.close()

    assert asyncio.run(session_trusts_env()) is trusted
