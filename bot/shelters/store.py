"""The city's imported sites, kept as one normalized CSV under <knowledge>/shelters/.

Written by us (UTF-8, one row per site, disasters as ids) so loading needs no guessing
about encodings or columns; ``imported.json`` keeps the import date, because evacuation
sites change and staff must see when the list is stale (``resbot kb check``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site

SITES_FILE = "sites.csv"
META_FILE = "imported.json"
STALE_DAYS = 365
_FIELDS = ("kind", "common_id", "name", "address", "lat", "lon", "disasters", "remarks")


def folder(knowledge: Path) -> Path:
    return knowledge / "shelters"


def save(knowledge: Path, sites: list[Site], sources: list[str], when: date) -> None:
    """Replace the stored list (an import is the whole city's current list)."""
    out = folder(knowledge)
    out.mkdir(parents=True, exist_ok=True)
    with (out / SITES_FILE).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(_FIELDS)
        for s in sites:
            ds = " ".join(d.value for d in Disaster if d in s.disasters)
            writer.writerow(
                (s.kind, s.common_id, s.name, s.address, repr(s.lat), repr(s.lon), ds, s.remarks)
            )
    meta = {"imported": when.isoformat(), "sources": sources, "sites": len(sites)}
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")


def load(knowledge: Path) -> list[Site]:
    """The stored sites; [] when the city has imported none."""
    path = folder(knowledge) / SITES_FILE
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Site(
                kind=row["kind"], common_id=row["common_id"], name=row["name"],
                address=row["address"], lat=float(row["lat"]), lon=float(row["lon"]),
                disasters=frozenset(Disaster(d) for d in row["disasters"].split()),
                remarks=row["remarks"],
            )
            for row in csv.DictReader(fh)
        ]


@dataclass(frozen=True)
class Age:
    imported: date
    days: int

    @property
    def stale(self) -> bool:
        return self.days > STALE_DAYS


def age(knowledge: Path, today: date) -> Age | None:
    """How old the imported list is; None when nothing was imported."""
    path = folder(knowledge) / META_FILE
    if not path.exists():
        return None
    imported = date.fromisoformat(json.loads(path.read_text("utf-8"))["imported"])
    return Age(imported, (today - imported).days)


def check_lines(knowledge: Path, today: date) -> list[str]:
    """`kb check` lines: a warning when the list is over a year old, info otherwise."""
    a = age(knowledge, today)
    if a is None:
        return []
    where = f"{folder(knowledge).name}/{META_FILE}"
    if a.stale:
        return [f"{where}: warning: evacuation sites imported {a.imported} ({a.days} days ago); "
                "re-import the GSI lists with `resbot shelters import`"]
    return [f"{where}: info: evacuation sites imported {a.imported} ({a.days} days ago)"]
