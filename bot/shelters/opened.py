"""Which sites are open now, and the active disaster: the storage side.

A site is opened when a broadcast announcing it is sent (the moment residents are
told), and closed by staff from the broadcast pages. Each row is a snapshot of the
site (name, address, coordinates), so re-importing the GSI list later does not
change what residents were told. `live(store)` is what the service passes to the
core each turn (`bot.core.open_shelters.Live`); the core never reads this table.

    shelters_open   one row per opening: site snapshot, broadcast_id, opened/opened_by,
                    closed/closed_by (null while open); a site is open at most once
                    at a time (a partial unique index)

The active disaster is the `disaster` of the latest sent disaster broadcast that
names one (`notify_broadcasts.disaster`); "over" (the lifting template) ends it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.core.normalize import normalize
from bot.core.open_shelters import Live, OpenSite
from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site

if TYPE_CHECKING:
    from bot.storage import Store

OVER = "over"  # a template that ends the disaster (evacuation lifted)
AUDIT_FILE = "shelters_open"  # staff audit rows of closings: field = the site id
SCHEMA = """
create table if not exists shelters_open (
    id integer primary key,
    common_id text not null,
    kind text not null,
    name text not null,
    address text not null default '',
    lat real not null,
    lon real not null,
    disasters text not null default '',
    broadcast_id integer,
    opened text not null,
    opened_by text not null default '',
    closed text,
    closed_by text
);
create unique index if not exists shelters_open_now on shelters_open (common_id)
    where closed is null;
"""


def migrate(db: sqlite_utils.Database) -> None:
    """Create the table if missing (idempotent, called by `Store._migrate`)."""
    db.conn.executescript(SCHEMA)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def snapshot(site: Site) -> dict[str, Any]:
    """A site as stored with a broadcast (JSON) and in `shelters_open`."""
    return {
        "common_id": site.common_id,
        "kind": site.kind,
        "name": site.name,
        "address": site.address,
        "lat": site.lat,
        "lon": site.lon,
        "disasters": sorted(d.value for d in site.disasters),
    }


def from_snapshot(data: Mapping[str, Any], since: str = "") -> OpenSite:
    return OpenSite(
        common_id=str(data["common_id"]),
        kind=str(data["kind"]),
        name=str(data["name"]),
        address=str(data.get("address") or ""),
        lat=float(data["lat"]),
        lon=float(data["lon"]),
        disasters=frozenset(str(d) for d in data.get("disasters") or ()),
        since=since,
    )


def open_sites(
    store: Store, sites: Iterable[Mapping[str, Any]], by: str, broadcast_id: int | None
) -> int:
    """Mark these sites (snapshots) open; a site already open keeps its first row.
    Returns how many were newly opened."""
    added = 0
    now = _now()
    with store.lock:
        for s in sites:
            cur = store.db.conn.execute(
                "insert into shelters_open (common_id, kind, name, address, lat,"
                " lon, disasters, broadcast_id, opened, opened_by)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
                [
                    s["common_id"], s["kind"], s["name"], s.get("address") or "",
                    float(s["lat"]), float(s["lon"]), " ".join(s.get("disasters") or ()),
                    broadcast_id, now, by,
                ],
            )
            added += cur.rowcount
    return added


def close(store: Store, common_id: str, by: str) -> bool:
    """Close an open site; False when it was not open."""
    with store.lock:
        cur = store.db.conn.execute(
            "update shelters_open set closed = ?, closed_by = ? where common_id = ?"
            " and closed is null",
            [_now(), by, common_id],
        )
    return cur.rowcount > 0


def rows(store: Store, *, include_closed: bool = False, broadcast_id: int | None = None
         ) -> list[dict[str, Any]]:
    """The openings as dicts, newest first (for the staff pages)."""
    where, args = [], []
    if not include_closed:
        where.append("closed is null")
    if broadcast_id is not None:
        where.append("broadcast_id = ?")
        args.append(broadcast_id)
    sql = "select * from shelters_open"
    if where:
        sql += " where " + " and ".join(where)
    with store.lock:
        cur = store.db.conn.execute(sql + " order by opened desc, id desc", args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def latest(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The latest opening of each of these sites (open or closed), by site id."""
    wanted = set(ids)
    out: dict[str, dict[str, Any]] = {}
    for r in rows(store, include_closed=True):  # newest first
        if r["common_id"] in wanted and r["common_id"] not in out:
            out[r["common_id"]] = r
    return out


def current(store: Store) -> tuple[OpenSite, ...]:
    """The sites open now, in the order they were opened."""
    found = rows(store)
    found.reverse()
    return tuple(
        OpenSite(
            common_id=r["common_id"], kind=r["kind"], name=r["name"], address=r["address"],
            lat=float(r["lat"]), lon=float(r["lon"]),
            disasters=frozenset(r["disasters"].split()), since=r["opened"],
        )
        for r in found
    )


def active_disaster(store: Store) -> str | None:
    """The disaster type (`Disaster` value) of the latest SENT disaster broadcast that
    names one, so "nearest site" answers can default to it; None when none did, or
    when that broadcast ended it (evacuation lifted)."""
    with store.lock:
        row = store.db.conn.execute(
            "select disaster from notify_broadcasts where kind = 'disaster' and state != 'draft'"
            " and disaster is not null and disaster != '' order by queued desc, id desc limit 1"
        ).fetchone()
    if row is None or row[0] == OVER:
        return None
    value = str(row[0])
    return value if value in {d.value for d in Disaster} else None


def live(store: Store) -> Live:
    """What the core needs each turn: open sites and the active disaster."""
    return Live(open_sites=current(store), disaster=active_disaster(store))


def sites_json(sites: Iterable[Site]) -> str:
    return json.dumps([snapshot(s) for s in sites], ensure_ascii=False)


def find(sites: Iterable[Site], query: str, limit: int = 20) -> list[Site]:
    """Sites whose name or address contains every word of `query` (width, case and
    kana folded, so ｶﾀｶﾅ/ひらがな and full-width digits match), in list order.
    The whole list (a city's few hundred rows) is scanned: no index needed."""
    words = normalize(query).split()
    if not words:
        return []
    out = []
    for s in sites:
        hay = normalize(f"{s.name} {s.address}")
        if all(w in hay for w in words):
            out.append(s)
            if len(out) >= limit:
                break
    return out
