"""The service glue: sessions, the log, feedback, redelivery (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from bot.core.dialogue import Bot
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store


def test_feedback_is_stored_once_per_event(db_target: Path | str, bot: Bot) -> None:
    store = Store(db_target)
    service = Service(bot, store, b"k")
    answer = service.handle("line", "U1", Incoming(text="how to sort garbage"), "ev1")
    assert answer is not None and answer.entry
    tap = Incoming(kind="postback", text=f"fb:1:{answer.entry}")
    assert service.handle("line", "U1", tap, "ev2") is not None
    assert service.handle("line", "U1", tap, "ev2") is None  # redelivered
    rows = list(store.db.query("select entry, helpful from feedback"))
    assert rows == [{"entry": answer.entry, "helpful": 1}]


def test_session_survives_between_events_and_channels_are_apart(
    db_target: Path | str, bot: Bot
) -> None:
    store = Store(db_target)
    service = Service(bot, store, b"k")
    service.handle("telegram", "42", Incoming(kind="postback", text="lang:pt"))
    again = service.handle("telegram", "42", Incoming(text="ok"))
    assert again is not None and again.lang == "pt"
    other = service.handle("line", "42", Incoming(text="how to sort garbage"))
    assert other is not None and other.lang == "en"


def test_logged_text_is_masked(db_target: Path | str, bot: Bot) -> None:
    store = Store(db_target)
    Service(bot, store, b"k").handle("web", "s1", Incoming(text="call me 090-1234-5678 a@b.jp"))
    (row,) = store.db.query("select text from interactions")
    assert "1234" not in row["text"] and "a@b.jp" not in row["text"]


def test_garbage_conversation_keeps_its_context_in_the_stored_session(
    db_target: Path | str, bot: Bot
) -> None:
    """Area, topic and the last garbage question survive between events (both backends)."""
    store = Store(db_target)
    service = Service(bot, store, b"k")
    turns = [
        ("toi o nishimachi, khi nao do rac chay", "garbage.collection_days"),
        ("con rac nhua?", "garbage.collection_days"),
        ("pin cu bo dau", "garbage.item"),
        ("con bong den thi sao", "garbage.item"),
    ]
    for text, topic in turns:
        result = service.handle("web", "s9", Incoming(text=text))
        assert result is not None and result.topic == topic and result.lang == "vi", text
    assert result.session.area == "西町" and result.session.topic == "garbage.item"
    assert "電球" in (result.session.garbage_context or "")
    tomorrow = service.handle("web", "s9", Incoming(text="mai thi sao"))
    assert tomorrow is not None and tomorrow.topic == "garbage.collection_days"
    assert "Ngày mai" in tomorrow.replies[0].text


def test_an_owed_reply_is_stored_as_asdict_gives_it_and_pseudonyms_stay_apart(
    tmp_path: Path, bot: Bot
) -> None:
    """The owed reply is built by hand (not dataclasses.asdict): the re-send reads the
    same JSON; the remembered pseudonyms are per channel and user."""
    from dataclasses import asdict

    service = Service(bot, Store(tmp_path / "db.sqlite3"), b"k")
    to = {"token": "t", "to": "U1"}
    result = service.handle(
        "line", "U1", Incoming(kind="text", text="what day is plastic collection"), "ev-1",
        reply_owed=True, reply_to=to,
    )
    assert result is not None and any(r.buttons for r in result.replies)
    (sealed,) = [r["reply"] for r in service.store.db.query("select reply from interactions")]
    stored = service.claims.unseal(sealed)
    assert stored is not None and stored["to"] == to
    assert stored["replies"] == [asdict(r) for r in result.replies]
    keys = {service.key(c, u) for c in ("line", "telegram") for u in ("U1", "U2")}
    assert len(keys) == 4 and service.key("line", "U1") == service.key("line", "U1")


def test_delete_my_data_leaves_no_remembered_platform_id(tmp_path: Path, bot: Bot) -> None:
    """The pseudonym memory holds raw platform ids: "delete my data" empties it."""
    service = Service(bot, Store(tmp_path / "db.sqlite3"), b"k")
    ask = service.handle("line", "U7", Incoming(text="Quero apagar meus dados, por favor"))
    assert ask is not None and [b.data for b in ask.replies[-1].buttons] == [
        "forget:yes",
        "forget:no",
    ]
    assert service._keys.cache_info().currsize > 0  # type: ignore[attr-defined]
    gone = service.handle("line", "U7", Incoming(kind="postback", text="forget:yes"))
    assert gone is not None and any(e.kind == "forget" for e in gone.effects)
    assert service._keys.cache_info().currsize == 0  # type: ignore[attr-defined]


def test_a_returning_residents_turn_writes_only_what_changed(tmp_path: Path, bot: Bot) -> None:
    # Per turn on the hot path (issue 18): no users insert once the resident has a
    # session, no recipient update without a subscription; the first turn makes both.
    store = Store(tmp_path / "turn.sqlite3")
    service = Service(bot, store, b"k")
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    service.handle("line", "U1", Incoming(text="how to sort garbage"), "ev1", reply_owed=True)
    first = [s for s in statements if s.startswith("insert into users")]
    statements.clear()
    service.handle("line", "U1", Incoming(text="plastic bottles?"), "ev2", reply_owed=True)
    assert len(first) == 1
    assert not [s for s in statements if "into users" in s or "notify_recipients" in s]
    assert store.db.execute("select count(*) from users").fetchone()[0] == 1
    store.db.conn.set_trace_callback(None)
    # A follow still marks the resident as following.
    service.handle("line", "U1", Incoming(kind="follow"), "ev3")
    (followed,) = store.db.execute("select followed from users").fetchone()
    assert followed
