"""A hand-written OpenAPI 3 document of the public JSON API (`/api/chat`, `/healthz`).

Written by hand because the API is small and its shape is a promise to anyone
building another front end; the schemathesis test (tests/reliability) checks the
running app against it, so the two cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.core.langs import LANGS

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
_BUTTON = {
    "type": "object",
    "required": ["label", "data"],
    "properties": {"label": {"type": "string"}, "data": {"type": "string"}},
}
_ANSWER = {
    "type": "object",
    "required": ["lang", "outcome", "topic", "replies"],
    "properties": {
        "lang": {"type": "string", "enum": list(LANGS)},
        "outcome": {"type": "string"},
        "topic": {"type": "string", "nullable": True},
        "replies": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "buttons"],
                "properties": {
                    "text": {"type": "string"},
                    "buttons": {"type": "array", "items": _BUTTON},
                },
            },
        },
    },
}
_CHAT_REQUEST = {
    "type": "object",
    "description": "One of: text (a message), postback (a tapped button's data), "
    "location (the browser's position, for the nearest evacuation sites), "
    "start (open the chat; lang is the browser's language).",
    "properties": {
        "text": {"type": "string", "description": "Cut at 2,000 characters."},
        "location": {
            "type": "object",
            "required": ["lat", "lon"],
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
        },
        "postback": {"type": "string", "description": "Cut at 300 characters."},
        "start": {"type": "boolean"},
        "lang": {"type": "string", "enum": [*LANGS, None], "nullable": True},
    },
    "anyOf": [
        {"required": ["start"], "properties": {"start": {"enum": [True]}}},
        {"required": ["postback"], "properties": {"postback": {"minLength": 1}}},
        {"required": ["location"]},
        {"required": ["text"]},
    ],
}
_HEALTH = {
    "type": "object",
    "required": ["status", "db", "entries", "line", "telegram"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "db": {
            "type": "string",
            "enum": ["ok", "busy", "readonly", "full", "missing", "error", "timeout"],
        },
        "entries": {"type": "integer"},
        "line": {"type": "boolean"},
        "telegram": {"type": "boolean"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "resbot web chat API",
        "version": "1",
        "description": "The JSON API the web chat page uses. The session is the "
        "resbot_sid cookie (signed), set on the first answer; calls without it are "
        "limited per client address.",
    },
    "paths": {
        "/api/chat": {
            "post": {
                "operationId": "chat",
                "summary": "Send a message, a button tap or the chat opening; get the replies.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _CHAT_REQUEST}},
                },
                "responses": {
                    "200": _json(_ANSWER, "The bot's replies."),
                    "400": _json(_ERROR, "Not JSON, not an object, or nothing to answer."),
                    "413": {
                        "description": "Body larger than RESBOT_MAX_BODY_BYTES.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "429": _json(
                        _ANSWER,
                        "Too many new sessions from this address (calls without the "
                        "cookie): the polite slow-down reply; nothing was stored.",
                    ),
                    "503": _json(_ERROR, "The database is unavailable: try again."),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness and database health (for monitoring and Docker).",
                "responses": {
                    "200": _json(_HEALTH, "Serving."),
                    "503": _json(_HEALTH, "The database cannot be written (or read)."),
                },
            }
        },
    },
}


async def openapi_json(request: Request) -> Response:
    return JSONResponse(SPEC)
