"""Shared helpers: fixture folders and running `resbot garbage ...` in process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "5374"
SHARED_5374 = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "5374"


def resbot(knowledge: Path, *args: str) -> Result:
    """`resbot --knowledge KNOWLEDGE garbage ARGS...`, as a resident's admin would type it."""
    return CliRunner().invoke(app, ["--knowledge", str(knowledge), "garbage", *args])


def shared_city(name: str) -> Path:
    """A real data set from ../shared; skipped where that folder is not checked out."""
    path = SHARED_5374 / name
    if not (path / "area_days.csv").is_file():
        pytest.skip(f"real 5374 data not available: {path} (../shared is not checked out)")
    return path


def imported(tmp: Path, src: Path, *, translations: bool = False) -> Path:
    """A knowledge folder with `src` imported through the CLI (its catalogues beside
    it in `tmp/translations`); returns the folder."""
    knowledge = tmp / "knowledge"
    result = resbot(knowledge, "import-5374", str(src))
    assert result.exit_code == 0, result.output
    if translations:
        shutil.copytree(FIXTURES / "translations", tmp / "translations")
    return knowledge


def next_json(knowledge: Path, area: str, start: str, days: int) -> dict[str, list[str]]:
    """`resbot garbage next --json`: ISO dates per category."""
    result = resbot(
        knowledge, "next", "--area", area, "--date", start, "--days", str(days), "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["from"] == start
    return {c["category"]: c["dates"] for c in out["categories"]}
