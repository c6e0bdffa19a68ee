"""`resbot shelters find / opened / close`: the open sites from the command line.

The staff pages do the same (`/staff/broadcasts`); these help on a server without a
browser. Opening a site is sending its broadcast (`resbot broadcast -t shelter_open
--site ID --send`), so residents are told at the moment it counts as open.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.shelters import opened
from bot.shelters import store as site_store

from .context import settings
from .shelters import shelters_app

__all__ = ["shelters_app"]


@shelters_app.command("find")
def find_cmd(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words of the name or address.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 20,
) -> None:
    """Imported sites whose name or address has every word: their 共通ID for --site.

    Example: resbot shelters find 横川町
    """
    sites = site_store.load(settings(ctx).knowledge_dir)
    for s in opened.find(sites, query, limit):
        typer.echo(f"{s.common_id}  {s.kind:<9}  {s.name}  ({s.address})")


@shelters_app.command("opened")
def opened_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The sites open now (opened by a sent broadcast), and the active disaster.

    Example: resbot shelters opened --json
    """
    from bot.storage import Store

    store = Store(settings(ctx).db_path)
    rows = opened.rows(store)
    disaster = opened.active_disaster(store)
    if as_json:
        keep = ("common_id", "kind", "name", "address", "broadcast_id", "opened", "opened_by")
        out = {"disaster": disaster, "open": [{k: r[k] for k in keep} for r in rows]}
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(f"active disaster: {disaster or 'none'}")
    for r in rows:
        typer.echo(f"{r['common_id']}  {r['name']}  ({r['address']})  since {r['opened']}"
                   f" by {r['opened_by'] or '-'} (#{r['broadcast_id']})")  # fmt: skip
    typer.echo(f"{len(rows)} open site(s)")


@shelters_app.command("close")
def close_cmd(
    ctx: typer.Context,
    site_id: Annotated[str, typer.Argument(metavar="ID", help="The site's 共通ID.")],
    by: Annotated[str, typer.Option("--by", help="Who closes it.")] = "",
) -> None:
    """Close an open site: "which shelters are open?" stops listing it. Exits 1 if it
    was not open.

    Example: resbot shelters close E1320100006111 --by tanaka
    """
    from bot.storage import Store

    if not opened.close(Store(settings(ctx).db_path), site_id, by):
        typer.echo(f"{site_id} is not open", err=True)
        raise typer.Exit(1)
    typer.echo(f"closed {site_id}")
