"""The installed package carries the interface phrases (mapped from the top-level
`translations/`), and what the Dockerfile copies before `pip install .` builds it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from bot.core.langs import TARGET_LANGS
from bot.core.phrases import load_phrases

REPO = Path(__file__).resolve().parents[1]


def test_every_package_under_bot_is_listed_in_pyproject() -> None:
    """The package list is explicit (for the mapping): a new subpackage must be added."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    found = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "bot").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == found | {"bot.translations"}
    assert setuptools["package-dir"] == {"bot.translations": "translations"}


def docker_build_inputs() -> list[str]:
    """The paths the Dockerfile copies into the image before it runs `pip install .`."""
    out: list[str] = []
    for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if "pip install" in line and not line.lstrip().startswith("#"):
            return out
        if line.startswith("COPY "):
            out += line.split()[1:-1]
    raise AssertionError("the Dockerfile has no `RUN pip install` line")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    context = tmp_path_factory.mktemp("docker-context")
    for name in docker_build_inputs():
        src = REPO / name
        if src.is_dir():
            # As .dockerignore: no bytecode, no extension built here.
            ignore = shutil.ignore_patterns("__pycache__", "*.so")
            shutil.copytree(src, context / name, ignore=ignore)
        else:
            shutil.copy(src, context / name)
    dist = context / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(dist)],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (found,) = dist.glob("resbot-*.whl")
    return found


def test_the_wheel_carries_the_interface_phrases_and_no_city_content(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/translations/interface.pot" in names
    for lang in TARGET_LANGS:
        assert f"bot/translations/{lang}/LC_MESSAGES/interface.po" in names
    content = [n for n in names if n.endswith(".po") and not n.endswith("/interface.po")]
    assert content == []  # the city's catalogues are not part of the product


def test_the_wheel_builds_retrievals_c_part_where_a_compiler_is(wheel: Path) -> None:
    """setup.py reaches the image's build, so bot/core/_fused.c is compiled there."""
    if not shutil.which("cc") and not shutil.which("gcc"):
        pytest.skip("no C compiler here: the wheel is built without the optional C part")
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in names if n.startswith("bot/core/_fused.") and n.endswith(".so")]


def test_an_installed_package_finds_its_phrases_outside_a_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import bot\n"
        "from bot.core.layout import interface_dir\n"
        "from bot.core.phrases import load_phrases\n"
        "phrases = load_phrases()\n"
        "print(bot.__file__)\n"
        "print(interface_dir())\n"
        "print(len(phrases.sources), repr(phrases.raw('welcome', 'vi')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    module, folder, phrases = done.stdout.splitlines()
    assert Path(module).is_relative_to(site)  # the extracted package, not this checkout
    assert Path(folder) == site / "bot" / "translations"
    here = load_phrases()
    assert phrases == f"{len(here.sources)} {here.raw('welcome', 'vi')!r}"
    assert here.raw("welcome", "vi") != here.raw("welcome", "ja")
