"""One ASGI app: web chat, its JSON API, the LINE and Telegram webhooks, health, staff pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot import health, retention
from bot.channels import resend
from bot.channels.webchat import WebChat
from bot.clientaddr import parse_networks
from bot.config import Settings
from bot.core.dialogue import Bot
from bot.core.langs import LANGS, NATIVE_NAMES
from bot.install import City
from bot.logsafe import protect
from bot.notify.scheduler import start_scheduler
from bot.service import Service
from bot.staff.app import staff_app
from bot.storage import Store
from bot.throttle import throttle_from

from .fastpath import App, Endpoint
from .limits import BodySizeLimit, SecurityHeaders
from .openapi import openapi_json
from .sites_watch import SitesWatch

log = logging.getLogger("resbot.web")
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def create_app(
    settings: Settings,
    bot: Bot | None = None,
    *,
    city: City | None = None,
    accounts_store: Store | None = None,
) -> Starlette:
    """The whole server of one city. `city` and `accounts_store`: one city of a
    several-city install, mounted at `city.prefix` (bot.web.install); its staff
    log in with the install's accounts."""
    bot = bot or Bot.load(settings.knowledge)
    url = settings.database_url  # from .env too; the environment variable wins in Store
    store = Store(url._value if url else settings.db_path)
    protect(settings.secrets)  # masked in every log record (bot.logsafe)
    throttle = throttle_from(settings.rate_burst, settings.rate_per_second, store)
    service = Service(bot, store, settings.secret_key._value.encode(), throttle=throttle)
    new_chats = throttle_from(
        settings.new_chat_burst, settings.new_chat_per_minute / 60, store, scope="new-chat"
    )
    webchat = WebChat(service, settings.cookie_secure, new_chats)
    channels: list[Any] = []
    routes: list[Route | Mount] = []
    fast: dict[str, Endpoint] = {}  # POSTs answered ahead of routing (bot.web.fastpath)

    if settings.line_enabled:
        from bot.channels.line import LineChannel

        assert settings.line_channel_secret and settings.line_access_token
        line = LineChannel(
            service,
            str(settings.line_channel_secret),
            str(settings.line_access_token),
            settings.line_api_base,
        )
        channels.append(line)
        routes.append(Route("/line/webhook", line.webhook, methods=["POST"]))
        fast["/line/webhook"] = Endpoint(line.fast, settings.max_body_bytes)
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        assert settings.telegram_token and settings.telegram_secret_token
        telegram = TelegramChannel(
            service,
            str(settings.telegram_token),
            str(settings.telegram_secret_token),
            settings.telegram_api_base,
        )
        channels.append(telegram)
        routes.append(Route("/telegram/webhook", telegram.webhook, methods=["POST"]))
    off = [
        n
        for n, on in (("LINE", settings.line_enabled), ("Telegram", settings.telegram_enabled))
        if not on
    ]
    if off:
        log.info(
            "%s off: no tokens set (see README: LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, "
            "TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN); web chat and CLI work.",
            " and ".join(off),
        )

    async def index(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "chat.html",
            {
                "langs": [(code, NATIVE_NAMES[code]) for code in LANGS],
                "api": str(request.scope.get("root_path", "")) + "/api/chat",
                "city": city.name if city else "",
            },
        )

    async def healthz(request: Request) -> Response:
        """200 when the database reads and takes a commit (or another writer holds the
        lock); 503 when it cannot (read-only, full, missing) or the probe outlives its
        deadline. Off the event loop, on its own connection (bot.health)."""
        try:
            db = await asyncio.wait_for(
                run_in_threadpool(health.probe, store.path), health.DEADLINE
            )
        except TimeoutError:
            db = "timeout"
        if db not in ("ok", "busy"):
            log.error("healthz: database not writable (%s)", db)
        healthy = db in ("ok", "busy")
        body = {
            "status": "ok" if healthy else "degraded",
            "db": db,
            "entries": len(service.bot.kb.entries),  # the staff pages reload it in place
            "line": settings.line_enabled,
            "telegram": settings.telegram_enabled,
        }
        if city is not None:
            body["city"] = city.id
        return JSONResponse(body, status_code=200 if healthy else 503)

    # Read per request: `app.state.notify` exists once the lifespan started.
    staff = staff_app(
        service,
        store,
        settings.cookie_secure,
        lambda: getattr(app.state, "notify", None),
        city=city.id if city else None,
        accounts_store=accounts_store,
    )
    # Staff login limits count the client behind the proxy (bot.clientaddr).
    staff.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    routes += [
        Route("/", index),
        Route("/chat", index),
        Route("/api/chat", webchat.api, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/openapi.json", openapi_json),
        Mount("/staff", staff),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    running: list[Starlette] = []
    sites_watch = SitesWatch(lambda: service.bot)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The same app may run more than once, even at once (tests): the store is
        # reopened if an earlier run closed it, and closed by the last run to stop.
        store.reopen()
        running.append(app)
        for ch in channels:
            await ch.start()
        # Replies an earlier process left owed (a crash): at once, then now and then.
        resending = asyncio.create_task(
            resend.run_periodically(service, channels, settings.resend_every)
        )
        # Garbage reminders and queued broadcasts (bot.notify.scheduler).
        app.state.notify = await start_scheduler(settings, lambda: service.bot, store)
        purging = asyncio.create_task(
            retention.run_periodically(
                store, settings.retention_every, settings.retention_first_after
            )
        )
        watching = asyncio.create_task(sites_watch.run())
        try:
            yield
        finally:
            for job in (purging, resending, watching):
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job
            await app.state.notify.stop()
            for ch in channels:
                await ch.stop()
            running.remove(app)
            if not running:  # last: checkpoint and close, so no -wal outlives the server
                await run_in_threadpool(store.close)

    app = App(routes=routes, lifespan=lifespan)
    app.fast.update(fast)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.state.service = service
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    app.state.channels = channels  # their `background` replies (tests wait on them)
    app.state.store = store
    app.state.sites_watch = sites_watch  # `resbot shelters import` -> reload (tests call check)
    return app
