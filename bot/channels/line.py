"""LINE Messaging API adapter.

Thin on purpose: verify the signature, turn each event into an `Incoming`, let
the service answer, render the replies as LINE messages.

The webhook path does not import line-bot-sdk at all (issue 18): any `linebot`
import loads every model class of the SDK (~45 MiB resident, measured), and
building and dumping its pydantic models cost a fifth of the server's CPU per
webhook. So the signature is checked with LINE's documented HMAC-SHA256, events
are read as dicts, and the reply and profile calls are plain JSON over aiohttp
(the HTTP library the SDK itself uses). Push, multicast and the rich menu keep
the SDK (`api_client`, `render`), imported when they are first used.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import math
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.claims import Owed, Unavailable
from bot.core.types import LOCATION_REQUEST, Incoming, Reply, Result, short_label
from bot.hostile import loads
from bot.service import Service

from .background import Background, Done
from .keepalive import KeepAliveClient
from .limits import split_text
from .resend import replies_of
from .worker import Worker

if TYPE_CHECKING:
    from linebot.v3.messaging import AsyncApiClient, Configuration, TextMessage

log = logging.getLogger("resbot.line")

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_DATA = 300
TIMEOUT = 10.0  # seconds per reply call, sent after the webhook's 200 (bot.channels.background)
# The follow greeting speaks the profile's language: looked up before the 200, so
# it must leave LINE's 2 s webhook budget intact; on timeout the default language.
PROFILE_TIMEOUT = 1.0
# A re-sent reply uses the reply token while it is younger than this (LINE: within
# one minute of the webhook), else a push (bot.channels.resend).
TOKEN_YOUNG = 50.0


def render_json(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies -> at most 5 LINE text messages as the API's JSON, buttons as quick
    replies on the last."""
    texts: list[str] = []
    for reply in replies:
        texts += split_text(reply.text, MAX_TEXT)
    if len(texts) > MAX_MESSAGES:
        # Keep the limit by joining the overflow into the last allowed message.
        head, tail = texts[: MAX_MESSAGES - 1], "\n\n".join(texts[MAX_MESSAGES - 1 :])
        texts = head + split_text(tail, MAX_TEXT)[:1]
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    for b in (b for r in replies for b in r.buttons):
        if b.data in seen or len(b.data) > MAX_DATA:
            continue
        seen.add(b.data)
        label = short_label(b.label, MAX_LABEL)
        if b.data == LOCATION_REQUEST:  # LINE opens its own location picker
            items.append({"type": "action", "action": {"type": "location", "label": label}})
            continue
        action = {"type": "postback", "label": label, "data": b.data, "displayText": label}
        items.append({"type": "action", "action": action})
    messages: list[dict[str, Any]] = [{"type": "text", "text": t} for t in texts]
    if items and messages:
        messages[-1]["quickReply"] = {"items": items[:MAX_QUICK_REPLIES]}
    return messages


def render(replies: list[Reply]) -> list[TextMessage]:
    """The same messages as the SDK's models, for its push and multicast calls."""
    from linebot.v3.messaging import TextMessage  # the SDK only off the webhook path

    return [TextMessage.from_dict(m) for m in render_json(replies)]


def valid_signature(channel_secret: str, body: bytes, signature: str) -> bool:
    """LINE's X-Line-Signature: base64 of HMAC-SHA256 of the raw body with the
    channel secret (developers.line.biz, "Verify the signature"). The SDK's
    `SignatureValidator` computes the same, but importing it loads all of the
    SDK's models; tests check that both agree on real webhook bodies."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.encode("utf-8", "replace"))


def parse_events(body: str) -> list[dict[str, Any]]:
    """The events of a verified webhook body; ValueError when it is not LINE's shape."""
    payload = loads(body)  # bot.hostile: deep nesting is a ValueError, not a crash
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ValueError("a LINE webhook body has a list of event objects")
    return events


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def http_session(access_token: str) -> aiohttp.ClientSession:
    """The session of the webhook path's API calls, bearer token set.

    `trust_env` (a look at `~/.netrc` and the proxy variables on every call, in a
    worker thread: 0.6 ms of server CPU per webhook) only when a proxy is
    configured, so a city behind one keeps it. Call it inside the running loop."""
    return aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {access_token}"},
        trust_env=bool(urllib.request.getproxies()),
    )


