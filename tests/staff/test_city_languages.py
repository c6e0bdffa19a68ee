"""City values are vouched for per language: saving the Japanese and English of a
value leaves the other languages marked (example, or stale once another language
changed), listed on the city-profile page and by `resbot kb check`, and marked for
residents of those languages (through the real service)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.core.city import load_city
from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
from bot.core.phrases import load_phrases
from bot.core.types import Incoming
from bot.service import Service
from bot.storage import Store

KEY = "japanese.class.time"
LANGS = ("ja", "vi", "pt", "es", "tl", "en", "zh")
OTHERS = ("vi", "pt", "es", "tl", "zh")
NEW = {"ja": "にちようび 13:00〜15:00", "en": "Sundays 13:00–15:00"}


def city_form(client: TestClient, key: str = KEY) -> dict[str, str]:
    """Every field of one value's form, as the browser sends it (all languages)."""
    html = client.get("/staff/city").text
    form = re.search(rf'<form[^>]*id="v-{re.escape(key)}".*?</form>', html, re.S)
    assert form, key
    fields = dict(re.findall(r'<input (?:type="hidden" )?name="([^"]+)" value="([^"]*)"', form[0]))
    return {k: v.replace("&amp;", "&") for k, v in fields.items()}


def needs_work(html: str) -> dict[str, list[tuple[str, str]]]:
    """The page's list of values with languages still to do: key -> (lang, mark)."""
    section = re.search(r'<section class="card needs-work".*?</section>', html, re.S)
    if not section:
        return {}
    out = {}
    for item in re.findall(r"<li>(.*?)</li>", section[0], re.S):
        key = re.search(r"<code>\{([^}]+)\}</code>", item)
        assert key
        out[key[1]] = re.findall(
            r'data-lang="([a-z]+)">[^<]*<span class="badge (example|stale)">', item
        )
    return out


def ask(knowledge: Path, tmp_path: Path, lang: str) -> str:
    """The japanese.class answer a resident of `lang` gets from the edited files."""
    service = Service(Bot(load_knowledge(knowledge)), Store(tmp_path / f"{lang}.db"), b"k")
    service.handle("web", "u", Incoming(kind="postback", text=f"lang:{lang}"))
    result = service.handle("web", "u", Incoming(kind="postback", text="e:japanese.class"))
    assert result is not None and result.entry == "japanese.class"
    return result.replies[0].text


def test_saving_ja_and_en_leaves_the_other_languages_marked_and_listed(
    editor: tuple[TestClient, str], knowledge: Path, tmp_path: Path
) -> None:
    client, _ = editor
    assert load_city(knowledge / "city.yaml").values[KEY].example
    form = city_form(client)
    assert {f"v_{x}" for x in LANGS} <= set(form)  # the browser sends every language
    res = client.post("/staff/city", data={**form, "v_ja": NEW["ja"], "v_en": NEW["en"]})
    assert res.status_code == 200
    assert "still to do: vi (example), pt (example)" in res.text

    value = load_city(knowledge / "city.yaml").values[KEY]
    assert not value.example
    assert value.text("ja") == NEW["ja"] and value.text("en") == NEW["en"]
    assert value.pending == {x: "example" for x in OTHERS}
    assert value.mark("ja") is None and value.mark("en") is None
    raw = yaml.safe_load((knowledge / "city.yaml").read_text(encoding="utf-8"))
    assert raw["japanese"]["class"]["time"]["example"] == list(OTHERS)

    # Listed for staff: on the city-profile page ...
    assert needs_work(res.text)[KEY] == [(x, "example") for x in OTHERS]
    # ... and by `resbot kb check`.
    out = CliRunner().invoke(cli_app, ["--knowledge", str(knowledge), "kb", "check"]).output
    assert f"city.yaml: {KEY}: language(s) still to fill in or update: vi (example)" in out

    # Residents: Vietnamese still marked as an example, English not.
    phrases = load_phrases()
    vi = ask(knowledge, tmp_path, "vi")
    assert "Chủ nhật 10:00–12:00" + phrases.raw("example_mark", "vi") in vi
    en = ask(knowledge, tmp_path, "en")
    assert NEW["en"] in en and NEW["en"] + phrases.raw("example_mark", "en") not in en


def test_a_change_in_one_language_makes_the_unsaved_ones_stale(
    editor: tuple[TestClient, str], knowledge: Path, tmp_path: Path
) -> None:
    """The real values were all in; then the class moved and only ja+en were updated:
    the Vietnamese (old time) must not be served unmarked."""
    client, _ = editor
    old = load_city(knowledge / "city.yaml").values[KEY]
    form = city_form(client)
    ok = client.post("/staff/city", data={**form, "still_right": list(LANGS)})
    assert ok.status_code == 200
    real = load_city(knowledge / "city.yaml").values[KEY]
    assert not real.example and real.pending == {} and real.value == old.value
    assert KEY not in needs_work(client.get("/staff/city").text)

    res = client.post(
        "/staff/city", data={**city_form(client), "v_ja": NEW["ja"], "v_en": NEW["en"]}
    )
    value = load_city(knowledge / "city.yaml").values[KEY]
    assert value.pending == {x: "stale" for x in OTHERS}
    assert needs_work(res.text)[KEY] == [(x, "stale") for x in OTHERS]
    out = CliRunner().invoke(cli_app, ["--knowledge", str(knowledge), "kb", "check"]).output
    assert f"{KEY}: language(s) still to fill in or update: vi (stale), pt (stale)" in out

    phrases = load_phrases()
    vi = ask(knowledge, tmp_path, "vi")
    assert "Chủ nhật 10:00–12:00" + phrases.raw("stale_mark", "vi") in vi

    # The translator fixes Vietnamese and vouches for Portuguese as it is.
    res = client.post(
        "/staff/city",
        data={**city_form(client), "v_vi": "Chủ nhật 13:00–15:00", "still_right": ["pt"]},
    )
    value = load_city(knowledge / "city.yaml").values[KEY]
    assert value.pending == {"es": "stale", "tl": "stale", "zh": "stale"}
    assert needs_work(res.text)[KEY] == [("es", "stale"), ("tl", "stale"), ("zh", "stale")]
    vi = ask(knowledge, tmp_path, "vi")
    assert "Chủ nhật 13:00–15:00" in vi and phrases.raw("stale_mark", "vi") not in vi


def test_an_unchanged_form_saves_nothing(editor: tuple[TestClient, str], knowledge: Path) -> None:
    client, _ = editor
    before = (knowledge / "city.yaml").read_text(encoding="utf-8")
    res = client.post("/staff/city", data=city_form(client))
    assert "Nothing changed" in res.text
    assert (knowledge / "city.yaml").read_text(encoding="utf-8") == before
