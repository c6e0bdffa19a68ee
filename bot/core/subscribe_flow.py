"""Notification settings in conversation: garbage reminders, disaster notices, class notices.

Postbacks: `sub:menu`, `sub:garbage:evening|morning`, `sub:on:disaster|events`,
`sub:off:garbage|disaster|events`. The core cannot write storage, so a change
comes back as an `Effect` that the service applies to the subscriptions table;
what the resident has now arrives in `Session.subs` (None where the channel
cannot push: web chat and CLI, which are told to use LINE or Telegram).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .reminder_times import ReminderTimes, load_reminder_times
from .types import Button, Effect, Reply, Result, Session, replace

if TYPE_CHECKING:
    from .dialogue import Bot

KINDS = ("garbage", "disaster", "events")
GARBAGE_OPTIONS = ("evening", "morning")


class SubscribeFlow:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        garbage = bot.garbage
        self.times = (
            load_reminder_times(garbage.data.dataset.folder) if garbage else ReminderTimes()
        )

    def when(self, option: str, lang: str) -> str:
        """ "the evening before (19:00)" in the resident's language."""
        at = self.times.at(option).strftime("%H:%M")
        return self.bot.t(f"sub_state_{option}", lang, time=at)

    @property
    def has_garbage(self) -> bool:
        return self.bot.garbage is not None and bool(self.bot.garbage.data.areas)

    # ------------------------------------------------------------------ routing
    def postback(self, data: str, lang: str, session: Session) -> Result | None:
        """The reply to a `sub:` tap, or None when the tap is not ours."""
        if not data.startswith("sub:"):
            return None
        parts = data.split(":")
        if session.subs is None:
            return self._need_push(lang, session)
        if len(parts) == 3 and parts[1] == "garbage" and parts[2] in GARBAGE_OPTIONS:
            return self._garbage(parts[2], lang, session)
        if len(parts) == 3 and parts[1] == "on" and parts[2] in ("disaster", "events"):
            return self._changed(parts[2], "on", lang, session)
        if len(parts) == 3 and parts[1] == "off" and parts[2] in KINDS:
            return self._stopped(parts[2], lang, session)
        return self.menu(lang, session)

    # ------------------------------------------------------------------ replies
    def stop_button(self, kind: str, lang: str) -> Button:
        """The one-tap "stop" carried by every notification of this kind."""
        return Button(self.bot.t("btn_stop", lang), f"sub:off:{kind}")

    def settings_button(self, lang: str) -> Button:
        return Button(self.bot.t("btn_sub_settings", lang), "sub:menu")

    def _state(self, kind: str, option: str | None, lang: str) -> str:
        if option is None:
            return self.bot.t("sub_state_off", lang)
        if kind == "garbage" and option in GARBAGE_OPTIONS:
            return self.when(option, lang)
        return self.bot.t("sub_state_on", lang)

    def _form_buttons(self, lang: str) -> list[Button]:
        """Sign-ups and "delete my data" are offered on every channel."""
        return [
            Button(self.bot.t("btn_signup_volunteer", lang), "su:volunteer"),
            Button(self.bot.t("btn_signup_class", lang), "su:class"),
            Button(self.bot.t("btn_forget", lang), "forget"),
            Button(self.bot.t("btn_menu", lang), "menu"),
        ]

    def menu(self, lang: str, session: Session, lead: list[Reply] | None = None) -> Result:
        if session.subs is None:
            return self._need_push(lang, session)
        subs = session.subs
        kinds = KINDS if self.has_garbage else KINDS[1:]
        lines = [self.bot.t("sub_menu", lang)]
        for kind in kinds:
            state = self._state(kind, subs.get(kind), lang)
            lines.append(
                self.bot.t("sub_line", lang, what=self.bot.t(f"kind_{kind}", lang), state=state)
            )
        buttons: list[Button] = []
        if self.has_garbage:
            buttons += [
                Button(self.bot.t(f"btn_sub_garbage_{opt}", lang), f"sub:garbage:{opt}")
                for opt in GARBAGE_OPTIONS
                if subs.get("garbage") != opt
            ]
            if "garbage" in subs:
                buttons.append(Button(self.bot.t("btn_sub_garbage_off", lang), "sub:off:garbage"))
        for kind in ("disaster", "events"):
            on = kind in subs
            key = f"btn_sub_{kind}_{'off' if on else 'on'}"
            buttons.append(Button(self.bot.t(key, lang), f"sub:{'off' if on else 'on'}:{kind}"))
        return Result(
            replies=[*(lead or []), Reply("\n".join(lines), [*buttons, *self._form_buttons(lang)])],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="form",
        )

    def _need_push(self, lang: str, session: Session) -> Result:
        return Result(
            replies=[Reply(self.bot.t("sub_need_push", lang), self._form_buttons(lang))],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="form",
        )

    def _garbage(self, option: str, lang: str, session: Session) -> Result:
        flow = self.bot.garbage
        if flow is None or not flow.data.areas:
            return self.menu(lang, session)
        if not session.area or session.area not in flow.data.areas:
            payload: dict[str, object] = {"kind": "subscribe", "option": option}
            lead = [Reply(self.bot.t("sub_need_area", lang))]
            result = flow.ask_area(lang, session, payload, lead)
            result.outcome = "form"
            return result
        return self._changed("garbage", option, lang, session)

    def after_area(
        self, area: str, lang: str, session: Session, payload: dict[str, object]
    ) -> Result:
        """The area asked for a garbage subscription has been given."""
        session = replace(session, area=area, awaiting=None, awaiting_payload=None)
        option = str(payload.get("option") or "evening")
        if option not in GARBAGE_OPTIONS or session.subs is None:
            return self.menu(lang, session)
        result = self._changed("garbage", option, lang, session)
        result.replies.insert(0, Reply(self.bot.t("area_set", lang, area=area)))
        return result

    def _changed(self, kind: str, option: str, lang: str, session: Session) -> Result:
        subs = {**(session.subs or {}), kind: option}
        if kind == "garbage":
            when = self.when(option, lang)
            text = self.bot.t("sub_done_garbage", lang, area=session.area or "", when=when)
        else:
            text = self.bot.t(f"sub_done_{kind}", lang)
        return Result(
            replies=[
                Reply(
                    text,
                    [
                        self.stop_button(kind, lang),
                        self.settings_button(lang),
                        Button(self.bot.t("btn_menu", lang), "menu"),
                    ],
                )
            ],
            session=replace(
                session, subs=subs, last_lang=lang, awaiting=None, awaiting_payload=None
            ),
            lang=lang,
            outcome="form",
            effects=[Effect("subscribe", {"kind": kind, "option": option})],
        )

    def _stopped(self, kind: str, lang: str, session: Session) -> Result:
        subs = {k: v for k, v in (session.subs or {}).items() if k != kind}
        text = self.bot.t("sub_stopped", lang, what=self.bot.t(f"kind_{kind}", lang))
        return Result(
            replies=[
                Reply(
                    text, [self.settings_button(lang), Button(self.bot.t("btn_menu", lang), "menu")]
                )
            ],
            session=replace(session, subs=subs, last_lang=lang),
            lang=lang,
            outcome="form",
            effects=[Effect("unsubscribe", {"kind": kind})],
        )
