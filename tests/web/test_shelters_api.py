"""The web chat API with a location, and the site index reloaded after an import.

The index is built when the bot loads and swapped in when `resbot shelters import`
writes a new list (bot.web.sites_watch), never per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import load_settings
from bot.core.dialogue import Bot
from bot.web.app import create_app
from tests.shelters.sites import POINTS, expected, import_hachioji, with_sites


def _names(payload: dict[str, object]) -> list[str]:
    replies = payload["replies"]
    assert isinstance(replies, list)
    return re.findall(r"^\d\. (.+)$", replies[-1]["text"], flags=re.M)


@pytest.fixture()
def empty(tmp_path: Path, bot: Bot) -> Iterator[tuple[TestClient, Bot, Path]]:
    """A server whose knowledge folder has no sites yet."""
    knowledge = tmp_path / "kb"
    knowledge.mkdir()
    twin = with_sites(bot, knowledge)
    settings = load_settings(env_file=None, db_path=tmp_path / "web.sqlite3")
    with TestClient(create_app(settings, twin)) as client:
        yield client, twin, knowledge


def test_location_post_answers_and_an_import_is_picked_up_without_a_rebuild(
    empty: tuple[TestClient, Bot, Path],
) -> None:
    client, twin, knowledge = empty
    lat, lon = POINTS["Hachioji station"]
    body = {"location": {"lat": lat, "lon": lon}}
    client.post("/api/chat", json={"postback": "lang:en"})
    before = client.post("/api/chat", json=body).json()
    assert "does not have the list of evacuation sites" in before["replies"][0]["text"]

    watch = client.app.state.sites_watch  # type: ignore[attr-defined]
    assert watch.check() is False  # nothing changed: nothing rebuilt
    import_hachioji(knowledge)
    assert watch.check() is True
    index = twin.sites
    assert len(index.sites) == 150

    asked = client.post("/api/chat", json={"text": "nearest evacuation site for flood"}).json()
    assert asked["topic"] == "disaster.shelter"
    assert asked["replies"][0]["buttons"][0]["data"] == "@location"
    answer = client.post("/api/chat", json=body).json()
    assert _names(answer) == [w.name for w in expected("洪水", lat, lon)]
    client.post("/api/chat", json={"postback": "shelter:earthquake"})
    assert twin.sites is index  # the same index served every request
    assert watch.check() is False


def test_a_staff_reload_keeps_the_sites(hachioji_bot: Bot, tmp_path: Path) -> None:
    settings = load_settings(env_file=None, db_path=tmp_path / "web.sqlite3")
    with TestClient(create_app(settings, hachioji_bot)) as client:
        lat, lon = POINTS["Takaosan-guchi"]
        client.post("/api/chat", json={"postback": "lang:es"})
        client.post("/api/chat", json={"postback": "shelter:landslide"})
        answer = client.post("/api/chat", json={"location": {"lat": lat, "lon": lon}}).json()
        assert answer["lang"] == "es"
        assert _names(answer) == [w.name for w in expected("崖崩れ、土石流及び地滑り", lat, lon)]


@pytest.mark.parametrize(
    "location",
    [{"lat": 91, "lon": 139}, {"lat": 35.6}, {"lat": True, "lon": 139.3}, {"lat": "35", "lon": 1},
     [35.6, 139.3], {"lat": 35.6, "lon": 181}],
)
def test_bad_locations_are_refused(empty: tuple[TestClient, Bot, Path], location: object) -> None:
    client, _, _ = empty
    res = client.post("/api/chat", json={"location": location})
    assert res.status_code == 400


@pytest.mark.parametrize("disaster", ["flood", "earthquake", "landslide"])
def test_each_point_and_disaster_through_the_api(
    hachioji_bot: Bot, tmp_path: Path, disaster: str
) -> None:
    from tests.shelters.sites import COLUMNS

    settings = load_settings(env_file=None, db_path=tmp_path / "web.sqlite3")
    with TestClient(create_app(settings, hachioji_bot)) as client:
        client.post("/api/chat", json={"postback": "lang:tl"})
        for lat, lon in POINTS.values():
            # The rich menu's entry, the position, then one tap on the disaster.
            asked = client.post("/api/chat", json={"postback": "shelter"}).json()
            assert asked["replies"][0]["buttons"][0]["data"] == "@location"
            which = client.post("/api/chat", json={"location": {"lat": lat, "lon": lon}}).json()
            datas = [b["data"] for b in which["replies"][0]["buttons"]]
            assert f"shelter:{disaster}" in datas
            answer = client.post("/api/chat", json={"postback": f"shelter:{disaster}"}).json()
            assert answer["lang"] == "tl"
            assert _names(answer) == [w.name for w in expected(COLUMNS[disaster], lat, lon)]
