"""cities.yaml and what a city is made of (bot.install), on SQLite and on one
PostgreSQL database with a schema per city."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.layout import translations_dir
from bot.install import (
    InstallError,
    add_city,
    city_settings,
    database_of,
    find_city,
    install_db,
    load_cities,
    with_schema,
)
from bot.staff.accounts import Accounts
from bot.staff.roles import Role
from bot.storage import Store
from tests.conftest import REPO
from tests.pg import Cluster

PASSWORD = "correct horse battery"


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RESBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("RESBOT_CITIES", str(tmp_path / "cities.yaml"))
    return tmp_path


def test_no_cities_file_is_a_one_city_install(here: Path) -> None:
    assert load_cities() == []
    with pytest.raises(InstallError, match="no city 'aoba'"):
        find_city("aoba")


def test_add_city_copies_the_content_and_leaves_the_interface_to_the_product(
    here: Path,
) -> None:
    city = add_city("aoba", "青葉市", REPO / "knowledge")
    assert (city.knowledge / "city.yaml").is_file()
    assert (city.knowledge / "garbage" / "area_days.csv").is_file()
    copied = sorted(p.name for p in (city.folder / "translations" / "vi" / "LC_MESSAGES").iterdir())
    shipped = sorted(
        p.name
        for p in (translations_dir(REPO / "knowledge") / "vi" / "LC_MESSAGES").glob("*.po")
        if p.stem != "interface"
    )
    assert copied == shipped and "interface.po" not in copied
    assert [c.id for c in load_cities()] == ["aoba"]
    assert find_city("aoba").db == here / "var" / "cities" / "aoba.sqlite3"
    assert city.prefix == "/c/aoba"


@pytest.mark.parametrize("bad", ["A", "x", "1city", "has-dash", "a" * 40])
def test_city_ids_are_short_lowercase_names(here: Path, bad: str) -> None:
    with pytest.raises(InstallError, match="city id"):
        add_city(bad, "x", REPO / "knowledge")


def test_a_city_is_added_once_and_only_from_a_knowledge_folder(here: Path) -> None:
    add_city("aoba", "青葉市", REPO / "knowledge")
    with pytest.raises(InstallError, match="already a city"):
        add_city("aoba", "again", REPO / "knowledge")
    with pytest.raises(InstallError, match="not a knowledge folder"):
        add_city("sakura", "桜市", here)


def test_a_broken_cities_file_says_what_is_wrong(here: Path) -> None:
    (here / "cities.yaml").write_text("cities:\n  - id: aoba\n  - id: aoba\n")
    with pytest.raises(InstallError, match="appears twice"):
        load_cities()
    (here / "cities.yaml").write_text("cities: {aoba: 1}\n")
    with pytest.raises(InstallError, match="expected a list"):
        load_cities()
    (here / "cities.yaml").write_text("cities: [\n")
    with pytest.raises(InstallError, match="not valid YAML"):
        load_cities()


def test_city_settings_take_the_citys_own_secrets_and_urls(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = add_city("aoba", "青葉市", REPO / "knowledge")
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "the-one-city-secret")
    monkeypatch.setenv("CITY_AOBA_LINE_CHANNEL_SECRET", "aoba-secret")
    monkeypatch.setenv("CITY_AOBA_LINE_CHANNEL_ACCESS_TOKEN", "aoba-token")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.jp/")
    conf = city_settings(city)
    assert str(conf.line_channel_secret) == "aoba-secret"
    assert conf.line_enabled and not conf.telegram_enabled
    assert conf.public_base_url == "https://bot.example.jp/c/aoba"
    assert conf.knowledge == city.knowledge and conf.db_path == city.db
    assert conf.database_url is None


def test_with_schema_sets_the_search_path_and_keeps_the_rest() -> None:
    url = with_schema("postgresql://u:p@db.example:5432/resbot?sslmode=require", "city_aoba")
    assert url.startswith("postgresql://u:p@db.example:5432/resbot?")
    assert "sslmode=require" in url and "options=-csearch_path%3Dcity_aoba" in url
    again = with_schema(url, "install")
    assert again.count("options=") == 1 and "city_aoba" not in again


def test_cities_on_one_postgresql_keep_their_data_apart(
    here: Path, pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_cluster.new_database()
    monkeypatch.setenv("RESBOT_DATABASE_URL", url)
    add_city("aoba", "青葉市", REPO / "knowledge")
    add_city("sakura", "桜市", REPO / "knowledge")
    aoba, sakura = (Store(database_of(c)) for c in load_cities())
    assert aoba.is_pg and sakura.is_pg
    aoba.db.execute(
        "insert into feedback (ts, user_key, entry, helpful) values (?, ?, ?, ?)",
        ["2026-12-01T00:00:00", "k", "garbage-days", 1],
    )
    assert next(iter(aoba.db.query("select count(*) as n from feedback")))["n"] == 1
    assert next(iter(sakura.db.query("select count(*) as n from feedback")))["n"] == 0
    schemas = {
        r["s"]
        for r in aoba.db.query(
            "select schemaname as s from pg_tables where tablename = 'interactions'"
        )
    }
    assert schemas == {"city_aoba", "city_sakura"}
    # The staff accounts are the install's, in their own schema.
    target = install_db()
    assert isinstance(target, str) and "search_path%3Dinstall" in target
    Accounts(Store(target)).add("pref", Role.admin, PASSWORD)
    assert Accounts(Store(target), "aoba").all() == []
    assert Accounts(Store(target)).get("pref") is not None


def test_one_city_view_of_the_accounts(here: Path) -> None:
    accounts = Accounts(Store(here / "install.sqlite3"))
    accounts.add("pref", Role.admin, PASSWORD)
    aoba = Accounts(accounts.store, "aoba")
    made = aoba.add("tanaka", Role.editor, PASSWORD)
    assert made.cities == "aoba" and made.may_open("aoba") and not made.may_open("sakura")
    Accounts(accounts.store, "sakura").add("suzuki", Role.admin, PASSWORD)
    assert [a.name for a in aoba.all()] == ["tanaka"]
    assert aoba.managed("suzuki") is None and aoba.managed("pref") is None
    from bot.staff.accounts import AccountError

    with pytest.raises(AccountError, match="no account"):
        aoba.set_role("suzuki", Role.viewer)
    # The install admin keeps the city administrable: its only admin may step down.
    aoba.set_role("tanaka", Role.admin)
    aoba.set_role("tanaka", Role.editor)
    assert {a.name for a in accounts.all()} == {"pref", "tanaka", "suzuki"}


def test_a_citys_backup_on_postgresql_dumps_its_schema_only(
    here: Path, pg_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from typer.testing import CliRunner

    from bot.cli import app as cli_app

    monkeypatch.setenv("RESBOT_DATABASE_URL", pg_cluster.new_database())
    add_city("aoba", "青葉市", REPO / "knowledge")
    add_city("sakura", "桜市", REPO / "knowledge")
    aoba, sakura = (Store(database_of(c)) for c in load_cities())
    assert aoba.claim("e1", "web", "u1", "text") and sakura.claim("e2", "web", "u2", "text")
    dump = here / "aoba.dump"
    done = CliRunner().invoke(cli_app, ["--city", "aoba", "db", "backup", str(dump)])
    assert done.exit_code == 0, done.output
    listed = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
    assert "TABLE DATA city_aoba interactions" in listed.stdout
    assert "city_sakura" not in listed.stdout
