"""`resbot garbage ...` end to end, starting from an empty knowledge folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app

from .conftest import FIXTURES, resbot

COMMANDS = ["import-5374", "next", "item", "areas", "check", "sync"]


def test_import_then_next_from_an_empty_folder(tmp_path: Path) -> None:
    knowledge = tmp_path / "new"  # does not exist yet
    result = resbot(knowledge, "import-5374", str(FIXTURES / "rules"))
    assert result.exit_code == 0, result.output
    assert "imported:" in result.output and "3 areas" in result.output
    assert sorted(p.name for p in (knowledge / "garbage").iterdir()) == [
        "area_days.csv",
        "center.csv",
        "description.csv",
        "remarks.csv",
        "settings.yaml",
        "target.csv",
    ]
    # 桜町 水2 (燃えないごみ): May 2024 Wednesdays are 1, 8 -> 2024-05-08.
    result = resbot(knowledge, "next", "--area", "sakuramachi", "--date", "2024-05-01", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["area", "from", "example", "example_mark", "categories"]
    assert (out["example"], out["example_mark"]) == (False, "")  # imported: real data
    assert out["area"] == "桜町" and out["from"] == "2024-05-01"
    assert [c["category"] for c in out["categories"]] == [
        "燃えるごみ",
        "燃えないごみ",
        "資源",
        "粗大ごみ",
    ]
    assert all(list(c) == ["category", "dates"] for c in out["categories"])
    assert out["categories"][1]["dates"] == ["2024-05-08"]


def test_reimport_keeps_the_settings(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    resbot(knowledge, "import-5374", str(FIXTURES / "rules"))
    (knowledge / "garbage" / "settings.yaml").write_text("holidays: skip\n", encoding="utf-8")
    resbot(knowledge, "import-5374", str(FIXTURES / "rules"))
    text = (knowledge / "garbage" / "settings.yaml").read_text(encoding="utf-8")
    # The city's holiday rule stays; the data is marked as the city's own.
    assert text.startswith("holidays: skip\n")
    assert yaml.safe_load(text) == {"holidays": "skip", "example": False}


def test_commands_without_data_say_how_to_get_some(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    result = resbot(knowledge, "next", "--area", "桜町")
    assert result.exit_code == 1
    assert "import-5374" in result.output


def test_item_json_and_text(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"  # its catalogues: tmp_path / "translations"
    resbot(knowledge, "import-5374", str(FIXTURES / "rules"))
    shutil.copytree(FIXTURES / "translations", tmp_path / "translations")
    result = resbot(knowledge, "item", "como jogar fora pilhas", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["item"], out["category"], out["lang"], out["kind"]) == (
        "電池",
        "燃えないごみ",
        "pt",
        "exact",
    )
    assert out["category_names"]["en"] == "Non-burnable garbage"
    assert out["names"]["vi"] == "Pin"
    result = resbot(knowledge, "item", "おたま")
    assert "or: おたま(木製・プラスチック製) -> 燃えるごみ" in result.output
    result = resbot(knowledge, "item", "spaceship", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"query": "spaceship", "item": None}


def test_areas_and_check_and_sync(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"  # its catalogues: tmp_path / "translations"
    resbot(knowledge, "import-5374", str(FIXTURES / "rules"))
    result = resbot(knowledge, "areas", "--json")
    assert [a["area"] for a in json.loads(result.stdout)] == [
        "青葉町1〜3丁目",
        "青葉町4丁目",
        "桜町",
    ]
    # No translations yet: every category and item is reported missing.
    result = resbot(knowledge, "check")
    assert result.exit_code == 1
    vi = "translations/vi/LC_MESSAGES/garbage-items.po"
    assert f"{vi}: 9 item message(s) missing" in result.output
    # `sync` writes the messages translators fill in.
    result = resbot(knowledge, "sync")
    assert result.exit_code == 0, result.output
    po = (tmp_path / "translations" / "vi" / "LC_MESSAGES" / "garbage-items.po").read_text("utf-8")
    assert 'msgctxt "garbage.item|電池"' in po
    assert 'msgctxt "garbage.notice|電池"' in po
    assert 'msgctxt "garbage.category|粗大ごみ"' in po


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example_in_its_help(command: str) -> None:
    result = CliRunner().invoke(app, ["garbage", command, "--help"])
    assert result.exit_code == 0
    assert "Example: resbot" in result.output


SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


def test_shipped_example_city_output_carries_the_example_mark() -> None:
    # knowledge/garbage/settings.yaml says `example: true` (an invented city).
    result = resbot(SHIPPED, "next", "--area", "緑が丘", "--date", "2026-11-23", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["example"], out["example_mark"]) == (True, "（れい）")
    assert "example garbage data" in result.stderr
    text = resbot(SHIPPED, "next", "--area", "緑が丘", "--date", "2026-11-23")
    assert text.stdout.splitlines()[0] == "緑が丘: 2026-11-23 + 14 days（れい）"
    item = resbot(SHIPPED, "item", "pin cũ", "--lang", "vi")
    assert item.stdout.splitlines()[0].startswith("乾電池 -> 有害ごみ (ví dụ)")
    item_json = json.loads(resbot(SHIPPED, "item", "pilhas", "--lang", "pt", "--json").stdout)
    assert (item_json["example"], item_json["example_mark"]) == (True, " (exemplo)")


def test_imported_city_output_has_no_mark(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    resbot(knowledge, "import-5374", str(FIXTURES / "rules"))
    text = resbot(knowledge, "next", "--area", "桜町", "--date", "2024-05-01")
    assert text.stdout.splitlines()[0] == "桜町: 2024-05-01 + 14 days"
    assert "example" not in text.output
    item = json.loads(resbot(knowledge, "item", "電池", "--json").stdout)
    assert (item["example"], item["example_mark"]) == (False, "")
