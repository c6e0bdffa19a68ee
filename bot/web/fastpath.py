"""Webhooks as plain ASGI endpoints, ahead of Starlette's routing and middleware.

A LINE text webhook costs the server ~1 ms of CPU at best (issue 18); Starlette's
middleware stack, router, `Request` and `Response` objects took ~11 % of it
(py-spy, docs/performance.md). `App` answers the exact webhook paths itself:
what it skips is re-done here by hand, no more:
- the body size limit of `BodySizeLimit` (413 on a declared or streamed excess,
  without the security headers, as that middleware sends it);
- `SecurityHeaders` on every other answer;
- a handler's exception: logged, 500 (Starlette's ServerErrorMiddleware).
Anything but a POST to the exact path goes the usual way (405, 404, HEAD...).

Mounted under a prefix (a city of a several-city install, bot.web.install: the
path is `/c/<id>/line/webhook` with `root_path` `/c/<id>`), the path is matched
with its `root_path` removed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from .limits import SecurityHeaders, _too_large

log = logging.getLogger("resbot.web")

# (body, lower-case header names -> values) -> (status, text, called once sent)
Handler = Callable[[bytes, dict[bytes, bytes]], Awaitable[tuple[int, str, Callable[[], None]]]]
_PLAIN = (b"content-type", b"text/plain; charset=utf-8")


class Endpoint:
    """One POST endpoint: reads the whole body (bounded), answers plain text."""

    def __init__(self, handler: Handler, max_bytes: int) -> None:
        self.handler = handler
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client is gone: nothing was handled, nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        try:
            status, text, sent = await self.handler(b"".join(chunks), headers)
        except Exception:
            log.exception("webhook %s failed", scope.get("path"))
            await _answer(send, 500, "Internal Server Error")
            return
        await _answer(send, status, text)
        sent()


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    headers = [(b"content-length", str(len(body)).encode()), _PLAIN, *SecurityHeaders.HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class App(Starlette):
    """Starlette, with `fast`: exact paths whose POSTs skip routing and middleware."""

    fast: dict[str, Endpoint]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fast = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and self.fast:
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            endpoint = self.fast.get(path)
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
