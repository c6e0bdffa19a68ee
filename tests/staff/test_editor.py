"""The knowledge editor: saving entries and city values into the files,
optimistic locking, audit rows, fuzzy marking, atomic writes, previews."""

from __future__ import annotations

import os
import re
from pathlib import Path

import polib
import pytest
import yaml
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.core.city import load_city
from bot.core.knowledge import load_knowledge
from bot.staff import files
from tests.kbfactory import po_file

from .conftest import csrf, login, staff_of

ENTRY = "garbage.collection_days"
PATH = Path("entries/garbage/garbage.collection_days.yaml")
NEW_ANSWER = (
    "ごみを　あつめる　日は、すんでいる　地域で　ちがいます。\n"
    "もえる　ごみは　げつようびと　もくようびです。\n"
    "カレンダーは　ここで　見られます：{garbage.calendar_web}"
)


def form_of(client: TestClient, entry: str = ENTRY) -> dict[str, str]:
    """The entry editor's form fields as the browser would send them."""
    html = client.get(f"/staff/entries/{entry}").text
    base = re.search(r'name="base" value="([^"]+)"', html)
    title = re.search(r'id="title" name="title" value="([^"]*)"', html)
    questions = re.search(
        r'<textarea id="questions" name="questions"[^>]*>(.*?)</textarea>', html, re.S
    )
    answer = re.search(r'<textarea id="answer" name="answer"[^>]*>(.*?)</textarea>', html, re.S)
    assert base and title and questions and answer
    return {
        "csrf": csrf(html),
        "base": base.group(1),
        "title": title.group(1),
        "questions": questions.group(1),
        "answer": answer.group(1),
    }


def audit_rows(app: Starlette) -> list[dict[str, object]]:
    return list(staff_of(app).store.db.query("select * from staff_audit order by id"))


def test_saving_an_answer_writes_the_yaml_and_keeps_its_comments(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path, reloads: list[int]
) -> None:
    client, _ = editor
    before = (knowledge / PATH).read_text(encoding="utf-8")
    form = form_of(client)
    res = client.post(f"/staff/entries/{ENTRY}", data={**form, "answer": NEW_ANSWER})
    assert res.status_code == 200
    assert "Saved answer." in res.text
    assert "marked fuzzy" in res.text
    after = (knowledge / PATH).read_text(encoding="utf-8")
    assert "# The bot asks the resident's area (once)" in after  # comment kept
    assert "answer: |\n  ごみを　あつめる" in after  # still a block scalar
    data = yaml.safe_load(after)
    assert data["answer"].strip() == NEW_ANSWER
    assert data["review"]["by"] == "eddie"
    # Only the answer and the review stamp changed: the rest of the file is as it was.
    unchanged = [x for x in before.splitlines() if not x.startswith(("  ", "review:"))]
    assert all(x in after.splitlines() for x in unchanged)
    assert reloads == [1]  # the bot was reloaded


