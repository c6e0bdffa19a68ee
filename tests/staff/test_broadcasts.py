"""The broadcast pages: compose, preview in seven languages, test-send, send
(queue and wake, never the whole send in the request) and the status counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.core.langs import LANGS
from bot.notify import ledger, subscriptions
from bot.notify.broadcast import Broadcasts
from bot.notify.outbox import Outbox
from bot.notify.telegram_sender import TelegramSender
from bot.staff.http import Staff
from tests.fakes import FakeApi, Served, telegram_app
from tests.notify.conftest import FAST, QUICK, TG_TOKEN

from .conftest import login, staff_of

PLACE = "東小学校 体育館"
SHELTER = {"template": "shelter_open", "p_place": PLACE, "kind": "disaster"}


@dataclass
class FakeNotifier:
    """Stands in for the server's loop: records wake-ups, sends nothing."""

    outbox: Outbox | None
    woken: int = 0
    calls: list[str] = field(default_factory=list)

    def wake(self) -> None:
        self.woken += 1


def subscribe(staff: Staff, n: int, lang: str, kind: str = "disaster", area: str = "") -> None:
    subscriptions.subscribe(
        staff.store,
        user_key=f"key{n:04d}",
        channel="telegram" if n % 2 else "line",
        address=str(700_000_000 + n) if n % 2 else f"U{n:032x}",
        kind=kind,
        lang=lang,
        area=area or None,
    )


def notifier(app: Starlette, outbox: Outbox | None) -> FakeNotifier:
    fake = FakeNotifier(outbox)
    staff_of(app).notify = lambda: fake
    return fake


def draft(client: TestClient, token: str, **extra: str) -> int:
    res = client.post("/staff/broadcasts", data={"csrf": token, **SHELTER, **extra})
    assert res.status_code == 200, res.text[:400]
    found = re.search(r"/staff/broadcasts/(\d+)", str(res.url))
    assert found, res.url
    assert f"Draft #{found.group(1)} saved" in res.text
    return int(found.group(1))


def test_the_compose_page_lists_every_template_with_its_value_hints(
    app: Starlette, editor: tuple[TestClient, str]
) -> None:
    client, _ = editor
    api = Broadcasts(staff_of(app).store, staff_of(app).service.bot.kb)
    page = client.get("/staff/broadcasts").text
    for template in api.templates.values():
        assert template.title in page
    chosen = client.get("/staff/broadcasts?template=shelter_open").text
    assert 'name="p_place"' in chosen
    assert "避難所の名前と場所" in chosen  # the hint staff see next to the field
    two = client.get("/staff/broadcasts?template=distribution").text
    assert 'name="p_place"' in two and 'name="p_time"' in two


def test_preview_in_all_seven_languages_with_the_audience_per_language(
    app: Starlette, editor: tuple[TestClient, str]
) -> None:
    client, token = editor
    staff = staff_of(app)
    for n, lang in enumerate(["vi", "vi", "tl", "ja", "pt"]):
        subscribe(staff, n, lang, area="西町" if n < 3 else "東町")
    subscribe(staff, 9, "en", kind="events")  # another subscription: not counted
    res = client.post("/staff/broadcasts/preview", data={"csrf": token, **SHELTER, "lang": "tl"})
    assert res.status_code == 200
    html = res.text
    for lang in LANGS:
        assert f'id="pv-{lang}"' in html
    tagalog = html.split('id="pv-tl"')[1].split('id="pv-en"')[0]
    assert "Bukas na ang evacuation center" in tagalog and PLACE in tagalog
    assert "hidden" not in tagalog.split(">")[0]  # the chosen language is the one shown
    japanese = html.split('id="pv-ja"')[1].split('id="pv-vi"')[0]
    assert "避難所(ひなんじょ)" in japanese  # furigana, as residents see it
    counts = dict(re.findall(r'data-audience="(\w+)">(?:<b>)?(\d+)', html))
    assert counts == {"ja": "1", "vi": "2", "pt": "1", "es": "0", "tl": "1", "en": "0",
                      "zh": "0", "total": "5"}  # fmt: skip
    # Targeting a language and an area narrows the audience.
    narrowed = client.post(
        "/staff/broadcasts/preview",
        data={"csrf": token, **SHELTER, "langs": ["vi", "tl"], "areas": "西町"},
    ).text
    counts = dict(re.findall(r'data-audience="(\w+)">(?:<b>)?(\d+)', narrowed))
    assert (counts["vi"], counts["tl"], counts["ja"], counts["total"]) == ("2", "1", "0", "3")


