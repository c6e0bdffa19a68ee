"""LINE Messaging API adapter (line-bot-sdk v3, async client).

Thin on purpose: verify and parse with the SDK, turn each event into an
`Incoming`, let the service answer, render the replies as LINE messages.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.request
from typing import Any

from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    LocationAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import (
    FollowEvent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.claims import Unavailable
from bot.core.types import LOCATION_REQUEST, Incoming, Reply, Result, short_label
from bot.service import Service

from .background import Background
from .limits import split_text

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


def render(replies: list[Reply]) -> list[TextMessage]:
    """Replies -> at most 5 LINE text messages, buttons as quick replies on the last."""
    texts: list[str] = []
    for reply in replies:
        texts += split_text(reply.text, MAX_TEXT)
    if len(texts) > MAX_MESSAGES:
        # Keep the limit by joining the overflow into the last allowed message.
        head, tail = texts[: MAX_MESSAGES - 1], "\n\n".join(texts[MAX_MESSAGES - 1 :])
        texts = head + split_text(tail, MAX_TEXT)[:1]
    buttons = [b for r in replies for b in r.buttons]
    seen: set[str] = set()
    items = []
    for b in buttons:
        if b.data in seen or len(b.data) > MAX_DATA:
            continue
        seen.add(b.data)
        label = short_label(b.label, MAX_LABEL)
        if b.data == LOCATION_REQUEST:  # LINE opens its own location picker
            items.append(QuickReplyItem(action=LocationAction(label=label)))
            continue
        items.append(
            QuickReplyItem(action=PostbackAction(label=label, data=b.data, displayText=label))
        )
    messages = [TextMessage(text=t) for t in texts]
    if items and messages:
        messages[-1].quick_reply = QuickReply(items=items[:MAX_QUICK_REPLIES])
    return messages


def api_client(configuration: Configuration) -> AsyncApiClient:
    """The SDK's async client, without a per-call look at the environment when
    no proxy is configured.

    The SDK opens its aiohttp session with `trust_env=True`, so every API call
    reads `~/.netrc` and scans the proxy variables in a worker thread: 0.6 ms of
    the 2.6 ms of server CPU per LINE webhook (bench/webhook.py). With
    HTTP(S)_PROXY set, the SDK's behaviour is kept as it is.
    Call it inside the running event loop (aiohttp wants one)."""
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
        self.parser = WebhookParser(channel_secret)
        self.configuration = Configuration(access_token=access_token, host=api_base)
        self.client: AsyncApiClient | None = None
        self._api: AsyncMessagingApi | None = None
        self.background = Background("LINE")

    async def start(self) -> None:
        # aiohttp wants the running loop: the client is made when the server starts.
        self.client = api_client(self.configuration)
        self._api = AsyncMessagingApi(self.client)

    async def stop(self) -> None:
        await self.background.drain()
        if self.client is not None:
            await self.client.close()

    @property
    def api(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineChannel.start() was not called")
        return self._api

    async def webhook(self, request: Request) -> Response:
        signature = request.headers.get("X-Line-Signature", "")
        body = (await request.body()).decode("utf-8", errors="replace")
        if not signature:
            return PlainTextResponse("missing signature", status_code=401)
        try:
            events = self.parser.parse(body, signature)
        except InvalidSignatureError:
            log.warning("LINE webhook refused: invalid signature")
            return PlainTextResponse("invalid signature", status_code=401)
        except Exception:  # the SDK raises ValueError or pydantic errors on bad JSON
            log.warning("LINE webhook refused: malformed body")
            return PlainTextResponse("malformed body", status_code=400)
        status = 200
        for event in events:
            # Every event is tried; a failed one is left for LINE's redelivery, which
            # the events already handled ignore (they are claimed).
            event_id = getattr(event, "webhook_event_id", "?")
            try:
                await self.dispatch(event)
            except Unavailable as exc:
                status = 503
                log.error("LINE event %s not handled, database unavailable: %s", event_id, exc)
            except Exception:
                status = max(status, 500)
                log.exception("LINE event %s failed; left for LINE's redelivery", event_id)
        if status != 200:
            return PlainTextResponse("try again later", status_code=status)
        return PlainTextResponse("OK")

    async def dispatch(self, event: Any) -> None:
        event_id = getattr(event, "webhook_event_id", None)
        source = getattr(event, "source", None)
        user_id: str | None = getattr(source, "user_id", None)
        kind = getattr(source, "type", "user")
        chat_id = getattr(source, "group_id", None) or getattr(source, "room_id", None)
        incoming: Incoming | None = None
        if isinstance(event, MessageEvent) and kind == "user":
            if isinstance(event.message, TextMessageContent):
                incoming = Incoming(kind="text", text=event.message.text)
            elif isinstance(event.message, LocationMessageContent):
                # The nearest evacuation sites (bot.core.shelter_flow).
                incoming = Incoming(
                    kind="location", lat=event.message.latitude, lon=event.message.longitude
                )
            else:
                incoming = Incoming(kind="unsupported")
        elif isinstance(event, PostbackEvent) and kind == "user":
            incoming = Incoming(kind="postback", text=event.postback.data)
        elif isinstance(event, FollowEvent) and user_id:
            incoming = Incoming(kind="follow", platform_lang=await self.profile_language(user_id))
        elif isinstance(event, JoinEvent) and chat_id:
            incoming = Incoming(kind="join")
            user_id = f"chat:{chat_id}"
        if incoming is None or not user_id or not getattr(event, "reply_token", None):
            # Unfollow, leave, unsend, beacons, group chatter, unknown types: log, no reply.
            event_type = getattr(event, "type", None) or "unknown"
            kind_name = "unfollow" if isinstance(event, UnfollowEvent) else str(event_type)
            await run_in_threadpool(self.service.record, self.name, user_id, kind_name, event_id)
            return
        result = await run_in_threadpool(
            self.service.handle, self.name, user_id, incoming, event_id, reply_owed=True
        )
        if result is None:
            log.info("LINE event %s already handled (redelivery): no second reply", event_id)
            return
        self.background.spawn(self.deliver(event.reply_token, result, event_id))

    async def deliver(self, token: str, result: Result, event_id: str | None) -> None:
        """Send the reply after the webhook's 200; the claim says whether it was tried."""
        try:
            await self.reply(token, result)
        except BaseException:
            await run_in_threadpool(self.service.undelivered, event_id)
            raise
        await run_in_threadpool(self.service.delivered, event_id)

    async def profile_language(self, user_id: str) -> str | None:
        try:
            profile = await asyncio.wait_for(
                self.api.get_profile(user_id, _request_timeout=PROFILE_TIMEOUT), PROFILE_TIMEOUT
            )
        except Exception:
            log.warning("LINE profile lookup failed; using the default language")
            return None
        return getattr(profile, "language", None)

    async def reply(self, token: str, result: Result) -> None:
        messages = render(result.replies)
        if not messages:
            return
        try:
            request = ReplyMessageRequest(replyToken=token, messages=messages)
            await asyncio.wait_for(
                self.api.reply_message(request, _request_timeout=TIMEOUT), TIMEOUT
            )
        except Exception as exc:
            # Not retried: the reply token is single-use and LINE gets its 200.
            log.error("LINE reply failed (the interaction is logged): %s", _describe(exc))


def _describe(exc: BaseException) -> str:
    """An API error in one line: its type, and the HTTP status when there is one."""
    status = getattr(exc, "status", None)
    if status:
        return f"{type(exc).__name__} (HTTP {status})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