def test_a_changed_source_marks_the_translations_fuzzy_with_audit_rows(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    client.post(f"/staff/entries/{ENTRY}", data={**form_of(client), "answer": NEW_ANSWER})
    for lang in ("vi", "pt", "es", "tl", "en", "zh"):
        po = polib.pofile(str(po_file(knowledge, lang, "garbage")))
        msg = next(e for e in po if e.msgctxt == f"{ENTRY}|answer")
        assert "fuzzy" in msg.flags, lang
        assert msg.msgid.strip() == NEW_ANSWER
        title = next(e for e in po if e.msgctxt == f"{ENTRY}|title")
        assert "fuzzy" not in title.flags  # the title did not change
    kb = load_knowledge(knowledge, furigana=False)
    assert "en" not in kb.entries[ENTRY].answer  # a stale translation is not served
    rows = audit_rows(app)
    edit = [r for r in rows if r["action"] == "edit"]
    assert len(edit) == 1
    assert edit[0]["user"] == "eddie"
    assert edit[0]["file"] == PATH.as_posix()
    assert edit[0]["field"] == "answer"
    assert "たしかめてください" in str(edit[0]["before"])
    assert edit[0]["after"] == NEW_ANSWER
    stale = [r for r in rows if r["action"] == "stale"]
    assert {r["file"] for r in stale} == {
        f"translations/{x}/LC_MESSAGES/garbage.po" for x in ("vi", "pt", "es", "tl", "en", "zh")
    }
    assert all(r["field"] == f"{ENTRY}|answer" and r["after"].endswith("[fuzzy]") for r in stale)


def test_title_and_questions_round_trip(editor: tuple[TestClient, str], knowledge: Path) -> None:
    client, _ = editor
    form = form_of(client)
    questions = form["questions"] + "\nno\n8:30\n  ごみの日　 \n"
    client.post(
        f"/staff/entries/{ENTRY}", data={**form, "title": "ごみの 日", "questions": questions}
    )
    data = yaml.safe_load((knowledge / PATH).read_text(encoding="utf-8"))
    assert data["title"] == "ごみの 日"
    # YAML 1.1 traps (no -> false, 8:30 -> 510) are quoted; blank and repeated lines dropped.
    assert data["questions"][-3:] == ["no", "8:30", "ごみの日"]


def test_a_second_editor_with_an_old_form_gets_a_conflict_naming_who(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    stale_form = form_of(client)  # opened before the other save
    staff_of(app).accounts.add(
        "hanako", staff_of(app).accounts.get("eddie").role, "hanako password"
    )  # type: ignore[union-attr]
    with TestClient(app, follow_redirects=True) as other:
        login(other, "hanako", "hanako password")
        other.post(f"/staff/entries/{ENTRY}", data={**form_of(other), "answer": NEW_ANSWER})
    saved = (knowledge / PATH).read_text(encoding="utf-8")
    res = client.post(f"/staff/entries/{ENTRY}", data={**stale_form, "title": "ごみの 日ですよ"})
    assert res.status_code == 409
    assert "Not saved" in res.text
    assert "changed by hanako at" in res.text
    assert "ごみの 日ですよ" in res.text  # the typed text is not lost
    assert (knowledge / PATH).read_text(encoding="utf-8") == saved  # nothing written


def test_a_hand_edit_in_between_is_a_conflict_too(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    form = form_of(client)
    path = knowledge / PATH
    path.write_text(path.read_text(encoding="utf-8") + "# edited in vim\n", encoding="utf-8")
    res = client.post(f"/staff/entries/{ENTRY}", data={**form, "answer": NEW_ANSWER})
    assert res.status_code == 409
    assert "outside the staff pages" in res.text


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("でんわ：{desk.phon}", "Unknown placeholder"),
        ("でんわ　03-1234-5678　です。", "Phone-like number"),
        ("", "The answer is empty"),
    ],
)
def test_what_kb_check_would_refuse_is_not_saved(
    editor: tuple[TestClient, str], knowledge: Path, answer: str, problem: str
) -> None:
    client, _ = editor
    before = (knowledge / PATH).read_text(encoding="utf-8")
    res = client.post(f"/staff/entries/{ENTRY}", data={**form_of(client), "answer": answer})
    assert res.status_code == 400
    assert problem in res.text
    assert (knowledge / PATH).read_text(encoding="utf-8") == before


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "entry.yaml"
    path.write_text("old: true\n", encoding="utf-8")
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        replaced.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", spy)
    files.atomic_write(path, "new: true\n")
    assert path.read_text(encoding="utf-8") == "new: true\n"
    ((src, dst),) = replaced
    assert dst == str(path) and Path(src).parent == tmp_path and src != dst  # temp + rename

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        files.atomic_write(path, "half: written\n")
    assert path.read_text(encoding="utf-8") == "new: true\n"  # the old file is whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.yaml"]  # no temp left


def test_preview_shows_furigana_checker_and_channels(editor: tuple[TestClient, str]) -> None:
    client, token = editor
    res = client.post(
        f"/staff/entries/{ENTRY}/preview",
        data={
            "csrf": token,
            "title": "ごみを 出す 日",
            "answer": "燃えるごみは　ざんねんながら　月曜日と木曜日でございます。",
            "lang": "ja",
        },
    )
    assert res.status_code == 200
    assert "燃(も)える" in res.text
    assert "honorific" in res.text  # ございます
    # The checker speaks Japanese to staff first, English alongside.
    assert res.text.index("敬語 (honorific)") < res.text.index("honorific or humble form")
    assert "「ございま」は敬語です" in res.text
    assert "LINE" in res.text and "Telegram" in res.text and "Web chat" in res.text
    assert 'class="chip"' in res.text  # quick reply labels
    assert 'class="key"' in res.text  # inline keyboard


def test_preview_in_another_language_says_which_language_is_served(
    editor: tuple[TestClient, str],
) -> None:
    client, token = editor
    res = client.post(
        f"/staff/entries/{ENTRY}/preview",
        data={"csrf": token, "title": "ごみを 出す 日", "answer": NEW_ANSWER, "lang": "en"},
    )
    assert "garbage calendar" in res.text.lower() or "calendar" in res.text.lower()


def test_city_values_keep_comments_and_stop_being_examples(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    html = client.get("/staff/city").text
    form = re.search(
        r'<form[^>]*id="v-garbage.put_out_by".*?name="csrf" value="([^"]+)".*?'
        r'name="base" value="([^"]+)"',
        html,
        re.S,
    )
    assert form
    res = client.post(
        "/staff/city",
        data={
            "csrf": form.group(1),
            "key": "garbage.put_out_by",
            "base": form.group(2),
            "v_value": "8:00",
        },
    )
    assert res.status_code == 200
    assert "no longer an example value" in res.text
    text = (knowledge / "city.yaml").read_text(encoding="utf-8")
    assert "# THE VALUES SHIPPED HERE ARE EXAMPLES." in text
    assert 'put_out_by: {value: "8:00", example: false}' in text
    city = load_city(knowledge / "city.yaml")
    assert city.values["garbage.put_out_by"].value == "8:00"  # a string, not 480
    assert not city.values["garbage.put_out_by"].example
    row = audit_rows(app)[-1]
    assert (row["file"], row["field"], row["before"], row["after"]) == (
        "city.yaml",
        "garbage.put_out_by",
        "8:30 [example]",
        "8:00",
    )
    # The same (old) form again: that value changed since, so it is refused.
    again = client.post(
        "/staff/city",
        data={
            "csrf": form.group(1),
            "key": "garbage.put_out_by",
            "base": form.group(2),
            "v_value": "9:00",
        },
    )
    assert again.status_code == 409
    assert "changed by eddie" in again.text
    # The refused value's group is the one section shown open, next to the message.
    assert re.findall(r'<details class="city-section" id="g-(\w+)" open>', again.text) == [
        "garbage"
    ]


def test_per_language_city_values(editor: tuple[TestClient, str], knowledge: Path) -> None:
    client, _ = editor
    html = client.get("/staff/city").text
    form = re.search(
        r'id="v-desk.hours".*?name="csrf" value="([^"]+)".*?name="base" value="([^"]+)"',
        html,
        re.S,
    )
    assert form
    data = {"csrf": form.group(1), "key": "desk.hours", "base": form.group(2)}
    data |= {f"v_{x}": "9:00–15:00" for x in ("ja", "vi", "pt", "es", "tl", "en", "zh")}
    client.post("/staff/city", data=data)
    city = load_city(knowledge / "city.yaml")
    assert city.values["desk.hours"].value == {
        x: "9:00–15:00" for x in ("ja", "vi", "pt", "es", "tl", "en", "zh")
    }
    # Blanking a language that had a value is refused.
    html = client.get("/staff/city").text
    base = re.search(r'id="v-desk.hours".*?name="base" value="([^"]+)"', html, re.S)
    assert base
    res = client.post("/staff/city", data={**data, "base": base.group(1), "v_vi": ""})
    assert res.status_code == 400


def test_an_entry_answered_from_data_says_so_and_where_the_data_lives(
    editor: tuple[TestClient, str],
) -> None:
    client, _ = editor
    html = client.get(f"/staff/entries/{ENTRY}").text
    note = re.search(r'<div id="answer-source".*?</div>', html, re.S)
    assert note, "no note on an entry whose text typed questions never get"
    text = note.group(0)
    assert text.index("質問を書いた住民には送られません") < text.index("never get this text")
    assert "garbage/area_days.csv</code>" in text  # (the fixture bot reads the repo's)
    assert "「ごみの 分け方」" in text and "メニュー" in text  # the buttons that still show it
    language = client.get("/staff/entries/meta.language").text
    assert "言語メニュー" in language and "ボタン（" not in language
    assert 'id="answer-source"' not in client.get("/staff/entries/garbage.sorting").text


def test_city_page_has_a_section_and_a_contents_line_per_group(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    html = client.get("/staff/city").text
    toc = html.split('<nav class="card toc"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    sections = re.findall(r'<details class="city-section" id="g-([^"]+)"', html)
    needs_work = ["needs-work"] if 'id="needs-work"' in html else []
    assert anchors == needs_work + [f"g-{g}" for g in sections] + ["history"]
    assert 'id="history"' in html
    assert "ごみ <small>Garbage" in toc and "防災 <small>Disasters" in toc
    # Folded by default, yet every value of city.yaml is on the page, in its group.
    assert '<details class="city-section" id="g-garbage" open' not in html
    values = load_city(knowledge / "city.yaml").values
    forms = re.findall(r'class="card city-value[^"]*" id="v-([^"]+)"', html)
    assert sorted(forms) == sorted(values)
    for group in sections:
        body = html.split(f'id="g-{group}"', 1)[1].split("</details>", 1)[0]
        inside = re.findall(r'id="v-([^"]+)"', body)
        assert inside and all(k.split(".")[0] == group for k in inside)
        examples = sum(values[k].example for k in inside)
        assert (f"例 / example: {examples}" in body) == bool(examples)