def test_a_missing_value_is_explained_not_a_crash(editor: tuple[TestClient, str]) -> None:
    client, token = editor
    res = client.post("/staff/broadcasts/preview", data={"csrf": token, "template": "shelter_open"})
    assert res.status_code == 400
    # shelter_open takes its place from picked sites or the typed value: neither given.
    assert "pick at least one site, or write the &#39;place&#39; value" in res.text
    level3 = client.post(
        "/staff/broadcasts/preview", data={"csrf": token, "template": "evacuation_level3"}
    )
    assert level3.status_code == 400 and "missing parameter(s) area" in level3.text
    saved = client.post("/staff/broadcasts", data={"csrf": token, "template": "shelter_open"})
    assert saved.status_code == 400
    blank = client.post("/staff/broadcasts/preview", data={"csrf": token, "text": "  "})
    assert blank.status_code == 400 and "a text in Japanese" in blank.text


def test_free_text_with_an_own_translation(editor: tuple[TestClient, str]) -> None:
    client, token = editor
    form = {
        "csrf": token,
        "text": "あした　にほんごきょうしつが　あります。",
        "t_en": "There is a Japanese class tomorrow.",
        "kind": "events",
        "lang": "en",
    }
    html = client.post("/staff/broadcasts/preview", data=form).text
    english = html.split('id="pv-en"')[1].split('id="pv-zh"')[0]
    assert "There is a Japanese class tomorrow." in english
    vietnamese = html.split('id="pv-vi"')[1].split('id="pv-pt"')[0]
    assert "にほんごきょうしつ" in vietnamese and "chỉ có bằng tiếng Nhật" in vietnamese


def test_a_draft_records_who_made_it_and_sends_nothing(
    app: Starlette, editor: tuple[TestClient, str]
) -> None:
    client, token = editor
    staff = staff_of(app)
    subscribe(staff, 1, "tl")
    bid = draft(client, token, lang="tl")
    with staff.store.lock:
        (by,) = staff.store.db.conn.execute(
            "select created_by from notify_broadcasts where id = ?", [bid]
        ).fetchone()
    assert by == "eddie"
    assert ledger.counts(staff.store)["pending"] == 0
    page = client.get(f"/staff/broadcasts/{bid}?lang=tl").text
    assert "eddie" in page
    assert "Only an admin can send" in page  # an editor prepares; an admin sends
    assert staff.audit.latest("notify_broadcasts", str(bid)) is not None
    listing = client.get("/staff/broadcasts").text
    assert f"/staff/broadcasts/{bid}" in listing and "避難所を開設しました" in listing


def test_without_a_platform_preview_works_and_sending_is_disabled(
    app: Starlette, client: TestClient
) -> None:
    token = login(client, "ada")
    subscribe(staff_of(app), 1, "vi")
    bid = draft(client, token)
    page = client.get(f"/staff/broadcasts/{bid}").text
    assert "Sending is off: no LINE or Telegram token is set" in page
    assert re.search(r'<button type="submit" class="primary" disabled>', page)
    tested = client.post(
        f"/staff/broadcasts/{bid}/test", data={"csrf": token, "target": "telegram:1"}
    )
    assert tested.status_code == 409 and "Sending is off" in tested.text
    sent = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": token, "confirm": "yes"})
    assert sent.status_code == 409
    assert ledger.counts(staff_of(app).store)["pending"] == 0  # nothing queued to go out late


