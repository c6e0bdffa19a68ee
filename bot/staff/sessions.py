"""Server-side login sessions: a random token in an HttpOnly, SameSite=Strict
cookie, its SHA-256 in SQLite, and a per-session CSRF token for every form."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.storage import Store

from .accounts import Account, Accounts
from .clock import iso, utcnow

COOKIE = "resbot_staff"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    account: Account
    csrf: str
    expires: str

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, str(sent))


class Sessions:
    def __init__(self, store: Store, accounts: Accounts, hours: Callable[[], float]) -> None:
        self.store = store
        self.accounts = accounts
        self.hours = hours

    def create(self, account: Account, ip: str) -> str:
        """A new session for a person who just logged in; returns the cookie token."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.store.lock:
            self.store.db.execute("delete from staff_sessions where expires < ?", [iso(now)])
            self.store.db.table("staff_sessions").insert(
                {
                    "token_hash": token_hash(token),
                    "user": account.name,
                    "csrf": secrets.token_urlsafe(32),
                    "created": iso(now),
                    "expires": iso(now + timedelta(hours=self.hours())),
                    "ip": ip,
                }
            )
        return token

    def get(self, token: str | None) -> StaffSession | None:
        if not token or len(token) > 200:
            return None
        with self.store.lock:
            rows = list(
                self.store.db.query(
                    "select user, csrf, expires from staff_sessions"
                    " where token_hash = ? and expires > ?",
                    [token_hash(token), iso(utcnow())],
                )
            )
        if not rows:
            return None
        account = self.accounts.get(str(rows[0]["user"]))
        if account is None or not account.active:
            return None
        return StaffSession(account, str(rows[0]["csrf"]), str(rows[0]["expires"]))

    def end(self, token: str | None) -> None:
        if token:
            with self.store.lock:
                self.store.db.execute(
                    "delete from staff_sessions where token_hash = ?", [token_hash(token)]
                )
