"""Sign-up forms in conversation, and "delete my data".

Two outreach forms: disaster-support volunteer interest (name, languages spoken,
contact, area) and the Japanese-class waiting list (level, class type, contact).
Consent comes first: until the resident taps "yes" nothing is asked, and a "no"
stores nothing. Answers wait in the session (`awaiting="signup"`) until the
resident taps "send"; then an `Effect("signup")` asks the service to store them
in their own table, apart from the interaction log. Form answers are marked
`private`, so their text is never logged. Leaving the form (any other tap)
drops what was typed.

"Delete my data" is recognised from a small word list in every language
(`bot/data/forget_words.yaml`) or the button, confirmed with a tap, and becomes
an `Effect("forget")`.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import memo
from .normalize import normalize
from .types import Button, Effect, Reply, Result, Session, replace

if TYPE_CHECKING:
    from .dialogue import Bot

DATA = Path(__file__).resolve().parents[1] / "data"
FORMS: dict[str, tuple[str, ...]] = {
    "volunteer": ("name", "languages", "contact", "area"),
    "class": ("level", "class_type", "contact"),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "level": ("beginner", "basic", "intermediate"),
    "class_type": ("weekday_day", "weekday_evening", "weekend", "online"),
}
# Answers about these topics offer the matching form.
SIGNUP_TOPICS = {
    "disaster.volunteer": "volunteer",
    "japanese.class": "class",
    "japanese.apply": "class",
}
MAX_ANSWER = 200
MIN_PHONE_DIGITS = 8
SKIP = "-"
RETENTION_ENV = "RESBOT_SIGNUP_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 365
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def retention_days() -> int:
    """Days a sign-up is kept: $RESBOT_SIGNUP_RETENTION_DAYS, else 365. The consent
    text quotes this number, and `resbot signups purge` applies it."""
    value = os.environ.get(RETENTION_ENV, "").strip()
    return int(value) if value else DEFAULT_RETENTION_DAYS


@lru_cache(maxsize=1)
def forget_phrases() -> list[tuple[str, str]]:
    """(folded phrase, language), longest first."""
    data = yaml.safe_load((DATA / "forget_words.yaml").read_text(encoding="utf-8"))
    pairs = {(normalize(p), str(lang)) for lang, phrases in data.items() for p in phrases}
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


@memo.per_text
def asks_to_forget(text: str) -> str | None:
    """The language of the "delete my data" phrase in the text, or None."""
    folded = normalize(text)
    padded, squeezed = f" {folded} ", folded.replace(" ", "")
    for phrase, lang in forget_phrases():
        if phrase.isascii():
            if f" {phrase} " in padded:
                return lang
        elif phrase.replace(" ", "") in squeezed:
            return lang
    return None


def looks_like_contact(text: str) -> bool:
    plain = unicodedata.normalize("NFKC", text)
    return bool(_EMAIL.search(plain)) or sum(c.isdigit() for c in plain) >= MIN_PHONE_DIGITS


class SignupFlow:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str, lang: str, **fmt: str) -> str:
        return self.bot.t(key, lang, **fmt)

    def _result(
        self, text: str, buttons: list[Button], lang: str, session: Session, **kw: Any
    ) -> Result:
        return Result(
            replies=[Reply(text, buttons)],
            session=replace(session, last_lang=lang),
            lang=lang,
            outcome="form",
            **kw,
        )

    @staticmethod
    def _payload(session: Session) -> dict[str, Any]:
        if session.awaiting != "signup" or not session.awaiting_payload:
            return {}
        data = json.loads(session.awaiting_payload)
        return data if isinstance(data, dict) and data.get("kind") in FORMS else {}

    @staticmethod
    def _with(session: Session, payload: dict[str, Any] | None) -> Session:
        if payload is None:
            return replace(session, awaiting=None, awaiting_payload=None)
        return replace(
            session, awaiting="signup", awaiting_payload=json.dumps(payload, ensure_ascii=False)
        )

    def leave(self, session: Session) -> Session:
        """Drop an unfinished form (and what was typed into it)."""
        return self._with(session, None) if session.awaiting == "signup" else session

    @staticmethod
    def wants_text(text: str) -> bool:
        """True for "delete my data" in any language (the form itself is in the session)."""
        return asks_to_forget(text) is not None

    def buttons_for(self, topic: str, lang: str) -> list[Button]:
        """A sign-up button under answers about volunteering and Japanese classes."""
        kind = SIGNUP_TOPICS.get(topic)
        return [Button(self._t(f"btn_signup_{kind}", lang), f"su:{kind}")] if kind else []

    def _cancel(self, lang: str) -> Button:
        return Button(self._t("btn_cancel", lang), "su:cancel")

    # ------------------------------------------------------------------ routing
    def postback(self, data: str, lang: str, session: Session) -> Result | None:
        """The reply to a `su:` or `forget` tap, or None when the tap is not ours."""
        if data == "forget":
            return self._forget_confirm(lang, session)
        if data == "forget:yes":
            return self._forget(lang, session)
        if data == "forget:no":
            menu = self.bot.menu_buttons(lang)
            return self._result(self._t("forget_kept", lang), menu, lang, session)
        if not data.startswith("su:"):
            return None
        action = data[3:]
        payload = self._payload(session)
        if action in FORMS:
            return self._consent(action, lang, session)
        if action == "no" or action == "cancel":
            key = "signup_refused" if action == "no" else "signup_cancelled"
            return self._result(
                self._t(key, lang), self.bot.menu_buttons(lang), lang, self._with(session, None)
            )
        if not payload:
            return self.bot.show_menu(lang, self.leave(session))
        if action == "yes" and payload.get("step") == "consent":
            return self._ask(payload, FORMS[payload["kind"]][0], lang, session)
        if action == "send" and payload.get("step") == "confirm":
            return self._send(payload, lang, session)
        if action.startswith("v:") and payload.get("step") in FORMS[payload["kind"]]:
            return self._answer(payload, action[2:], lang, session)
        return self._prompt(payload, lang, session)

    def text(self, text: str, lang: str, session: Session) -> Result | None:
        """A typed message while a form is open (or "delete my data"); None = not ours."""
        payload = self._payload(session)
        step = payload.get("step")
        if payload and step in FORMS[payload["kind"]]:
            return self._answer(payload, text.strip()[:MAX_ANSWER], lang, session)
        forget_lang = asks_to_forget(text)
        if forget_lang is not None:
            return self._forget_confirm(session.lang or forget_lang, self.leave(session))
        if payload and step == "confirm":
            result = self._prompt(payload, lang, session)
            result.private = True
            return result
        return None  # at the consent step a question simply leaves the form

    # ------------------------------------------------------------------ the form
    def _consent(self, kind: str, lang: str, session: Session) -> Result:
        payload = {"kind": kind, "step": "consent", "data": {}}
        text = self._t(f"signup_consent_{kind}", lang, days=str(retention_days()))
        buttons = [
            Button(self._t("btn_agree", lang), "su:yes"),
            Button(self._t("btn_disagree", lang), "su:no"),
        ]
        topic = {"volunteer": "disaster.volunteer", "class": "japanese.apply"}[kind]
        return self._result(text, buttons, lang, self._with(session, payload), topic=topic)

    def _ask(self, payload: dict[str, Any], step: str, lang: str, session: Session) -> Result:
        payload = {**payload, "step": step}
        return self._prompt(payload, lang, self._with(session, payload))

    def _prompt(self, payload: dict[str, Any], lang: str, session: Session) -> Result:
        step = str(payload.get("step"))
        if step == "consent":
            return self._consent(str(payload["kind"]), lang, session)
        if step == "confirm":
            text = self._t("signup_confirm", lang, summary=self._summary(payload, lang))
            buttons = [Button(self._t("btn_send", lang), "su:send"), self._cancel(lang)]
            return self._result(text, buttons, lang, session)
        buttons = [
            Button(self._t(f"btn_{step}_{code}", lang), f"su:v:{code}")
            for code in CHOICES.get(step, ())
        ]
        if step == "area":
            if session.area:
                buttons.append(Button(session.area, f"su:v:{session.area}"))
            buttons.append(Button(self._t("btn_skip", lang), f"su:v:{SKIP}"))
        return self._result(
            self._t(f"signup_ask_{step}", lang), [*buttons, self._cancel(lang)], lang, session
        )

    def _answer(self, payload: dict[str, Any], value: str, lang: str, session: Session) -> Result:
        step = str(payload["step"])
        if not value or (step == "contact" and not looks_like_contact(value)):
            result = self._prompt(payload, lang, session)
            if value:
                result.replies.insert(0, Reply(self._t("signup_bad_contact", lang)))
            result.private = True
            return result
        data = {**payload.get("data", {}), step: "" if value == SKIP else value}
        steps = FORMS[payload["kind"]]
        following = steps[steps.index(step) + 1 :]
        nxt = following[0] if following else "confirm"
        result = self._ask({**payload, "data": data}, nxt, lang, session)
        result.private = True
        return result

    def _summary(self, payload: dict[str, Any], lang: str) -> str:
        lines = []
        for step in FORMS[payload["kind"]]:
            value = str(payload.get("data", {}).get(step, ""))
            if value in CHOICES.get(step, ()):
                value = self._t(f"btn_{step}_{value}", lang)
            lines.append(f"・{self._t(f'field_{step}', lang)}: {value or '-'}")
        return "\n".join(lines)

    def _send(self, payload: dict[str, Any], lang: str, session: Session) -> Result:
        kind = str(payload["kind"])
        fields = {k: str(v) for k, v in payload.get("data", {}).items()}
        effect = Effect("signup", {"kind": kind, "lang": lang, "fields": json.dumps(fields)})
        return self._result(
            self._t(f"signup_done_{kind}", lang),
            self.bot.menu_buttons(lang),
            lang,
            self._with(session, None),
            effects=[effect],
        )

    # ------------------------------------------------------------------ forget
    def _forget_confirm(self, lang: str, session: Session) -> Result:
        buttons = [
            Button(self._t("btn_forget_yes", lang), "forget:yes"),
            Button(self._t("btn_cancel", lang), "forget:no"),
        ]
        return self._result(self._t("forget_confirm", lang), buttons, lang, session)

    def _forget(self, lang: str, session: Session) -> Result:
        blank = Session(subs={} if session.subs is not None else None)
        return Result(
            replies=[Reply(self._t("forget_done", lang), self.bot.menu_buttons(lang))],
            session=blank,
            lang=lang,
            outcome="form",
            effects=[Effect("forget")],
        )
