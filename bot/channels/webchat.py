"""The web chat's JSON API: the same bot, buttons and session as the chat apps.

A call without a valid session cookie starts a new session (a session row, a user
row, a log row). Without a limit a script could mint millions of them, so such
calls are rate-limited per client address (`bot.clientaddr`, behind a trusted
proxy the forwarded address): past `new_chat_burst`, `new_chat_per_minute` more
each minute; a refused call gets 429 with the polite "slow down" reply in the
resident's language, and writes nothing. The cookie is signed (HMAC with the
service secret), so a made-up cookie is no cookie: it cannot dodge the limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.claims import Unavailable
from bot.clientaddr import client_address
from bot.core.langs import LANGS, SOURCE_LANG
from bot.core.types import Incoming, Result
from bot.hostile import loads
from bot.retention import WEB_COOKIE_DAYS
from bot.service import Service
from bot.throttle import Throttle

COOKIE = "resbot_sid"
MAX_TEXT = 2000


def result_payload(result: Result) -> dict[str, Any]:
    return {
        "lang": result.lang,
        "outcome": result.outcome,
        "topic": result.topic,
        "replies": [
            {"text": r.text, "buttons": [{"label": b.label, "data": b.data} for b in r.buttons]}
            for r in result.replies
        ],
    }


def sign_sid(secret: bytes, token: str) -> str:
    """`token.mac`: only the server can make a session id it will accept."""
    mac = hmac.new(secret, f"websid:{token}".encode(), hashlib.sha256).digest()
    return f"{token}.{base64.urlsafe_b64encode(mac[:16]).decode().rstrip('=')}"


def new_sid(secret: bytes) -> str:
    return sign_sid(secret, secrets.token_urlsafe(18))


class WebChat:
    name = "web"

    def __init__(
        self, service: Service, cookie_secure: bool = False, new_chats: Throttle | None = None
    ) -> None:
        self.service = service
        self.cookie_secure = cookie_secure
        self.new_chats = new_chats  # per client address, for calls without a cookie

    def session_id(self, request: Request) -> tuple[str, bool]:
        """The signed id from the cookie, or a new one (True): unsigned ids are refused."""
        sid = request.cookies.get(COOKIE, "")
        token = sid.split(".", 1)[0]
        if len(sid) <= 100 and hmac.compare_digest(sid, sign_sid(self.service.secret, token)):
            return sid, False
        return new_sid(self.service.secret), True

    def refused(self, request: Request, lang: str | None) -> Response | None:
        """429 with the polite phrase when this address starts too many sessions."""
        if self.new_chats is None:
            return None
        if self.new_chats.take(client_address(request)) == "ok":
            return None
        lang = lang or _browser_lang(request) or SOURCE_LANG
        text = self.service.bot.t("slow_down", lang)
        replies: list[dict[str, Any]] = [{"text": text, "buttons": []}]
        body = {"lang": lang, "outcome": "ignored", "topic": None, "replies": replies}
        return JSONResponse(body, status_code=429, headers={"Retry-After": "60"})

    def set_cookie(self, response: Response, sid: str, path: str = "/") -> None:
        response.set_cookie(
            COOKIE,
            sid,
            max_age=WEB_COOKIE_DAYS * 86400,
            path=path,  # a city's own under /c/<id>/ in a several-city install
            httponly=True,
            samesite="lax",
            secure=self.cookie_secure,
        )

    async def api(self, request: Request) -> Response:
        """POST {"text": ...} | {"postback": ...} | {"location": {"lat": .., "lon": ..}}
        | {"start": true, "lang": browser language}."""
        try:
            data = loads(await request.body())
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        if not isinstance(data, dict):
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        text, postback = data.get("text"), data.get("postback")
        lang = data.get("lang")
        if lang is not None and lang not in LANGS:
            return JSONResponse({"error": f"lang must be one of {list(LANGS)}"}, status_code=400)
        types = {"text": str, "postback": str, "start": bool, "location": dict}
        wrong = [k for k, t in types.items() if k in data and not isinstance(data[k], t)]
        if wrong:  # as /openapi.json says: a client bug is told, not guessed at
            return JSONResponse({"error": f"wrong type: {', '.join(wrong)}"}, status_code=400)
        point = _point(data["location"]) if "location" in data else None
        if "location" in data and point is None:
            return JSONResponse(
                {"error": "location must be {lat: -90..90, lon: -180..180}"}, status_code=400
            )
        if data.get("start"):
            incoming = Incoming(kind="follow", platform_lang=lang or _accept_language(request))
        elif isinstance(postback, str) and postback:
            incoming = Incoming(kind="postback", text=postback[:300])
        elif point is not None:
            incoming = Incoming(kind="location", lat=point[0], lon=point[1])
        elif isinstance(text, str):
            incoming = Incoming(kind="text", text=text[: MAX_TEXT + 1])
        else:
            return JSONResponse({"error": "send text, postback or start"}, status_code=400)
        sid, new = self.session_id(request)
        if new and (limited := self.refused(request, lang)):
            return limited
        try:
            result = await run_in_threadpool(self.service.handle, self.name, sid, incoming)
        except Unavailable:  # logged by the service; the page asks the resident to retry
            return JSONResponse(
                {"error": "temporarily unavailable, please try again"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        assert result is not None  # no platform event id: never a redelivery
        response = JSONResponse(result_payload(result))
        if new:
            self.set_cookie(response, sid, str(request.scope.get("root_path", "")) + "/")
        return response


def _browser_lang(request: Request) -> str | None:
    """One of our languages from Accept-Language, if the first one is."""
    first = (_accept_language(request) or "").split("-")[0].lower()
    return first if first in LANGS else None


def _point(value: dict[str, Any]) -> tuple[float, float] | None:
    """The browser's position, if it is one: numbers (not booleans), on the globe."""
    lat, lon = value.get("lat"), value.get("lon")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)):
        return None
    assert isinstance(lat, (int, float)) and isinstance(lon, (int, float))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return float(lat), float(lon)


def _accept_language(request: Request) -> str | None:
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first or None
