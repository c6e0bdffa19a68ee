"""`resbot ask` and `resbot kb` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.kbfactory import make_kb

runner = CliRunner()


def test_ask_json_has_the_documented_fields() -> None:
    res = runner.invoke(app, ["ask", "ngay nao do rac nhua", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"topic", "entry", "lang", "score", "answer", "choices"} <= data.keys()
    assert data["topic"] == "garbage.collection_days"
    assert data["lang"] == "vi"


def test_ask_batch_reads_stdin_and_prints_jsonl() -> None:
    questions = "what day is plastic collection\n塑料垃圾哪天收\nrecommend a good hotel in Kyoto\n"
    res = runner.invoke(app, ["ask", "--json"], input=questions)
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["topic"] for x in lines] == [
        "garbage.collection_days",
        "garbage.collection_days",
        None,
    ]
    assert [x["lang"] for x in lines] == ["en", "zh", "en"]


def test_ask_lang_option_sets_the_reply_language() -> None:
    res = runner.invoke(app, ["ask", "how to sort garbage", "--lang", "es", "--json"])
    assert json.loads(res.stdout)["lang"] == "es"
    bad = runner.invoke(app, ["ask", "x", "--lang", "fr"])
    assert bad.exit_code == 2


def test_ask_user_remembers_the_language_choice(tmp_path: Path) -> None:
    db = str(tmp_path / "t.sqlite3")
    first = runner.invoke(app, ["--db", db, "ask", "English please", "--user", "u1", "--json"])
    assert json.loads(first.stdout)["lang"] == "en"
    # "ok" alone says nothing about the language: the remembered choice decides.
    second = runner.invoke(app, ["--db", db, "ask", "gomi", "--user", "u1", "--json"])
    assert json.loads(second.stdout)["lang"] == "en"


def test_knowledge_option_switches_the_folder(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "city2")
    res = runner.invoke(app, ["--knowledge", str(root), "kb", "export", "--json"])
    assert res.exit_code == 0, res.output
    assert [e["id"] for e in json.loads(res.stdout)] == ["consult.desk"]
    res = runner.invoke(app, ["--knowledge", str(root), "ask", "test question", "--json"])
    assert json.loads(res.stdout)["entry"] == "consult.desk"


def test_knowledge_env_var_switches_the_folder(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "city3")
    res = runner.invoke(app, ["kb", "export", "--json"], env={"RESBOT_KNOWLEDGE": str(root)})
    assert [e["id"] for e in json.loads(res.stdout)] == ["consult.desk"]


def test_kb_check_fails_with_a_clear_message(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "bad", answer="03-1234-5678 に でんわ して ください。")
    res = runner.invoke(app, ["--knowledge", str(root), "kb", "check"])
    assert res.exit_code == 1
    assert "phone-like '03-1234-5678'" in res.output
    assert "FAILED" in res.output


def test_kb_export_lists_every_language() -> None:
    res = runner.invoke(app, ["kb", "export", "--json"])
    entries = json.loads(res.stdout)
    sorting = next(e for e in entries if e["id"] == "garbage.sorting")
    assert set(sorting["answers"]) == {"ja", "vi", "pt", "es", "tl", "en", "zh"}
    assert len(sorting["questions"]["vi"]) >= 4


def test_chat_shows_numbered_buttons_and_follows_them() -> None:
    res = runner.invoke(app, ["chat", "--lang", "en"], input="how to sort garbage\n1\nquit\n")
    assert res.exit_code == 0, res.output
    assert "[1]" in res.output
    assert "Hello" in res.output


def test_every_command_is_documented_with_an_example() -> None:
    import typer.main

    group = typer.main.get_command(app)

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, cmd

    for path, cmd in walk(group, []):
        assert cmd.help and "Example" in cmd.help, (
            f"resbot {' '.join(path)} needs help with an example"
        )


def test_ask_batch_runs_many_conversations_each_with_its_own_session(tmp_path: Path) -> None:
    lines = [
        {"user": "vi", "text": "co lop hoc tieng nhat khong"},
        {"user": "tl", "text": "may japanese class ba dito?"},
        {"user": "vi", "text": "hoc phi bao nhieu"},
        {"user": "tl", "tap": "lang:en"},
        {"user": "tl", "text": "magkano?"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{broken\n"
    for extra in ([], ["--user", "batch", "--db", str(tmp_path / "b.sqlite3")]):
        args = [*extra[2:], "ask", "--json", *extra[:2]]
        res = runner.invoke(app, args, input=stdin)
        assert res.exit_code == 0, res.output
        out = [json.loads(x) for x in res.stdout.splitlines()]
        assert [x.get("user") for x in out[:5]] == ["vi", "tl", "vi", "tl", "tl"]
        assert out[2]["topic"] == "japanese.apply" and out[2]["lang"] == "vi"
        assert out[3]["outcome"] == "language"
        # The tap chose English; the follow-up is still about the class.
        assert out[4]["lang"] == "en" and out[4]["topic"] in ("japanese.apply", "japanese.class")
        assert out[5] == {"line": 6, "error": out[5]["error"]}


def test_kb_lint_ja_speaks_japanese_first_and_names_each_word_once(tmp_path: Path) -> None:
    from tests.kbfactory import write_entry

    root = make_kb(tmp_path)
    write_entry(
        root,
        "life.lint",
        "life.moving_in",
        "ハザードマップを　見て　ください。ハザードマップは　くやくしょに　あります。",
    )
    res = runner.invoke(app, ["--knowledge", str(root), "kb", "lint-ja"])
    assert res.exit_code == 1, res.output
    rows = [r for r in res.stdout.splitlines() if "life.lint.yaml" in r]
    assert len(rows) == 1, res.stdout  # the loanword is reported once, not per sentence
    assert "[カタカナ語 (katakana)] カタカナ語「ハザードマップ」：" in rows[0]
    assert rows[0].index("日本語の言葉に") < rows[0].index("use a Japanese word")
    assert res.stdout.splitlines()[-1].startswith("要修正 / FAILED: ")
