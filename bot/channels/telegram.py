"""Telegram adapter: python-telegram-bot v22 in custom-webhook mode.

The Application runs without an Updater on the server's own event loop; the
webhook route checks the secret token, parses the Update with PTB and lets
PTB's handlers route it. Dialogue state stays in SQLite, not in PTB objects.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from dataclasses import replace
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.claims import Owed, Unavailable
from bot.core.types import LOCATION_REQUEST, Incoming, Reply
from bot.hostile import loads
from bot.service import Service

from .background import Background
from .limits import split_text
from .resend import replies_of

log = logging.getLogger("resbot.telegram")

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
COMMANDS = {"menu": "menu", "language": "langmenu", "area": "area", "shelter": "shelter"}
TIMEOUT = 10.0  # seconds per Bot API call (connect, read, write, pool), set explicitly


def keyboard(replies: list[Reply]) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    seen: set[str] = set()
    for b in (b for r in replies for b in r.buttons):
        if b.data in seen or len(b.data.encode()) > MAX_CALLBACK_BYTES:
            continue
        if b.data == LOCATION_REQUEST:  # a reply-keyboard button (location_keyboard)
            continue
        seen.add(b.data)
        button = InlineKeyboardButton(b.label, callback_data=b.data)
        if rows and len(rows[-1]) < 2:
            rows[-1].append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows) if rows else None


def location_keyboard(replies: list[Reply]) -> ReplyKeyboardMarkup | None:
    """ "Send my location" as Telegram's request_location button, shown once."""
    for b in (b for r in replies for b in r.buttons):
        if b.data == LOCATION_REQUEST:
            button = KeyboardButton(b.label, request_location=True)
            return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    return None


def markups(
    replies: list[Reply], count: int
) -> list[InlineKeyboardMarkup | ReplyKeyboardMarkup | None]:
    """One markup per message: inline buttons on the last; the location keyboard on the
    first, or on the only one when asking for the location is the reply's first button
    (a message carries one keyboard kind)."""
    out: list[InlineKeyboardMarkup | ReplyKeyboardMarkup | None] = [None] * count
    if count == 0:
        return out
    out[-1] = keyboard(replies)
    ask = location_keyboard(replies)
    first = next((b for r in replies for b in r.buttons), None)
    if ask is not None and (count > 1 or (first is not None and first.data == LOCATION_REQUEST)):
        out[0] = ask
    return out


