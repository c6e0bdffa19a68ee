"""The LINE hot path speaks plain JSON (issue 18): it must be the JSON the SDK's
own models would have sent, and malformed bodies are still refused."""

from __future__ import annotations

import pytest
from linebot.v3.messaging import ReplyMessageRequest

from bot.channels.line import MAX_MESSAGES, MAX_QUICK_REPLIES, parse_events, render, render_json
from bot.core.types import Button, Reply


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
