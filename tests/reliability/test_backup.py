"""Backups, restores and schema migrations: the drill a city should be able to run."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.backup import BackupError, backup, check, in_use, restore
from bot.cli import app
from bot.storage import SCHEMA_VERSION, Store, now_iso

runner = CliRunner()


def write_pairs(store: Store, start: int, count: int) -> None:
    """An interaction and its feedback row, in one transaction: a backup has both or neither."""
    for i in range(start, start + count):
        with store.lock:
            conn = store.db.conn
            conn.execute("begin immediate")
            conn.execute(
                "insert into interactions (event_id, ts, channel, user_key, kind, outcome)"
                " values (?, ?, 'line', 'k', 'text', 'answer')",
                [f"e{i}", now_iso()],
            )
            conn.execute(
                "insert into feedback (event_id, ts, user_key, entry, helpful)"
                " values (?, ?, 'k', 'x', 1)",
                [f"e{i}", now_iso()],
            )
            conn.execute("commit")


def test_restore_drill_backup_while_a_writer_is_inserting(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    store = Store(live)
    write_pairs(store, 0, 200)
    stop = threading.Event()
    written = [200]

    def writer() -> None:
        while not stop.is_set() and written[0] < 50_000:  # bounded in count and time
            write_pairs(store, written[0], 10)
            written[0] += 10

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        time.sleep(0.1)
        before = written[0]
        summary = backup(live, tmp_path / "backups" / "b1.sqlite3")
        after = written[0] + 10
    finally:
        stop.set()
        thread.join(timeout=10)
    n = summary.counts["interactions"]
    assert before <= n <= after
    assert summary.counts["feedback"] == n  # a consistent snapshot: no half transaction
    assert summary.user_version == SCHEMA_VERSION
    # Restore into a fresh path: same counts, integrity ok, opens as a Store.
    fresh = tmp_path / "restored" / "resbot.sqlite3"
    restored = restore(tmp_path / "backups" / "b1.sqlite3", fresh)
    assert restored.counts == summary.counts
    assert not fresh.with_name("resbot.sqlite3.bak").exists()  # nothing was replaced
    assert Store(fresh).count() == n
    assert check(live).counts["interactions"] == written[0]


def test_backup_is_checked_and_never_left_half_written(tmp_path: Path) -> None:
    Store(tmp_path / "a.sqlite3")
    backup(tmp_path / "a.sqlite3", tmp_path / "b.sqlite3")
    with pytest.raises(BackupError, match="exists"):
        backup(tmp_path / "a.sqlite3", tmp_path / "b.sqlite3")
    with pytest.raises(BackupError, match="no such database"):
        backup(tmp_path / "missing.sqlite3", tmp_path / "c.sqlite3")
    assert not list(tmp_path.glob(".*partial"))
    # Backups are single files: no -wal to forget when copying them away.
    assert sqlite3.connect(tmp_path / "b.sqlite3").execute("PRAGMA journal_mode").fetchone() == (
        "delete",
    )


def test_restore_refuses_a_database_in_use_unless_forced_and_keeps_a_bak(tmp_path: Path) -> None:
    target = tmp_path / "resbot.sqlite3"
    server = Store(target)  # stands for a running `resbot serve`
    write_pairs(server, 0, 5)
    other = tmp_path / "other.sqlite3"
    write_pairs(Store(other), 100, 3)
    backup(other, tmp_path / "backup.sqlite3")
    assert in_use(target)
    with pytest.raises(BackupError, match="in use"):
        restore(tmp_path / "backup.sqlite3", target)
    assert check(target).counts["interactions"] == 5  # untouched
    restored = restore(tmp_path / "backup.sqlite3", target, force=True)
    assert restored.counts["interactions"] == 3
    assert check(target.with_name("resbot.sqlite3.bak")).counts["interactions"] == 5
    # The running server's connection sees the restored content, not a stale file.
    assert server.count() == 3
    server.db.conn.close()
    assert not in_use(target)


def test_restore_refuses_a_damaged_or_foreign_or_newer_backup(tmp_path: Path) -> None:
    target = tmp_path / "resbot.sqlite3"
    write_pairs(Store(target), 0, 2)
    (tmp_path / "junk.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(BackupError):
        restore(tmp_path / "junk.sqlite3", target)
    foreign = sqlite3.connect(tmp_path / "foreign.sqlite3")
    foreign.execute("create table t (x)")
    foreign.commit()
    foreign.close()
    with pytest.raises(BackupError, match="not a resbot database"):
        restore(tmp_path / "foreign.sqlite3", target)
    backup(target, tmp_path / "newer.sqlite3")
    newer = sqlite3.connect(tmp_path / "newer.sqlite3")
    newer.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    newer.close()
    with pytest.raises(BackupError, match="newer"):
        restore(tmp_path / "newer.sqlite3", target)
    assert check(target).counts["interactions"] == 2


def test_db_cli_backup_restore_check(tmp_path: Path) -> None:
    db = tmp_path / "var" / "resbot.sqlite3"
    write_pairs(Store(db), 0, 4)
    out = tmp_path / "b.sqlite3"
    res = runner.invoke(app, ["--db", str(db), "db", "backup", str(out)])
    assert res.exit_code == 0, res.output
    assert "4 interactions" in res.output
    res = runner.invoke(app, ["--db", str(db), "db", "backup", str(out)])
    assert res.exit_code == 1 and "--force" in res.output
    res = runner.invoke(app, ["--db", str(tmp_path / "new.sqlite3"), "db", "restore", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["db", "check", str(tmp_path / "new.sqlite3")])
    assert res.exit_code == 0 and "4 interactions" in res.output
    res = runner.invoke(app, ["db", "check", str(tmp_path / "nothing.sqlite3")])
    assert res.exit_code == 1


def test_every_db_command_has_an_example() -> None:
    """Each command's help has a runnable `Example:` line (the CLI's house style)."""

    def walk(group: typer.core.TyperGroup, prefix: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for name, command in group.commands.items():
            if isinstance(command, typer.core.TyperGroup):
                found += walk(command, f"{prefix} {name}")
            else:
                found.append((f"{prefix} {name}", command.help or ""))
        return found

    commands = walk(typer.main.get_command(app), "resbot")  # type: ignore[arg-type]
    db = [(n, h) for n, h in commands if n.startswith("resbot db ")]
    assert {n for n, _ in db} == {"resbot db backup", "resbot db restore", "resbot db check"}
    missing = [n for n, h in db if "Example: resbot db " not in h]
    assert not missing, f"commands without an 'Example: resbot ...' line: {missing}"


# ------------------------------------------------------------------ migrations
V1 = """
create table sessions (user_key text primary key, data text, updated text);
create table users (user_key text primary key, channel text, active integer,
    first_seen text, followed text, unfollowed text);
