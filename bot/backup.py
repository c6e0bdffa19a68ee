"""Online backup and careful restore of the SQLite database.

Backups use SQLite's backup API in one step: it reads a consistent snapshot
while the server keeps writing (WAL mode lets readers and the writer proceed
together), so `resbot db backup` is safe on a running server. The copy goes to a
temporary file and is renamed into place only after `PRAGMA integrity_check`
passed: a backup file either is whole or does not exist.

A restore checks the backup first, refuses a database that is open elsewhere
(a running server) unless forced, keeps the replaced database as `<name>.bak`,
and writes through the backup API too, so even a forced restore under a running
server replaces the content the way SQLite expects rather than under its feet.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage import SCHEMA_VERSION, create_private

TABLES = ("interactions", "sessions", "users", "feedback")


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Summary:
    """What a database holds: enough to compare a backup with its source."""

    path: Path
    user_version: int
    counts: dict[str, int]

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {t}" for t, n in self.counts.items())
        return f"{self.path}: schema version {self.user_version}; {counts}"


def check(path: Path) -> Summary:
    """Integrity check and row counts; BackupError if it is not a sound resbot database."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot open: {exc}") from exc
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path}: integrity check failed: {'; '.join(result[:5])}")
        names = {row[0] for row in conn.execute("select name from sqlite_master")}
        if "interactions" not in names:
            raise BackupError(f"{path}: not a resbot database (no interactions table)")
        counts = {
            t: int(conn.execute(f"select count(*) from {t}").fetchone()[0])
            for t in TABLES
            if t in names
        }
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()
    return Summary(path, version, counts)


def backup(source: Path, dest: Path, *, overwrite: bool = False) -> Summary:
    """Copy a (possibly live) database to `dest`, checked, atomically."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists (pass --force to replace it)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    src = sqlite3.connect(str(source), timeout=30)
    out = sqlite3.connect(str(partial))
    try:
        src.backup(out)  # one step: a consistent snapshot, writers go on meanwhile
        out.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        out.close()
        src.close()
    try:
        summary = check(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, dest)
    return Summary(dest, summary.user_version, summary.counts)


def in_use(path: Path) -> bool:
    """True when another connection has the database open (a running server).

    In WAL mode an exclusive lock is refused while any other connection is open,
    even an idle one, which is exactly "someone is using it"."""
    if not path.exists():
        return False
    conn = sqlite3.connect(str(path), timeout=0)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _keep(target: Path) -> None:
    """Save the database about to be replaced as `<name>.bak`, even a damaged one."""
    bak = target.with_name(target.name + ".bak")
    try:
        backup(target, bak, overwrite=True)
    except BackupError:  # damaged (perhaps why we restore): keep its files as they are
        for suffix in ("", "-wal"):
            source = Path(f"{target}{suffix}")
            if source.exists():
                create_private(f"{bak}{suffix}")
                shutil.copyfile(source, f"{bak}{suffix}")


def restore(backup_file: Path, target: Path, *, force: bool = False) -> Summary:
    """Replace `target` with the checked backup; the old database is kept as `.bak`."""
    summary = check(backup_file)
    if summary.user_version > SCHEMA_VERSION:
        raise BackupError(
            f"{backup_file} has schema version {summary.user_version}, newer than this "
            f"resbot's {SCHEMA_VERSION}: upgrade resbot first"
        )
    if backup_file.resolve() == target.resolve():
        raise BackupError("the backup and the target are the same file")
    if not force and in_use(target):
        raise BackupError(
            f"{target} is in use (is `resbot serve` running?): stop it first, "
            "or pass --force to restore under it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        _keep(target)
    create_private(target)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target), timeout=30)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()
    restored = check(target)
    if restored.counts != summary.counts:
        raise BackupError(f"restored {restored} but the backup has {summary}")
    return restored


def backup_pg(url: str, dest: Path, *, overwrite: bool = False) -> str:
    """Dump a PostgreSQL database with its own tool, `pg_dump` (custom format: one
    consistent snapshot while the instances keep writing; `pg_restore` reads it).

    The dump goes to a 0600 temporary file and is put at `dest` only after
    `pg_restore --list` read it back and found resbot's tables in it."""
    import subprocess

    from bot.install import schema_of

    schema = schema_of(url)  # one city of a several-city install: its schema only
    tool, lister = shutil.which("pg_dump"), shutil.which("pg_restore")
    if tool is None or lister is None:
        raise BackupError("pg_dump/pg_restore not found: install PostgreSQL's client tools")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists (pass --force to replace it)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        args = [tool, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"]
        if schema:
            args.append(f"--schema={schema}")
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        listed = subprocess.run([lister, "--list", str(partial)], capture_output=True, text=True)
        if listed.returncode != 0:
            raise BackupError(f"the dump does not read back: {listed.stderr.strip()}")
        found = [t for t in TABLES if f"TABLE DATA {schema or 'public'} {t} " in listed.stdout]
        if found != list(TABLES):
            raise BackupError(f"the dump lacks resbot's tables ({', '.join(TABLES)})")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, dest)
    size = dest.stat().st_size
    return f"{dest}: pg_dump custom format, {size} bytes (restore: pg_restore -d URL {dest})"
