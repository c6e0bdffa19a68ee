"""What every command shares: the knowledge folder, the database and, in a
several-city install (bot.install), the city the command is about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.core.knowledge import default_knowledge_dir

if TYPE_CHECKING:
    from bot.config import Settings as ServerSettings
    from bot.install import City


@dataclass
class Settings:
    knowledge: Path | None = None
    db: Path | None = None
    city: City | None = None

    @property
    def knowledge_dir(self) -> Path:
        return self.knowledge or default_knowledge_dir()

    @property
    def db_path(self) -> Path:
        return self.db or Path("var") / "resbot.sqlite3"


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def server_settings(ctx: typer.Context) -> ServerSettings:
    """The server's settings (.env and the environment) for this command: the
    city's own (its secrets, its URLs under /c/<id>) when `--city` names one."""
    from bot.config import load_settings
    from bot.install import city_settings

    cfg = settings(ctx)
    overrides: dict[str, object] = {}
    if cfg.knowledge:
        overrides["knowledge"] = cfg.knowledge
    if cfg.db:
        overrides["db_path"] = cfg.db
    if cfg.city is not None:
        return city_settings(cfg.city, ".env", **overrides)
    return load_settings(".env", **overrides)
