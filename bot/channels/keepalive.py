"""A small keep-alive HTTP/1.1 client for the LINE reply call (one origin, JSON POSTs).

Hand-written instead of aiohttp on purpose (issue 18): the reply call after each
webhook took ~20 % of the server's CPU per webhook through aiohttp (py-spy,
docs/performance.md: its request and response objects, multidicts, payload
classes, timers and tracing hooks), for a call whose answer only matters by its
status. This client writes the request bytes itself onto connections it keeps
open and reuses, and lets httptools (the C parser uvicorn already uses) read the
answers, so chunked or length-delimited bodies and `Connection: close` are read
as the RFC says. What it does not do, it leaves to aiohttp: proxies (the caller
keeps aiohttp when one is configured), redirects, compression, cookies.

A request on a reused connection that fails before any byte of the answer came
back (the server closed the idle connection meanwhile) is sent once more on a new
connection: the server closed it without reading the request. The callers'
calls are safe to repeat anyway (a reply token is single-use; a push carries
its retry key).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.parse
from typing import Any, cast

import httptools
import orjson

MAX_IDLE = 16  # connections kept open for reuse


class HttpStatusError(Exception):
    """A non-2xx answer; `status` as aiohttp's ClientResponseError has it."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.answer: asyncio.Future[tuple[int, bool]] | None = None
        self.got_bytes = False
        self.parser = httptools.HttpResponseParser(self)

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but act as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"malformed HTTP answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.got_bytes and self.answer is not None and not self.answer.done():
            try:  # an answer delimited by the end of the connection (no length)
                self.answer.set_result((self.parser.get_status_code(), False))
                return
            except httptools.HttpParserError:  # not even a status line came
                pass
        self._fail(ConnectionError("connection closed before the answer"))

    # httptools callbacks
    def on_message_complete(self) -> None:
        if self.answer is not None and not self.answer.done():
            keep = self.parser.should_keep_alive()
            self.answer.set_result((self.parser.get_status_code(), keep))

    def _fail(self, exc: Exception) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)

    async def request(self, data: bytes) -> tuple[int, bool]:
        """Send one request, wait for its whole answer: (status, connection reusable)."""
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.got_bytes = False
        self.parser = httptools.HttpResponseParser(self)
        self.transport.write(data)
        return await self.answer

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class KeepAliveClient:
    """POST JSON to one origin (`base`: scheme://host[:port]) over reused connections.

    Create and use it inside one running event loop."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        url = urllib.parse.urlsplit(base)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) origin: {base!r}")
        self.host = url.hostname
        self.prefix = url.path.rstrip("/")  # an API base may have a path
        self.tls = url.scheme == "https"
        self.port = url.port or (443 if self.tls else 80)
        default_port = self.port == (443 if self.tls else 80)
        netloc = self.host if default_port else f"{self.host}:{self.port}"
        fixed = {"Host": netloc, "User-Agent": "resbot", **headers}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._ssl = ssl.create_default_context() if self.tls else None
        self._idle: list[_Connection] = []

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, self.host, self.port, ssl=self._ssl)
        return conn

    async def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> int:
        """POST `body` as JSON; the status, or HttpStatusError when it is not 2xx."""
        try:
            payload = orjson.dumps(body)
        except orjson.JSONEncodeError:  # a lone surrogate from a forged event: escaped
            payload = json.dumps(body).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        data = (
            f"POST {self.prefix}{path} HTTP/1.1\r\n{self._head}{extra}"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode("latin-1") + payload
        status = await self._send(data)
        if not 200 <= status < 300:
            raise HttpStatusError(status)
        return status

    async def _send(self, data: bytes) -> int:
        while self._idle:
            conn = self._idle.pop()
            if conn.closed:
                continue
            try:
                return await self._exchange(conn, data)
            except ConnectionError:
                if conn.got_bytes:
                    raise  # the server answered something: not a stale idle connection
        return await self._exchange(await self._connect(), data)

    async def _exchange(self, conn: _Connection, data: bytes) -> int:
        done = False
        try:
            status, keep = await conn.request(data)
            done = True
        finally:
            if not done:  # failed or cancelled mid-way: the connection's state is unknown
                conn.close()
        if keep and not conn.closed and len(self._idle) < MAX_IDLE:
            self._idle.append(conn)
        else:
            conn.close()
        return status

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
