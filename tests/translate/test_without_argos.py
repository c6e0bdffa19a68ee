"""The parts of machine drafting that need no argostranslate: these run in every setup."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.translate import (
    MissingModel,
    MTUnavailable,
    Route,
    TranslateError,
    draft_missing,
    plan_routes,
)
from bot.translate.engine import ArgosEngine
from bot.translate.placeholders import lost, protect, restore
from tests.kbfactory import make_kb, write_entry


def test_placeholders_become_tokens_and_come_back() -> None:
    text = "{desk.place}で　{desk.hours}です。{desk.place}"
    protected, originals = protect(text)
    assert protected == "ZX0Qで　ZX1Qです。ZX2Q"
    assert originals == ["{desk.place}", "{desk.hours}", "{desk.place}"]
    # Models may space out or lower-case a token; it still comes back.
    assert restore("At zx 1 q, in ZX0Q (ZX2Q)", originals) == (
        "At {desk.hours}, in {desk.place} ({desk.place})"
    )
    assert lost(text, restore("ZX1Q ZX0Q ZX2Q", originals)) == []


def test_lost_names_missing_duplicated_invented_and_stray() -> None:
    source = "{desk.phone}に　{desk.place}"
    assert lost(source, "{desk.place}") == ["{desk.phone}"]
    assert lost(source, "{desk.phone} {desk.phone} {desk.place}") == ["{desk.phone}"]
    assert lost(source, "{desk.phone} {desk.place} {city.name}") == ["{city.name}"]
    assert lost(source, "{desk.phone} {desk.place} ZX7Q") == ["ZX7Q"]


def test_routes_prefer_direct_then_english_pivot() -> None:
    pairs = {("ja", "en"), ("ja", "vi"), ("en", "vi"), ("en", "es"), ("en", "pt"), ("en", "pb")}
    routes = plan_routes(["vi", "es", "en", "pt"], pairs)
    assert routes == {
        "vi": Route("vi", ("ja", "vi")),
        "es": Route("es", ("ja", "en", "es")),
        "en": Route("en", ("ja", "en")),
        "pt": Route("pt", ("ja", "en", "pb")),  # Brazilian Portuguese first
    }
    assert routes["es"].hops == [("ja", "en"), ("en", "es")]
    assert routes["es"].label == "ja→en→es"


def test_missing_model_says_what_to_install_and_how() -> None:
    with pytest.raises(MissingModel) as err:
        plan_routes(["vi", "en", "zh"], {("ja", "en"), ("en", "vi")})
    assert err.value.missing == {"zh": [("en", "zh")]}
    message = str(err.value)
    assert "zh: en→zh" in message and "Installed pairs: en→vi, ja→en" in message
    assert "argospm update\n  argospm install translate-en_zh\n" in message
    assert "install_from_path('translate-en_zh.argosmodel')" in message
    assert "resbot translate draft --lang LANG" in message


def test_nothing_to_draft_needs_no_argostranslate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "argostranslate.package", None)  # as if not installed
    root = make_kb(tmp_path / "kb")  # every message translated
    report = draft_missing(root)
    assert report.drafted == [] and report.failed == []
    assert report.lines() == ["nothing to draft: every message is translated or awaiting review"]

    write_entry(root, "consult.visa", "consult.visa", "ビザの　そうだんです。")
    # A MissingModel too, so callers that catch that (the staff pages) show this message.
    with pytest.raises(MissingModel, match=r"pip install -e '\.\[mt\]'") as err:
        draft_missing(root, ["vi"])
    assert isinstance(err.value, MTUnavailable) and err.value.missing == {}
    with pytest.raises(MTUnavailable):
        ArgosEngine()


def test_unknown_language_or_field_is_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    with pytest.raises(TranslateError, match="unknown language"):
        draft_missing(root, ["ja"])  # the source is not a target
    with pytest.raises(TranslateError, match="unknown field"):
        draft_missing(root, fields=["related"])


def test_cli_explains_a_missing_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "argostranslate.package", None)
    root = make_kb(tmp_path / "kb")
    write_entry(root, "consult.visa", "consult.visa", "ビザの　そうだんです。")
    runner = CliRunner()
    result = runner.invoke(app, ["--knowledge", str(root), "translate", "draft", "--lang", "vi"])
    assert result.exit_code == 1
    assert "error: Machine drafts need Argos Translate" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["translate", "packages"])
    assert result.exit_code == 1 and "pip install -e '.[mt]'" in result.output
