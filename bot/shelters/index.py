"""Nearest designated sites over a national list, fast: a lat/lon grid of cells.

The linear scan in ``nearest.py`` is ~100 ms over 120,000 sites; the grid looks at the
rings of cells around the resident only until no unvisited cell can hold a nearer site
(a lower bound from the haversine formula), so a lookup touches a few dozen sites.
Far from any site (at sea, a rare disaster) the rings would grow large, so after a few
rings one vectorized pass (numpy, already loaded for the answer index) ranks every site
of the grid by haversine's monotone ``a`` term: ~2 ms over 120,000 sites, whatever the
point. Results equal ``nearest.nearest`` (tests compare the two).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Collection, Iterable

import numpy as np

from bot.shelters.geo import EARTH_RADIUS_M, Disaster, bearing_deg, compass, haversine_m
from bot.shelters.gsi_csv import Site
from bot.shelters.nearest import Hit

FINE_DEG = 0.02  # about 2.2 km north-south: a few sites per cell in a dense city
MAX_RINGS = 8  # fine rings tried before the vectorized pass takes over


def _unvisited_bound_m(lat: float, r: int, cell_deg: float) -> float:
    """No site outside rings 0..r of the resident's cell is nearer than this.

    Such a site is >= r cells away in latitude (distance >= R*dlat), or >= r cells in
    longitude with latitude <= |lat|+(r+1) cells, where haversine gives
    sin(d/2R) >= cos(maxlat)*sin(dlon/2).
    """
    span = math.radians(r * cell_deg)
    max_lat = math.radians(min(90.0, abs(lat) + (r + 1) * cell_deg))
    by_lat = EARTH_RADIUS_M * span
    by_lon = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.cos(max_lat) * math.sin(span / 2)))
    return min(by_lat, by_lon)


def _cell_bound_m(key: tuple[int, int], size: float, lat: float, lon: float) -> float:
    """No point of this cell is nearer than this: a lower bound of the haversine formula."""
    lat0, lon0 = key[0] * size, key[1] * size
    dlat = max(lat0 - lat, lat - (lat0 + size), 0.0)
    dlon = max(lon0 - lon, lon - (lon0 + size), 0.0)
    max_lat = math.radians(min(90.0, max(abs(lat), abs(lat0), abs(lat0 + size))))
    # haversine's a = sin^2(dlat/2) + cos(lat1)cos(lat2) sin^2(dlon/2), each term bounded
    a = math.sin(math.radians(dlat) / 2) ** 2 + (
        math.cos(max_lat) * math.sin(math.radians(dlon) / 2)
    ) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


_Best = list[tuple[float, int, Site]]  # max-heap of (-distance, tie-break, site)


class _Grid:
    def __init__(self, sites: Iterable[Site]) -> None:
        self.sites = list(sites)
        self.cells: dict[tuple[int, int], list[Site]] = defaultdict(list)
        for s in self.sites:
            self.cells[self._cell(s.lat, s.lon)].append(s)
        # radians and cos(lat) of every site, made on the first far-away lookup only
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / FINE_DEG), math.floor(lon / FINE_DEG)

    def nearest(self, lat: float, lon: float, limit: int) -> list[tuple[float, Site]]:
        """Exact nearest ``limit`` sites: rings of cells near sites, one pass far from them."""
        if not self.cells or limit <= 0:
            return []
        best: _Best = []
        if not self._fine(best, lat, lon, limit):
            return self._everywhere(lat, lon, limit)
        return [(-d, s) for d, _, s in sorted(best, key=lambda t: (-t[0], t[1]))]

    def _fine(self, best: _Best, lat: float, lon: float, limit: int) -> bool:
        ci, cj = self._cell(lat, lon)
        for r in range(MAX_RINGS + 1):
            for key in _ring(ci, cj, r):
                found = self.cells.get(key)
                if found is not None:
                    self._visit(best, key, found, lat, lon, limit)
            if len(best) == limit and -best[0][0] <= _unvisited_bound_m(lat, r, FINE_DEG):
                return True
        return False

    def _everywhere(self, lat: float, lon: float, limit: int) -> list[tuple[float, Site]]:
        """Rank all sites at once. ``a`` of the haversine formula grows with distance, so
        its smallest values are the nearest sites; their distances are then computed
        exactly as the linear scan does (``haversine_m``)."""
        if self._arrays is None:
            # float32: 3x faster than float64; its ~0.4 m rounding only matters between
            # sites at nearly the same distance, which the exact re-ranking below sorts out
            lats = np.radians(np.array([s.lat for s in self.sites], dtype=np.float32))
            lons = np.radians(np.array([s.lon for s in self.sites], dtype=np.float32))
            self._arrays = (lats, lons, np.cos(lats))
        lats, lons, cos_lats = self._arrays
        phi, lam = math.radians(lat), math.radians(lon)
        a = lats - np.float32(phi)  # in place from here on: no temporary arrays
        a *= 0.5
        np.sin(a, out=a)
        a *= a
        b = lons - np.float32(lam)
        b *= 0.5
        np.sin(b, out=b)
        b *= b
        b *= cos_lats
        b *= np.float32(math.cos(phi))
        a += b
        # more than asked, so sites at (nearly) equal distance are ranked exactly below
        take = min(len(self.sites), limit + 8)
        picked = np.argpartition(a, take - 1)[:take] if take < len(self.sites) else range(take)
        scored = [(haversine_m(lat, lon, self.sites[i].lat, self.sites[i].lon), int(i))
                  for i in picked]
        scored.sort()
        return [(d, self.sites[i]) for d, i in scored[:limit]]

    def _visit(
        self, best: _Best, key: tuple[int, int], sites: list[Site],
        lat: float, lon: float, limit: int,
    ) -> None:
        if len(best) < limit or _cell_bound_m(key, FINE_DEG, lat, lon) < -best[0][0]:
            self._score(best, sites, lat, lon, limit)

    @staticmethod
    def _score(best: _Best, sites: list[Site], lat: float, lon: float, limit: int) -> None:
        for s in sites:
            d = haversine_m(lat, lon, s.lat, s.lon)
            item = (-d, -id(s), s)
            if len(best) < limit:
                heapq.heappush(best, item)
            elif d < -best[0][0]:
                heapq.heapreplace(best, item)


def _ring(ci: int, cj: int, r: int) -> Iterable[tuple[int, int]]:
    if r == 0:
        yield ci, cj
        return
    for j in range(cj - r, cj + r + 1):
        yield ci - r, j
        yield ci + r, j
    for i in range(ci - r + 1, ci + r):
        yield i, cj - r
        yield i, cj + r


class SiteIndex:
    """Emergency sites by disaster, one grid each, built on first use or by ``warm``."""

    def __init__(self, sites: Iterable[Site]) -> None:
        self.all_sites = list(sites)  # shelters too: `only_ids` may name them
        self.sites = [s for s in self.all_sites if s.kind == "emergency" and s.disasters]
        self._grids: dict[Disaster | None, _Grid] = {}

    def warm(self) -> SiteIndex:
        """Build every disaster's grid now (at server start), not on a resident's question."""
        for disaster in Disaster:
            if any(disaster in s.disasters for s in self.sites):
                self._grid(disaster)
        return self

    def _grid(self, disaster: Disaster | None) -> _Grid:
        if disaster not in self._grids:
            chosen = self.sites if disaster is None else [
                s for s in self.sites if disaster in s.disasters
            ]
            self._grids[disaster] = _Grid(chosen)
        return self._grids[disaster]

    def nearest(
        self,
        lat: float,
        lon: float,
        disaster: Disaster | None,
        limit: int = 3,
        *,
        only_ids: Collection[str] | None = None,
    ) -> list[Hit]:
        """Same contract as ``nearest.nearest``: only designated sites, nearest first.

        ``only_ids`` limits the answer to these common ids (e.g. the shelters opened
        today): a short list, scanned directly; with ``disaster`` None it may include
        designated shelters (指定避難所), which are designated for no disaster.
        """
        if only_ids is not None:
            return self._among(lat, lon, disaster, limit, set(only_ids))
        return [
            Hit(s, d, compass(bearing_deg(lat, lon, s.lat, s.lon)))
            for d, s in self._grid(disaster).nearest(lat, lon, limit)
        ]

    def _among(
        self, lat: float, lon: float, disaster: Disaster | None, limit: int, ids: set[str]
    ) -> list[Hit]:
        seen: set[str] = set()
        chosen: list[Site] = []
        for s in self.all_sites:  # an id in both lists counts once (its first row)
            if s.common_id in ids and s.common_id not in seen and (
                disaster is None or disaster in s.disasters
            ):
                seen.add(s.common_id)
                chosen.append(s)
        scored = heapq.nsmallest(
            limit, ((haversine_m(lat, lon, s.lat, s.lon), s) for s in chosen), key=lambda p: p[0]
        )
        return [Hit(s, d, compass(bearing_deg(lat, lon, s.lat, s.lon))) for d, s in scored]
