"""Three roles, each including the ones below it: viewer < editor < admin."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"  # reports: the dashboard and the unanswered-questions queue
    editor = "editor"  # content: entries, translations, the city profile
    admin = "admin"  # staff accounts and settings

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


ROLE_HELP = {
    Role.viewer: "reports: dashboard and unanswered questions",
    Role.editor: "content: entries, translations, city profile (and reports)",
    Role.admin: "staff accounts and settings (and everything else)",
}
