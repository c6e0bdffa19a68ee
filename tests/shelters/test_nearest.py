"""Nearest designated sites on hand-placed points with hand-computed distances."""

from __future__ import annotations

import pytest

from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site
from bot.shelters.nearest import nearest


def _site(name: str, lat: float, lon: float, *ds: Disaster, kind: str = "emergency") -> Site:
    return Site(kind, name, name, "", lat, lon, frozenset(ds), "")


SITES = [
    _site("north-flood", 35.01, 139.0, Disaster.FLOOD),  # 1111.95 m north
    _site("east-quake", 35.0, 139.02, Disaster.EARTHQUAKE),  # 2*1111.95*cos(35°) = 1821.7 m
    _site("south-both", 34.97, 139.0, Disaster.FLOOD, Disaster.EARTHQUAKE),  # 3335.85 m
    _site("near-shelter", 35.0001, 139.0, kind="shelter"),  # a shelter, never an emergency hit
]


def test_only_designated_sites_nearest_first() -> None:
    hits = nearest(SITES, 35.0, 139.0, Disaster.FLOOD)
    assert [(h.site.name, h.direction) for h in hits] == [("north-flood", "N"), ("south-both", "S")]
    assert hits[0].distance_m == pytest.approx(1111.95, abs=0.1)
    assert hits[1].distance_m == pytest.approx(3335.85, abs=0.2)


def test_any_disaster_and_limit() -> None:
    hits = nearest(SITES, 35.0, 139.0, None, limit=2)
    assert [h.site.name for h in hits] == ["north-flood", "east-quake"]
    assert hits[1].distance_m == pytest.approx(1821.7, abs=1.0)


def test_none_designated_means_empty() -> None:
    assert nearest(SITES, 35.0, 139.0, Disaster.TSUNAMI) == []
