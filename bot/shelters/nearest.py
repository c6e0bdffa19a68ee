"""Nearest sites designated for a disaster: the core of "where do I go?".

A linear scan with ``heapq.nsmallest`` is exact and fine for one city's few hundred rows;
the 120,000-row national target (bench/shelters.py, not written yet) may need numpy.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from bot.shelters.geo import Disaster, bearing_deg, compass, haversine_m
from bot.shelters.gsi_csv import Site


@dataclass(frozen=True)
class Hit:
    """A site with its distance (metres) and compass direction from the resident."""

    site: Site
    distance_m: float
    direction: str


def nearest(
    sites: Iterable[Site], lat: float, lon: float, disaster: Disaster | None, limit: int = 3
) -> list[Hit]:
    """Emergency sites designated for ``disaster`` (any disaster if None), nearest first.

    Never returns a site not designated for the disaster: an empty list means "none".
    """
    eligible = (
        s for s in sites
        if s.kind == "emergency" and (s.disasters if disaster is None else disaster in s.disasters)
    )
    scored = ((haversine_m(lat, lon, s.lat, s.lon), s) for s in eligible)
    best = heapq.nsmallest(limit, scored, key=lambda pair: pair[0])
    return [Hit(s, d, compass(bearing_deg(lat, lon, s.lat, s.lon))) for d, s in best]
