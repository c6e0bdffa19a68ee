"""読み方を直す / Fix a reading in the entry editor: readings.yaml written like
every staff edit (comments kept, atomic, optimistic lock, audit row), and the
preview's <ruby> shows the new reading."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.testclient import TestClient

from .conftest import csrf, staff_of

ENTRY = "garbage.collection_days"
URL = f"/staff/entries/{ENTRY}"
# A place name the analyzer reads はちまん; in many cities it is やわた.
ANSWER = "八幡の　こうみんかんに　きて　ください。"


def reading_form(client: TestClient) -> dict[str, str]:
    html = client.get(URL).text
    form = re.search(r'<form id="reading".*?</form>', html, re.S)
    assert form, "no 読み方を直す form on the entry page"
    base = re.search(r'name="base" value="([^"]*)"', form.group(0))
    assert base
    return {"csrf": csrf(html), "base": base.group(1)}


def preview_html(client: TestClient, token: str, answer: str = ANSWER) -> str:
    res = client.post(
        f"{URL}/preview", data={"csrf": token, "title": "ごみを 出す 日", "answer": answer}
    )
    assert res.status_code == 200
    return res.text


def test_the_preview_shows_readings_as_ruby(editor: tuple[TestClient, str]) -> None:
    client, token = editor
    html = preview_html(client, token, "燃えるごみ <b>{garbage.calendar_web}</b>")
    assert "<ruby>燃<rp>(</rp><rt>も</rt><rp>)</rp></ruby>えるごみ" in html
    assert "&lt;b&gt;" in html and "<b>" not in html  # typed text is never markup
    assert "燃(も)えるごみ" in html  # the chat form stays alongside


def test_fixing_a_reading_writes_readings_yaml_with_an_audit_row(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path, reloads: list[int]
) -> None:
    client, token = editor
    assert "<rt>はちまん</rt>" in preview_html(client, token)
    path = knowledge / "readings.yaml"
    before = path.read_text(encoding="utf-8")
    res = client.post(
        f"{URL}/reading", data={**reading_form(client), "word": "八幡", "reading": "ヤワタ"}
    )
    assert res.status_code == 200
    assert "読み方を保存しました：八幡（やわた）" in res.text  # katakana stored as hiragana
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and every override kept, one line added
    assert yaml.safe_load(after)["八幡"] == "やわた"
    assert reloads == [1]  # residents get it at once
    rows = list(staff_of(app).store.db.query("select * from staff_audit"))
    assert [(r["user"], r["file"], r["field"], r["before"], r["after"]) for r in rows] == [
        ("eddie", "readings.yaml", "八幡", "", "やわた")
    ]
    html = preview_html(client, token)
    assert "<ruby>八幡<rp>(</rp><rt>やわた</rt><rp>)</rp></ruby>" in html
    assert "はちまん" not in html


def test_changing_an_existing_reading_says_what_it_was(
    app: Starlette, editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    res = client.post(
        f"{URL}/reading",
        data={**reading_form(client), "word": "箱", "reading": "ばこ"},
        headers={"accept": "application/json"},
    )
    assert res.status_code == 200
    data = res.json()
    assert data["ok"] and "（前は「はこ」）" in data["message"]
    assert data["base"] == reading_form(client)["base"]  # the script's next lock
    assert yaml.safe_load((knowledge / "readings.yaml").read_text(encoding="utf-8"))["箱"] == "ばこ"
    row = next(iter(staff_of(app).store.db.query("select * from staff_audit")))
    assert (row["before"], row["after"]) == ("はこ", "ばこ")


def test_a_change_since_the_page_was_opened_is_a_conflict(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    form = reading_form(client)
    path = knowledge / "readings.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "市民課: しみんか\n", encoding="utf-8")
    edited = path.read_text(encoding="utf-8")
    res = client.post(f"{URL}/reading", data={**form, "word": "八幡", "reading": "やわた"})
    assert res.status_code == 409
    assert "readings.yaml was changed outside the staff pages" in res.text
    assert 'value="八幡"' in res.text  # what was typed is kept
    assert path.read_text(encoding="utf-8") == edited


def test_what_cannot_be_a_reading_is_refused(
    editor: tuple[TestClient, str], knowledge: Path
) -> None:
    client, _ = editor
    path = knowledge / "readings.yaml"
    before = path.read_text(encoding="utf-8")
    for word, reading, problem in [
        ("ごみ", "ごみ", "漢字のある言葉"),  # kana get no furigana
        ("八幡", "yawata", "ひらがなで"),
        ("八幡 町", "やわたまち", "空白やかっこなし"),
        ("", "やわた", "言葉を書いてください"),
    ]:
        res = client.post(
            f"{URL}/reading",
            data={**reading_form(client), "word": word, "reading": reading},
            headers={"accept": "application/json"},
        )
        assert res.status_code == 400, word
        assert problem in " ".join(res.json()["problems"]), word
    assert path.read_text(encoding="utf-8") == before
