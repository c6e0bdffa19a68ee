"""The Telegram webhook with python-telegram-bot against a fake Bot API server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.channels.conftest import TG_SECRET
from tests.conftest import shared_path
from tests.fakes import FakeApi, settle


def update(n: int) -> dict[str, Any]:
    return json.loads(shared_path("fixtures", "telegram", f"update-{n:02d}.json").read_text())


def post(client: TestClient, body: Any, secret: str | None = TG_SECRET) -> Any:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    res = client.post("/telegram/webhook", content=raw, headers=headers)
    settle(client)  # the reply is sent after the 200
    return res


def sends(api: FakeApi) -> list[dict[str, Any]]:
    return [c.body for c in api.of("/sendMessage")]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


@pytest.mark.parametrize(
    ("n", "expect"),
    [
        (1, "Xin chào"),  # /start from a vi user: welcome in Vietnamese
        (2, None),  # "ngay nao do rac nhua?" -> garbage answer in vi
        (3, None),  # pt-br battery question
        (4, "tiếng Việt"),  # callback lang:vi
        (5, None),  # edited message: answered again
        (6, None),  # photo with a Spanish caption: the caption is answered
        (7, "example.jp/bousai"),  # location, no sites imported: the hazard map link
        (8, None),  # sticker: polite "text only"
    ],
)
def test_private_updates_get_one_answer(
    client: TestClient, tg_api: tuple[FakeApi, str], n: int, expect: str | None
) -> None:
    assert post(client, update(n)).status_code == 200
    sent = sends(tg_api[0])
    assert sent, f"update {n} should be answered"
    assert all(len(m["text"]) <= 4096 for m in sent)
    for m in sent:
        for b in buttons(m):
            assert len(b["callback_data"].encode()) <= 64
    if expect:
        assert any(expect in m["text"] for m in sent)


def test_language_follows_language_code_and_text(
    client: TestClient, tg_api: tuple[FakeApi, str]
) -> None:
    post(client, update(3))  # "Como jogar fora pilhas?" from a pt-br user
    text = sends(tg_api[0])[0]["text"]
    assert any(w in text.lower() for w in ("pilha", "lixo", "jogar", "coleta"))


def test_callback_query_is_answered(client: TestClient, tg_api: tuple[FakeApi, str]) -> None:
    post(client, update(4))
    assert tg_api[0].of("/answerCallbackQuery")


def test_blocking_the_bot_marks_the_user_inactive_and_sends_nothing(
    client: TestClient, tg_api: tuple[FakeApi, str]
) -> None:
    body = update(9)
    assert post(client, body).status_code == 200
    assert sends(tg_api[0]) == []
    service = client.app.state.service  # type: ignore[attr-defined]
    key = service.key("telegram", str(body["my_chat_member"]["from"]["id"]))
    assert client.app.state.store.is_active(key) is False  # type: ignore[attr-defined]


def test_group_chatter_is_logged_but_not_answered(
    client: TestClient, tg_api: tuple[FakeApi, str]
) -> None:
    assert post(client, update(10)).status_code == 200
    assert sends(tg_api[0]) == []
    assert client.app.state.store.count() == 1  # type: ignore[attr-defined]


def test_same_update_twice_is_answered_once(
    client: TestClient, tg_api: tuple[FakeApi, str]
) -> None:
    post(client, update(2))
    first = len(sends(tg_api[0]))
    post(client, update(2))
    assert len(sends(tg_api[0])) == first
    assert client.app.state.store.count() == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_wrong_or_missing_secret_is_refused(
    client: TestClient, tg_api: tuple[FakeApi, str], secret: str | None
) -> None:
    assert post(client, update(2), secret=secret).status_code == 403
    assert sends(tg_api[0]) == []
    assert client.app.state.store.count() == 0  # type: ignore[attr-defined]


def test_malformed_and_huge_bodies_are_refused(client: TestClient) -> None:
    assert post(client, b"{not json").status_code == 400
    assert post(client, b"").status_code == 400
    assert post(client, b"[1, 2]").status_code == 400
    assert post(client, b"x" * 1_000_000).status_code == 413
    assert client.get("/healthz").status_code == 200


def test_send_failure_is_logged(
    client: TestClient, tg_api: tuple[FakeApi, str], caplog: pytest.LogCaptureFixture
) -> None:
    tg_api[0].fail_next.append(500)
    assert post(client, update(2)).status_code == 200
    assert "Telegram send failed" in caplog.text


def test_a_garbage_conversation_with_button_taps(
    client: TestClient, tg_api: tuple[FakeApi, str]
) -> None:
    """A Vietnamese user asks, taps a town and its chome, then asks "mai thi sao"."""
    api = tg_api[0]
    message, tap = update(2), update(4)
    chat = tap["callback_query"]["from"]["id"]
    turns = [
        ("text", "khi nao do rac nhua"),
        ("tap", "area:東町"),
        ("tap", "area:東町1丁目"),
        ("text", "mai thi sao"),
    ]
    got: list[str] = []
    offered: list[str] = []
    for i, (kind, value) in enumerate(turns):
        api.clear()
        if kind == "text":
            body = json.loads(json.dumps(message))
            body["message"]["text"] = value
            body["message"]["chat"]["id"] = chat
            body["message"]["from"]["id"] = chat
        else:
            assert value in offered, (value, offered)
            body = json.loads(json.dumps(tap))
            body["callback_query"]["data"] = value
        body["update_id"] = 920000000 + i
        assert post(client, body).status_code == 200
        sent = sends(api)
        offered = [b["callback_data"] for m in sent for b in buttons(m)]
        assert all(len(d.encode()) <= 64 for d in offered)
        got.append("\n".join(m["text"] for m in sent))
    assert "東町" in got[0] or "khu vực" in got[0].lower()
    assert "東町1丁目" in got[2] and "Nhựa" in got[2]
    assert "Ngày mai" in got[3]
