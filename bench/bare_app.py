"""The floor for bench/webhook.py: a bare Starlette echo app on the same uvicorn.

It reads the webhook body and answers "OK", nothing else: what the server, the
HTTP parsing and the event loop cost before resbot does any work.

    python -m uvicorn bench.bare_app:app --port 8001
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


async def echo(request: Request) -> Response:
    await request.body()
    return PlainTextResponse("OK")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/line/webhook", echo, methods=["POST"]),
        Route("/healthz", healthz),
    ]
)
