"""`resbot city add|list`, `--city`, staff accounts of a city and the install's
KPI report, as an operator of a several-city install uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import REPO

runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RESBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("RESBOT_CITY", raising=False)
    monkeypatch.setenv("RESBOT_CITIES", str(tmp_path / "cities.yaml"))
    return tmp_path


def add(city: str, name: str) -> None:
    res = runner.invoke(
        app, ["city", "add", city, "--name", name, "--from", str(REPO / "knowledge")]
    )
    assert res.exit_code == 0, res.output
    assert f"/c/{city}/" in res.stdout and f"CITY_{city.upper()}_LINE_CHANNEL_SECRET" in res.stdout


def test_add_and_list_cities(here: Path) -> None:
    res = runner.invoke(app, ["city", "list"])
    assert res.exit_code == 0 and "serves one city" in res.stdout
    add("aoba", "青葉市")
    add("sakura", "桜市")
    lines = runner.invoke(app, ["city", "list"]).stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["aoba", "sakura"]
    assert "var/cities/aoba.sqlite3" in lines[0]
    res = runner.invoke(app, ["city", "add", "aoba", "--name", "x"])
    assert res.exit_code == 2 and "already a city" in res.stderr


def test_an_unknown_city_is_a_clear_error(here: Path) -> None:
    add("aoba", "青葉市")
    res = runner.invoke(app, ["--city", "nowhere", "kb", "check"])
    assert res.exit_code == 2
    assert "no city 'nowhere'" in res.stderr and "aoba" in res.stderr


def test_city_commands_read_the_citys_own_folder(here: Path) -> None:
    add("aoba", "青葉市")
    res = runner.invoke(app, ["--city", "aoba", "garbage", "areas"])
    assert res.exit_code == 0, res.output
    assert "東町" in res.stdout


def test_staff_accounts_belong_to_a_city_or_to_the_install(here: Path) -> None:
    add("aoba", "青葉市")
    add("sakura", "桜市")
    res = runner.invoke(
        app, ["staff", "add", "tanaka", "--role", "editor", "--password-stdin"], input=PASSWORD
    )
    assert res.exit_code == 2 and "--city ID" in res.stderr
    for args in (
        ["--city", "aoba", "staff", "add", "tanaka", "--role", "editor"],
        ["--city", "sakura", "staff", "add", "suzuki", "--role", "admin"],
        ["staff", "add", "pref", "--role", "admin", "--install"],
    ):
        res = runner.invoke(app, [*args, "--password-stdin"], input=PASSWORD + "\n")
        assert res.exit_code == 0, res.output
    assert (
        "/c/aoba/staff/login"
        in runner.invoke(
            app,
            ["--city", "aoba", "staff", "add", "sato", "--role", "viewer", "--password-stdin"],
            input=PASSWORD + "\n",
        ).stdout
    )
    aoba = runner.invoke(app, ["--city", "aoba", "staff", "list"]).stdout
    assert "tanaka" in aoba and "sato" in aoba and "suzuki" not in aoba and "pref" not in aoba
    everyone = runner.invoke(app, ["staff", "list"]).stdout
    assert "pref\tadmin\tactive\tlast login: never\tcities: *" in everyone
    assert "suzuki" in everyone
    # A city's command never changes another city's account.
    res = runner.invoke(
        app, ["--city", "aoba", "staff", "passwd", "suzuki", "--password-stdin"], input="x" * 12
    )
    assert res.exit_code == 1 and "no account" in res.stderr


def test_install_report_adds_up_the_cities(here: Path) -> None:
    add("aoba", "青葉市")
    add("sakura", "桜市")
    asked = {"aoba": 3, "sakura": 2}
    for city, n in asked.items():
        for i in range(n):
            res = runner.invoke(
                app, ["--city", city, "ask", "燃えるごみは何曜日ですか", "--user", f"u{i}"]
            )
            assert res.exit_code == 0, res.output
    from datetime import UTC, datetime

    month = datetime.now(UTC).strftime("%Y-%m")
    res = runner.invoke(app, ["report", "install", "--month", month])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {c: data["cities"][c]["questions"] for c in asked} == asked
    assert data["install"]["questions"] == 5
    per_city = runner.invoke(app, ["--city", "aoba", "report", "monthly", "--month", month])
    assert json.loads(per_city.stdout)["total"]["questions"] == 3
    res = runner.invoke(
        app, ["report", "install", "--month", month, "--format", "xlsx", "--out", "out"]
    )
    assert res.exit_code == 0, res.output
    book = load_workbook(here / "out" / f"resbot-install-{month}.xlsx")
    summary = book[book.sheetnames[0]]
    header = [c.value for c in summary[1]]
    assert header[-1] == "全体 / Install" and "青葉市 / aoba" in header
    questions = next(r for r in summary.iter_rows(values_only=True) if r[0] == "questions")
    assert list(questions[2:]) == [3, 2, 5]
