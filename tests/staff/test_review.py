"""Translation review: approve, edit, reject, progress, conflicts, machine drafts."""

from __future__ import annotations

import re
import types
from pathlib import Path

import polib
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.core.knowledge import load_knowledge
from bot.core.translation_sync import sync_translations
from tests.kbfactory import po_file

from .conftest import staff_of

ENTRY = "garbage.collection_days"


def po_message(knowledge: Path, lang: str, field: str) -> polib.POEntry:
    po = polib.pofile(str(po_file(knowledge, lang, "garbage")))
    return next(e for e in po if e.msgctxt == f"{ENTRY}|{field}")


def card(html: str, lang: str, field: str) -> dict[str, str]:
    """The hidden fields of one message's form on the review page."""
    block = re.search(rf'id="m-{lang}-{field}".*?</form>', html, re.S)
    assert block, (lang, field)
    return dict(re.findall(r'name="(csrf|base)" value="([^"]*)"', block.group(0)))


def make_stale(knowledge: Path, lang: str) -> None:
    """What `kb sync` does when the Japanese changes: fuzzy, old source kept."""
    path = po_file(knowledge, lang, "garbage")
    po = polib.pofile(str(path), wrapwidth=0)
    msg = next(e for e in po if e.msgctxt == f"{ENTRY}|answer")
    msg.flags.append("fuzzy")
    msg.previous_msgid = "むかしの　ぶん"
    po.save(str(path))


