"""Distances and directions checked against values worked out by hand."""

from __future__ import annotations

import pytest

from bot.shelters.geo import GSI_COLUMNS, Disaster, bearing_deg, compass, haversine_m


def test_one_degree_of_latitude_is_about_111_km() -> None:
    # 2 * pi * 6371008.8 / 360 = 111195.08 m
    assert haversine_m(35.0, 139.0, 36.0, 139.0) == pytest.approx(111_195.08, abs=0.5)


def test_hachioji_station_to_tokyo_station() -> None:
    # JR Hachioji (35.6555, 139.3389) to Tokyo (35.6812, 139.7671): about 38.8 km east.
    d = haversine_m(35.6555, 139.3389, 35.6812, 139.7671)
    assert 38_500 < d < 39_100
    assert compass(bearing_deg(35.6555, 139.3389, 35.6812, 139.7671)) == "E"


@pytest.mark.parametrize(
    ("to", "expected"),
    [((36.0, 139.0), "N"), ((35.0, 140.0), "E"), ((34.0, 139.0), "S"), ((35.0, 138.0), "W"),
     ((35.5, 139.6), "NE"), ((34.5, 138.4), "SW")],
)
def test_compass_points(to: tuple[float, float], expected: str) -> None:
    assert compass(bearing_deg(35.0, 139.0, *to)) == expected


def test_all_eight_gsi_columns_map_to_distinct_disasters() -> None:
    assert set(GSI_COLUMNS.values()) == set(Disaster)
