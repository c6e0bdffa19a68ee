"""The charts' labels: Japanese and English when a CJK font is installed, even one
installed after matplotlib wrote its font cache; English only (no tofu) without."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib import font_manager

from bot.analytics import charts, labels
from bot.analytics.report import Report
from tests.analytics.conftest import Played

from .test_exports import report

CJK_FILE = re.compile(r"cjk|ipa|takao|vl-?gothic|sourcehan|notosansjp", re.I)


def system_cjk_files() -> list[str]:
    return [f for f in font_manager.findSystemFonts() if CJK_FILE.search(Path(f).name)]


@pytest.fixture()
def fresh_lookup() -> Iterator[None]:
    charts.cjk_font.cache_clear()
    yield
    charts.cjk_font.cache_clear()


def test_a_cjk_font_missing_from_matplotlibs_cache_is_still_found(
    fresh_lookup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not system_cjk_files():
        pytest.skip("no CJK font file on this system (apt-get install fonts-noto-cjk)")
    manager = font_manager.fontManager
    # matplotlib's cache as written before the font was installed: no CJK entries.
    stale = [f for f in manager.ttflist if not CJK_FILE.search(Path(f.fname).name)]
    monkeypatch.setattr(manager, "ttflist", stale)
    assert charts._listed_cjk_font() is None
    found = charts.cjk_font()
    assert found in charts.CJK_FONTS
    assert found in {f.name for f in manager.ttflist}


def drawn_warnings(played: Played, tmp_path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report(played, "--month", "2026-04", "--format", "png", "--out", str(tmp_path))
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_bilingual_charts_have_every_glyph(
    played: Played, tmp_path: Path, fresh_lookup: None
) -> None:
    if charts.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    painter = charts.Painter(Report.__new__(Report), None, bilingual=True)
    assert painter.text(labels.CHARTS["languages"]) == "言語別の質問 / Questions by language"
    assert drawn_warnings(played, tmp_path) == []


def test_without_a_cjk_font_the_labels_are_english_and_complete(
    played: Played, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    painter = charts.Painter(Report.__new__(Report), None, bilingual=False)
    assert painter.text(labels.CHARTS["languages"]) == "Questions by language"
    assert drawn_warnings(played, tmp_path) == []
