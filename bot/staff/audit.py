"""One audit row per change made in the staff pages: who, when, file, field,
before and after. `git diff` shows what changed; this shows who did it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage import Store

from .clock import iso, utcnow


@dataclass(frozen=True)
class Change:
    id: int
    ts: str
    user: str
    action: str
    file: str
    field: str
    before: str
    after: str
    after_hash: str


def _change(row: dict[str, object]) -> Change:
    return Change(
        id=int(str(row["id"])),
        **{k: str(row.get(k) or "") for k in Change.__dataclass_fields__ if k != "id"},
    )


class Audit:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        user: str,
        action: str,
        file: str,
        field: str,
        before: str = "",
        after: str = "",
        after_hash: str = "",
    ) -> None:
        with self.store.lock:
            self.store.db.table("staff_audit").insert(
                {
                    "ts": iso(utcnow()),
                    "user": user,
                    "action": action,
                    "file": file,
                    "field": field,
                    "before": before,
                    "after": after,
                    "after_hash": after_hash,
                }
            )

    def _query(self, where: str, params: list[object], limit: int) -> list[Change]:
        with self.store.lock:
            rows = list(
                self.store.db.query(
                    f"select * from staff_audit {where} order by id desc limit ?", [*params, limit]
                )
            )
        return [_change(r) for r in rows]

    def latest(self, file: str, field: str | None = None) -> Change | None:
        if field is None:
            found = self._query("where file = ?", [file], 1)
        else:
            found = self._query("where file = ? and field = ?", [file, field], 1)
        return found[0] if found else None

    def for_file(self, file: str, limit: int = 20) -> list[Change]:
        return self._query("where file = ?", [file], limit)

    def recent(self, limit: int = 200, user: str | None = None) -> list[Change]:
        if user:
            return self._query("where user = ?", [user], limit)
        return self._query("", [], limit)
