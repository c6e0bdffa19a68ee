"""`resbot staff add / list / passwd` as an admin runs them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.staff.accounts import Accounts
from bot.staff.roles import Role
from bot.storage import Store

runner = CliRunner()


def test_add_list_and_passwd(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    res = runner.invoke(
        app,
        ["--db", db, "staff", "add", "tanaka", "--role", "editor", "--password-stdin"],
        input="a long enough password\n",
    )
    assert res.exit_code == 0, res.output
    assert "added tanaka (editor)" in res.output
    accounts = Accounts(Store(db))
    assert accounts.verify("tanaka", "a long enough password") is not None
    stored = next(iter(Store(db).db.query("select password_hash from staff_users")))
    assert stored["password_hash"].startswith("$argon2id$")  # never the password itself

    res = runner.invoke(app, ["--db", db, "staff", "list"])
    assert res.exit_code == 0
    assert "tanaka\teditor\tactive\tlast login:" in res.output

    # Prompted twice when not from stdin.
    res = runner.invoke(
        app,
        ["--db", db, "staff", "passwd", "tanaka"],
        input="another password 1\nanother password 1\n",
    )
    assert res.exit_code == 0, res.output
    assert accounts.verify("tanaka", "another password 1") is not None
    assert accounts.verify("tanaka", "a long enough password") is None


def test_mistakes_are_refused_clearly(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    Accounts(Store(db)).add("sato", Role.admin, "admin password 1")
    cases = [
        (["staff", "add", "sato", "--role", "viewer", "--password-stdin"], "already an account"),
        (["staff", "add", "Bad Name", "--role", "viewer", "--password-stdin"], "a name is"),
        (["staff", "add", "kim", "--role", "viewer", "--password-stdin"], "at least 10"),
        (["staff", "passwd", "nobody", "--password-stdin"], "no account named"),
    ]
    for args, message in cases:
        password = "short\n" if "kim" in args else "long enough password\n"
        res = runner.invoke(app, ["--db", db, *args], input=password)
        assert res.exit_code == 1, args
        assert message in res.output, (args, res.output)
    res = runner.invoke(app, ["--db", db, "staff", "add", "kim", "--role", "boss"])
    assert res.exit_code == 2  # not a role


def test_every_staff_command_has_an_example() -> None:
    res = runner.invoke(app, ["staff", "--help"])
    assert res.exit_code == 0
    for command in ("add", "list", "passwd"):
        assert command in res.output
        sub = runner.invoke(app, ["staff", command, "--help"])
        assert "Example: resbot staff" in sub.output