class TelegramChannel:
    name = "telegram"

    def __init__(self, service: Service, token: str, secret_token: str, api_base: str) -> None:
        self.service = service
        self.secret_token = secret_token.encode()
        builder = Application.builder().token(token).base_url(api_base).updater(None)
        for set_timeout in (
            builder.connect_timeout,
            builder.read_timeout,
            builder.write_timeout,
            builder.pool_timeout,
        ):
            set_timeout(TIMEOUT)
        self.app = builder.build()
        self.failed: dict[int, int] = {}  # update id -> HTTP status, filled by on_error
        self.background = Background("Telegram")
        private = filters.ChatType.PRIVATE
        self.app.add_handler(CommandHandler("start", self.on_start, filters=private))
        self.app.add_handler(CommandHandler(list(COMMANDS), self.on_command, filters=private))
        self.app.add_handler(CallbackQueryHandler(self.on_callback))
        self.app.add_handler(
            MessageHandler(private & filters.UpdateType.MESSAGES & filters.TEXT, self.on_text)
        )
        # A location, or a live location moving (an edited_message with the new point).
        self.app.add_handler(
            MessageHandler(
                private & filters.UpdateType.MESSAGES & filters.LOCATION, self.on_location
            )
        )
        self.app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGES, self.on_media))
        self.app.add_handler(ChatMemberHandler(self.on_member, ChatMemberHandler.MY_CHAT_MEMBER))
        # Anything no handler above took (group chatter, channel posts...): log only.
        self.app.add_handler(TypeHandler(Update, self.on_other))
        self.app.add_error_handler(self.on_error)

    async def start(self) -> None:
        await self.app.initialize()
        await self.app.start()

    async def stop(self) -> None:
        await self.background.drain()
        await self.app.stop()
        await self.app.shutdown()

    async def webhook(self, request: Request) -> Response:
        """The replies go out once the answer was written (bot.channels.background)."""
        with self.background.holding() as jobs:
            response = await self._webhook(request)
        response.background = self.background.after(jobs)
        return response

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not hmac.compare_digest(given, self.secret_token):
            log.warning("Telegram webhook refused: wrong secret token")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = loads(await request.body())
            update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        except Exception:
            update = None
        if update is None or not _well_formed(update):
            return PlainTextResponse("malformed update", status_code=400)
        try:
            await self.app.process_update(update)
        except Exception:
            log.exception("Telegram update %s failed", update.update_id)
            self.failed[update.update_id] = 500
        status = self.failed.pop(update.update_id, 200)
        if status != 200:  # Telegram sends the update again; handled ones are claimed
            return PlainTextResponse("try again later", status_code=status)
        return PlainTextResponse("OK")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB hands a handler's exception here: answer 5xx so Telegram redelivers."""
        update_id = update.update_id if isinstance(update, Update) else -1
        if isinstance(context.error, Unavailable):
            self.failed[update_id] = 503
            log.error(
                "Telegram update %s not handled, database unavailable: %s", update_id, context.error
            )
            return
        self.failed[update_id] = 500
        log.error(
            "Telegram update %s failed; left for Telegram's redelivery",
            update_id,
            exc_info=context.error,
        )

    # ------------------------------------------------------------------ handlers
    async def _answer(
        self, update: Update, incoming: Incoming, callback: CallbackQuery | None = None
    ) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            return
        # PTB does not check types: a forged update may carry a number where text goes.
        code, text = user.language_code, incoming.text
        incoming = replace(
            incoming,
            text=text if isinstance(text, str) else "",
            platform_lang=code if isinstance(code, str) else None,
        )
        event_id = f"tg:{update.update_id}"
        result = await run_in_threadpool(
            partial(self.service.handle, reply_owed=True, reply_to={"chat_id": chat.id}),
            self.name,
            str(user.id),
            incoming,
            event_id,
        )
        if result is None:
            log.info("Telegram update %s already handled: no second reply", update.update_id)
            return
        self.background.spawn(self._deliver(chat.id, result.replies, event_id, callback))

    async def _deliver(
        self, chat_id: int, replies: list[Reply], event_id: str, callback: CallbackQuery | None
    ) -> None:
        """After the webhook's 200: stop the button's spinner, send, settle the claim."""
        if callback is not None:
            try:
                await asyncio.wait_for(callback.answer(), TIMEOUT)
            except Exception:
                log.warning("Telegram answerCallbackQuery failed")
        try:
            await self._send(chat_id, replies)
        except asyncio.CancelledError:
            raise  # stopped mid-send: left owed, the next start re-sends it (bot.claims)
        except BaseException:
            await run_in_threadpool(self.service.undelivered, event_id)
            raise
        await run_in_threadpool(self.service.delivered, event_id)

    async def resend(self, owed: Owed) -> None:
        """Send a reply a crash left owed (bot.channels.resend) to its chat. Telegram has
        no idempotency key: if the first attempt did arrive, the resident gets it twice."""
        await self._send(int(owed.reply["to"]["chat_id"]), replies_of(owed))

    async def _send(self, chat_id: int, replies: list[Reply]) -> None:
        texts = [t for r in replies for t in split_text(r.text, MAX_TEXT)]
        for text, markup in zip(texts, markups(replies, len(texts)), strict=True):
            try:
                await asyncio.wait_for(
                    self.app.bot.send_message(chat_id, text, reply_markup=markup), TIMEOUT
                )
            except Exception as exc:
                # Not retried (the update got its 200); the interaction is logged.
                log.error("Telegram send failed (the interaction is logged): %r", exc)
                return

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, Incoming(kind="follow"))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = (update.effective_message.text if update.effective_message else "") or ""
        command = text.split()[0].lstrip("/").split("@")[0]
        await self._answer(update, Incoming(kind="postback", text=COMMANDS.get(command, "menu")))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await self._answer(update, Incoming(kind="postback", text=query.data or "menu"), query)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Edited messages land here too: the resident corrected a typo, so answer again.
        message = update.effective_message
        await self._answer(
            update, Incoming(kind="text", text=(message.text if message else "") or "")
        )

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        where = message.location if message else None
        lat, lon = getattr(where, "latitude", None), getattr(where, "longitude", None)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)):
            await self._answer(update, Incoming(kind="unsupported"))  # a forged update
            return
        assert isinstance(lat, (int, float)) and isinstance(lon, (int, float))
        # Each move of a live location comes as an edit: answered only when the nearest
        # sites change (bot.core.shelter_flow), so the resident is not flooded.
        live = update.edited_message is not None
        incoming = Incoming(kind="location", lat=float(lat), lon=float(lon), live=live)
        await self._answer(update, incoming)

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        caption = message.caption if message else None
        if caption:
            await self._answer(update, Incoming(kind="text", text=caption))
        else:
            await self._answer(update, Incoming(kind="unsupported"))

    async def on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        user = update.effective_user
        if change is None or user is None:
            return
        status = change.new_chat_member.status
        kind = "unfollow" if status in (ChatMember.BANNED, ChatMember.LEFT) else "member"
        await run_in_threadpool(
            self.service.record, self.name, str(user.id), kind, f"tg:{update.update_id}"
        )

    async def on_other(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            user = update.effective_user
            await run_in_threadpool(
                self.service.record,
                self.name,
                str(user.id) if user else None,
                "ignored",
                f"tg:{update.update_id}",
            )


def _well_formed(update: Update) -> bool:
    """What PTB's filters take for granted (Telegram always sends it): a message has
    its chat. PTB parses an update without one, then its filters raise."""
    message = update.effective_message
    return message is None or getattr(message, "chat", None) is not None
