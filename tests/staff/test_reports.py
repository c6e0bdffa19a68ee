"""The dashboard and the unanswered-questions queue, fed through the real service."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import yaml
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.analytics import Month, tables
from bot.core.types import Incoming
from bot.staff.clock import utcnow
from bot.staff.dashboard import build
from bot.staff.entries import add_draft
from tests.kbfactory import po_file

from .conftest import csrf, login, staff_of

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ENTRY = "garbage.bags"


def ask(app: Starlette, text: str, user: str = "resident-1") -> str:
    result = staff_of(app).service.handle("web", user, Incoming(text=text))
    assert result is not None
    return result.outcome


def test_dashboard_shows_this_months_numbers_and_charts(app: Starlette, client: TestClient) -> None:
    for user in "abc":  # the chat page opens with a start call: residents, not one-shots
        staff_of(app).service.handle("web", user, Incoming(kind="follow"))
    assert ask(app, "ngay nao do rac nhua", "a") == "answer"
    assert ask(app, "how do I sort garbage", "b") == "answer"
    assert ask(app, "recommend a good hotel in Kyoto", "c") == "fallback"
    login(client, "vera")
    month = Month.of(utcnow())
    html = client.get(f"/staff/dashboard?month={month}").text
    values = {
        label: value
        for value, label in re.findall(
            r'<span class="value">([^<]+)</span><span class="label">([^<]+)<', html
        )
    }
    assert values["質問数"] == "3"
    assert values["利用者数（重複なし）"] == "3"
    assert values["回答率"] == "66.7%"
    assert values["未回答"] == "1"
    assert "recommend a good hotel in Kyoto" in html  # the report's unanswered table
    for name in ("trend", "languages", "topics"):
        assert f"/staff/dashboard/charts/{month}/{name}.png" in html
    png = client.get(f"/staff/dashboard/charts/{month}/languages.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


def test_a_bad_month_is_a_clear_400(client: TestClient) -> None:
    login(client, "vera")
    res = client.get("/staff/dashboard?month=2026-13")
    assert res.status_code == 400
    assert "not a month" in res.text


def month_links(html: str) -> list[Month]:
    return [Month.parse(m) for m in re.findall(r'href="[^"]*\?month=([0-9-]+)"', html)]


def test_month_navigation_never_links_ahead(client: TestClient) -> None:
    login(client, "vera")
    this = Month.of(utcnow())
    now = client.get("/staff/dashboard").text
    assert month_links(now) == [this.shift(-1)]  # back only
    assert 'rel="next"' not in now
    assert f'type="month" name="month" value="{this}" max="{this}"' in now
    earlier = client.get(f"/staff/dashboard?month={this.shift(-3)}").text
    assert f'href="/staff/dashboard?month={this.shift(-2)}" rel="next"' in earlier
    assert max(month_links(earlier)) == this  # and a way back to this month


def test_a_future_month_says_so_instead_of_an_empty_report(client: TestClient) -> None:
    login(client, "vera")
    this = Month.of(utcnow())
    for ahead in (this.shift(1), this.shift(13)):
        res = client.get(f"/staff/dashboard?month={ahead}")
        assert res.status_code == 404
        assert f"{ahead} has not started yet" in res.text
        assert f"{ahead} は まだ 始まって いません" in res.text
        assert "<table" not in res.text and "/charts/" not in res.text
        assert max(month_links(res.text)) == this
        chart = client.get(f"/staff/dashboard/charts/{ahead}/trend.png")
        assert chart.status_code == 404 and "has not started yet" in chart.text


def test_the_dashboard_contents_reach_every_section_and_table(
    app: Starlette, client: TestClient
) -> None:
    assert ask(app, "how do I sort garbage", "a") == "answer"
    login(client, "vera")
    html = client.get("/staff/dashboard").text
    toc = html.split('<nav class="card toc"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    sections = re.findall(r'<section class="dash-section" id="([^"]+)"', html)
    assert anchors == sections
    assert set(sections) >= {"overview", "trend", "languages", "topics", "unanswered"}
    assert "未回答の質問 <small>Unanswered questions</small>" in toc
    # Every report table shows once, under a section; the long ones start folded.
    tables = re.findall(r'<details class="card table-card" id="t-(\w+)"( open)?>', html)
    names = [t.name for t in bot_tables(app)]
    assert sorted(n for n, _ in tables) == sorted(names)
    assert {n for n, is_open in tables if not is_open} == {"summary", "yoy", "topics"}
    for name in ("trend", "languages", "topics"):  # each chart in its own section
        chart = html.index(f"/charts/{Month.of(utcnow())}/{name}.png")
        opening = '<section class="dash-section" id="'
        start = html.rindex(opening, 0, chart) + len(opening)
        assert html[start:].startswith(f'{name}"')


def bot_tables(app: Starlette) -> list[tables.Table]:
    staff = staff_of(app)
    board = build(staff.store, staff.service.bot.kb, Month.of(utcnow()))
    return board.tables


def queue_forms(html: str) -> list[tuple[str, str]]:
    """(item key, question text) of every open item."""
    return re.findall(
        r'<td class="qtext">(.*?)<br>.*?action="/staff/queue/([0-9a-f]+)"', html, re.S
    )


def test_attach_and_dismiss_take_items_off_the_queue(
    app: Starlette, client: TestClient, knowledge: Path, reloads: list[int]
) -> None:
    assert ask(app, "recommend a good hotel in Kyoto") == "fallback"
    assert ask(app, "Recommend a good   hotel in Kyoto", "other") == "fallback"  # same item
    assert ask(app, "quan pho ngon nhat o dau", "c") == "fallback"
    token = login(client, "eddie")
    html = client.get("/staff/queue").text
    items = {text: key for text, key in queue_forms(html)}
    assert len(items) == 2
    hotel = next(k for t, k in items.items() if "hotel" in t)
    bag = next(k for t, k in items.items() if "quan pho" in t)
    assert re.search(r"hotel in Kyoto<br>.*?<td class=\"num\">2</td>", html, re.S)

    res = client.post(f"/staff/queue/{hotel}", data={"csrf": token, "action": "dismiss"})
    assert "Dismissed" in res.text
    res = client.post(
        f"/staff/queue/{bag}",
        data={"csrf": token, "action": "attach", "entry": ENTRY, "lang": "vi"},
    )
    assert "as a draft question (vi)" in res.text
    assert queue_forms(client.get("/staff/queue").text) == []
    decisions = {r["action"] for r in staff_of(app).store.db.query("select * from staff_queue")}
    assert decisions == {"attach", "dismiss"}

    # The question waits on the entry as a draft: not served, not in the PO yet.
    path = knowledge / "entries" / "garbage" / f"{ENTRY}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["draft_questions"][0]["lang"] == "vi"
    assert "quan pho" in data["draft_questions"][0]["text"]
    page = client.get(f"/staff/entries/{ENTRY}").text
    assert "quan pho ngon" in page
    text = data["draft_questions"][0]["text"]
    client.post(
        f"/staff/entries/{ENTRY}/drafts",
        data={"csrf": csrf(page), "lang": "vi", "text": text, "action": "accept"},
    )
    po = polib.pofile(str(po_file(knowledge, "vi", "garbage")))
    msg = next(e for e in po if e.msgctxt == f"{ENTRY}|questions")
    assert msg.msgstr.splitlines()[-1] == text
    assert "fuzzy" not in msg.flags  # the other variants stay served
    assert "draft_questions" not in yaml.safe_load(path.read_text(encoding="utf-8"))
    assert reloads == [1]


def test_a_japanese_draft_goes_into_the_yaml_questions(
    app: Starlette, client: TestClient, knowledge: Path
) -> None:
    staff = staff_of(app)
    add_draft(staff.workspace, staff.audit, "eddie", ENTRY, "ja", "ごみぶくろ　ねだん", 2)
    login(client, "eddie")
    page = client.get(f"/staff/entries/{ENTRY}").text
    assert "asked 2×" in page
    client.post(
        f"/staff/entries/{ENTRY}/drafts",
        data={"csrf": csrf(page), "lang": "ja", "text": "ごみぶくろ　ねだん", "action": "accept"},
    )
    data = yaml.safe_load(
        (knowledge / "entries" / "garbage" / f"{ENTRY}.yaml").read_text(encoding="utf-8")
    )
    assert data["questions"][-1] == "ごみぶくろ　ねだん"  # the full-width space is kept
    actions = [r["action"] for r in staff.store.db.query("select action from staff_audit")]
    assert actions == ["draft", "accept"]


def test_viewers_see_the_queue_without_buttons(app: Starlette, client: TestClient) -> None:
    ask(app, "recommend a good hotel in Kyoto")
    login(client, "vera")
    html = client.get("/staff/queue").text
    assert "recommend a good hotel in Kyoto" in html
    assert 'value="attach"' not in html and 'value="dismiss"' not in html


def test_stored_xss_from_a_chat_message_stays_text(app: Starlette, client: TestClient) -> None:
    assert ask(app, XSS) == "fallback"
    login(client, "eddie")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
    for path in ("/staff/queue", f"/staff/dashboard?month={Month.of(utcnow())}"):
        html = client.get(path).text
        assert escaped in html, path
        assert "<script>alert" not in html and "<img src=x" not in html, path
    # Attached as a draft, it is still text on the entry page (and YAML on disk).
    token = csrf(client.get("/staff/queue").text)
    key = queue_forms(client.get("/staff/queue").text)[0][1]
    client.post(
        f"/staff/queue/{key}",
        data={"csrf": token, "action": "attach", "entry": ENTRY, "lang": "en"},
    )
    html = client.get(f"/staff/entries/{ENTRY}").text
    assert escaped in html and "<script>alert" not in html