create table interactions (id integer primary key, event_id text, ts text, channel text,
    user_key text, kind text, lang text, outcome text, topic text, entry text, score float,
    desk_referral integer, latency_ms float, text text);
create unique index idx_interactions_event_id on interactions (event_id);
create index idx_interactions_ts on interactions (ts);
insert into interactions (event_id, ts, channel, user_key, kind, outcome, text)
    values ('old-1', '2025-04-01T00:00:00.000+00:00', 'line', 'k', 'text', 'answer', 'hi');
insert into sessions values ('k', '{"lang": "pt"}', '2025-04-01');
PRAGMA user_version = 1;
"""


def columns(store: Store, table: str) -> set[str]:
    return set(store.db.table(table).columns_dict)


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1)
    conn.close()
    store = Store(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.db.table("feedback").exists()
    assert {"delivery", "claimed"} <= columns(store, "interactions")
    assert store.db.table("staff_users").exists()
    (row,) = store.db.query("select event_id, outcome, text, delivery from interactions")
    assert row == {"event_id": "old-1", "outcome": "answer", "text": "hi", "delivery": None}
    assert store.load_session("k") == {"lang": "pt"}
    # An old row is settled: its redelivery is still a duplicate.
    assert store.claim("old-1", "line", "k", "text", owed=True, retry_before=now_iso()) is False
    store.db.conn.close()
    again = Store(path)  # idempotent: opening twice changes nothing
    assert again.count() == 1


def test_an_empty_database_gets_the_whole_current_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.sqlite3")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table in ("sessions", "users", "interactions", "feedback"):
        assert store.db.table(table).exists(), table
    assert {"delivery", "claimed", "event_id", "outcome"} <= columns(store, "interactions")


def test_a_newer_database_keeps_its_version(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    Store(path).db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    assert Store(path).db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5


def test_database_and_backup_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """Resident data: the db, its -wal/-shm and backups are 0600 even under a lax umask."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        db = tmp_path / "resbot.db"
        store = Store(db)
        write_pairs(store, 0, 3)
        out = tmp_path / "backups" / "copy.db"
        backup(db, out)
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), out):
            assert path.exists(), path
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    finally:
        os.umask(old)
