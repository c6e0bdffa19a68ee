"""Several cities in one install: `cities.yaml` names them, one server serves them.

A city is a folder with `knowledge/` and `translations/` side by side (as this
checkout's top level is one, see `bot.core.layout`), its own database (a SQLite
file, or its own schema on one PostgreSQL database), its own LINE channel and
Telegram bot (secrets from the environment, named after the city) and its own
path on the server: `/c/<id>/` for the web chat, `/c/<id>/line/webhook`,
`/c/<id>/telegram/webhook` and `/c/<id>/staff/`. Residents are routed by the
channel they write to, so a city never answers another city's residents.

Staff accounts are the install's (one table, `install_db`), each naming the
cities it may open (`*`: all of them, an install admin). Without `cities.yaml`
nothing here is used: one city, as before.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from bot import db as pg
from bot.config import Settings, load_settings
from bot.core.layout import INTERFACE, MESSAGES, translations_dir

ENV_VAR = "RESBOT_CITIES"
DEFAULT_FILE = "cities.yaml"
ID_RE = re.compile(r"[a-z][a-z0-9_]{1,30}")
# The secrets each city reads from the environment, CITY_<ID>_<NAME>.
CITY_SECRETS = {
    "line_channel_secret": "LINE_CHANNEL_SECRET",
    "line_access_token": "LINE_CHANNEL_ACCESS_TOKEN",
    "telegram_token": "TELEGRAM_BOT_TOKEN",
    "telegram_secret_token": "TELEGRAM_SECRET_TOKEN",
}


class InstallError(ValueError):
    """cities.yaml or a city folder cannot be used, with what to fix."""


@dataclass(frozen=True)
class City:
    id: str
    name: str
    folder: Path  # holds knowledge/ and translations/
    db: Path  # its SQLite file (unused on PostgreSQL: its schema is `schema`)

    @property
    def knowledge(self) -> Path:
        return self.folder / "knowledge"

    @property
    def prefix(self) -> str:
        """Where its pages and webhooks are on the install's server."""
        return f"/c/{self.id}"

    @property
    def schema(self) -> str:
        return f"city_{self.id}"

    def env_name(self, name: str) -> str:
        return f"CITY_{self.id.upper()}_{name}"


def cities_file() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_FILE)


def is_install(path: Path | None = None) -> bool:
    """True when an install file names cities (several cities in one server)."""
    return (path or cities_file()).is_file()


def load_cities(path: Path | None = None) -> list[City]:
    path = path or cities_file()
    if not path.is_file():
        return []
    base = path.absolute().parent
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InstallError(f"{path}: not valid YAML: {exc}") from exc
    rows = data.get("cities") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise InstallError(f"{path}: expected a list under 'cities:'")
    cities: list[City] = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise InstallError(f"{path}: city {n} has no id")
        cid = row["id"]
        if not ID_RE.fullmatch(cid):
            raise InstallError(
                f"{path}: city id {cid!r}: 2-31 characters, lowercase letters, digits and _,"
                " starting with a letter"
            )
        if any(c.id == cid for c in cities):
            raise InstallError(f"{path}: city id {cid!r} appears twice")
        folder = base / str(row.get("folder") or f"cities/{cid}")
        db = base / str(row.get("db") or f"var/cities/{cid}.sqlite3")
        cities.append(City(cid, str(row.get("name") or cid), folder, db))
    return cities


def find_city(city_id: str, path: Path | None = None) -> City:
    cities = load_cities(path)
    for city in cities:
        if city.id == city_id:
            return city
    known = ", ".join(c.id for c in cities) or f"none: no {path or cities_file()}"
    raise InstallError(f"no city {city_id!r} in this install (cities: {known})")


def add_city(
    city_id: str, name: str, source: Path, path: Path | None = None, folder: Path | None = None
) -> City:
    """Add a city to cities.yaml, its folder started from `source` (a knowledge
    folder): the entries and the content catalogues are copied, to be made the
    city's own on its staff pages; the interface phrases ship with the product."""
    path = path or cities_file()
    if not ID_RE.fullmatch(city_id):
        raise InstallError(
            f"city id {city_id!r}: 2-31 characters, lowercase letters, digits and _,"
            " starting with a letter"
        )
    cities = load_cities(path)
    if any(c.id == city_id for c in cities):
        raise InstallError(f"there is already a city {city_id!r} in {path}")
    if not (source / "city.yaml").is_file():
        raise InstallError(f"{source} is not a knowledge folder (no city.yaml)")
    rel_folder = folder or Path("cities") / city_id
    target = path.absolute().parent / rel_folder
    if (target / "knowledge").exists():
        raise InstallError(f"{target / 'knowledge'} exists already: choose another folder")
    shutil.copytree(source, target / "knowledge")
    src_tr, dst_tr = translations_dir(source), target / "translations"
    if src_tr.is_dir():
        for po in sorted(src_tr.glob(f"*/{MESSAGES}/*.po")):
            if po.stem == INTERFACE:
                continue
            out = dst_tr / po.relative_to(src_tr)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(po, out)
    data: dict[str, object] = {"cities": []}
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {"cities": []}
    rows = data.setdefault("cities", [])
    assert isinstance(rows, list)
    rows.append({"id": city_id, "name": name, "folder": rel_folder.as_posix()})
    header = (
        "# Cities served by this install (README: Several cities in one install).\n"
        "# Each: id (its path /c/<id>/ and CITY_<ID>_* secrets), name, folder\n"
        "# (knowledge/ + translations/), db (SQLite file, default var/cities/<id>.sqlite3).\n"
    )
    path.write_text(
        header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return find_city(city_id, path)


def with_schema(url: str, schema: str) -> str:
    """The PostgreSQL URL with `search_path` set to one schema: every table the
    code creates and reads is then that city's (bot.db names no schema)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def schema_of(url: str) -> str | None:
    """The schema a URL made by `with_schema` is set to, else None."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "options" and value.startswith("-csearch_path="):
            return value.removeprefix("-csearch_path=").split(",")[0]
    return None


def _install_url(env_file: str) -> str | None:
    base = load_settings(env_file).database_url
    return str(base) if base else None


def city_settings(city: City, env_file: str = ".env", **overrides: object) -> Settings:
    """The install's settings made the city's: its folder, its database, its
    platform secrets, its public URLs under /c/<id>."""
    from starlette.config import Config
    from starlette.datastructures import Secret

    config = Config(env_file if Path(env_file).exists() else None)
    values: dict[str, object] = {"knowledge": city.knowledge, "db_path": city.db}
    for field, name in CITY_SECRETS.items():
        value = config(city.env_name(name), cast=str, default="")
        values[field] = Secret(value) if value else None
    base = load_settings(env_file)
    values["public_base_url"] = base.public_base_url.rstrip("/") + city.prefix
    url = _install_url(env_file)
    if url:
        values["database_url"] = Secret(with_schema(url, city.schema))
    values.update(overrides)
    return load_settings(env_file, **values)


def install_db(env_file: str = ".env") -> Path | str:
    """Where the install's staff accounts and sessions are: a SQLite file beside
    the cities' databases, or the schema `install` on the install's PostgreSQL."""
    url = _install_url(env_file)
    if url:
        return with_schema(url, "install")
    return Path("var") / "install.sqlite3"


def database_of(city: City, env_file: str = ".env") -> Path | str:
    """The city's database: its SQLite file, or its schema on PostgreSQL."""
    url = city_settings(city, env_file).database_url
    return str(url) if url else city.db


def uses_postgresql(target: Path | str) -> bool:
    return pg.is_pg_url(target)
