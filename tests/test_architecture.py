"""Dependencies point one way: cli -> web -> channels -> service -> core."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
FORBIDDEN_IN_CORE = (
    "bot.storage",
    "bot.service",
    "bot.cli",
    "bot.web",
    "bot.channels",
    "sqlite3",
    "sqlite_utils",
    "linebot",
    "telegram",
    "starlette",
    "fastapi",
)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_core_knows_nothing_of_storage_web_or_sdks() -> None:
    for path in (BOT / "core").rglob("*.py"):
        bad = [m for m in imports(path) if m.startswith(FORBIDDEN_IN_CORE)]
        assert not bad, f"{path} imports {bad}"


def test_service_does_not_import_the_cli() -> None:
    for name in ("service.py", "storage.py"):
        bad = [
            m for m in imports(BOT / name) if m.startswith(("bot.cli", "bot.web", "bot.channels"))
        ]
        assert not bad
