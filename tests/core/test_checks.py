"""`kb check` names the file and field of each kind of error."""

from __future__ import annotations

from pathlib import Path

import polib

from bot.core.checks import check, phone_like
from bot.core.knowledge import load_knowledge
from tests.kbfactory import make_kb, po_file, write_entry


def errors_of(root: Path) -> list[str]:
    return check(load_knowledge(root, furigana=False)).errors


def only_coverage(errors: list[str]) -> list[str]:
    return [e for e in errors if not e.startswith("entries: topics with no entry")]


def test_a_valid_small_kb_has_no_errors_but_uncovered_topics(tmp_path: Path) -> None:
    errors = errors_of(make_kb(tmp_path / "kb"))
    assert only_coverage(errors) == []
    assert any("topics with no entry" in e and "garbage.sorting" in e for e in errors)


def test_unknown_topic_is_refused_with_file_and_field(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    path = write_entry(root, "garbage.bogus", "garbage.bogus_topic", "ごみです。")
    errors = errors_of(root)
    assert any(str(path) in e and "`topic`" in e and "garbage.bogus_topic" in e for e in errors)


def test_missing_translation_is_reported_per_language(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    po_path = po_file(root, "tl", "consult")
    po = polib.pofile(str(po_path), wrapwidth=0)
    po.find("consult.desk|answer", by="msgctxt").msgstr = ""
    po.save(str(po_path))
    errors = errors_of(root)
    assert any(
        e.startswith("translations/tl:") and "consult.desk|answer (missing)" in e for e in errors
    )
    assert not any(e.startswith("translations/vi:") for e in errors)


def test_fuzzy_translation_is_not_approved(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    po_path = po_file(root, "pt", "consult")
    po = polib.pofile(str(po_path), wrapwidth=0)
    po.find("consult.desk|answer", by="msgctxt").flags.append("fuzzy")
    po.save(str(po_path))
    errors = errors_of(root)
    assert any(e.startswith("translations/pt:") and "(fuzzy)" in e for e in errors)
    kb = load_knowledge(root, furigana=False)
    assert "pt" not in kb.entries["consult.desk"].answer  # never served


def test_changed_source_makes_translation_stale(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    write_entry(root, "consult.desk", "consult.desk", "{desk.phone} に でんわ して ください。")
    errors = errors_of(root)
    assert any(e.startswith("translations/en:") and "(stale)" in e for e in errors)


def test_unresolved_placeholder_names_the_field(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    path = write_entry(root, "consult.desk", "consult.desk", "{desk.fax} に ください。")
    errors = errors_of(root)
    assert any(str(path) in e and "unresolved placeholder {desk.fax}" in e for e in errors)


def test_translation_must_keep_the_placeholders(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    po_path = po_file(root, "en", "consult")
    po = polib.pofile(str(po_path), wrapwidth=0)
    po.find("consult.desk|answer", by="msgctxt").msgstr = "Call the desk or 119."
    po.save(str(po_path))
    errors = errors_of(root)
    assert any(str(po_path) in e and "differ from the Japanese source" in e for e in errors)


def test_stray_phone_number_in_answer_is_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    answer = "{desk.phone} か 03-1234-5678 に でんわ して ください。"
    path = write_entry(root, "consult.desk", "consult.desk", answer)
    errors = errors_of(root)
    assert any(str(path) in e and "'03-1234-5678'" in e for e in errors)


def test_stray_phone_number_in_a_translation_is_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    po_path = po_file(root, "vi", "consult")
    po = polib.pofile(str(po_path), wrapwidth=0)
    po.find("consult.desk|answer", by="msgctxt").msgstr = "Gọi {desk.phone} hoặc #7119."
    po.save(str(po_path))
    errors = errors_of(root)
    assert any(str(po_path) in e and "'#7119'" in e for e in errors)


def test_national_and_city_numbers_are_allowed() -> None:
    assert phone_like("Call 119, 110, #9110, 171 or 0570-011000") == [
        "119",
        "110",
        "#9110",
        "171",
        "0570-011000",
    ]
    assert phone_like("8:30〜17:15 14日 2026") == []


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    bad = root / "entries" / "life" / "life.bus.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text("id: [unclosed", encoding="utf-8")
    assert any(str(bad) in e and "not valid YAML" in e for e in errors_of(root))


def test_missing_fields_are_named(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    bad = root / "entries" / "life" / "life.bus.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text("id: life.bus\ntopic: life.bus\n", encoding="utf-8")
    assert any(
        str(bad) in e and "missing field(s): title, questions, answer" in e for e in errors_of(root)
    )


def test_the_shipped_knowledge_base_passes(kb) -> None:  # type: ignore[no-untyped-def]
    report = check(kb)
    assert report.errors == []
