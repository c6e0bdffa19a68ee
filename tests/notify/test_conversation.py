"""Notifications and sign-ups in conversation, through the service (as channels call it)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot.analytics import Month, build_report
from bot.core.dialogue import Bot
from bot.core.types import Incoming, Result
from bot.notify import signups, subscriptions
from bot.service import Service
from bot.storage import Store

RAW_LINE = "U0123456789abcdef0123456789abcdef"
RAW_TG = "987654321"


class Chat:
    """One resident talking to the bot on one channel."""

    def __init__(self, service: Service, channel: str, user: str) -> None:
        self.service, self.channel, self.user = service, channel, user
        self.n = 0

    def say(self, text: str) -> Result:
        return self._send(Incoming(kind="text", text=text))

    def tap(self, data: str) -> Result:
        return self._send(Incoming(kind="postback", text=data))

    def _send(self, incoming: Incoming) -> Result:
        self.n += 1
        # Platforms' event ids do not contain the user id (LINE's webhookEventId).
        event_id = f"{self.channel}:ev{id(self)}-{self.n}"
        result = self.service.handle(self.channel, self.user, incoming, event_id)
        assert result is not None
        return result

    @property
    def key(self) -> str:
        return self.service.key(self.channel, self.user)


def data(result: Result) -> list[str]:
    return [b.data for r in result.replies for b in r.buttons]


def text(result: Result) -> str:
    return "\n".join(r.text for r in result.replies)


def make(tmp_path: Path, bot: Bot) -> tuple[Store, Service]:
    store = Store(tmp_path / "chat.sqlite3")
    return store, Service(bot, store, b"test-key")


def test_subscribing_and_stopping_in_one_tap(tmp_path: Path, bot: Bot) -> None:
    store, service = make(tmp_path, bot)
    vi = Chat(service, "line", RAW_LINE)
    vi.tap("lang:vi")
    assert "sub:menu" in data(vi.tap("menu"))
    menu = vi.tap("sub:menu")
    assert "Cài đặt thông báo" in text(menu) and "sub:garbage:evening" in data(menu)
    # No area yet: it is asked once, then the reminder is set.
    asked = vi.tap("sub:garbage:evening")
    assert asked.session.awaiting == "area"
    done = vi.say("西町")
    assert "西町" in text(done) and "19:00" in text(done)
    assert "sub:off:garbage" in data(done)  # one tap to stop
    vi.tap("sub:on:disaster")
    assert subscriptions.subscriptions_of(store, vi.key) == {
        "garbage": "evening",
        "disaster": "on",
    }
    (row,) = store.db.query("select * from notify_recipients")
    assert (row["address"], row["lang"], row["area"]) == (RAW_LINE, "vi", "西町")
    # The raw id is in the address book only, never in the interaction log.
    assert all(RAW_LINE not in json.dumps(r) for r in store.db.query("select * from interactions"))
    vi.tap("lang:pt")  # the reminders follow the resident's language
    assert next(iter(store.db.query("select lang from notify_recipients")))["lang"] == "pt"

    vi.tap("sub:off:garbage")
    assert subscriptions.subscriptions_of(store, vi.key) == {"disaster": "on"}
    vi.tap("sub:off:disaster")
    assert store.count("select count(*) as n from notify_recipients") == 0  # address gone
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert RAW_LINE.encode() not in (tmp_path / "chat.sqlite3").read_bytes()


def test_the_web_chat_cannot_subscribe_but_can_sign_up(tmp_path: Path, bot: Bot) -> None:
    _, service = make(tmp_path, bot)
    web = Chat(service, "web", "s" * 24)
    web.tap("lang:en")
    reply = web.tap("sub:garbage:evening")
    assert "LINE or Telegram" in text(reply)
    assert {"su:volunteer", "su:class", "forget"} <= set(data(reply))


def test_volunteer_sign_up_in_vietnamese(tmp_path: Path, bot: Bot) -> None:
    store, service = make(tmp_path, bot)
    vi = Chat(service, "telegram", RAW_TG)
    vi.tap("lang:vi")
    # The answer about disaster volunteers offers the form.
    answer = vi.tap("e:disaster.volunteer")
    assert "su:volunteer" in data(answer)
    consent = vi.tap("su:volunteer")
    assert "Bạn có đồng ý không?" in text(consent) and "365" in text(consent)
    assert data(consent) == ["su:yes", "su:no"]
    refused = vi.tap("su:no")
    assert "Không có thông tin nào được lưu" in text(refused)
    assert store.count("select count(*) as n from notify_signups") == 0

    vi.tap("su:volunteer")
    assert "tên" in text(vi.tap("su:yes"))
    vi.say("Nguyễn Thị Lan")
    vi.say("tiếng Việt, tiếng Anh, một chút tiếng Nhật")
    bad = vi.say("chưa có")
    assert "số điện thoại hoặc địa chỉ email" in text(bad)
    vi.say("090-1234-5678")
    confirm = vi.say("西町")
    assert "Nguyễn Thị Lan" in text(confirm) and data(confirm) == ["su:send", "su:cancel"]
    assert store.count("select count(*) as n from notify_signups") == 0  # not before "send"
    done = vi.tap("su:send")
    assert "Cảm ơn" in text(done)
    (row,) = list(store.db.query("select * from notify_signups"))
    assert row["kind"] == "volunteer" and row["lang"] == "vi"
    assert json.loads(row["fields"]) == {
        "name": "Nguyễn Thị Lan",
        "languages": "tiếng Việt, tiếng Anh, một chút tiếng Nhật",
        "contact": "090-1234-5678",
        "area": "西町",
    }
    # The answers are kept apart: not in the log, not left in the session.
    log = json.dumps(list(store.db.query("select * from interactions")), ensure_ascii=False)
    sessions = json.dumps(list(store.db.query("select * from sessions")), ensure_ascii=False)
    for secret in ("Nguyễn", "1234-5678", "một chút"):
        assert secret not in log and secret not in sessions
    # Form steps are not counted as questions in the reports.
    outcomes = {r["outcome"] for r in store.db.query("select outcome from interactions")}
    assert "form" in outcomes

    # "Delete my data" in Vietnamese, confirmed with a tap.
    ask = vi.say("Xóa dữ liệu của tôi")
    assert data(ask) == ["forget:yes", "forget:no"]
    vi.tap("forget:yes")
    assert store.count("select count(*) as n from notify_signups") == 0
    month = Month.parse(datetime.now(UTC).strftime("%Y-%m"))
    report = build_report(store.db, month)
    assert report.total.volunteer_signups == 1  # the count stays, anonymously


def test_class_waiting_list_in_portuguese_export_and_deletion(tmp_path: Path, bot: Bot) -> None:
    store, service = make(tmp_path, bot)
    pt = Chat(service, "line", RAW_LINE)
    pt.tap("lang:pt")
    pt.tap("sub:on:events")
    consent = pt.tap("su:class")
    assert "lista de espera" in text(consent)
    level = pt.tap("su:yes")
    assert "su:v:beginner" in data(level)
    kind = pt.tap("su:v:beginner")
    assert "su:v:weekend" in data(kind)
    pt.tap("su:v:weekend")
    pt.say("ana.souza@example.com")
    pt.tap("su:send")
    # A second resident who changes their mind half-way stores nothing.
    other = Chat(service, "line", "U" + "f" * 32)
    other.tap("lang:pt")
    other.tap("su:class")
    other.tap("su:yes")
    other.tap("su:v:basic")
    assert "Cancelado" in text(other.tap("su:cancel"))

    (row,) = signups.list_signups(store, "class")
    assert row.fields == {"level": "beginner", "class_type": "weekend",
                          "contact": "ana.souza@example.com"}  # fmt: skip
    out = signups.export(store, "class", "csv", tmp_path / "class.csv")
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["contact"] == "ana.souza@example.com" and rows[0]["lang"] == "pt"
    xlsx = signups.export(store, "class", "xlsx", tmp_path / "class.xlsx")
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["id", "created", "channel", "lang", "level",
                                            "class_type", "contact"]  # fmt: skip
    assert sheet.max_row == 2

    # "apagar meus dados": sign-up, subscription, address, session all go.
    assert data(pt.say("Quero apagar meus dados, por favor")) == ["forget:yes", "forget:no"]
    gone = pt.tap("forget:yes")
    assert "apagados" in text(gone)
    assert signups.list_signups(store, "class") == []
    assert store.count("select count(*) as n from notify_recipients") == 0
    assert store.count("select count(*) as n from notify_subscriptions") == 0
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = (tmp_path / "chat.sqlite3").read_bytes()
    assert RAW_LINE.encode() not in raw and b"ana.souza" not in raw


def test_signups_are_purged_after_the_retention_period(tmp_path: Path, bot: Bot) -> None:
    store, service = make(tmp_path, bot)
    signups.add(store, kind="volunteer", user_key="k", channel="line", lang="en",
                fields={"name": "A"})  # fmt: skip
    half_done = Chat(service, "telegram", RAW_TG)
    half_done.tap("su:volunteer")
    half_done.tap("su:yes")
    half_done.say("Half Done Name")
    assert signups.purge(store, days=365) == 0
    later = datetime.now(UTC) + timedelta(days=400)
    assert signups.purge(store, days=365, now=later) == 1
    assert signups.list_signups(store, "volunteer") == []
    # The unfinished form left in the session is dropped too.
    assert "Half Done" not in json.dumps(list(store.db.query("select data from sessions")))


def test_unfinished_forms_saved_before_compact_json_are_dropped_too(tmp_path: Path) -> None:
    # Sessions written by an earlier resbot: json.dumps with ", " and ": ".
    store = Store(tmp_path / "old.sqlite3")
    old = {"lang": "en", "awaiting": "signup", "awaiting_payload": '{"name": "Old Form"}'}
    store.db.execute(
        "insert into sessions (user_key, data, updated) values (?, ?, ?)",
        ["k", json.dumps(old, ensure_ascii=False), "2020-01-01T00:00:00.000+00:00"],
    )
    signups.purge(store, days=365)
    assert store.load_session("k") == {"lang": "en", "awaiting": None, "awaiting_payload": None}


def test_the_same_sign_up_twice_is_stored_and_counted_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "twice.sqlite3")
    fields = {"level": "basic", "contact": "a@b.jp"}
    for expected_new in (True, False):  # e.g. a redelivered webhook
        added = signups.add(
            store, kind="class", user_key="k", channel="line", lang="pt", fields=fields
        )
        assert (added > 0) is expected_new
    assert len(signups.list_signups(store, "class")) == 1
    assert store.count("select count(*) as n from notify_signup_counts") == 1
