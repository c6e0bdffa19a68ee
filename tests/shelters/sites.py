"""Hachioji's real GSI rows, the expected nearest sites worked out by the test's own
haversine from the CSV, and the session's bot answering from an imported copy."""

from __future__ import annotations

import copy
import csv
import dataclasses
import math
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.core.dialogue import Bot
from bot.core.shelter_flow import ShelterFlow
from tests.cli.test_shelters import POINTS
from tests.conftest import shared_path

__all__ = ["COLUMNS", "POINTS", "Expected", "expected", "import_hachioji", "with_sites"]

COLUMNS = {"flood": "洪水", "earthquake": "地震", "landslide": "崖崩れ、土石流及び地滑り"}
R = 6_371_008.8
DIRS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclasses.dataclass(frozen=True)
class Expected:
    name: str
    metres: float
    direction: str
    lat: str  # as published in the CSV
    lon: str


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    h = math.sin(math.radians(lat2 - lat1) / 2) ** 2 + math.cos(math.radians(lat1)) * math.cos(
        math.radians(lat2)
    ) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def _direction(lat1: float, lon1: float, lat2: float, lon2: float) -> str:
    # Local flat approximation: ample for eight 45-degree sectors within 5 km.
    north = lat2 - lat1
    east = (lon2 - lon1) * math.cos(math.radians(lat1))
    angle = math.degrees(math.atan2(east, north)) % 360
    return DIRS[int(((angle + 22.5) % 360) // 45)]


def emergency_csv() -> Path:
    return shared_path("fixtures", "shelters", "hachioji", "emergency-sites.csv")


def expected(column: str, lat: float, lon: float, within: float = 5000.0) -> list[Expected]:
    with emergency_csv().open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r[column] == "1"]
    scored = sorted(
        ((_haversine(lat, lon, float(r["緯度"]), float(r["経度"])), r["施設・場所名"], r)
         for r in rows),
        key=lambda t: (t[0], t[1]),
    )
    return [
        Expected(
            name, d, _direction(lat, lon, float(r["緯度"]), float(r["経度"])), r["緯度"], r["経度"]
        )
        for d, name, r in scored[:3]
        if d <= within
    ]


def import_hachioji(knowledge: Path) -> None:
    """`resbot shelters import` of both Hachioji lists into `knowledge`."""
    folder = emergency_csv().parent
    result = CliRunner().invoke(app, [
        "--knowledge", str(knowledge), "shelters", "import",
        str(folder / "emergency-sites.csv"), str(folder / "shelters.csv"),
    ])
    assert result.exit_code == 0, result.output


def with_sites(bot: Bot, knowledge: Path) -> Bot:
    """The session's bot with its sites read from `knowledge` (through the store and the
    index, as `Bot.__init__` does): building a second Bot takes 10+ s on a shared CPU."""
    twin = copy.copy(bot)
    twin.kb = dataclasses.replace(bot.kb, root=knowledge)
    twin.reload_sites()
    twin.shelters = ShelterFlow(twin)
    return twin
