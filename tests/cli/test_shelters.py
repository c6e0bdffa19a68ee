"""`resbot shelters import` and `near` on the real GSI rows of Hachioji and Musashino.

Expected sites are computed here from the CSV rows with a formula of the test's own
(spherical law of cosines via atan2), not with bot.shelters, so a wrong filter, column
or distance in the product shows up as a different answer.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import shared_path
from tests.kbfactory import copy_city

runner = CliRunner()
COLUMNS = {"flood": "洪水", "earthquake": "地震", "landslide": "崖崩れ、土石流及び地滑り"}
POINTS = {
    "Hachioji station": (35.6559, 139.3389),
    "Takaosan-guchi": (35.6323, 139.2700),
    "Minamino": (35.6303, 139.3296),
}


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.hypot(
        math.cos(p2) * math.sin(dl),
        math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl),
    )
    x = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6_371_008.8 * math.atan2(y, x)


def _expected(path: Path, column: str, lat: float, lon: float) -> list[tuple[str, float]]:
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r[column] == "1"]
    scored = sorted(
        (_distance_m(lat, lon, float(r["緯度"]), float(r["経度"])), r["施設・場所名"]) for r in rows
    )
    return [(name, d) for d, name in scored[:3]]


def _import(knowledge: Path, *files: Path) -> str:
    args = ["--knowledge", str(knowledge), "shelters", "import", *map(str, files)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def hachioji(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = shared_path("fixtures", "shelters", "hachioji")
    knowledge = tmp_path_factory.mktemp("kb")
    out = _import(knowledge, folder / "emergency-sites.csv", folder / "shelters.csv")
    assert "150 emergency site(s), 0 shelter(s), 0 bad row(s)" in out
    assert "0 emergency site(s), 134 shelter(s), 0 bad row(s)" in out
    assert "imported 284 site(s)" in out
    return knowledge, folder / "emergency-sites.csv"


@pytest.mark.parametrize("disaster", sorted(COLUMNS))
@pytest.mark.parametrize("place", sorted(POINTS))
def test_near_matches_hand_computed(hachioji: tuple[Path, Path], place: str, disaster: str) -> None:
    knowledge, csv_path = hachioji
    lat, lon = POINTS[place]
    result = runner.invoke(app, [
        "--knowledge", str(knowledge), "shelters", "near", f"{lat},{lon}",
        "--disaster", disaster, "--json",
    ])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["from"] == [lat, lon] and out["disaster"] == disaster
    expected = _expected(csv_path, COLUMNS[disaster], lat, lon)
    assert [s["name"] for s in out["sites"]] == [name for name, _ in expected]
    for site, (_, metres) in zip(out["sites"], expected, strict=True):
        assert site["distance_m"] == pytest.approx(metres, abs=0.1)
        assert disaster in site["disasters"]


def test_near_plain_text_and_limit(hachioji: tuple[Path, Path]) -> None:
    knowledge, _ = hachioji
    result = runner.invoke(
        app, ["--knowledge", str(knowledge), "shelters", "near", "35.6559,139.3389", "--limit", "1"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "nearest emergency sites for any disaster from 35.6559,139.3389:"
    assert "第一小学校" in lines[1] and " m N " in lines[1]


def test_unknown_disaster_exits_2(hachioji: tuple[Path, Path]) -> None:
    knowledge, _ = hachioji
    result = runner.invoke(app, [
        "--knowledge", str(knowledge), "shelters", "near", "35.6,139.3", "--disaster", "typhoon",
    ])
    assert result.exit_code == 2
    assert "unknown disaster 'typhoon'" in result.output and "inland_flood" in result.output


def test_no_data_is_said(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--knowledge", str(tmp_path), "shelters", "near", "35.6,139.3"])
    assert result.exit_code == 1
    assert "no evacuation sites in" in result.output and "resbot shelters import" in result.output


def test_musashino_shelters_only(tmp_path: Path) -> None:
    path = shared_path("fixtures", "shelters", "musashino", "shelters.csv")
    out = _import(tmp_path, path)
    assert "0 emergency site(s), 20 shelter(s), 0 bad row(s)" in out
    result = runner.invoke(
        app, ["--knowledge", str(tmp_path), "shelters", "near", "35.7177,139.5661", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sites"] == []
    args = ["--knowledge", str(tmp_path), "shelters", "near", "35.7177,139.5661"]
    text = runner.invoke(app, args)
    assert "no designated emergency site for any disaster among the 20 imported" in text.stdout


def test_bad_rows_reported_with_line_numbers(tmp_path: Path) -> None:
    path = shared_path("fixtures", "shelters", "musashino", "shelters.csv")
    lines = path.read_text("utf-8").splitlines()
    lines[3] = lines[3].replace("35.", "3x.", 1)
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", "utf-8")
    out = _import(tmp_path / "kb", broken)
    assert f"{broken}:4: bad coordinates" in out
    assert "0 emergency site(s), 19 shelter(s), 1 bad row(s)" in out


def test_kb_check_reports_age(tmp_path: Path) -> None:
    path = shared_path("fixtures", "shelters", "musashino", "shelters.csv")
    knowledge = tmp_path / "k"
    copy_city(knowledge)
    args = ["--knowledge", str(knowledge), "kb", "check"]
    assert "shelters/" not in runner.invoke(app, args).output
    _import(knowledge, path)
    fresh = runner.invoke(app, args).output
    assert "shelters/imported.json: info: evacuation sites imported" in fresh
    meta = knowledge / "shelters" / "imported.json"
    data = json.loads(meta.read_text("utf-8"))
    data["imported"] = (date.today() - timedelta(days=400)).isoformat()
    meta.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(app, args)
    assert "shelters/imported.json: warning: evacuation sites imported" in result.output


def test_a_file_that_is_not_a_site_list_changes_nothing(tmp_path: Path) -> None:
    good = shared_path("fixtures", "shelters", "musashino", "shelters.csv")
    kb = tmp_path / "kb"
    _import(kb, good)
    before = (kb / "shelters" / "sites.csv").read_bytes()
    wrong = tmp_path / "kpi.csv"
    wrong.write_text("月,質問数\n2026-11,120\n", "utf-8")
    args = ["--knowledge", str(kb), "shelters", "import", str(good), str(wrong)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert f"{wrong}:1: header has no column 施設・場所名, 緯度, 経度" in result.output
    assert (kb / "shelters" / "sites.csv").read_bytes() == before
