"""What every command shares: the knowledge folder and the database in use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from bot.core.knowledge import default_knowledge_dir


@dataclass
class Settings:
    knowledge: Path | None = None
    db: Path | None = None

    @property
    def knowledge_dir(self) -> Path:
        return self.knowledge or default_knowledge_dir()

    @property
    def db_path(self) -> Path:
        return self.db or Path("var") / "resbot.sqlite3"


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()
