"""The normalized store keeps every field of a site and knows how old the list is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.shelters import store
from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site

SITE = Site(
    "emergency", "E1320100001201", "明星大学", "東京都日野市程久保2-1-1",
    35.644671800517, 139.40710440413, frozenset({Disaster.EARTHQUAKE, Disaster.FLOOD}),
    "想定収容人数：地震（屋外）5575人, \"quoted\"",
)
SHELTER = Site("shelter", "E1320300001111", "武蔵野市立第五中学校", "東京都武蔵野市関前2-10-20",
               35.71058, 139.55139, frozenset(), "")


def test_round_trip(tmp_path: Path) -> None:
    store.save(tmp_path, [SITE, SHELTER], ["a.csv"], date(2026, 4, 1))
    assert store.load(tmp_path) == [SITE, SHELTER]
    assert store.load(tmp_path / "none") == []


def test_age_lines(tmp_path: Path) -> None:
    assert store.check_lines(tmp_path, date(2026, 4, 1)) == []
    store.save(tmp_path, [SITE], ["a.csv"], date(2025, 4, 1))
    fresh = store.check_lines(tmp_path, date(2026, 4, 1))
    assert fresh == [
        "shelters/imported.json: info: evacuation sites imported 2025-04-01 (365 days ago)"
    ]
    stale = store.check_lines(tmp_path, date(2026, 4, 2))
    assert len(stale) == 1 and ": warning: " in stale[0] and "366 days ago" in stale[0]
