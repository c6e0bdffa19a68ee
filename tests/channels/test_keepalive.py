"""The LINE reply client (bot.channels.keepalive) against the fake LINE server and
raw sockets: connections reused, statuses, closed and chunked answers, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.channels.keepalive import HttpStatusError, KeepAliveClient, _Connection
from tests.fakes import FakeApi, Served, line_app


class Counting(KeepAliveClient):
    """Counts the connections it opens."""

    opened = 0

    async def _connect(self) -> _Connection:
        self.opened += 1
        return await super()._connect()


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    with Served(line_app(api)) as served:
        yield api, served.url


def test_sequential_posts_share_one_connection_and_carry_the_headers(
    fake: tuple[FakeApi, str],
) -> None:
    api, url = fake
    api.clear()

    async def scenario() -> int:
        client = Counting(url, {"Authorization": "Bearer tok"})
        try:
            for n in range(5):
                await client.post_json("/v2/bot/message/reply", {"replyToken": f"t{n}"})
            await client.post_json(
                "/v2/bot/message/push", {"to": "U1", "messages": []}, {"X-Line-Retry-Key": "k1"}
            )
        finally:
            await client.close()
        return client.opened

    assert asyncio.run(scenario()) == 1
    replies = api.of("/v2/bot/message/reply")
    assert [c.body["replyToken"] for c in replies] == [f"t{n}" for n in range(5)]
    assert {c.headers["authorization"] for c in replies} == {"Bearer tok"}
    assert replies[0].headers["content-type"] == "application/json"
    (push,) = api.of("/v2/bot/message/push")
    assert push.headers["x-line-retry-key"] == "k1"


def test_a_refusal_raises_its_status_and_the_connection_stays_usable(
    fake: tuple[FakeApi, str],
) -> None:
    api, url = fake
    api.clear()
    api.fail_next[:] = [400]

    async def scenario() -> tuple[int, int]:
        client = Counting(url, {})
        try:
            with pytest.raises(HttpStatusError) as refused:
                await client.post_json("/v2/bot/message/reply", {"replyToken": "used"})
            await client.post_json("/v2/bot/message/reply", {"replyToken": "fresh"})
        finally:
            await client.close()
        return refused.value.status, client.opened

    assert asyncio.run(scenario()) == (400, 1)


def test_a_timed_out_request_drops_its_connection(fake: tuple[FakeApi, str]) -> None:
    api, url = fake
    api.clear()
    api.delay_next[:] = [1.0]

    async def scenario() -> int:
        client = Counting(url, {})
        try:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.post_json("/v2/bot/message/reply", {}), 0.2)
            await client.post_json("/v2/bot/message/reply", {"replyToken": "next"})
        finally:
            await client.close()
        return client.opened

    assert asyncio.run(scenario()) == 2  # the late answer never reaches the next request


async def raw_server(answers: list[bytes], close_after: bool) -> tuple[asyncio.Server, int]:
    """Answers each request with the next of `answers`; closes the connection after
    each answer when `close_after` (without saying so: a keep-alive timeout)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            await reader.readexactly(length)
            writer.write(answers.pop(0))
            await writer.drain()
            if close_after:
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_an_idle_connection_the_server_closed_is_replaced() -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    async def scenario() -> int:
        server, port = await raw_server([ok, ok, ok], close_after=True)
        client = Counting(f"http://127.0.0.1:{port}", {})
        try:
            for _ in range(3):
                assert await client.post_json("/x", {}) == 200
        finally:
            await client.close()
            server.close()
        return client.opened

    assert asyncio.run(scenario()) == 3


def test_chunked_and_connection_close_answers_are_read_whole() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    closing = b"HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"

    async def scenario() -> tuple[int, int]:
        server, port = await raw_server([chunked, closing, chunked], close_after=False)
        client = Counting(f"http://127.0.0.1:{port}", {})
        try:
            assert await client.post_json("/x", {}) == 200
            with pytest.raises(HttpStatusError) as conflict:
                await client.post_json("/x", {})
            assert not client._idle  # "Connection: close" is not kept
        finally:
            await client.close()
            server.close()
        return conflict.value.status, client.opened

    assert asyncio.run(scenario()) == (409, 1)
