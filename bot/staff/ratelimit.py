"""Login rate limiting, kept in SQLite so it holds across workers and restarts.

Five failures for one name from one address within 15 minutes lock that pair
until the oldest failure ages out; thirty from one address (any names) lock the
address, which slows guessing across many names.

A lock also ends when the person gets a new password (`Accounts.set_password`,
from the admin page or `resbot staff passwd`) or an admin presses "Unlock": the
name's failures are forgotten. The admin page lists every lock and when it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import Store

from .clock import iso, utcnow

MAX_FAILURES = 5
MAX_PER_ADDRESS = 30
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Lock:
    """A locked name at one address, or (name None) a whole address."""

    name: str | None
    ip: str
    until: datetime
    failures: int


class LoginLimiter:
    def __init__(self, store: Store, now: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.now = now

    def retry_after(self, name: str, ip: str) -> int | None:
        """Seconds until this name may try again from this address, or None."""
        since = iso(self.now() - WINDOW)
        waits = [
            self._wait(
                "select ts from staff_login_failures where name = ? and ip = ? and ts > ?"
                " order by ts desc limit 1 offset ?",
                [name, ip, since, MAX_FAILURES - 1],
            ),
            self._wait(
                "select ts from staff_login_failures where ip = ? and ts > ?"
                " order by ts desc limit 1 offset ?",
                [ip, since, MAX_PER_ADDRESS - 1],
            ),
        ]
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    def _wait(self, sql: str, params: list[object]) -> int | None:
        with self.store.lock:
            rows = list(self.store.db.query(sql, params))
        if not rows:
            return None
        # The oldest failure that still counts: when it ages out, one more try is allowed.
        oldest = datetime.fromisoformat(str(rows[0]["ts"]))
        return max(1, int((oldest + WINDOW - self.now()).total_seconds()) + 1)

    def failed(self, name: str, ip: str) -> None:
        now = self.now()
        with self.store.lock:
            self.store.db.execute(
                "delete from staff_login_failures where ts < ?", [iso(now - 2 * WINDOW)]
            )
            self.store.db.table("staff_login_failures").insert(
                {"name": name, "ip": ip, "ts": iso(now)}
            )

    def succeeded(self, name: str, ip: str) -> None:
        with self.store.lock:
            self.store.db.execute(
                "delete from staff_login_failures where name = ? and ip = ?", [name, ip]
            )

    def locks(self) -> list[Lock]:
        """Every lock in force now: locked names first, then locked addresses."""
        since = iso(self.now() - WINDOW)
        with self.store.lock:
            pairs = list(
                self.store.db.query(
                    "select name, ip, count(*) as n from staff_login_failures where ts > ?"
                    " group by name, ip having count(*) >= ? order by name, ip",
                    [since, MAX_FAILURES],
                )
            )
            addresses = list(
                self.store.db.query(
                    "select ip, count(*) as n from staff_login_failures where ts > ?"
                    " group by ip having count(*) >= ? order by ip",
                    [since, MAX_PER_ADDRESS],
                )
            )
        now = self.now()
        out = []
        for row in pairs:
            wait = self._wait(
                "select ts from staff_login_failures where name = ? and ip = ? and ts > ?"
                " order by ts desc limit 1 offset ?",
                [row["name"], row["ip"], since, MAX_FAILURES - 1],
            )
            if wait is not None:
                until = now + timedelta(seconds=wait)
                out.append(Lock(str(row["name"]), str(row["ip"]), until, int(row["n"])))
        for row in addresses:
            wait = self._wait(
                "select ts from staff_login_failures where ip = ? and ts > ?"
                " order by ts desc limit 1 offset ?",
                [row["ip"], since, MAX_PER_ADDRESS - 1],
            )
            if wait is not None:
                until = now + timedelta(seconds=wait)
                out.append(Lock(None, str(row["ip"]), until, int(row["n"])))
        return out

    def unlock(self, name: str) -> int:
        """Forget a name's failures (from every address); returns how many."""
        with self.store.lock:
            cur = self.store.db.execute("delete from staff_login_failures where name = ?", [name])
        return int(cur.rowcount)

    def unlock_address(self, ip: str) -> int:
        """Forget every failure from one address (the per-address lock)."""
        with self.store.lock:
            cur = self.store.db.execute("delete from staff_login_failures where ip = ?", [ip])
        return int(cur.rowcount)
