"""Garbage reminders over a simulated month: every expected one once, none unexpected.

The clock is injected: the scheduler's tick runs every 30 simulated minutes from
1 May 2026 00:00 to 1 June 00:00 (Japan time), sending through the fake LINE and
Telegram APIs. The city (a copy of the shipped knowledge) gets one test area:

    試験町 (centre センターC): 燃えるごみ on Mondays and Thursdays (月 木),
                              燃えないごみ on the 2nd Wednesday (水2)

with `holidays: skip` and a centre closure from 20 to 22 May.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
from bot.garbage import JST
from bot.notify import subscriptions
from bot.notify.ledger import iso
from bot.notify.reminders import Reminders
from bot.notify.scheduler import Scheduler
from bot.storage import Store
from tests.kbfactory import copy_city

from .conftest import Fakes, line_id, subscribe, tg_id

REPO = Path(__file__).resolve().parents[2]
AREA = "試験町"
BURNABLE, NON_BURNABLE = "燃えるごみ", "燃えないごみ"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    root = tmp_path_factory.mktemp("city") / "knowledge"
    copy_city(root)
    garbage = root / "garbage"
    lines = (garbage / "area_days.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert header[2:4] == [BURNABLE, NON_BURNABLE]
    other = ["20300101"] * (len(header) - 4)  # the other categories: not this month
    lines.append(",".join([AREA, "センターC", "月 木", "水2", *other]))
    (garbage / "area_days.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (garbage / "center.csv").open("a", encoding="utf-8") as f:
        f.write("センターC,2026/05/20,2026/05/22\n")
    settings = (garbage / "settings.yaml").read_text(encoding="utf-8")
    (garbage / "settings.yaml").write_text(
        settings.replace("holidays: collect", "holidays: skip"), encoding="utf-8"
    )
    return Bot(load_knowledge(root))


def jst(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JST)


# Collection days of 試験町 in the simulated month, worked out by hand:
#   Mondays 4, 11, 18, 25 May: 4 May is Greenery Day (holidays: skip) -> 11, 18, 25
#   Thursdays 7, 14, 21, 28 May: 21 May falls in the closure (20-22) -> 7, 14, 28
#   2nd Wednesday: 13 May (燃えないごみ); 6 May (1st Wed) is a substitute holiday anyway
#   Monday 1 June: its evening reminder (31 May 19:00) is inside the month
#
# The server is down three times (no ticks):
#   17 May 18:00 - 18 May 08:00  both 18 May reminders are sent late at 08:00 (< 08:30)
#   24 May 18:00 - 24 May 23:00  the 25 May evening reminder is due at 23:00, but it is
#                                the quiet hours (21:00-6:00): it goes at 06:00 on the 25th
#   27 May 18:00 - 28 May 09:00  too late for 28 May (put out by 08:30): skipped, logged
#
# Subscribers: A (LINE, Vietnamese, evening before 19:00), B (Telegram, Portuguese,
# morning 7:00), C (Telegram, English, evening; stops on 15 May at 12:00 with the
# stop button), D (LINE, Japanese, morning; blocked the bot: never messaged).
DOWN = [(jst(17, 18), jst(18, 8)), (jst(24, 18), jst(24, 23)), (jst(27, 18), jst(28, 9))]
EXPECTED_SENT = {
    # (who, collection day): the tick that sends it
    ("A", date(2026, 5, 7)): jst(6, 19),
    ("A", date(2026, 5, 11)): jst(10, 19),
    ("A", date(2026, 5, 13)): jst(12, 19),
    ("A", date(2026, 5, 14)): jst(13, 19),
    ("A", date(2026, 5, 18)): jst(18, 8),  # late, after downtime
    ("A", date(2026, 5, 25)): jst(25, 6),  # held through the quiet hours
    ("A", date(2026, 6, 1)): jst(31, 19),
    ("B", date(2026, 5, 7)): jst(7, 7),
    ("B", date(2026, 5, 11)): jst(11, 7),
    ("B", date(2026, 5, 13)): jst(13, 7),
    ("B", date(2026, 5, 14)): jst(14, 7),
    ("B", date(2026, 5, 18)): jst(18, 8),  # late, after downtime
    ("B", date(2026, 5, 25)): jst(25, 7),
    ("C", date(2026, 5, 7)): jst(6, 19),
    ("C", date(2026, 5, 11)): jst(10, 19),
    ("C", date(2026, 5, 13)): jst(12, 19),
    ("C", date(2026, 5, 14)): jst(13, 19),
}
EXPECTED_SKIPPED = {("A", date(2026, 5, 28)), ("B", date(2026, 5, 28))}


def test_a_month_of_reminders(city: Bot, store: Store, fakes: Fakes) -> None:
    who = {
        "A": subscribe(store, 1, "line", "vi", kind="garbage", option="evening", area=AREA),
        "B": subscribe(store, 2, "telegram", "pt", kind="garbage", option="morning", area=AREA),
        "C": subscribe(store, 3, "telegram", "en", kind="garbage", option="evening", area=AREA),
        "D": subscribe(store, 4, "line", "ja", kind="garbage", option="morning", area=AREA),
    }
    keys = {name: f"key{n:05d}" for n, name in enumerate("ABCD", 1)}
    name_of = {v: k for k, v in keys.items()}
    store.touch_user(keys["D"], "line", follow=False)
    store.db.conn.execute("update notify_subscriptions set created = ?", [iso(jst(30, 12, 0, 4))])

    sent_at: dict[tuple[str, date], datetime] = {}

    async def simulate() -> None:
        outbox = fakes.outbox(store)
        scheduler = Scheduler(store, lambda: city, outbox)
        now = jst(1, 0)
        try:
            while now < jst(1, 0, month=6):
                if now == jst(15, 12):
                    subscriptions.unsubscribe(store, keys["C"], "garbage")
                if not any(start < now < end for start, end in DOWN):
                    await scheduler.tick(now)
                    for key, user_key in store.db.conn.execute(
                        "select dedupe_key, user_key from notify_deliveries where status = 'sent'"
                    ).fetchall():
                        day = date.fromisoformat(key.rsplit(":", 1)[1])
                        sent_at.setdefault((name_of[user_key], day), now)
                now += timedelta(minutes=30)
        finally:
            await outbox.close()

    asyncio.run(simulate())
    assert sent_at == EXPECTED_SENT
    skipped = {
        (name_of[user_key], date.fromisoformat(key.rsplit(":", 1)[1]))
        for key, user_key in store.db.conn.execute(
            "select dedupe_key, user_key from notify_deliveries where status = 'skipped'"
        ).fetchall()
    }
    assert skipped == EXPECTED_SKIPPED

    # What arrived: each reminder exactly once, in the subscriber's language.
    received = fakes.received()
    count = {n: sum(1 for (w, _) in EXPECTED_SENT if w == n) for n in "ABC"}
    assert {n: len(received.get(who[n], [])) for n in "ABCD"} == {**count, "D": 0}
    flow = city.garbage
    assert flow is not None
    a = received[line_id(1)]
    assert a[0].splitlines()[1] == city.t(
        "collection_on",
        "vi",
        day=f"{city.t('tomorrow', 'vi')} {flow.fmt_day(date(2026, 5, 7), 'vi')}",
        categories=flow.cat_name(BURNABLE, "vi"),
    )
    assert "Ngày mai" in a[0] and "Hôm nay" in a[4]  # the late one says "today"
    b = received[tg_id(2)]
    assert flow.cat_name(NON_BURNABLE, "pt") in b[2]  # 13 May: the 2nd Wednesday
    assert all(city.t("today", "pt") in text for text in b)
    assert all("sub:off:garbage" in str(c.body.get("reply_markup")) for c in fakes.tg.calls[1:])


def test_a_reminder_already_claimed_is_not_queued_again(city: Bot, store: Store) -> None:
    subscribe(store, 1, "telegram", "en", kind="garbage", option="evening", area=AREA)
    reminders = Reminders(store, city)
    assert reminders.enqueue_due(jst(6, 19)).queued == 1
    assert reminders.enqueue_due(jst(6, 19, 30)).queued == 0  # a second server, a retry
    assert reminders.enqueue_due(jst(7, 0)).queued == 0
