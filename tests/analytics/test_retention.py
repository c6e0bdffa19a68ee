"""Retention: old message text is deleted, the counts stay; old databases upgrade."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.analytics import Month, build_report
from bot.cli import app
from bot.core.dialogue import Bot
from bot.retention import purge_text, retention_days
from bot.service import Service
from bot.storage import SCHEMA_VERSION, Store
from tests.analytics.conftest import ANA, MINH, SECRET, Clock, Scenario

runner = CliRunner()


@pytest.fixture
def scenario(db_target: Path | str, answering_bot: Bot, clock: Clock) -> Scenario:
    """On SQLite and on PostgreSQL."""
    return Scenario(Service(answering_bot, Store(db_target), SECRET), clock)


def texts(store: Store) -> list[str | None]:
    return [r["text"] for r in store.db.query("select text from interactions order by ts")]


def test_purge_deletes_only_old_text_and_keeps_the_rows(scenario: Scenario) -> None:
    store = scenario.service.store
    scenario.ask(
        "2026-01-10 10:00", ANA, "recommend a good hotel in Kyoto", ("fallback", None, "en")
    )
    scenario.ask(
        "2026-03-01 10:00",
        MINH,
        "ngay nao do rac nhua",
        ("answer", "garbage.collection_days", "vi"),
    )
    scenario.ask("2026-04-20 10:00", ANA, "What is the best ramen shop?", ("fallback", None, "en"))
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    # 60 days before 1 May is 2 March: the January and 1 March texts go.
    assert purge_text(store, 60, now=now) == 2
    assert texts(store) == [None, None, "What is the best ramen shop?"]
    assert purge_text(store, 60, now=now) == 0  # nothing left to purge
    assert store.count() == 3
    january = build_report(store.db, Month(2026, 1)).months["2026-01"]
    assert (january.questions, january.fallback) == (1, 1)
    assert january.unanswered == []  # the text is gone, the count is not
    assert purge_text(store, 0, now=now) == 1


def test_retention_days_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESBOT_RETENTION_DAYS", raising=False)
    assert retention_days() == 180
    monkeypatch.setenv("RESBOT_RETENTION_DAYS", "30")
    assert retention_days() == 30
    monkeypatch.setenv("RESBOT_RETENTION_DAYS", "-1")
    with pytest.raises(ValueError, match="RESBOT_RETENTION_DAYS"):
        retention_days()


def test_log_purge_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "resbot.sqlite3"
    store = Store(path)
    now = datetime.now(UTC)
    for i, age in enumerate((400, 200, 100, 10)):
        store.db.execute(
            "insert into interactions (event_id, ts, channel, user_key, kind, outcome, text)"
            " values (?, ?, 'web', 'k', 'text', 'fallback', 'hello')",
            [f"e{i}", (now - timedelta(days=age)).isoformat(timespec="milliseconds")],
        )
    db = ["--db", str(path)]
    monkeypatch.delenv("RESBOT_RETENTION_DAYS", raising=False)
    res = runner.invoke(app, [*db, "log", "purge"])
    assert res.exit_code == 0, res.output
    assert "purged the text of 2 interaction(s) older than 180 days" in res.stdout
    monkeypatch.setenv("RESBOT_RETENTION_DAYS", "50")
    assert (
        "of 1 interaction(s) older than 50 days" in runner.invoke(app, [*db, "log", "purge"]).stdout
    )
    res = runner.invoke(app, [*db, "log", "purge", "--days", "5"])
    assert "of 1 interaction(s) older than 5 days" in res.stdout
    assert runner.invoke(app, [*db, "log", "purge", "--days", "-3"]).exit_code == 2
    monkeypatch.setenv("RESBOT_RETENTION_DAYS", "soon")
    assert runner.invoke(app, [*db, "log", "purge"]).exit_code == 2
    assert store.count() == 4
    missing = runner.invoke(app, ["--db", str(tmp_path / "no.sqlite3"), "log", "purge"])
    assert missing.exit_code == 1


def test_a_version_1_database_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        create table sessions (user_key text primary key, data text, updated text);
        create table users (user_key text primary key, channel text, active integer,
                            first_seen text, followed text, unfollowed text);
        create table interactions (id integer primary key, event_id text, ts text,
            channel text, user_key text, kind text, lang text, outcome text, topic text,
            entry text, score float, desk_referral integer, latency_ms float, text text);
        create unique index idx_interactions_event_id on interactions (event_id);
        insert into interactions (event_id, ts, channel, user_key, kind, outcome, text)
            values ('old-1', '2026-04-02T01:00:00.000+00:00', 'line', 'k', 'text', 'answer', 'hi');
        pragma user_version = 1;
        """
    )
    conn.close()
    for _ in range(2):  # opening twice changes nothing the second time
        store = Store(path)
        assert store.db.table("feedback").exists()
        version = next(iter(store.db.query("pragma user_version")))["user_version"]
        assert version == SCHEMA_VERSION
        assert store.count() == 1
    assert store.add_feedback("fb", "k", "consult.desk", helpful=True)
    assert not store.add_feedback("fb", "k", "consult.desk", helpful=True)
    assert build_report(store.db, Month(2026, 4)).months["2026-04"].questions == 1