def test_the_review_page_shows_source_and_six_translations(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    make_stale(knowledge, "vi")
    html = client.get(f"/staff/review/{ENTRY}").text
    assert html.count('class="card msg') == 18  # 6 languages x title, questions, answer
    assert "Collection days" in html and "Ngày đổ rác" in html and "垃圾收集日" in html
    assert "Japanese source changed" in html
    # What the translation was made from, as deleted pieces of the diff.
    card_html = re.search(r'id="m-vi-answer".*?</form>', html, re.S)
    assert card_html
    deleted = "".join(re.findall(r'<del title="deleted">(.*?)</del>', card_html[0], re.S))
    assert "むかし" in deleted and "ぶん" in deleted


def test_the_review_page_shows_what_changed_in_the_japanese_word_by_word(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    """One sentence of the answer changed: only its changed words are marked."""
    client, _ = editor
    kb = load_knowledge(knowledge, furigana=False)
    path = kb.entries[ENTRY].path
    text = path.read_text(encoding="utf-8")
    old = "ごみの　しゅるいごとに　出す　曜日が　きまっています。"
    new = "ごみの　しゅるいごとに　出す　日が　きまっています。まちがえないで　ください。"
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    sync_translations(load_knowledge(knowledge, furigana=False), category="garbage")

    html = client.get(f"/staff/review/{ENTRY}").text
    for lang in ("vi", "en", "zh"):
        block = re.search(rf'id="m-{lang}-answer".*?</form>', html, re.S)
        assert block, lang
        diff = re.search(r'<p class="chat-text diff">(.*?)</p>', block[0], re.S)
        assert diff, f"{lang}: no diff of the Japanese source"
        deleted = re.findall(r'<del title="deleted">(.*?)</del>', diff[1], re.S)
        inserted = re.findall(r'<ins title="inserted">(.*?)</ins>', diff[1], re.S)
        assert deleted == ["曜日"]
        assert inserted[0] == "日" and "まちがえないで　ください" in "".join(inserted)
        assert len("".join(inserted)) == len("日まちがえないで　ください。")  # nothing more
        kept = "".join(re.findall(r"<span>(.*?)</span>", diff[1], re.S))
        assert "ごみを　あつめる　日は" in kept and "カレンダーは　ここでも" in kept
    # An approved translation has no diff.
    title = re.search(r'id="m-vi-title".*?</form>', html, re.S)
    assert title and "diff" not in title[0]


def test_approve_a_stale_translation(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path, reloads: list[int]
) -> None:
    client, _ = editor
    make_stale(knowledge, "vi")
    assert "vi" not in load_knowledge(knowledge, furigana=False).entries[ENTRY].answer
    fields = card(client.get(f"/staff/review/{ENTRY}").text, "vi", "answer")
    res = client.post(
        f"/staff/review/{ENTRY}",
        data={**fields, "lang": "vi", "field": "answer", "action": "approve"},
    )
    assert res.status_code == 200
    assert "Approved: vi answer." in res.text
    msg = po_message(knowledge, "vi", "answer")
    assert "fuzzy" not in msg.flags and not msg.previous_msgid
    assert "vi" in load_knowledge(knowledge, furigana=False).entries[ENTRY].answer
    row = list(staff_of(app).store.db.query("select * from staff_audit"))[-1]
    assert (row["action"], row["file"], row["field"]) == (
        "approve",
        "translations/vi/LC_MESSAGES/garbage.po",
        f"{ENTRY}|answer",
    )
    assert row["before"].endswith("[fuzzy]") and not row["after"].endswith("[fuzzy]")
    assert reloads == [1]


def test_edit_and_reject(editor: tuple[TestClient, str], knowledge: Path) -> None:
    client, _ = editor
    fields = card(client.get(f"/staff/review/{ENTRY}").text, "en", "title")
    client.post(
        f"/staff/review/{ENTRY}",
        data={**fields, "lang": "en", "field": "title", "action": "save", "text": "Garbage days"},
    )
    assert po_message(knowledge, "en", "title").msgstr == "Garbage days"
    fields = card(client.get(f"/staff/review/{ENTRY}").text, "pt", "answer")
    client.post(
        f"/staff/review/{ENTRY}",
        data={**fields, "lang": "pt", "field": "answer", "action": "reject"},
    )
    msg = po_message(knowledge, "pt", "answer")
    assert msg.msgstr == "" and "fuzzy" not in msg.flags
    kb = load_knowledge(knowledge, furigana=False)
    assert kb.entries[ENTRY].title["en"] == "Garbage days"
    assert "pt" not in kb.entries[ENTRY].answer  # residents get the fallback language


def test_a_translation_must_keep_the_placeholders(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    fields = card(client.get(f"/staff/review/{ENTRY}").text, "en", "answer")
    res = client.post(
        f"/staff/review/{ENTRY}",
        data={**fields, "lang": "en", "field": "answer", "action": "save", "text": "Ask us."},
    )
    assert res.status_code == 400
    assert "Keep the placeholders" in res.text
    assert "{garbage.calendar_web}" in po_message(knowledge, "en", "answer").msgstr


def test_two_reviewers_of_one_message_conflict_but_not_of_two(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    html = client.get(f"/staff/review/{ENTRY}").text
    en, vi = card(html, "en", "title"), card(html, "vi", "title")
    ok = client.post(
        f"/staff/review/{ENTRY}",
        data={**en, "lang": "en", "field": "title", "action": "save", "text": "Pickup days"},
    )
    assert ok.status_code == 200
    # Another message of the same file: no conflict (the lock is per message).
    other = client.post(
        f"/staff/review/{ENTRY}",
        data={**vi, "lang": "vi", "field": "title", "action": "save", "text": "Lịch rác"},
    )
    assert other.status_code == 200
    # The same message from the old page: refused, naming who changed it.
    late = client.post(
        f"/staff/review/{ENTRY}",
        data={**en, "lang": "en", "field": "title", "action": "save", "text": "Trash days"},
    )
    assert late.status_code == 409
    assert "changed by eddie at" in late.text
    assert "Trash days" in late.text  # the typed text is kept in the form
    assert po_message(knowledge, "en", "title").msgstr == "Pickup days"


def test_progress_bars_count_approved_messages(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    kb = load_knowledge(knowledge, furigana=False)
    total = len(kb.entries) * 3
    html = client.get("/staff/review").text
    assert f'<progress max="{total}" value="{total}"' in html
    make_stale(knowledge, "vi")
    html = client.get("/staff/review").text
    assert f'<progress max="{total}" value="{total - 1}" aria-label="Tiếng Việt' in html
    assert f"/staff/review/{ENTRY}" in html  # listed as needing review


def test_machine_draft_button_shows_the_missing_model_message(
    editor: tuple[TestClient, str], fake_translate: types.ModuleType
) -> None:
    client, token = editor

    def draft_missing(knowledge_dir: Path, langs: list[str] | None) -> object:
        raise fake_translate.MissingModel(
            "No Argos language pack for ja→vi: install translate-ja_en and translate-en_vi"
        )

    fake_translate.draft_missing = draft_missing  # type: ignore[attr-defined]
    assert "Draft missing translations (machine)" in client.get("/staff/review").text
    res = client.post("/staff/review/draft", data={"csrf": token, "langs": "vi"})
    assert res.status_code == 503
    assert "No Argos language pack for ja→vi" in res.text


def test_machine_draft_button_shows_the_report(
    app: Starlette, editor: tuple[TestClient, str], fake_translate: types.ModuleType
) -> None:
    client, token = editor
    seen: list[tuple[Path, list[str] | None]] = []

    class Report:
        def lines(self) -> list[str]:
            return ["vi (ja→en→vi): drafted 3, failed 0"]

    def draft_missing(knowledge_dir: Path, langs: list[str] | None) -> Report:
        seen.append((knowledge_dir, langs))
        return Report()

    fake_translate.draft_missing = draft_missing  # type: ignore[attr-defined]
    res = client.post("/staff/review/draft", data={"csrf": token})
    assert res.status_code == 200
    assert "drafted 3, failed 0" in res.text
    assert seen == [(staff_of(app).workspace.root, None)]


def test_no_translate_module_no_button(
    editor: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, token = editor
    monkeypatch.setattr("bot.staff.views.review.machine_drafts_available", lambda: False)
    assert "Draft missing translations" not in client.get("/staff/review").text
    assert client.post("/staff/review/draft", data={"csrf": token}).status_code == 404
