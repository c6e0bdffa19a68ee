"""Shared fixtures: the shipped knowledge base, loaded once, and ../shared when present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.knowledge import KnowledgeBase, load_knowledge
from tests import pg

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file of ../shared, or skip: a city that clones resbot alone has no ../shared."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only next to the development checkout)")
    return path


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge(REPO / "knowledge")


@pytest.fixture(scope="session")
def bot(kb: KnowledgeBase) -> Bot:
    return Bot(kb)


@pytest.fixture(scope="session")
def hachioji_bot(bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Bot:
    """The shipped knowledge plus Hachioji's imported evacuation sites (../shared)."""
    from tests.shelters.sites import import_hachioji, with_sites

    knowledge = tmp_path_factory.mktemp("hachioji-kb")
    import_hachioji(knowledge)
    return with_sites(bot, knowledge)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """One throwaway PostgreSQL server for the session (skips when it cannot run)."""
    reason = pg.why_not()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    cluster = pg.Cluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend a test runs on: every test using it runs on both."""
    return str(request.param)


@pytest.fixture()
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """What to open a `Store` on: a fresh SQLite file, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        return tmp_path / "resbot.sqlite3"
    cluster: pg.Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()
