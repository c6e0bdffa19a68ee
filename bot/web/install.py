"""Several cities in one server: each city's whole app (bot.web.app) under /c/<id>/.

Residents are routed by where they write: a city's LINE channel and Telegram bot
are set up with that city's webhook URL (`resbot --city ID line set-webhook`),
its web chat is its own page, so a city's answers, garbage dates and database
are never another's. What the install adds: the list of cities at `/`, one
`/healthz` over every city's database, and the shared staff accounts (one login
opens every city the account may open, bot.staff.accounts).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import health
from bot.install import City, city_settings, install_db
from bot.storage import Store

from .app import HERE, create_app, templates
from .limits import SecurityHeaders


def create_install_app(cities: Sequence[City], env_file: str = ".env") -> Starlette:
    if not cities:
        raise ValueError("an install needs at least one city (resbot city add)")
    accounts = Store(install_db(env_file))
    apps = {
        c.id: create_app(city_settings(c, env_file), city=c, accounts_store=accounts)
        for c in cities
    }

    async def index(request: Request) -> Response:
        return templates.TemplateResponse(request, "cities.html", {"cities": cities})

    async def healthz(request: Request) -> Response:
        """200 when every city's database reads and takes a commit; per city below."""

        async def one(city: City) -> str:
            store: Store = apps[city.id].state.store
            try:
                return await asyncio.wait_for(
                    run_in_threadpool(health.probe, store.path), health.DEADLINE
                )
            except TimeoutError:
                return "timeout"

        states = await asyncio.gather(*(one(c) for c in cities))
        dbs = dict(zip((c.id for c in cities), states, strict=True))
        healthy = all(s in ("ok", "busy") for s in states)
        body = {"status": "ok" if healthy else "degraded", "cities": dbs}
        return JSONResponse(body, status_code=200 if healthy else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Mounted apps get no lifespan of their own from Starlette: run each
        # city's (its channels, scheduler, re-send and retention jobs) here.
        accounts.reopen()
        async with contextlib.AsyncExitStack() as stack:
            for sub in apps.values():
                await stack.enter_async_context(sub.router.lifespan_context(sub))
            yield
        await run_in_threadpool(accounts.close)

    routes: list[Route | Mount] = [
        Route("/", index),
        Route("/healthz", healthz),
        # Pages of every city name `url_for('static')`: it resolves here, at the top.
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    routes += [Mount(c.prefix, apps[c.id]) for c in cities]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(SecurityHeaders)
    app.state.cities = apps
    app.state.accounts = accounts
    return app