def test_send_queues_every_subscriber_and_wakes_the_loop(
    app: Starlette, client: TestClient
) -> None:
    staff = staff_of(app)
    fake = notifier(app, Outbox(staff.store))  # no senders: nothing can leave in the request
    for n, lang in enumerate(LANGS * 2):
        subscribe(staff, n, lang)
    editor_token = login(client, "eddie")
    bid = draft(client, editor_token)
    refused = client.post(
        f"/staff/broadcasts/{bid}/send", data={"csrf": editor_token, "confirm": "yes"}
    )
    assert refused.status_code == 403 and "Your role" in refused.text
    client.post("/staff/logout", data={"csrf": editor_token})
    token = login(client, "ada")
    unticked = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": token})
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    assert fake.woken == 0
    res = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": token, "confirm": "yes"})
    assert res.status_code == 200
    assert "Sending #" in res.text and "14 subscriber(s)" in res.text
    assert fake.woken == 1
    counts = ledger.counts(staff.store, bid)
    assert counts["pending"] == 14 and counts["sent"] == 0  # the loop sends, not the request
    assert 'id="bc-status"' in res.text and 'data-state="queued"' in res.text
    assert re.search(r'data-count="pending">14<', res.text)
    status = client.get(f"/staff/broadcasts/{bid}/status").json()
    assert (status["state"], status["pending"], status["total"]) == ("queued", 14, 14)
    again = client.post(f"/staff/broadcasts/{bid}/send", data={"csrf": token, "confirm": "yes"})
    assert again.status_code == 409 and "already sent" in again.text
    assert ledger.counts(staff.store, bid)["pending"] == 14
    listing = client.get("/staff/broadcasts").text
    row = listing.split(f"/staff/broadcasts/{bid}")[1].split("</tr>")[0]
    assert "eddie" in row and "ada" in row  # created by the editor, sent by the admin


def test_the_status_of_an_unknown_broadcast(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    assert client.get("/staff/broadcasts/99/status").status_code == 404
    assert client.get("/staff/broadcasts/99").status_code == 404


def test_a_test_address_is_checked(app: Starlette, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    notifier(app, Outbox(staff_of(app).store))  # configured, but without Telegram
    bid = draft(client, token)
    bad = client.post(f"/staff/broadcasts/{bid}/test", data={"csrf": token, "target": "a@b.c"})
    assert bad.status_code == 400 and "line:&lt;userId&gt; or telegram:&lt;chat id&gt;" in bad.text
    none = client.post(
        f"/staff/broadcasts/{bid}/test", data={"csrf": token, "target": "telegram:5"}
    )
    assert none.status_code == 409 and "Telegram is not configured" in none.text


@pytest.fixture()
def telegram() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    with Served(telegram_app(api)) as server:
        yield api, server.url


def test_a_test_send_reaches_one_staff_account_in_one_language(
    app: Starlette, editor: tuple[TestClient, str], telegram: tuple[FakeApi, str]
) -> None:
    client, token = editor
    api, url = telegram
    staff = staff_of(app)
    subscribe(staff, 1, "vi")  # a subscriber: must get nothing from a test
    sender = TelegramSender(TG_TOKEN, f"{url}/bot", QUICK, FAST)
    notifier(app, Outbox(staff.store, telegram=sender))
    bid = draft(client, token)
    res = client.post(
        f"/staff/broadcasts/{bid}/test",
        data={"csrf": token, "target": "telegram:555000111", "lang": "tl"},
    )
    client.portal.call(sender.close)  # type: ignore[union-attr]  # in the app's event loop
    assert res.status_code == 200, res.text[:300]
    assert "Test sent to telegram:555000111 (tl: sent)" in res.text
    assert 'value="telegram:555000111"' in res.text  # kept for the next language
    sent = [c for c in api.of("sendMessage") if c.status == 200]
    assert len(sent) == 1
    assert str(sent[0].body["chat_id"]) == "555000111"
    assert "Bukas na ang evacuation center" in sent[0].body["text"]
    assert PLACE in sent[0].body["text"]
    assert ledger.counts(staff.store)["pending"] == 0
    change = staff.audit.latest("notify_broadcasts", str(bid))
    assert change is not None and change.action == "test"
    assert "555000111" not in change.after  # the audit log keeps the channel, not the id
