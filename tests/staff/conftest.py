"""The staff pages over a COPY of the shipped knowledge folder (tests never edit
`knowledge/`), with one account per role."""

from __future__ import annotations

import copy
import dataclasses
import re
import sys
import types
from collections.abc import Iterator
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.staff.http import Staff
from bot.staff.reload import Reloaded
from bot.staff.roles import Role
from bot.web.app import create_app
from tests.kbfactory import copy_city

PASSWORD = "correct horse battery"
USERS = {"vera": Role.viewer, "eddie": Role.editor, "ada": Role.admin}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def staff_of(app: Starlette) -> Staff:
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/staff":
            found: Staff = route.app.state.staff  # type: ignore[union-attr]
            return found
    raise AssertionError("the staff app is not mounted at /staff")


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf(client.get("/staff/login").text)
    res = client.post("/staff/login", data={"name": name, "password": password, "csrf": token})
    assert res.status_code == 200, res.text[:500]  # followed the redirect
    return csrf(res.text)


@pytest.fixture()
def knowledge(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge folder (and its translations) to edit."""
    return copy_city(tmp_path / "knowledge")


@pytest.fixture()
def copied_bot(bot: Bot, knowledge: Path) -> Bot:
    """The session's bot, but rooted at the copy (so reloads read the copy)."""
    twin = copy.copy(bot)
    twin.kb = dataclasses.replace(bot.kb, root=knowledge)
    return twin


@pytest.fixture()
def app(tmp_path: Path, knowledge: Path, copied_bot: Bot) -> Starlette:
    settings = load_settings(env_file=None, db_path=tmp_path / "staff.sqlite3", knowledge=knowledge)
    app = create_app(settings, copied_bot)
    staff = staff_of(app)
    for name, role in USERS.items():
        staff.accounts.add(name, role, PASSWORD)
    return app


@pytest.fixture()
def reloads(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count reloads instead of building a new bot (1-2 s each); the reload tests
    use the real thing."""
    calls: list[int] = []

    def fake() -> Reloaded:
        calls.append(1)
        return Reloaded(True, 0.0, 0)

    monkeypatch.setattr(staff_of(app).reloader, "reload", fake)
    return calls


@pytest.fixture()
def client(app: Starlette, reloads: list[int]) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=True) as c:
        yield c


@pytest.fixture()
def editor(client: TestClient) -> tuple[TestClient, str]:
    return client, login(client, "eddie")


@pytest.fixture()
def fake_translate(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A stand-in for `bot.translate` with its API: tests never run real machine
    translation (slow, and only where Argos language packs are installed)."""
    module = types.ModuleType("bot.translate")
    module.__spec__ = ModuleSpec("bot.translate", None)

    class MissingModel(Exception):
        pass

    def draft_missing(knowledge_dir: Path, langs: list[str] | None) -> object:
        raise MissingModel("no Argos language pack installed (test stand-in)")

    module.MissingModel = MissingModel  # type: ignore[attr-defined]
    module.draft_missing = draft_missing  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.translate", module)
    return module
