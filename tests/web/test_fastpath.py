"""Plain ASGI webhook endpoints (bot.web.fastpath): what they skip of Starlette is
re-done the same way; mounted under a prefix, they still answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from bot.web.fastpath import App, Endpoint
from bot.web.limits import BodySizeLimit, SecurityHeaders

LIMIT = 1000


class Recorder:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.sent = 0

    async def __call__(
        self, body: bytes, headers: dict[bytes, bytes]
    ) -> tuple[int, str, Callable[[], None]]:
        if body == b"boom":
            raise RuntimeError("handler failed")
        self.bodies.append(body)
        status = 401 if headers.get(b"x-line-signature") != b"good" else 200
        return status, "OK" if status == 200 else "invalid signature", self.done

    def done(self) -> None:
        self.sent += 1


async def routed(request: Request) -> Response:
    return PlainTextResponse("routed")


def make_app(recorder: Recorder) -> App:
    app = App(routes=[Route("/line/webhook", routed, methods=["POST"])])
    app.fast["/line/webhook"] = Endpoint(recorder, LIMIT)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=LIMIT)
    return app


def test_a_post_to_the_exact_path_skips_routing_and_keeps_the_headers() -> None:
    recorder = Recorder()
    with TestClient(make_app(recorder)) as client:
        res = client.post("/line/webhook", content=b"{}", headers={"X-Line-Signature": "good"})
        assert (res.status_code, res.text) == (200, "OK")
        assert res.headers["x-frame-options"] == "DENY"
        assert res.headers["content-type"] == "text/plain; charset=utf-8"
        assert recorder.bodies == [b"{}"] and recorder.sent == 1
        refused = client.post("/line/webhook", content=b"{}", headers={"X-Line-Signature": "bad"})
        assert refused.status_code == 401 and refused.text == "invalid signature"


def test_other_methods_and_paths_go_the_usual_way() -> None:
    recorder = Recorder()
    with TestClient(make_app(recorder)) as client:
        assert client.get("/line/webhook").status_code == 405
        assert client.post("/line/webhook/x", content=b"{}").status_code == 404
    assert recorder.bodies == []


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_over_the_limit_is_refused_as_the_middleware_refuses_it(declared: bool) -> None:
    recorder = Recorder()
    with TestClient(make_app(recorder)) as client:
        big = b"x" * (LIMIT + 1)
        if declared:
            res = client.post("/line/webhook", content=big)
        else:  # streamed without a length: counted as it arrives
            res = client.post("/line/webhook", content=iter([big[:600], big[600:]]))
        assert res.status_code == 413 and res.text == "request body too large"
        assert "x-frame-options" not in res.headers  # as BodySizeLimit answers
    assert recorder.bodies == []


def test_a_failing_handler_answers_500_and_the_app_keeps_serving() -> None:
    recorder = Recorder()
    with TestClient(make_app(recorder), raise_server_exceptions=False) as client:
        assert client.post("/line/webhook", content=b"boom").status_code == 500
        ok = client.post("/line/webhook", content=b"{}", headers={"X-Line-Signature": "good"})
        assert ok.status_code == 200


def test_mounted_under_a_city_prefix_the_path_is_matched_without_it() -> None:
    recorder = Recorder()
    outer = Starlette(routes=[Mount("/c/aoba", make_app(recorder))])
    with TestClient(outer) as client:
        res = client.post(
            "/c/aoba/line/webhook", content=b"{}", headers={"X-Line-Signature": "good"}
        )
        assert res.text == "OK"
        assert client.post("/c/other/line/webhook", content=b"{}").status_code == 404
    assert recorder.bodies == [b"{}"]
