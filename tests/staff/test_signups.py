"""The sign-ups page: counts for viewers, answers and exports for editors, the
purge for admins; residents' answers stay inert text."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.notify import signups, subscriptions
from bot.staff.http import Staff

from .conftest import login, staff_of

XSS = "<script>alert(1)</script>"


def sign_up(staff: Staff, n: int, kind: str = "volunteer", **fields: str) -> int:
    answers = (
        {
            "name": f"Resident {n}",
            "languages": "vi, ja",
            "contact": f"r{n}@example.jp",
            "area": "西町",
        }
        if kind == "volunteer"
        else {"level": "beginner", "class_type": "weekend", "contact": f"090-0000-{n:04d}"}
    )
    return signups.add(
        staff.store,
        kind=kind,
        user_key=f"key{n}",
        channel="line",
        lang="vi",
        fields={**answers, **fields},
    )


def fill(app: Starlette) -> Staff:
    staff = staff_of(app)
    for n in range(3):
        sign_up(staff, n)
    sign_up(staff, 3, name=XSS)
    for n in range(2):
        sign_up(staff, 10 + n, "class")
    for n, (kind, lang) in enumerate([("disaster", "vi"), ("disaster", "tl"), ("garbage", "vi")]):
        subscriptions.subscribe(
            staff.store,
            user_key=f"sub{n}",
            channel="telegram",
            address=str(100 + n),
            kind=kind,
            lang=lang,
        )
    return staff


def test_a_viewer_sees_counts_and_no_personal_data(app: Starlette, client: TestClient) -> None:
    fill(app)
    login(client, "vera")
    html = client.get("/staff/signups").text
    assert re.search(r'data-stored="volunteer">4<', html)
    assert re.search(r'data-stored="class">2<', html)
    assert "4 new in" in html  # this month's tally
    assert re.search(r'data-subscribers="disaster"><b>2<', html)
    assert re.search(r'data-subscribers="garbage"><b>1<', html)
    assert "Resident 0" not in html and "example.jp" not in html
    assert "/export" not in html and "/signups/purge" not in html
    assert client.get("/staff/signups/volunteer").status_code == 403
    assert client.get("/staff/signups/volunteer/export").status_code == 403


def test_an_editor_lists_the_answers_as_inert_text(app: Starlette, client: TestClient) -> None:
    fill(app)
    login(client, "eddie")
    html = client.get("/staff/signups").text
    assert "/staff/signups/volunteer/export?format=xlsx" in html
    assert "/signups/purge" not in html  # the purge is an admin's
    listing = client.get("/staff/signups/volunteer").text
    assert "Resident 2" in listing and "r1@example.jp" in listing
    assert XSS not in listing and "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert client.get("/staff/signups/nosuch").status_code == 404


def test_exports_as_csv_and_xlsx_are_audited(app: Starlette, client: TestClient) -> None:
    staff = fill(app)
    login(client, "eddie")
    res = client.get("/staff/signups/class/export?format=csv")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="signups-class-' in res.headers["content-disposition"]
    assert res.content.startswith("\ufeff".encode())  # BOM: Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows[0] == ["id", "created", "channel", "lang", "level", "class_type", "contact"]
    assert len(rows) == 3 and rows[1][4:] == ["beginner", "weekend", "090-0000-0010"]
    xlsx = client.get("/staff/signups/volunteer/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 5
    assert client.get("/staff/signups/volunteer/export?format=pdf").status_code == 400
    exports = [c for c in staff.audit.recent(10) if c.action == "export"]
    assert [(c.user, c.field, c.after) for c in exports] == [
        ("eddie", "volunteer", "xlsx"),
        ("eddie", "class", "csv"),
    ]


def test_an_admin_purges_what_is_past_the_retention_period(
    app: Starlette, client: TestClient
) -> None:
    staff = fill(app)
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat(timespec="milliseconds")
    with staff.store.lock:
        staff.store.db.conn.execute("update notify_signups set created = ? where id = 1", [old])
    token = login(client, "ada")
    assert "/signups/purge" in client.get("/staff/signups").text
    unticked = client.post("/staff/signups/purge", data={"csrf": token})
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    bad = client.post("/staff/signups/purge", data={"csrf": token, "days": "-1", "confirm": "yes"})
    assert bad.status_code == 400
    res = client.post("/staff/signups/purge", data={"csrf": token, "confirm": "yes"})
    assert "Deleted 1 sign-up(s) older than 365 day(s)." in res.text
    assert len(signups.list_signups(staff.store, "volunteer")) == 3
    everything = client.post(
        "/staff/signups/purge", data={"csrf": token, "days": "0", "confirm": "yes"}
    )
    assert "Deleted 5 sign-up(s)" in everything.text
    purges = [c for c in staff.audit.recent(10) if c.action == "purge"]
    assert [c.after for c in purges] == ["5 deleted", "1 deleted"]
    # The monthly tally is anonymous and stays.
    assert re.search(r'data-stored="volunteer">0<', everything.text)
    assert "4 new in" in everything.text
