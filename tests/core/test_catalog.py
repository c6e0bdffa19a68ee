"""PO catalogues behave like msgmerge: new messages added, changed sources fuzzy."""

from __future__ import annotations

from pathlib import Path

import polib

from bot.core.catalog import load_catalog, sync_po


def test_sync_adds_marks_stale_fuzzy_and_retires(tmp_path: Path) -> None:
    po_path = tmp_path / "vi" / "garbage.po"
    counts = sync_po(
        po_path, "vi", {"a|answer": ("ごみです。", ""), "b|answer": ("かみです。", "")}
    )
    assert counts == {"added": 2, "stale": 0, "obsolete": 0}
    po = polib.pofile(str(po_path))
    po.find("a|answer", by="msgctxt").msgstr = "Rác."
    po.save(str(po_path))
    assert load_catalog("vi", [po_path]).get("a|answer", "ごみです。") == "Rác."

    # The Japanese source changes: the old translation stays, but fuzzy and unserved.
    counts = sync_po(po_path, "vi", {"a|answer": ("もえる　ごみです。", "")})
    assert counts == {"added": 0, "stale": 1, "obsolete": 1}
    cat = load_catalog("vi", [po_path])
    assert cat.status("a|answer", "もえる　ごみです。") == "stale"
    assert cat.get("a|answer", "もえる　ごみです。") is None
    entry = polib.pofile(str(po_path)).find("a|answer", by="msgctxt")
    assert entry.previous_msgid == "ごみです。" and entry.msgstr == "Rác."


def test_a_translation_of_another_source_is_stale(tmp_path: Path) -> None:
    po_path = tmp_path / "en.po"
    sync_po(po_path, "en", {"x|title": ("ごみ", "")})
    po = polib.pofile(str(po_path))
    po.find("x|title", by="msgctxt").msgstr = "Garbage"
    po.save(str(po_path))
    assert load_catalog("en", [po_path]).status("x|title", "しげんごみ") == "stale"
