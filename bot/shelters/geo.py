"""Great-circle distance and compass direction between published site coordinates.

Hand-written on purpose: haversine and an initial bearing are two textbook formulas on
``math``; pulling numpy/scipy into the core dependencies for them alone is not worth it.
A vectorised nearest-N over a national list belongs in a later module, measured in bench/.
"""

from __future__ import annotations

import math
from enum import StrEnum

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius, metres


class Disaster(StrEnum):
    """The eight disaster columns of the GSI emergency-site CSV, in published order."""

    FLOOD = "flood"  # 洪水
    LANDSLIDE = "landslide"  # 崖崩れ、土石流及び地滑り
    STORM_SURGE = "storm_surge"  # 高潮
    EARTHQUAKE = "earthquake"  # 地震
    TSUNAMI = "tsunami"  # 津波
    FIRE = "fire"  # 大規模な火事
    INLAND_FLOOD = "inland_flood"  # 内水氾濫
    VOLCANO = "volcano"  # 火山現象


GSI_COLUMNS: dict[str, Disaster] = {
    "洪水": Disaster.FLOOD,
    "崖崩れ、土石流及び地滑り": Disaster.LANDSLIDE,
    "高潮": Disaster.STORM_SURGE,
    "地震": Disaster.EARTHQUAKE,
    "津波": Disaster.TSUNAMI,
    "大規模な火事": Disaster.FIRE,
    "内水氾濫": Disaster.INLAND_FLOOD,
    "火山現象": Disaster.VOLCANO,
}

_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres on a sphere; ample for 'which site is nearer' at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from the first point to the second, degrees clockwise from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


def compass(bearing: float) -> str:
    """One of eight compass points, so a resident can say 'walk north-east'."""
    return _COMPASS[int((bearing % 360.0 + 22.5) // 45.0) % 8]
