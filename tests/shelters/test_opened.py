"""Open sites and the active disaster, stored in SQLite by sending broadcasts."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.knowledge import KnowledgeBase
from bot.core.langs import LANGS
from bot.core.types import Incoming, Session
from bot.notify.broadcast import Broadcasts
from bot.notify.templates import TemplateError
from bot.shelters import opened
from bot.shelters.geo import Disaster
from bot.shelters.gsi_csv import Site
from bot.storage import Store
from tests.shelters.sites import COLUMNS, POINTS, expected

SCHOOL = Site("shelter", "S1", "横川小学校", "東京都八王子市横川町305", 35.6675, 139.3073,
              frozenset(), "")  # fmt: skip
PARK = Site("emergency", "E1", "富士森公園", "東京都八王子市台町2-2", 35.6470, 139.3210,
            frozenset({Disaster.EARTHQUAKE, Disaster.FIRE}), "")  # fmt: skip
HALL = Site("shelter", "S2", "由井市民センター", "東京都八王子市打越町335-1", 35.6400, 139.3430,
            frozenset(), "")  # fmt: skip


@pytest.fixture()
def store(db_target: Path | str) -> Store:
    """On SQLite and on PostgreSQL (every test using it runs on both)."""
    return Store(db_target)


@pytest.fixture()
def api(store: Store, kb: KnowledgeBase) -> Broadcasts:
    return Broadcasts(store, kb)


def snap(*sites: Site) -> list[dict[str, object]]:
    return [opened.snapshot(s) for s in sites]


def test_sending_opens_the_sites_and_staff_close_them(api: Broadcasts, store: Store) -> None:
    bid = api.create_broadcast(
        template="shelter_open", params={"place": ""}, sites=snap(SCHOOL, PARK), created_by="eddie"
    )
    assert opened.current(store) == ()  # a draft tells nobody: nothing is open yet
    api.queue(bid, "ada")
    now = opened.current(store)
    assert [s.common_id for s in now] == ["S1", "E1"]
    assert now[1].disasters == {"earthquake", "fire"} and now[0].since
    row = opened.rows(store)[0]
    assert row["opened_by"] == "ada" and row["broadcast_id"] == bid
    api.queue(bid, "ada")  # queuing again (late subscribers) opens nothing twice
    assert len(opened.rows(store, include_closed=True)) == 2

    assert opened.close(store, "S1", "eddie") is True
    assert opened.close(store, "S1", "eddie") is False  # already closed
    assert [s.common_id for s in opened.current(store)] == ["E1"]
    closed = opened.latest(store, ["S1"])["S1"]
    assert closed["closed_by"] == "eddie" and closed["closed"]

    # A later broadcast opens it again as a new row; the open one is not doubled.
    again = api.create_broadcast(template="shelter_open", params={"place": ""},
                                 sites=snap(SCHOOL, PARK))  # fmt: skip
    api.queue(again)
    assert {s.common_id for s in opened.current(store)} == {"S1", "E1"}
    assert len(opened.rows(store, include_closed=True)) == 3


def test_the_broadcast_lists_the_picked_sites_in_every_language(api: Broadcasts) -> None:
    bid = api.create_broadcast(
        template="shelter_open", params={"place": "体育館に 来てください"}, sites=snap(SCHOOL, HALL)
    )
    labels = {"vi": "Địa chỉ: ", "pt": "Endereço: ", "es": "Dirección: ", "tl": "Address: ",
              "en": "Address: ", "zh": "地址：", "ja": "じゅうしょ："}  # fmt: skip
    for lang in LANGS:
        text = "\n".join(r.text for r in api.message(bid, lang))
        for site in (SCHOOL, HALL):
            assert site.name in text, lang
            assert labels[lang] + site.address in text, lang
        assert "体育館に 来てください" in text  # the typed value follows the sites
    assert "abrigo 避難所" in api.preview("shelter_open", {"place": ""}, "pt", sites=snap(SCHOOL))


def test_a_site_template_needs_sites_or_a_place(api: Broadcasts) -> None:
    with pytest.raises(TemplateError, match="pick at least one site"):
        api.create_broadcast(template="shelter_open", params={"place": ""}, sites=[])
    with pytest.raises(TemplateError, match="does not list evacuation sites"):
        api.create_broadcast(template="evacuation_level3", params={"area": "西町"},
                             sites=snap(SCHOOL))  # fmt: skip


def test_active_disaster_follows_the_latest_sent_disaster_broadcast(
    api: Broadcasts, store: Store
) -> None:
    assert opened.active_disaster(store) is None
    flood = api.create_broadcast(
        template="evacuation_level4", params={"area": "西町", "place": "東小学校"},
        disaster="flood",
    )  # fmt: skip
    assert opened.active_disaster(store) is None  # a draft is not in force
    api.queue(flood)
    assert opened.active_disaster(store) == "flood"
    # A broadcast that names no disaster (or a text) leaves it as it is.
    api.queue(api.create_broadcast(template="more_info", params={}))
    api.queue(api.create_broadcast(template="evacuation_level3", params={"area": "西町"}))
    assert opened.active_disaster(store) == "flood"
    # The aftershocks template says earthquake itself.
    api.queue(api.create_broadcast(template="aftershocks", params={}))
    assert opened.active_disaster(store) == "earthquake"
    assert opened.live(store).disaster == "earthquake"
    # Lifting the evacuation ends it.
    api.queue(api.create_broadcast(template="evacuation_lifted", params={"area": "西町"}))
    assert opened.active_disaster(store) is None
    with pytest.raises(ValueError, match="disaster must be one of"):
        api.create_broadcast(template="shelter_open", params={"place": "x"}, disaster="zombies")
    # A template with a fixed type ignores a staff choice; "choose" stores it.
    fixed = api.create_broadcast(template="aftershocks", params={}, disaster="flood")
    assert api.status(fixed).disaster == "earthquake"


def test_find_matches_name_or_address_folding_width_and_kana() -> None:
    sites = [SCHOOL, PARK, HALL]
    assert opened.find(sites, "小学校") == [SCHOOL]
    assert opened.find(sites, "八王子市 台町") == [PARK]
    assert opened.find(sites, "ﾖｺｶﾜ") == []  # katakana is not kanji: no false hit
    assert opened.find(sites, "３３５") == [HALL]  # full-width digits
    assert opened.find(sites, "八王子", limit=2) == [SCHOOL, PARK]
    assert opened.find(sites, "   ") == []


def test_an_older_database_gains_the_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(
        "create table notify_broadcasts (id integer primary key, created text not null,"
        " created_by text not null default '', kind text not null, template text,"
        " params text not null default '{}', texts text not null default '{}',"
        " langs text not null default '[]', areas text not null default '[]',"
        " state text not null default 'draft', tested text, queued text, finished text)"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    columns = {r[1] for r in store.db.conn.execute("pragma table_info(notify_broadcasts)")}
    assert {"sites", "disaster"} <= columns
    assert opened.current(store) == ()


def test_a_location_uses_the_disaster_broadcast_sent(
    api: Broadcasts, store: Store, hachioji_bot: Bot
) -> None:
    """The service's reader (`opened.live`) reaches the location answer."""
    lat, lon = POINTS["Minamino"]
    read = partial(opened.live, store)
    where = Incoming(kind="location", lat=lat, lon=lon)
    assert hachioji_bot.handle(where, Session(), read).session.awaiting == "shelter_type"
    api.queue(api.create_broadcast(template="aftershocks", params={}))
    told = hachioji_bot.handle(where, Session(), read)
    assert told.session.shelter_disaster == "earthquake"
    names = re.findall(r"^\d\. (.+)$", told.replies[-1].text, flags=re.M)
    assert names == [w.name for w in expected(COLUMNS["earthquake"], lat, lon)]
    api.queue(api.create_broadcast(template="evacuation_lifted", params={"area": "西町"}))
    assert hachioji_bot.handle(where, Session(), read).session.awaiting == "shelter_type"
