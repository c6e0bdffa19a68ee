"""`resbot remind`, `resbot broadcast` and `resbot signups` against the fake platforms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.notify import signups
from bot.storage import Store

from .conftest import TG_TOKEN, Fakes, line_id, subscribe, tg_id

runner = CliRunner()


@pytest.fixture()
def env(fakes: Fakes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "test-access-token")
    monkeypatch.setenv("LINE_API_BASE", fakes.line_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TG_TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE", f"{fakes.tg_url}/bot")
    return tmp_path / "cli.sqlite3"


def resbot(db: Path, *args: str) -> str:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_preview_test_send_then_send(env: Path, fakes: Fakes) -> None:
    store = Store(env)
    subscribe(store, 1, "line", "es")
    subscribe(store, 2, "telegram", "tl")
    shown = resbot(env, "broadcast", "-t", "aftershocks", "--preview", "--lang", "tl")
    assert "----- tl -----" in shown and "Mag-ingat sa aftershock" in shown
    tested = resbot(env, "broadcast", "-t", "aftershocks", "--test-to", "telegram:42",
                    "--lang", "en")  # fmt: skip
    assert "test en -> telegram:42: sent" in tested
    assert list(fakes.received()) == ["42"]
    bid = tested.split("broadcast ", 1)[1].split(":", 1)[0]
    sent = resbot(env, "broadcast", "--id", bid, "--send", "--json")
    status = json.loads(sent.strip().splitlines()[-1])
    assert (status["sent"], status["state"]) == (2, "done")
    assert set(fakes.received()) == {"42", line_id(1), tg_id(2)}
    assert json.loads(resbot(env, "broadcast", "--status", bid, "--json"))["sent"] == 2
    # --to-lang targets the readers of one language only.
    resbot(env, "broadcast", "-t", "rivers_sea", "--to-lang", "es", "--send")
    assert len(fakes.received()[line_id(1)]) == 2 and len(fakes.received()[tg_id(2)]) == 1


def test_remind_due_at_a_given_time(env: Path, fakes: Fakes) -> None:
    store = Store(env)
    # 西町 collects burnable garbage on Tuesdays: Tuesday 1 December 2026.
    subscribe(store, 1, "telegram", "en", kind="garbage", option="evening", area="西町")
    out = resbot(env, "remind", "--due", "--now", "2026-11-30T19:00", "--json")
    assert json.loads(out) | {"queued": 1, "sent": 1} == json.loads(out)
    (text,) = fakes.received()[tg_id(1)]
    assert "Tomorrow" in text and "西町" in text
    again = json.loads(resbot(env, "remind", "--due", "--now", "2026-11-30T19:05", "--json"))
    assert again["queued"] == 0 and len(fakes.received()[tg_id(1)]) == 1


def test_signups_export_and_purge(env: Path) -> None:
    store = Store(env)
    fields = {"name": "Lan", "languages": "vi", "contact": "a@b.jp", "area": ""}
    signups.add(store, kind="volunteer", user_key="k", channel="line", lang="vi", fields=fields)
    out = env.parent / "v.csv"
    assert "wrote" in resbot(env, "signups", "export", "--kind", "volunteer", "--out", str(out))
    assert "Lan" in out.read_text(encoding="utf-8-sig")
    assert "deleted 0" in resbot(env, "signups", "purge")
    assert "deleted 1" in resbot(env, "signups", "purge", "--days", "0")
