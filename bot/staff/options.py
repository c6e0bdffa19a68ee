"""Settings an admin changes in the staff pages (kept in SQLite, audited)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage import Store

from .clock import iso, utcnow


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    default: float
    low: float
    high: float
    integer: bool = True


OPTIONS = {
    o.key: o
    for o in (
        Option("queue_months", "Unanswered queue: months of questions to show", 3, 1, 24),
        Option(
            "queue_clarify",
            'Unanswered queue: include "did you mean?" questions (1 = yes, 0 = no)',
            1,
            0,
            1,
        ),
        Option("session_hours", "Staff login: hours until a session ends", 8, 1, 72),
    )
}


class Options:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, key: str) -> float:
        option = OPTIONS[key]
        with self.store.lock:
            rows = list(
                self.store.db.query("select value from staff_settings where key = ?", [key])
            )
        try:
            value = float(rows[0]["value"]) if rows else option.default
        except ValueError:
            value = option.default
        return min(max(value, option.low), option.high)

    def all(self) -> dict[str, float]:
        return {key: self.get(key) for key in OPTIONS}

    def set(self, key: str, text: str, user: str) -> tuple[float, float]:
        """Validate and store; returns (before, after). ValueError with a message."""
        option = OPTIONS[key]
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{option.label}: not a number: {text!r}") from None
        if option.integer and value != int(value):
            raise ValueError(f"{option.label}: a whole number, please")
        if not option.low <= value <= option.high:
            raise ValueError(f"{option.label}: between {option.low:g} and {option.high:g}")
        before = self.get(key)
        with self.store.lock:
            self.store.db.table("staff_settings").upsert(
                {"key": key, "value": f"{value:g}", "user": user, "updated": iso(utcnow())},
                pk="key",
            )
        return before, value
