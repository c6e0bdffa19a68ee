"""Server configuration from the environment or a `.env` file (Starlette's Config).

Nothing is required: with no tokens the LINE and Telegram routes stay off and
the web chat and CLI work at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import Secret

from bot.core.knowledge import default_knowledge_dir


@dataclass(frozen=True)
class Settings:
    db_path: Path
    knowledge: Path
    secret_key: Secret
    line_channel_secret: Secret | None
    line_access_token: Secret | None
    line_api_base: str
    line_data_api_base: str
    telegram_token: Secret | None
    telegram_secret_token: Secret | None
    telegram_api_base: str
    public_base_url: str
    host: str
    port: int
    max_body_bytes: int
    cookie_secure: bool
    rate_burst: int = 20  # per-user rate limit on the chat channels (bot.throttle)
    rate_per_second: float = 1.0  # 0 turns the limit off
    # Reverse proxies whose X-Forwarded-For is believed (bot.clientaddr), e.g. "127.0.0.1".
    trusted_proxies: str = ""
    # Web chat calls without a session cookie, per client address (bot.channels.webchat).
    new_chat_burst: int = 20
    new_chat_per_minute: float = 6.0  # 0 turns the limit off
    # The server's retention job (bot.retention): first run after start, then every.
    retention_first_after: float = 600.0
    retention_every: float = 6 * 3600.0
    # Seconds between passes re-sending replies a crash left owed (bot.channels.resend).
    resend_every: float = 60.0
    # postgresql://... : PostgreSQL instead of the SQLite file (bot.db); holds a password.
    database_url: Secret | None = None

    @property
    def line_enabled(self) -> bool:
        return bool(self.line_channel_secret and self.line_access_token)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token and self.telegram_secret_token)

    @property
    def secrets(self) -> list[str]:
        """Every secret value that is set, for bot.logsafe to keep out of the logs."""
        values = (
            self.secret_key,
            self.database_url,
            self.line_channel_secret,
            self.line_access_token,
            self.telegram_token,
            self.telegram_secret_token,
        )
        return [str(v) for v in values if v]


def _secret(config: Config, name: str) -> Secret | None:
    value = config(name, cast=str, default="")
    return Secret(value) if value else None


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    config = Config(str(env_file) if env_file and Path(env_file).exists() else None)
    values: dict[str, object] = {
        "db_path": Path(config("RESBOT_DB", cast=str, default="var/resbot.sqlite3")),
        "knowledge": Path(
            config("RESBOT_KNOWLEDGE", cast=str, default=str(default_knowledge_dir()))
        ),
        "secret_key": Secret(
            config("RESBOT_SECRET_KEY", cast=str, default="resbot-development-key-change-me")
        ),
        "line_channel_secret": _secret(config, "LINE_CHANNEL_SECRET"),
        "line_access_token": _secret(config, "LINE_CHANNEL_ACCESS_TOKEN"),
        "line_api_base": config("LINE_API_BASE", cast=str, default="https://api.line.me"),
        # Rich menu images go to LINE's separate data host.
        "line_data_api_base": config(
            "LINE_DATA_API_BASE", cast=str, default="https://api-data.line.me"
        ),
        "telegram_token": _secret(config, "TELEGRAM_BOT_TOKEN"),
        "telegram_secret_token": _secret(config, "TELEGRAM_SECRET_TOKEN"),
        "telegram_api_base": config(
            "TELEGRAM_API_BASE", cast=str, default="https://api.telegram.org/bot"
        ),
        "public_base_url": config("PUBLIC_BASE_URL", cast=str, default="http://127.0.0.1:8000"),
        "host": config("RESBOT_HOST", cast=str, default="127.0.0.1"),
        "port": config("RESBOT_PORT", cast=int, default=8000),
        "max_body_bytes": config("RESBOT_MAX_BODY_BYTES", cast=int, default=256 * 1024),
        "cookie_secure": config("RESBOT_COOKIE_SECURE", cast=bool, default=False),
        "rate_burst": config("RESBOT_RATE_BURST", cast=int, default=20),
        "rate_per_second": config("RESBOT_RATE_PER_SECOND", cast=float, default=1.0),
        "trusted_proxies": config("RESBOT_TRUSTED_PROXIES", cast=str, default=""),
        "new_chat_burst": config("RESBOT_NEW_CHAT_BURST", cast=int, default=20),
        "new_chat_per_minute": config("RESBOT_NEW_CHAT_PER_MINUTE", cast=float, default=6.0),
        "retention_first_after": config("RESBOT_RETENTION_FIRST_AFTER", cast=float, default=600.0),
        "retention_every": config("RESBOT_RETENTION_EVERY", cast=float, default=6 * 3600.0),
        "resend_every": config("RESBOT_RESEND_EVERY", cast=float, default=60.0),
        "database_url": _secret(config, "RESBOT_DATABASE_URL"),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
