"""Staff accounts: names, roles and argon2 password hashes (argon2-cffi).

A wrong name costs the same hashing time as a wrong password, so login timing
does not tell which names exist. Changing a password or disabling an account
ends that person's sessions; a new password also ends a login lockout of the
name (the person locked out is the one who asked for it).

In a several-city install (bot.install) the accounts are the install's and each
names the cities it may open; `Accounts(store, city)` is one city's view: it
lists, changes and creates only that city's accounts, so a city's admin never
manages (or even sees) another city's staff. An account with cities "*" is the
install's (a prefecture's international association): it opens every city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.storage import Store

from .clock import iso, utcnow
from .ratelimit import LoginLimiter
from .roles import Role

ALL_CITIES = "*"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,31}")
MIN_PASSWORD = 10
_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """A hash to check when the name is unknown: costs what a real check costs."""
    return _hasher.hash("not a real password, only spends the same time")


class AccountError(ValueError):
    """A request that cannot be done, with a message for the person who asked."""


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    active: bool
    created: str
    last_login: str | None
    cities: str = ALL_CITIES

    def may_open(self, city: str | None) -> bool:
        """May this account open the staff pages of `city` (None: a one-city install)?"""
        return city is None or self.cities == ALL_CITIES or city in self.cities.split(",")

    @property
    def whole_install(self) -> bool:
        return self.cities == ALL_CITIES


def _account(row: dict[str, object]) -> Account:
    return Account(
        name=str(row["name"]),
        role=Role(str(row["role"])),
        active=bool(row["active"]),
        created=str(row["created"]),
        last_login=str(row["last_login"]) if row.get("last_login") else None,
        cities=str(row.get("cities") or ALL_CITIES),
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")


class Accounts:
    """`city`: one city's view of an install's accounts (None: every account)."""

    def __init__(self, store: Store, city: str | None = None) -> None:
        self.store = store
        self.city = city

    def get(self, name: str) -> Account | None:
        """The account of that name, whatever its cities (login, sessions)."""
        with self.store.lock:
            rows = list(self.store.db.query("select * from staff_users where name = ?", [name]))
        return _account(rows[0]) if rows else None

    def all(self) -> list[Account]:
        """The accounts this view manages: one city's own, or all of them."""
        with self.store.lock:
            rows = list(self.store.db.query("select * from staff_users order by name"))
        return [a for a in map(_account, rows) if self._manages(a)]

    def _manages(self, account: Account) -> bool:
        if self.city is None:
            return True
        return not account.whole_install and account.may_open(self.city)

    def add(
        self, name: str, role: Role, password: str, cities: str | None = None
    ) -> Account:
        """A new account; in a city's view it belongs to that city."""
        cities = self.city if self.city is not None else (cities or ALL_CITIES)
        if not NAME_RE.fullmatch(name):
            raise AccountError(
                "a name is 2-32 characters: lowercase letters, digits, '.', '_' or '-'"
            )
        check_password(password)
        if self.get(name) is not None:
            raise AccountError(f"there is already an account named {name!r}")
        now = iso(utcnow())
        with self.store.lock:
            self.store.db.table("staff_users").insert(
                {
                    "name": name,
                    "role": role.value,
                    "password_hash": _hasher.hash(password),
                    "active": 1,
                    "created": now,
                    "updated": now,
                    "last_login": None,
                    "cities": cities,
                }
            )
        account = self.get(name)
        assert account is not None
        return account

    def _require(self, name: str) -> Account:
        account = self.get(name)
        if account is None or not self._manages(account):
            raise AccountError(f"no account named {name!r}")
        return account

    def managed(self, name: str) -> Account | None:
        """The account if this view manages it (None for another city's)."""
        try:
            return self._require(name)
        except AccountError:
            return None

    def set_password(self, name: str, password: str) -> None:
        self._require(name)
        check_password(password)
        self._update(name, password_hash=_hasher.hash(password))
        self.end_sessions(name)
        LoginLimiter(self.store).unlock(name)

    def set_role(self, name: str, role: Role) -> None:
        account = self._require(name)
        if account.role is Role.admin and role is not Role.admin:
            self._keep_an_admin(name)
        self._update(name, role=role.value)

    def set_active(self, name: str, active: bool) -> None:
        account = self._require(name)
        if not active and account.role is Role.admin:
            self._keep_an_admin(name)
        self._update(name, active=int(active))
        if not active:
            self.end_sessions(name)

    def _keep_an_admin(self, name: str) -> None:
        with self.store.lock:
            rows = list(self.store.db.query("select * from staff_users"))
        # An install admin (cities "*") keeps a city administrable too.
        others = [
            a
            for a in map(_account, rows)
            if a.role is Role.admin and a.active and a.name != name and a.may_open(self.city)
        ]
        if not others:
            raise AccountError("this is the last active admin: make someone else admin first")

    def _update(self, name: str, **values: object) -> None:
        with self.store.lock:
            self.store.db.table("staff_users").update(name, {**values, "updated": iso(utcnow())})

    def end_sessions(self, name: str) -> None:
        with self.store.lock:
            self.store.db.execute("delete from staff_sessions where user = ?", [name])

    def verify(self, name: str, password: str) -> Account | None:
        """The active account if the password is right, else None."""
        with self.store.lock:
            rows = list(
                self.store.db.query(
                    "select name, password_hash, active from staff_users where name = ?", [name]
                )
            )
        stored = str(rows[0]["password_hash"]) if rows else _dummy()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if not rows or not rows[0]["active"]:
            return None
        if _hasher.check_needs_rehash(stored):
            self._update(name, password_hash=_hasher.hash(password))
        with self.store.lock:
            self.store.db.execute(
                "update staff_users set last_login = ? where name = ?", [iso(utcnow()), name]
            )
        return self.get(name)
