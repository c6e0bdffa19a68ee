"""Ending a login lockout over HTTP: an admin's "Unlock" button, a password reset
(admin page or `resbot staff passwd`), and the admin page's list of locks with
when each ends."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.staff.clock import local, utcnow
from bot.staff.ratelimit import MAX_FAILURES, MAX_PER_ADDRESS, WINDOW

from .conftest import PASSWORD, csrf, login, staff_of

NEW_PASSWORD = "a brand new long password"


def fail(client: TestClient, name: str, times: int = MAX_FAILURES) -> None:
    for _ in range(times):
        token = csrf(client.get("/staff/login").text)
        res = client.post("/staff/login", data={"name": name, "password": "x", "csrf": token})
        assert res.status_code in (401, 429)


def try_login(client: TestClient, name: str, password: str = PASSWORD) -> int:
    token = csrf(client.get("/staff/login").text)
    res = client.post("/staff/login", data={"name": name, "password": password, "csrf": token})
    return res.status_code


def lock_rows(page: str) -> list[dict[str, str]]:
    """The admin page's locked logins as the reader sees them."""
    section = re.search(r'<section class="card" id="locks">.*?</section>', page, re.S)
    assert section, "no list of locked logins on the admin page"
    rows = []
    for row in re.findall(r'<tr class="lock">(.*?)</tr>', section[0], re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        until = re.search(r'<time datetime="([^"]+)"', row)
        hidden = dict(re.findall(r'type="hidden" name="(name|ip)" value="([^"]*)"', row))
        assert until
        rows.append(
            {
                "name": htmllib.unescape(cells[0]),
                "ip": cells[1],
                "failures": cells[2],
                "shown": cells[3],
                "until": until[1],
                **{f"form_{k}": htmllib.unescape(v) for k, v in hidden.items()},
            }
        )
    return rows


@pytest.fixture()
def admin(app: Starlette) -> Iterator[TestClient]:
    """A second browser, the admin's (same address as the locked-out person)."""
    with TestClient(app, follow_redirects=True) as c:
        login(c, "ada")
        yield c


def test_admin_page_lists_the_lock_with_its_end_and_unlock_ends_it(
    app: Starlette, client: TestClient, admin: TestClient
) -> None:
    before = utcnow()
    fail(client, "vera")
    assert try_login(client, "vera") == 429

    page = admin.get("/staff/admin/users").text
    (row,) = lock_rows(page)
    assert (row["name"], row["ip"], row["failures"]) == ("vera", "testclient", str(MAX_FAILURES))
    until = datetime.fromisoformat(row["until"])
    assert (
        before + WINDOW - timedelta(seconds=5) < until <= utcnow() + WINDOW + timedelta(seconds=2)
    )
    assert row["shown"] == local(until)  # in the city's time, for people

    res = admin.post("/staff/admin/lockouts", data={"csrf": csrf(page), "name": row["form_name"]})
    assert res.status_code == 200 and "Unlocked vera." in res.text
    assert lock_rows(res.text) == []
    assert try_login(client, "vera") == 200
    audit = list(staff_of(app).store.db.query("select * from staff_audit where action = 'unlock'"))
    assert [(a["user"], a["field"], a["before"]) for a in audit] == [
        ("ada", "vera", f"{MAX_FAILURES} failed login(s)")
    ]


def test_only_an_admin_may_unlock(app: Starlette, client: TestClient) -> None:
    fail(client, "vera")
    token = login(client, "eddie")
    res = client.post("/staff/admin/lockouts", data={"csrf": token, "name": "vera"})
    assert res.status_code == 403
    assert staff_of(app).limiter.retry_after("vera", "testclient") is not None


def test_a_password_reset_by_an_admin_ends_the_lock(client: TestClient, admin: TestClient) -> None:
    fail(client, "vera")
    assert try_login(client, "vera") == 429
    page = admin.get("/staff/admin/users").text
    res = admin.post(
        "/staff/admin/users/vera",
        data={"csrf": csrf(page), "action": "password", "password": NEW_PASSWORD},
    )
    assert res.status_code == 200
    assert lock_rows(res.text) == []
    assert try_login(client, "vera", NEW_PASSWORD) == 200


def test_resbot_staff_passwd_ends_the_lock(
    app: Starlette, client: TestClient, tmp_path: Path
) -> None:
    fail(client, "vera")
    assert try_login(client, "vera") == 429
    db = str(tmp_path / "staff.sqlite3")  # the app's database (tests/staff/conftest.py)
    res = CliRunner().invoke(
        cli_app, ["--db", db, "staff", "passwd", "vera", "--password-stdin"], input=NEW_PASSWORD
    )
    assert res.exit_code == 0, res.output
    assert try_login(client, "vera", NEW_PASSWORD) == 200


def test_address_locks_and_guessed_names_are_listed_and_unlocked(
    client: TestClient, admin: TestClient
) -> None:
    """Guesses at names no account has lock those names; thirty failures lock the
    address for every name (here also the admin's: an admin elsewhere unlocks)."""
    fail(client, "<b>root</b>")
    guesses = [f"guess{i}" for i in range(MAX_PER_ADDRESS // MAX_FAILURES - 1)]
    for name in guesses:
        fail(client, name)
    assert try_login(client, "eddie") == 429  # the address is locked, any name
    rows = lock_rows(admin.get("/staff/admin/users").text)
    assert [(r["name"], r["ip"]) for r in rows] == [
        ("<b>root</b>", "testclient"),  # shown as text, not markup
        *((name, "testclient") for name in guesses),
        ("(every name)", "testclient"),
    ]
    assert rows[0]["form_name"] == "<b>root</b>"
    assert rows[-1]["failures"] == str(MAX_PER_ADDRESS) and rows[-1]["form_ip"] == "testclient"
    token = csrf(admin.get("/staff/admin/users").text)
    res = admin.post("/staff/admin/lockouts", data={"csrf": token, "ip": "testclient"})
    assert res.status_code == 200 and lock_rows(res.text) == []
    assert try_login(client, "eddie") == 200