def api_client(configuration: Configuration) -> AsyncApiClient:
    """The SDK's async client, without a per-call look at the environment when
    no proxy is configured.

    The SDK opens its aiohttp session with `trust_env=True`, so every API call
    reads `~/.netrc` and scans the proxy variables in a worker thread: 0.6 ms of
    the 2.6 ms of server CPU per LINE webhook (bench/webhook.py). With
    HTTP(S)_PROXY set, the SDK's behaviour is kept as it is.
    Call it inside the running event loop (aiohttp wants one)."""
    from linebot.v3.messaging import AsyncApiClient  # the SDK only off the webhook path

    client = AsyncApiClient(configuration)
    if not urllib.request.getproxies():
        # aiohttp has no public setter; `_trust_env` is the attribute its
        # constructor sets and the `trust_env` property reads.
        client.rest_client.pool_manager._trust_env = False
    return client


class LineChannel:
    name = "line"

    def __init__(self, service: Service, channel_secret: str, access_token: str, api_base: str):
        self.service = service
        self.channel_secret = channel_secret
        self.access_token = access_token
        self.api_base = api_base.rstrip("/")
        self.session: aiohttp.ClientSession | None = None
        self.posts: KeepAliveClient | None = None  # reply and push, when no proxy is set
        self.background = Background("LINE")
        # The service's blocking calls and the batched "done" marks (bot.channels.worker).
        self.worker = Worker("line", service.claims.settle_many)

    async def start(self) -> None:
        # aiohttp wants the running loop: the session is made when the server starts.
        self.session = http_session(self.access_token)
        if not urllib.request.getproxies():  # behind a proxy: aiohttp, which honours it
            auth = {"Authorization": f"Bearer {self.access_token}"}
            self.posts = KeepAliveClient(self.api_base, auth)
        self.worker.start()

    async def stop(self) -> None:
        await self.background.drain()
        await self.worker.stop()  # after the drain: the last marks are written
        if self.session is not None:
            await self.session.close()
        if self.posts is not None:
            await self.posts.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        if self.session is None:
            raise RuntimeError("LineChannel.start() was not called")
        return self.session

    async def webhook(self, request: Request) -> Response:
        """The replies go out once the answer was written (bot.channels.background)."""
        raw = await request.body()
        with self.background.holding() as jobs:
            status, text = await self.handle_body(raw, request.headers.get("X-Line-Signature", ""))
        return PlainTextResponse(text, status_code=status, background=self.background.after(jobs))

    async def fast(self, body: bytes, headers: dict[bytes, bytes]) -> tuple[int, str, Done]:
        """The webhook as the plain ASGI endpoint calls it (bot.web.fastpath): the
        status and text of the answer, and what to start once it was sent."""
        signature = headers.get(b"x-line-signature", b"").decode("latin-1")
        with self.background.holding() as jobs:
            status, text = await self.handle_body(body, signature)
        return status, text, partial(self.background.start, jobs)

    async def handle_body(self, raw: bytes, signature: str) -> tuple[int, str]:
        """Signature, body, events: the status and text the webhook answers."""
        if not signature:
            return 401, "missing signature"
        if not valid_signature(self.channel_secret, raw, signature):
            log.warning("LINE webhook refused: invalid signature")
            return 401, "invalid signature"
        body = raw.decode("utf-8", errors="replace")
        try:
            events = parse_events(body)
        except ValueError:  # json.JSONDecodeError is one
            log.warning("LINE webhook refused: malformed body")
            return 400, "malformed body"
        status = 200
        for event in events:
            # Every event is tried; a failed one is left for LINE's redelivery, which
            # the events already handled ignore (they are claimed).
            event_id = event.get("webhookEventId", "?")
            try:
                await self.dispatch(event)
            except Unavailable as exc:
                status = 503
                log.error("LINE event %s not handled, database unavailable: %s", event_id, exc)
            except Exception:
                status = max(status, 500)
                log.exception("LINE event %s failed; left for LINE's redelivery", event_id)
        if status != 200:
            return status, "try again later"
        return 200, "OK"

    async def dispatch(self, event: dict[str, Any]) -> None:
        """One webhook event (LINE's JSON) -> the service; the reply goes out after the 200."""
        event_id = event.get("webhookEventId")
        event_id = event_id if isinstance(event_id, str) else None
        source = _dict(event.get("source"))
        user_id = source.get("userId") if isinstance(source.get("userId"), str) else None
        kind = source.get("type", "user")
        chat_id = source.get("groupId") or source.get("roomId")
        event_type = event.get("type")
        incoming: Incoming | None = None
        if event_type == "message" and kind == "user":
            message = _dict(event.get("message"))
            text = message.get("text")
            if message.get("type") == "text" and isinstance(text, str):
                incoming = Incoming(kind="text", text=text)
            elif message.get("type") == "location":
                incoming = location_incoming(message) or Incoming(kind="unsupported")
            else:
                incoming = Incoming(kind="unsupported")
        elif event_type == "postback" and kind == "user":
            data = _dict(event.get("postback")).get("data")
            if isinstance(data, str):
                incoming = Incoming(kind="postback", text=data)
        elif event_type == "follow" and user_id:
            incoming = Incoming(kind="follow", platform_lang=await self.profile_language(user_id))
        elif event_type == "join" and isinstance(chat_id, str) and chat_id:
            incoming = Incoming(kind="join")
            user_id = f"chat:{chat_id}"
        token = event.get("replyToken")
        if incoming is None or not user_id or not isinstance(token, str) or not token:
            # Unfollow, leave, unsend, beacons, group chatter, unknown types: log, no reply.
            kind_name = str(event_type) if event_type else "unknown"
            await self.worker.call(self.service.record, self.name, user_id, kind_name, event_id)
            return
        # A re-send after a crash (bot.channels.resend) replies with the token while it
        # is young, else pushes: to the user, or to the group or room a join came from.
        reply_to = {"token": token, "to": chat_id if event_type == "join" else user_id}
        result = await self.worker.call(
            partial(self.service.handle, reply_owed=True, reply_to=reply_to),
            self.name,
            user_id,
            incoming,
            event_id,
        )
        if result is None:
            log.info("LINE event %s already handled (redelivery): no second reply", event_id)
            return
        self.background.spawn(self.deliver(token, result, event_id))

    async def deliver(self, token: str, result: Result, event_id: str | None) -> None:
        """Send the reply after the webhook's 200; the claim says whether it was tried."""
        try:
            await self.reply(token, result)
        except asyncio.CancelledError:
            raise  # stopped mid-send: left owed, the next start re-sends it (bot.claims)
        except BaseException:
            await self.worker.call(self.service.undelivered, event_id)
            raise
        # Batched with the other replies' marks; a crash before its commit leaves
        # the reply owed, re-sent after the restart (bot.channels.worker).
        await self.worker.settle(event_id, "done")

    async def resend(self, owed: Owed) -> None:
        """Send a reply a crash left owed (bot.channels.resend).

        A reply token is single-use and valid for about a minute after the webhook
        (LINE's reference: use it within one minute; later use is not guaranteed):
        while it is younger than TOKEN_YOUNG, reply with it, and a refusal means the
        first reply went out (or the token expired): nothing more is sent. Older,
        push to the user (push messages count against the plan's quota) with an
        X-Line-Retry-Key made from the event id, so two pushes of it deliver once."""
        to, replies = owed.reply["to"], replies_of(owed)
        messages = render_json(replies)
        if not messages:
            return
        age = (datetime.now(UTC) - datetime.fromisoformat(owed.reply["at"])).total_seconds()
        try:
            if age < TOKEN_YOUNG:
                await asyncio.wait_for(self._post_reply(to["token"], messages), TIMEOUT)
            else:
                key = str(uuid.uuid5(uuid.NAMESPACE_URL, owed.event_id))
                await asyncio.wait_for(self._post_push(to["to"], messages, key), TIMEOUT)
        except Exception as exc:
            status = getattr(exc, "status", None)
            if status == 409:  # this push was accepted already
                return
            if age < TOKEN_YOUNG and status == 400:
                log.info("LINE re-send of %s: reply token refused (used or expired)", owed.event_id)
                return
            log.error("LINE re-send of %s failed: %s", owed.event_id, _describe(exc))

    async def profile_language(self, user_id: str) -> str | None:
        """GET /v2/bot/profile/{userId}: its `language`, or None (absent, error, slow)."""
        url = f"{self.api_base}/v2/bot/profile/{urllib.parse.quote(user_id, safe='')}"
        try:
            async with asyncio.timeout(PROFILE_TIMEOUT), self.http.get(url) as response:
                response.raise_for_status()
                profile = await response.json(content_type=None)
        except Exception:
            log.warning("LINE profile lookup failed; using the default language")
            return None
        language = profile.get("language") if isinstance(profile, dict) else None
        return language if isinstance(language, str) else None

    async def reply(self, token: str, result: Result) -> None:
        messages = render_json(result.replies)
        if not messages:
            return
        try:
            async with asyncio.timeout(TIMEOUT):  # no extra task, unlike wait_for
                await self._post_reply(token, messages)
        except Exception as exc:
            # Not retried: the reply token is single-use and LINE gets its 200.
            log.error("LINE reply failed (the interaction is logged): %s", _describe(exc))

    async def _post_reply(self, token: str, messages: list[dict[str, Any]]) -> None:
        """POST /v2/bot/message/reply as plain JSON; a non-2xx raises an error with
        its `status` (HttpStatusError, or aiohttp's behind a proxy). The answer is
        not read beyond its status: the bot has no use for it."""
        body = {"replyToken": token, "messages": messages}
        if self.posts is not None:
            await self.posts.post_json("/v2/bot/message/reply", body)
            return
        url = f"{self.api_base}/v2/bot/message/reply"
        async with self.http.post(url, json=body) as response:
            response.raise_for_status()

    async def _post_push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> None:
        """POST /v2/bot/message/push as plain JSON, with X-Line-Retry-Key (LINE answers
        409 to a key it already accepted); a non-2xx raises an error with its `status`."""
        url = f"{self.api_base}/v2/bot/message/push"
        body = {"to": to, "messages": messages}
        headers = {"X-Line-Retry-Key": retry_key}
        if self.posts is not None:
            await self.posts.post_json("/v2/bot/message/push", body, headers)
            return
        async with self.http.post(url, json=body, headers=headers) as response:
            response.raise_for_status()


def _describe(exc: BaseException) -> str:
    """An API error in one line: its type, and the HTTP status when there is one."""
    status = getattr(exc, "status", None)
    if status:
        return f"{type(exc).__name__} (HTTP {status})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def location_incoming(message: dict[str, Any]) -> Incoming | None:
    """A location message -> the nearest evacuation sites (bot.core.shelter_flow).

    None unless latitude and longitude are numbers on the globe."""
    lat, lon = message.get("latitude"), message.get("longitude")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)):
        return None
    assert isinstance(lat, (int, float)) and isinstance(lon, (int, float))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Incoming(kind="location", lat=float(lat), lon=float(lon))
