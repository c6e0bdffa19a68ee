"""What the service calls around each turn: the core never writes storage, so the
subscriptions it changes and the forms it completes come back as `Effect`s that
are applied here. This is also the only place the raw platform id (which the
service has, and the log never stores) reaches the address book.
"""

from __future__ import annotations

import json
import logging

from bot.core.types import Result, Session
from bot.storage import Store

from . import signups, subscriptions

log = logging.getLogger("resbot.notify")


def prepare(store: Store, channel: str, user_key: str, session: Session) -> None:
    """Show the core what the resident is subscribed to (None: cannot push here)."""
    if channel in subscriptions.PUSH_CHANNELS:
        session.subs = subscriptions.subscriptions_of(store, user_key)
    else:
        session.subs = None


def apply(store: Store, channel: str, user_id: str, user_key: str, result: Result) -> None:
    """Carry out the turn's effects, then keep a subscriber's language and area current."""
    lang = result.session.lang or result.lang
    for effect in result.effects:
        data = effect.data
        if effect.kind == "subscribe" and channel in subscriptions.PUSH_CHANNELS:
            subscriptions.subscribe(
                store,
                user_key=user_key,
                channel=channel,
                address=user_id,
                kind=data["kind"],
                option=data.get("option", ""),
                lang=lang,
                area=result.session.area,
            )
        elif effect.kind == "unsubscribe":
            subscriptions.unsubscribe(store, user_key, data.get("kind"))
        elif effect.kind == "signup":
            signups.add(
                store,
                kind=data["kind"],
                user_key=user_key,
                channel=channel,
                lang=data.get("lang", lang),
                fields=json.loads(data.get("fields", "{}")),
            )
        elif effect.kind == "forget":
            subscriptions.forget(store, user_key)
            return  # nothing of theirs is kept: not even the language
        else:
            log.warning("unknown effect %r ignored", effect.kind)
    subscribed = result.session.subs or any(e.kind == "subscribe" for e in result.effects)
    if channel in subscriptions.PUSH_CHANNELS and subscribed:
        # Without a subscription there is no recipient row to keep current (the last
        # unsubscribe deletes it): most residents' turns skip the statement.
        subscriptions.refresh(store, user_key, lang, result.session.area)
