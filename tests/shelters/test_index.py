"""The grid index gives exactly the linear scan's answer, in cities, at sea and at the edges."""

from __future__ import annotations

import random

import pytest

from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site
from bot.shelters.index import SiteIndex
from bot.shelters.nearest import nearest


def _sites(rng: random.Random, n: int) -> list[Site]:
    out = []
    for i in range(n):
        # clustered like towns, plus a sparse rare disaster (volcano)
        town_lat, town_lon = rng.choice([(35.66, 139.33), (43.06, 141.35), (26.21, 127.68)])
        lat = town_lat + rng.gauss(0, 0.1)
        lon = town_lon + rng.gauss(0, 0.1)
        ds = {d for d in Disaster if d is not Disaster.VOLCANO and rng.random() < 0.4}
        if rng.random() < 0.01:
            ds.add(Disaster.VOLCANO)
        kind = "shelter" if rng.random() < 0.2 else "emergency"
        out.append(Site(kind, f"E{i}", f"site {i}", "", lat, lon, frozenset(ds), ""))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grid_equals_linear_scan(seed: int) -> None:
    rng = random.Random(seed)
    sites = _sites(rng, 3000)
    index = SiteIndex(sites)
    points = [(35.66, 139.33), (35.0, 135.0), (24.0, 123.0), (45.5, 148.0)]
    points += [(rng.uniform(24, 46), rng.uniform(123, 154)) for _ in range(30)]
    for lat, lon in points:
        for disaster in (None, Disaster.FLOOD, Disaster.VOLCANO):
            for limit in (1, 3, 7):
                want = nearest(sites, lat, lon, disaster, limit)
                got = index.nearest(lat, lon, disaster, limit)
                assert [h.distance_m for h in got] == pytest.approx([h.distance_m for h in want])
                assert [h.direction for h in got] == [h.direction for h in want]


def test_empty_and_undesignated() -> None:
    only_shelter = [Site("shelter", "S", "s", "", 35.0, 139.0, frozenset(), "")]
    assert SiteIndex(only_shelter).nearest(35.0, 139.0, None) == []
    assert SiteIndex([]).nearest(35.0, 139.0, Disaster.FLOOD, 3) == []
