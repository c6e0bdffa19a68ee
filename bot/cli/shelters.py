"""`resbot shelters ...`: import the GSI evacuation-site lists, find the nearest sites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.garbage import today
from bot.shelters import store
from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site, parse_file
from bot.shelters.index import SiteIndex

from .context import settings

shelters_app = typer.Typer(
    help="Designated evacuation sites (GSI open data): import, nearest sites for a disaster.",
    no_args_is_help=True,
)
TYPES = " ".join(d.value for d in Disaster)


@shelters_app.command("import")
def import_cmd(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="GSI CSVs (emergency sites, shelters).")],
) -> None:
    """Replace <knowledge>/shelters/ with the sites of these GSI CSV files.

    Rows with unusable coordinates are listed with file and line and skipped; marks
    read with doubt are listed as warnings. Exits 1, writing nothing, when a file is
    missing, is not a site list (no name or coordinate column), or no row could be read.

    Example: resbot shelters import emergency-sites.csv shelters.csv
    """
    sites: list[Site] = []
    bad = 0
    for path in files:
        if not path.is_file():
            typer.echo(f"{path}: no such file", err=True)
            raise typer.Exit(1)
        result = parse_file(path)
        for line, why in result.errors:
            typer.echo(f"{path}:{line}: {why}")
        for line, why in result.warnings:
            typer.echo(f"{path}:{line}: warning: {why}")
        if any(line == 1 for line, _ in result.errors):
            typer.echo(f"{path}: not imported; nothing was changed", err=True)
            raise typer.Exit(1)
        kinds = {k: sum(s.kind == k for s in result.sites) for k in ("emergency", "shelter")}
        typer.echo(
            f"{path}: {kinds['emergency']} emergency site(s), {kinds['shelter']} shelter(s), "
            f"{len(result.errors)} bad row(s)"
        )
        sites += result.sites
        bad += len(result.errors)
    if not sites:
        typer.echo("nothing imported: no usable row", err=True)
        raise typer.Exit(1)
    knowledge = settings(ctx).knowledge_dir
    store.save(knowledge, sites, [p.name for p in files], today())
    emergency = sum(s.kind == "emergency" for s in sites)
    typer.echo(
        f"imported {len(sites)} site(s) ({emergency} emergency, {len(sites) - emergency} "
        f"shelter) into {store.folder(knowledge)}; {bad} bad row(s) skipped"
    )


def _point(text: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not LAT,LON (e.g. 35.6559,139.3389)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise typer.BadParameter(f"{text!r} is outside the globe")
    return lat, lon


@shelters_app.command("near")
def near_cmd(
    ctx: typer.Context,
    point: Annotated[str, typer.Argument(metavar="LAT,LON", help="Where the resident is.")],
    disaster: Annotated[
        str | None, typer.Option("--disaster", help=f"One of: {TYPES}. Default: any.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=50, help="How many sites.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The nearest designated emergency sites for a disaster, nearest first.

    Exits 1 when no sites were imported.

    Example: resbot shelters near 35.6559,139.3389 --disaster flood --json
    """
    lat, lon = _point(point)
    try:
        kind = Disaster(disaster) if disaster is not None else None
    except ValueError:
        raise typer.BadParameter(
            f"unknown disaster {disaster!r}; use one of: {TYPES}", param_hint="--disaster"
        ) from None
    knowledge = settings(ctx).knowledge_dir
    sites = store.load(knowledge)
    if not sites:
        typer.echo(
            f"no evacuation sites in {store.folder(knowledge)}; "
            "import the GSI lists with: resbot shelters import FILE...",
            err=True,
        )
        raise typer.Exit(1)
    index = SiteIndex(sites)
    hits = index.nearest(lat, lon, kind, limit)
    if as_json:
        out = {
            "from": [lat, lon],
            "disaster": kind.value if kind else None,
            "sites": [
                {
                    "name": h.site.name, "address": h.site.address,
                    "lat": h.site.lat, "lon": h.site.lon,
                    "distance_m": round(h.distance_m, 1),
                    "direction": h.direction,
                    "disasters": [d.value for d in Disaster if d in h.site.disasters],
                    "remarks": h.site.remarks,
                }
                for h in hits
            ],
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    what = f"for {kind.value}" if kind else "for any disaster"
    if not hits:
        typer.echo(
            f"no designated emergency site {what} among the {len(sites)} imported site(s) "
            "(shelters are not emergency sites)"
        )
        return
    typer.echo(f"nearest emergency sites {what} from {lat},{lon}:")
    for h in hits:
        typer.echo(f"  {h.distance_m:7.0f} m {h.direction:<2}  {h.site.name}  ({h.site.address})")
        if h.site.remarks:
            typer.echo(f"           {h.site.remarks}")
