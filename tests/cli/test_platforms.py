"""`resbot line ...`, `resbot telegram ...` and the Docker files, as an operator uses them.

The LINE and Telegram SDKs talk over real HTTP to the local fakes in tests.fakes.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
import yaml
from PIL import Image
from typer.testing import CliRunner

from bot.channels import richmenu_image
from bot.channels.richmenu import DEFINITION, load_definition
from bot.cli import app
from bot.config import load_settings
from tests.fakes import FakeApi, Served, line_app, telegram_app

REPO = Path(__file__).resolve().parents[2]
TG_TOKEN = "123456:TEST-TOKEN"
TG_SECRET = "test-telegram-secret-token"
SETTINGS = (
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "LINE_API_BASE",
    "LINE_DATA_API_BASE",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_SECRET_TOKEN",
    "TELEGRAM_API_BASE",
    "PUBLIC_BASE_URL",
)
MENU_DATA = [
    "cat:garbage", "cat:japanese", "cat:consult", "cat:life",
    "cat:disaster", "shelter", "sub:menu", "langmenu",
]
# 2500x1686 as a 4x2 grid, left to right, top to bottom.
MENU_BOUNDS = [
    {"x": x, "y": y, "width": 625, "height": 843}
    for y in (0, 843)
    for x in (0, 625, 1250, 1875)
]

runner = CliRunner()


@pytest.fixture(scope="module")
def line_hosts() -> Iterator[tuple[FakeApi, str, FakeApi, str]]:
    """Two fakes: api.line.me and api-data.line.me, to see which call goes where."""
    api, data = FakeApi(), FakeApi()
    with Served(line_app(api)) as api_served, Served(line_app(data)) as data_served:
        yield api, api_served.url, data, data_served.url


@pytest.fixture(scope="module")
def tg_host() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    with Served(telegram_app(api)) as served:
        yield api, served.url


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No developer .env and no real tokens may leak into a test.
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def line(
    line_hosts: tuple[FakeApi, str, FakeApi, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[FakeApi, FakeApi]:
    api, api_url, data, data_url = line_hosts
    api.clear()
    data.clear()
    api.rich_menus = []
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "test-access-token")
    monkeypatch.setenv("LINE_API_BASE", api_url)
    monkeypatch.setenv("LINE_DATA_API_BASE", data_url)
    return api, data


@pytest.fixture()
def tg(tg_host: tuple[FakeApi, str], monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    api, url = tg_host
    api.clear()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TG_TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", TG_SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE", f"{url}/bot")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.example.org/")
    return api


def calls(api: FakeApi) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in api.calls]


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image


# --------------------------------------------------------------------- LINE
def test_rich_menu_is_created_uploaded_to_the_data_host_and_made_default(
    line: tuple[FakeApi, FakeApi],
) -> None:
    api, data = line
    res = runner.invoke(app, ["line", "rich-menu"])
    assert res.exit_code == 0, res.output
    assert "richmenu-fake-1" in res.stdout
    assert calls(api) == [
        ("POST", "/v2/bot/richmenu/validate"),
        ("POST", "/v2/bot/richmenu"),
        ("POST", "/v2/bot/user/all/richmenu/richmenu-fake-1"),
    ]
    created = api.of("/v2/bot/richmenu")[0].body
    assert api.of("/validate")[0].body == created
    assert created["size"] == {"width": 2500, "height": 1686}
    assert created["selected"] is True
    assert created["chatBarText"] == "メニュー / Menu"
    assert [a["bounds"] for a in created["areas"]] == MENU_BOUNDS
    actions = [a["action"] for a in created["areas"]]
    assert {a["type"] for a in actions} == {"postback"}
    assert [a["data"] for a in actions] == MENU_DATA
    assert actions[0]["displayText"] == "ごみ / Garbage"
    assert actions[5]["displayText"] == "ちかくの ひなんばしょ / Evacuation site"
    assert actions[7]["displayText"] == "ことば / Language"
    assert all(len(a["label"]) <= 20 for a in actions)

    assert calls(data) == [("POST", "/v2/bot/richmenu/richmenu-fake-1/content")]
    upload = data.calls[0]
    assert upload.content_type == "image/png"
    assert len(upload.raw) < 1024 * 1024  # LINE's limit
    assert decode(upload.raw).size == (2500, 1686)


def test_replace_deletes_only_older_menus_of_the_same_name(line: tuple[FakeApi, FakeApi]) -> None:
    api, _ = line
    request = load_definition().request().to_dict()
    api.rich_menus = [
        {**request, "richMenuId": "richmenu-old"},
        {**request, "richMenuId": "richmenu-fake-1"},  # the one just made
        {**request, "richMenuId": "richmenu-campaign", "name": "spring campaign"},
    ]
    res = runner.invoke(app, ["line", "rich-menu", "--replace"])
    assert res.exit_code == 0, res.output
    assert calls(api)[-2:] == [
        ("GET", "/v2/bot/richmenu/list"),
        ("DELETE", "/v2/bot/richmenu/richmenu-old"),
    ]
    assert "deleted older rich menu richmenu-old" in res.stdout


def test_failed_image_upload_removes_the_half_made_menu(line: tuple[FakeApi, FakeApi]) -> None:
    api, data = line
    data.fail_next = [500]
    res = runner.invoke(app, ["line", "rich-menu"])
    assert res.exit_code == 1
    assert "LINE answered 500" in res.stderr
    assert calls(api)[-1] == ("DELETE", "/v2/bot/richmenu/richmenu-fake-1")
    assert not api.of("/v2/bot/user/all/richmenu/richmenu-fake-1")


def test_rich_menu_without_a_token_says_what_to_set(
    line: tuple[FakeApi, FakeApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN")
    res = runner.invoke(app, ["line", "rich-menu"])
    assert res.exit_code == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN is not set" in res.stderr
    assert "LINE Developers console" in res.stderr
    assert line[0].calls == [] and line[1].calls == []


def test_image_out_only_renders_the_png(
    line: tuple[FakeApi, FakeApi], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN")  # not needed to render
    out = tmp_path / "menu" / "richmenu.png"
    res = runner.invoke(app, ["line", "rich-menu", "--image-out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.stdout
    image = decode(out.read_bytes()).convert("RGB")
    assert image.size == (2500, 1686)
    for area in load_definition().areas:
        # Each tile is its colour near the corner and carries white text in the middle.
        corner = image.getpixel((area.x + 60, area.y + 60))
        assert corner == Image.new("RGB", (1, 1), area.color).getpixel((0, 0))
        middle = image.crop((area.x + 40, area.y + 200, area.x + area.width - 40, area.y + 640))
        white = middle.convert("L").histogram()[255]  # pure white: the text colour
        assert white > 5000, f"no label drawn on {area.data}"
    assert line[0].calls == [] and line[1].calls == []


def test_dry_run_prints_the_menu_and_calls_nothing(line: tuple[FakeApi, FakeApi]) -> None:
    res = runner.invoke(app, ["line", "rich-menu", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert [m for m in MENU_DATA if f'"data": "{m}"' in res.stdout] == MENU_DATA
    assert "nothing sent to LINE" in res.stdout
    assert line[0].calls == [] and line[1].calls == []


def test_a_broken_definition_is_refused_before_any_call(
    line: tuple[FakeApi, FakeApi], tmp_path: Path
) -> None:
    data = yaml.safe_load(DEFINITION.read_text(encoding="utf-8"))
    data["areas"] = data["areas"][:5]
    bad = tmp_path / "menu.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = runner.invoke(app, ["line", "rich-menu", "--definition", str(bad)])
    assert res.exit_code == 2
    assert "5 areas do not fill a 4x2 grid" in res.stderr
    assert line[0].calls == []


def test_menu_colours_give_white_text_high_contrast() -> None:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for area in load_definition().areas:
        ratio = 1.05 / (luminance(area.color) + 0.05)
        assert ratio >= 7, f"{area.data}: contrast {ratio:.1f} is below WCAG AAA"


def test_without_a_japanese_font_it_warns_and_still_renders(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(richmenu_image, "FONT_PATHS", ())
    monkeypatch.setattr(richmenu_image, "_fontconfig_japanese", lambda: None)
    with caplog.at_level(logging.WARNING, logger="resbot.richmenu"):
        png = richmenu_image.render_png(load_definition())
    assert "no Japanese font found" in caplog.text
    assert decode(png).size == (2500, 1686)


def test_a_missing_font_file_is_a_clear_error(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["line", "rich-menu", "--dry-run", "--font", str(tmp_path / "none.ttf")]
    )
    assert res.exit_code == 2
    assert "none.ttf does not exist" in res.stderr


# ----------------------------------------------------------------- Telegram
def test_set_webhook_registers_url_secret_and_update_types(tg: FakeApi) -> None:
    res = runner.invoke(app, ["telegram", "set-webhook"])
    assert res.exit_code == 0, res.output
    assert "https://bot.example.org/telegram/webhook" in res.stdout
    (call,) = tg.of("/setWebhook")
    assert call.path == f"/bot{TG_TOKEN}/setWebhook"
    assert call.body["url"] == "https://bot.example.org/telegram/webhook"
    assert call.body["secret_token"] == TG_SECRET
    assert call.body["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]


def test_set_webhook_url_option_overrides_public_base_url(tg: FakeApi) -> None:
    url = "https://other.example.org/hook"
    res = runner.invoke(app, ["telegram", "set-webhook", "--url", url])
    assert res.exit_code == 0, res.output
    assert tg.of("/setWebhook")[0].body["url"] == url


def test_set_webhook_refuses_what_telegram_would_refuse(
    tg: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = runner.invoke(app, ["telegram", "set-webhook", "--url", "http://127.0.0.1:8000/x"])
    assert res.exit_code == 2
    assert "only calls HTTPS webhooks" in res.stderr
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", "has spaces!")
    res = runner.invoke(app, ["telegram", "set-webhook"])
    assert res.exit_code == 2
    assert "TELEGRAM_SECRET_TOKEN may only hold" in res.stderr
    assert tg.calls == []


def test_telegram_commands_without_tokens_say_what_to_set(
    tg: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_SECRET_TOKEN")
    res = runner.invoke(app, ["telegram", "set-webhook"])
    assert res.exit_code == 2
    assert "TELEGRAM_SECRET_TOKEN is not set" in res.stderr
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    for command in ("set-webhook", "delete-webhook", "set-commands"):
        res = runner.invoke(app, ["telegram", command])
        assert res.exit_code == 2
        assert "TELEGRAM_BOT_TOKEN is not set" in res.stderr
        assert "@BotFather" in res.stderr
    assert tg.calls == []


def test_set_commands_puts_the_evacuation_site_in_every_language_menu(tg: FakeApi) -> None:
    res = runner.invoke(app, ["telegram", "set-commands"])
    assert res.exit_code == 0, res.output
    calls = tg.of("/setMyCommands")
    assert len(calls) == 8  # the default list and one per language
    by_lang = {c.body.get("language_code"): c.body["commands"] for c in calls}
    assert set(by_lang) == {None, "ja", "vi", "pt", "es", "tl", "en", "zh"}
    for lang, commands in by_lang.items():
        if isinstance(commands, str):  # PTB sends the list JSON-encoded in a form body
            commands = json.loads(commands)
        names = [c["command"] for c in commands]
        assert names == ["menu", "shelter", "area", "language"], lang
    vi = by_lang["vi"]
    vi = json.loads(vi) if isinstance(vi, str) else vi
    assert vi[1]["description"] == "Nơi sơ tán gần nhất"


def test_delete_webhook(tg: FakeApi) -> None:
    res = runner.invoke(app, ["telegram", "delete-webhook", "--drop-pending-updates"])
    assert res.exit_code == 0, res.output
    (call,) = tg.of("/deleteWebhook")
    assert call.path == f"/bot{TG_TOKEN}/deleteWebhook"
    assert call.body["drop_pending_updates"] in (True, "true", "True")


def test_telegram_refusal_is_reported(tg: FakeApi) -> None:
    tg.fail_next = [200, 400]  # getMe passes, setWebhook is refused
    res = runner.invoke(app, ["telegram", "set-webhook"])
    assert res.exit_code == 1
    assert "Telegram refused setWebhook: fake failure" in res.stderr


def test_platform_commands_have_examples() -> None:
    group = typer.main.get_command(app)
    for name in ("line", "telegram"):
        sub = group.commands[name]  # type: ignore[attr-defined]
        for command_name, command in sub.commands.items():
            assert f"Example: resbot {name} {command_name}" in (command.help or "")


# ------------------------------------------------------------------- Docker
def test_env_example_lists_every_setting() -> None:
    source = (REPO / "bot" / "config.py").read_text(encoding="utf-8")
    settings = set(re.findall(r'(?:config\(|_secret\(config,)\s*"([A-Z][A-Z0-9_]+)"', source))
    assert "LINE_DATA_API_BASE" in settings and "RESBOT_DB" in settings
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert settings == listed
    # Copied as it is, the example must load (no empty value where a number is due).
    load_settings(env_file=REPO / ".env.example")


def test_compose_file_mounts_the_database_volume_and_checks_health() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["resbot"]
    db = Path(service["environment"]["RESBOT_DB"])
    volume, target = service["volumes"][0].split(":")[:2]
    assert volume in compose["volumes"] and Path(target) == db.parent
    assert service["env_file"] == ".env"
    assert "/healthz" in " ".join(service["healthcheck"]["test"])
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'CMD ["resbot", "serve", "--host", "0.0.0.0"]' in dockerfile


def test_compose_pg_profile_runs_two_instances_on_postgresql_behind_a_proxy() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "profiles" not in services["resbot"]  # `docker compose up` stays the SQLite one
    replicas = [services["resbot-a"], services["resbot-b"]]
    for replica in replicas:
        assert replica["profiles"] == ["pg"]
        url = replica["environment"]["RESBOT_DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/healthz" in " ".join(replica["healthcheck"]["test"])
    assert services["postgres"]["profiles"] == ["pg"]
    proxy = services["proxy"]
    assert set(proxy["depends_on"]) == {"resbot-a", "resbot-b"}
    mount = proxy["volumes"][0].split(":")[0]
    conf = (REPO / mount).read_text(encoding="utf-8")
    assert "server resbot-a:8000" in conf and "server resbot-b:8000" in conf
    assert "non_idempotent" in conf  # a webhook failing on one instance goes to the other
    assert "pg =" in (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "'.[pg]'" in (REPO / "Dockerfile").read_text(encoding="utf-8")


def test_docker_compose_config_is_valid(tmp_path: Path) -> None:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")
    for name in ("docker-compose.yml", "Dockerfile", ".dockerignore"):
        shutil.copy(REPO / name, tmp_path / name)
    # env_file must exist for Compose v1: what an operator does first.
    shutil.copy(REPO / ".env.example", tmp_path / ".env")
    done = subprocess.run(
        [exe, "-f", "docker-compose.yml", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_set_webhook_of_a_city_uses_its_bot_and_its_path(
    tg: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.install import add_city

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESBOT_CITIES", str(tmp_path / "cities.yaml"))
    add_city("aoba", "青葉市", REPO / "knowledge")
    monkeypatch.setenv("CITY_AOBA_TELEGRAM_BOT_TOKEN", "777:AOBA-TOKEN")
    monkeypatch.setenv("CITY_AOBA_TELEGRAM_SECRET_TOKEN", "aoba-secret-token")
    res = runner.invoke(app, ["--city", "aoba", "telegram", "set-webhook"])
    assert res.exit_code == 0, res.output
    (call,) = tg.of("/setWebhook")
    assert call.path == "/bot777:AOBA-TOKEN/setWebhook"
    assert call.body["url"] == "https://bot.example.org/c/aoba/telegram/webhook"
    assert call.body["secret_token"] == "aoba-secret-token"
