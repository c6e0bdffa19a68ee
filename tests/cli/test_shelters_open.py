"""`resbot shelters find / opened / close` and `resbot broadcast --site` on the real
Hachioji rows (skipped without ../shared)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.knowledge import load_knowledge
from bot.notify.broadcast import Broadcasts
from bot.shelters import opened
from bot.shelters import store as site_store
from bot.storage import Store
from tests.conftest import REPO, shared_path

runner = CliRunner()
YOKOKAWA = "E1320100006111"  # 横川小学校, 指定避難所


@pytest.fixture()
def city(tmp_path: Path) -> tuple[list[str], Path, Path]:
    folder = shared_path("fixtures", "shelters", "hachioji")
    knowledge = Path(shutil.copytree(REPO / "knowledge", tmp_path / "knowledge"))
    db = tmp_path / "cli.sqlite3"
    base = ["--knowledge", str(knowledge), "--db", str(db)]
    files = [str(folder / "emergency-sites.csv"), str(folder / "shelters.csv")]
    result = runner.invoke(app, [*base, "shelters", "import", *files])
    assert result.exit_code == 0, result.output
    return base, knowledge, db


def test_find_preview_open_list_and_close(city: tuple[list[str], Path, Path]) -> None:
    base, knowledge, db = city
    found = runner.invoke(app, [*base, "shelters", "find", "横川町"]).output
    assert f"{YOKOKAWA}  shelter    横川小学校  (東京都八王子市横川町305)" in found

    args = [*base, "broadcast", "-t", "shelter_open", "-p", "place=", "--site", YOKOKAWA,
            "--disaster", "flood", "--preview", "--lang", "es"]  # fmt: skip
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "• 横川小学校 (albergue 避難所)\nDirección: 東京都八王子市横川町305" in shown.output
    unknown = runner.invoke(app, [*args[:-3], "--site", "E0", "--preview"])
    assert unknown.exit_code == 2 and "not in the imported sites: E0" in unknown.output

    # Sending (queue) marks it open; the CLI lists and closes it.
    api = Broadcasts(Store(db), load_knowledge(knowledge))
    snap = [opened.snapshot(s) for s in site_store.load(knowledge) if s.common_id == YOKOKAWA]
    bid = api.create_broadcast(template="shelter_open", params={"place": ""}, sites=snap,
                               disaster="flood", created_by="cli")  # fmt: skip
    api.queue(bid, "tanaka")
    listed = json.loads(runner.invoke(app, [*base, "shelters", "opened", "--json"]).output)
    assert listed["disaster"] == "flood"
    assert [(r["common_id"], r["opened_by"], r["broadcast_id"]) for r in listed["open"]] == [
        (YOKOKAWA, "tanaka", bid)
    ]
    assert runner.invoke(app, [*base, "shelters", "close", YOKOKAWA, "--by", "sato"]).exit_code == 0
    again = runner.invoke(app, [*base, "shelters", "close", YOKOKAWA])
    assert again.exit_code == 1 and "is not open" in again.output
    assert "0 open site(s)" in runner.invoke(app, [*base, "shelters", "opened"]).output
