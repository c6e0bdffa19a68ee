"""Garbage reminders: which are due now, each claimed once per subscriber and date.

A subscriber chose the evening before (19:00) or the morning of (7:00) each
collection day of their area (times: `reminders:` in garbage/settings.yaml).
Dates come from `GarbageData.next_dates`, so centre closures and the city's
holiday rule are already applied. Every call looks at the collection days from
two days ago to tomorrow, so a run after downtime catches up:

- due and still before the day's put-out time: queued (unique key
  `garbage:<user_key>:<date>`, claimed before sending: never twice);
- in the quiet hours (21:00-6:00), a late reminder waits for the morning;
- the put-out time has passed: skipped, logged, and recorded as `skipped`.

`enqueue_due(now)` only writes rows; the outbox sends them. Both run from the
server's scheduler or from cron (`resbot remind --due`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.dialogue import Bot
from bot.core.langs import SOURCE_LANG
from bot.core.reminder_times import ReminderTimes, load_reminder_times
from bot.core.types import Button, Reply
from bot.garbage import JST
from bot.storage import Store

from . import ledger, messages
from .ledger import NewDelivery, iso

log = logging.getLogger("resbot.notify")
LOOK_BACK_DAYS = 2


@dataclass(frozen=True)
class Subscriber:
    user_key: str
    channel: str
    lang: str
    area: str
    option: str
    created: str


@dataclass
class ReminderReport:
    queued: int = 0
    skipped: int = 0


class Reminders:
    def __init__(self, store: Store, bot: Bot, times: ReminderTimes | None = None) -> None:
        self.store = store
        self.bot = bot
        flow = bot.garbage
        city = bot.kb.city.values.get("garbage.put_out_by")
        put_out_by = city.text(SOURCE_LANG) if city else None
        self.times = times or (
            load_reminder_times(flow.data.dataset.folder, put_out_by) if flow else ReminderTimes()
        )

    def subscribers(self) -> list[Subscriber]:
        """Garbage subscribers who can be messaged (blocked or unfollowed are left out)."""
        with self.store.lock:
            rows = self.store.db.conn.execute(
                "select r.user_key, r.channel, coalesce(r.lang, 'ja'), r.area, s.option,"
                " s.created from notify_subscriptions s join notify_recipients r"
                " on r.user_key = s.user_key left join users u on u.user_key = r.user_key"
                " where s.kind = 'garbage' and r.area is not null"
                " and coalesce(u.active, 1) = 1 order by r.user_key"
            ).fetchall()
        return [Subscriber(*row) for row in rows]

    def send_at(self, day: date, option: str) -> datetime:
        base = day - timedelta(days=1) if option == "evening" else day
        return datetime.combine(base, self.times.at(option), JST)

    def deadline(self, day: date) -> datetime:
        return datetime.combine(day, self.times.put_out_by, JST)

    def collections(self, area: str, start: date, days: int) -> dict[date, list[str]]:
        """Collection day -> categories collected that day, in data order."""
        assert self.bot.garbage is not None
        out: dict[date, list[str]] = {}
        for cat in self.bot.garbage.data.next_dates(area, start, days):
            for day in cat.dates:
                out.setdefault(day, []).append(cat.category)
        return dict(sorted(out.items()))

    def compose(self, lang: str, area: str, day: date, cats: list[str], today: date) -> list[Reply]:
        flow = self.bot.garbage
        assert flow is not None
        word = "today" if day == today else "tomorrow" if day == today + timedelta(days=1) else ""
        label = flow.fmt_day(day, lang)
        if word:
            label = f"{self.bot.t(word, lang)} {label}"
        names = [flow.cat_name(c, lang) for c in cats]
        joined = "、".join(names) if lang in ("ja", "zh") else ", ".join(names)
        lines = [
            self.bot.t("reminder_title", lang, area=area),
            self.bot.t("collection_on", lang, day=label, categories=joined),
            self.bot.t("reminder_putout", lang, time=self.times.put_out_by.strftime("%H:%M")),
        ]
        buttons = [
            Button(self.bot.t("btn_stop", lang), "sub:off:garbage"),
            Button(self.bot.t("btn_sub_settings", lang), "sub:menu"),
        ]
        return [Reply(flow.marked("\n".join(lines), lang), buttons)]

    def enqueue_due(self, now: datetime) -> ReminderReport:
        """Queue every reminder due at `now` (any timezone; compared in JST)."""
        report = ReminderReport()
        flow = self.bot.garbage
        if flow is None:
            return report
        local = now.astimezone(JST)
        today = local.date()
        start = today - timedelta(days=LOOK_BACK_DAYS)
        by_area: dict[str, dict[date, list[str]]] = {}
        for sub in self.subscribers():
            if sub.area not in flow.data.areas:
                continue
            if sub.area not in by_area:
                by_area[sub.area] = self.collections(sub.area, start, LOOK_BACK_DAYS + 2)
            for day, cats in by_area[sub.area].items():
                self._one(sub, day, cats, local, report)
        return report

    def _one(
        self, sub: Subscriber, day: date, cats: list[str], now: datetime, report: ReminderReport
    ) -> None:
        send_at, deadline = self.send_at(day, sub.option), self.deadline(day)
        if now < send_at:
            return
        key = f"garbage:{sub.user_key}:{day.isoformat()}"
        if now >= deadline:
            # Missed while the server was down; worth a log line only if it was owed.
            if sub.created <= iso(send_at) and not ledger.exists(self.store, key):
                message_id = messages.put(self.store, [])
                row = self._row(sub, key, message_id, deadline)
                if ledger.enqueue(self.store, [row], "skipped", "missed: put-out time passed"):
                    report.skipped += 1
                    log.warning("garbage reminder %s skipped: put-out time passed", key)
            return
        if self.times.quiet(now.time()) and not self.times.quiet(send_at.time()):
            return  # late, and the night: send when the quiet hours end
        if ledger.exists(self.store, key):
            return
        replies = self.compose(sub.lang, sub.area, day, cats, now.date())
        row = self._row(sub, key, messages.put(self.store, replies), deadline)
        report.queued += ledger.enqueue(self.store, [row])

    @staticmethod
    def _row(sub: Subscriber, key: str, message_id: int, deadline: datetime) -> NewDelivery:
        return NewDelivery(
            dedupe_key=key,
            source="reminder",
            kind="garbage",
            user_key=sub.user_key,
            channel=sub.channel,
            lang=sub.lang,
            message_id=message_id,
            expires=iso(deadline),
        )
