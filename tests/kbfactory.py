"""Build small knowledge folders for tests, in the same format staff edit.

A knowledge folder's content catalogues live in its sibling `translations/`
(`bot.core.layout`): give each test its own parent folder (tmp_path / "kb").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import yaml

from bot.core.catalog import new_po
from bot.core.langs import TARGET_LANGS
from bot.core.layout import DIR_NAME, INTERFACE, content_po, translations_dir

REPO = Path(__file__).resolve().parents[1]

CITY = {
    "city": {"name": {"value": {"ja": "テストし", "en": "Test City"}, "example": False}},
    "desk": {
        "phone": {"value": "00-0000-0000", "example": True},
        "place": {"value": "しやくしょ", "example": True},
        "hours": {"value": "9:00-16:00", "example": True},
    },
}

TRANSLATED_ANSWER = {
    "vi": "Gọi {desk.phone} hoặc 119.",
    "pt": "Ligue para {desk.phone} ou 119.",
    "es": "Llame al {desk.phone} o al 119.",
    "tl": "Tumawag sa {desk.phone} o 119.",
    "en": "Call {desk.phone} or 119.",
    "zh": "请打{desk.phone}或119。",
}


def write_entry(root: Path, entry_id: str, topic: str, answer: str, **extra: object) -> Path:
    category = topic.split(".")[0]
    path = root / "entries" / category / f"{entry_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "id": entry_id,
        "topic": topic,
        "title": "テスト",
        "questions": ["てすと です", "テストの しつもん"],
        "answer": answer,
        **extra,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def write_translations(
    root: Path, entry_id: str, category: str, answer_src: str, answers: dict[str, str] | None = None
) -> None:
    answers = answers or TRANSLATED_ANSWER
    for lang in TARGET_LANGS:
        path = content_po(translations_dir(root), lang, category)
        path.parent.mkdir(parents=True, exist_ok=True)
        po = polib.pofile(str(path), wrapwidth=0) if path.exists() else new_po(lang)
        po.append(polib.POEntry(msgctxt=f"{entry_id}|title", msgid="テスト", msgstr=f"test {lang}"))
        po.append(
            polib.POEntry(
                msgctxt=f"{entry_id}|questions", msgid="テスト", msgstr="test question\nanother"
            )
        )
        po.append(
            polib.POEntry(msgctxt=f"{entry_id}|answer", msgid=answer_src, msgstr=answers[lang])
        )
        po.save(str(path))


def make_kb(root: Path, answer: str = "{desk.phone} か 119に でんわ して ください。") -> Path:
    """One valid entry (consult.desk) with all six translations."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "city.yaml").write_text(yaml.safe_dump(CITY, allow_unicode=True), encoding="utf-8")
    write_entry(root, "consult.desk", "consult.desk", answer)
    write_translations(root, "consult.desk", "consult", answer)
    return root


def copy_city(knowledge: Path) -> Path:
    """This checkout's city, copied: knowledge/ to `knowledge` and the content
    catalogues beside it (the interface domain stays with the product)."""
    shutil.copytree(REPO / "knowledge", knowledge)
    shutil.copytree(
        REPO / DIR_NAME,
        translations_dir(knowledge),
        ignore=shutil.ignore_patterns(f"{INTERFACE}.po", f"{INTERFACE}.pot"),
    )
    return knowledge


def po_file(knowledge: Path, lang: str, category: str) -> Path:
    """The content catalogue of `category` in `lang` for a knowledge folder."""
    return content_po(translations_dir(knowledge), lang, category)
