"""Where catalogues live: `translations/<lang>/LC_MESSAGES/<domain>.po`, the city's
content beside its knowledge folder, the interface phrases with the product."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.checks import check
from bot.core.knowledge import load_knowledge
from bot.core.langs import TARGET_LANGS
from bot.core.layout import (
    INTERFACE,
    content_files,
    content_po,
    interface_dir,
    interface_po,
    interface_pot,
    legacy_dir,
    translations_dir,
)
from bot.core.phrases import load_phrases
from bot.core.topics import load_topics
from tests.kbfactory import make_kb, po_file

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_the_checkout_keeps_every_catalogue_in_translations() -> None:
    top = REPO / "translations"
    assert translations_dir(REPO / "knowledge") == top
    assert interface_dir() == top
    assert interface_pot(top).is_file()
    categories = set(load_topics().topics.values()) | {"garbage-items"}
    for lang in TARGET_LANGS:
        assert interface_po(top, lang).is_file()
        assert {p.stem for p in content_files(top, lang)} == categories
    # The two old homes are gone (no catalogue read from two places).
    assert legacy_dir(REPO / "knowledge") is None
    assert not (REPO / "bot" / "locale").exists()


def test_interface_is_no_content_category() -> None:
    assert INTERFACE not in set(load_topics().topics.values())
    with pytest.raises(ValueError):
        content_po(Path("translations"), "vi", INTERFACE)


def test_a_relative_knowledge_folder_has_its_translations_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "knowledge").mkdir()
    monkeypatch.chdir(tmp_path / "knowledge")
    assert translations_dir(Path(".")) == tmp_path / "translations"
    monkeypatch.chdir(tmp_path)
    assert translations_dir(Path("knowledge")) == tmp_path / "translations"


def test_content_loading_leaves_the_interface_domain_out(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "knowledge")
    stray = tmp_path / "translations" / "vi" / "LC_MESSAGES" / "interface.po"
    po = polib.POFile()
    po.append(polib.POEntry(msgctxt="consult.desk|answer", msgid="x", msgstr="not content"))
    po.save(str(stray))
    kb = load_knowledge(root, furigana=False)
    assert [p.name for p in content_files(kb.translations, "vi")] == ["consult.po"]
    assert kb.entries["consult.desk"].answer["vi"].startswith("Gọi ")
    # ...and a city folder never changes the product's interface phrases.
    assert load_phrases().raw("welcome", "vi") != "not content"


def test_another_city_answers_in_every_language_from_its_own_translations(
    tmp_path: Path,
) -> None:
    knowledge = make_kb(tmp_path / "city2" / "knowledge")
    assert po_file(knowledge, "tl", "consult") == (
        tmp_path / "city2" / "translations" / "tl" / "LC_MESSAGES" / "consult.po"
    )
    for lang, word in {"vi": "Gọi", "pt": "Ligue", "tl": "Tumawag", "zh": "请打"}.items():
        res = runner.invoke(
            app,
            ["--knowledge", str(knowledge), "ask", "test question", "--lang", lang, "--json"],
        )
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert (out["entry"], out["lang"]) == ("consult.desk", lang)
        assert word in out["answer"]


def test_sync_writes_the_city_catalogues_beside_its_knowledge(tmp_path: Path) -> None:
    knowledge = make_kb(tmp_path / "city2" / "knowledge")
    shutil.rmtree(tmp_path / "city2" / "translations")
    res = runner.invoke(app, ["--knowledge", str(knowledge), "kb", "sync"])
    assert res.exit_code == 0, res.output
    for lang in TARGET_LANGS:
        assert (tmp_path / "city2" / "translations" / lang / "LC_MESSAGES" / "consult.po").is_file()
    assert not (knowledge / "translations").exists()


def test_kb_check_points_at_a_folder_in_the_old_layout(tmp_path: Path) -> None:
    knowledge = make_kb(tmp_path / "knowledge")
    old = knowledge / "translations" / "vi"
    old.mkdir(parents=True)
    shutil.copy(po_file(knowledge, "vi", "consult"), old / "consult.po")
    errors = check(load_knowledge(knowledge, furigana=False)).errors
    assert any(
        e.startswith(f"{knowledge / 'translations'}: no longer read")
        and str(tmp_path / "translations") in e
        for e in errors
    ), errors
