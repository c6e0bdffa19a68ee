"""Start-up objects out of the cycle collector's walks (bot.heap), and nothing kept
for ever: what is made later, an old bot after a reload, an old sites index."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot import heap
from bot.cli import app
from bot.core.dialogue import Bot
from bot.core.knowledge import load_knowledge
from bot.service import Service
from bot.staff.reload import Reloader
from bot.storage import Store
from tests.kbfactory import make_kb


@pytest.fixture()
def frozen() -> Iterator[None]:
    """The freeze is process-wide: every test here leaves the collector as it was."""
    yield
    gc.unfreeze()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_start_up_is_frozen_and_later_cycles_are_still_collected(frozen: None) -> None:
    kept = _Cycle()
    assert heap.freeze_startup() > 0
    assert gc.get_freeze_count() > 0 and not any(gc.get_count()[1:])
    assert kept not in gc.get_objects()  # frozen: no collection walks it
    later = _Cycle()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_a_reload_thaws_so_the_old_bot_is_freed(tmp_path: Path, frozen: None) -> None:
    """The old bot holds cycles (its flows point back at it): frozen, it would stay
    in memory for ever after each reload of the knowledge by staff."""
    service = Service(Bot(load_knowledge(make_kb(tmp_path / "kb"))), Store(tmp_path / "db"))
    old = weakref.ref(service.bot)
    heap.freeze_startup()
    assert Reloader(service).reload().ok
    gc.collect()
    assert old() is None
    assert gc.get_freeze_count() == 0


def test_a_frozen_sites_index_swapped_out_is_freed(tmp_path: Path, frozen: None) -> None:
    """`resbot shelters import` swaps the sites index without a reload (no thaw): it
    must hold no cycle, so that counting references frees the old one."""
    bot = Bot(load_knowledge(make_kb(tmp_path / "kb")))
    heap.freeze_startup()
    old = weakref.ref(bot.sites)
    bot.reload_sites()
    assert old() is None


def test_serve_freezes_what_it_loaded_before_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen: None
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def run(asgi: Any, **kwargs: Any) -> None:
        seen["frozen"] = gc.get_freeze_count()
        seen["service"] = asgi.state.service

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("RESBOT_DB", str(tmp_path / "db.sqlite3"))
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert seen["frozen"] > 10_000
    assert seen["service"].bot not in gc.get_objects()  # frozen with the rest
