"""Remembered per-text work (bot.core.memo): bounded, forgotten on reload, same answers."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from bench.questions import QUESTIONS
from bot.core import memo, tagging
from bot.core.dialogue import Bot
from bot.core.emergency import find_emergency
from bot.core.knowledge import load_knowledge
from bot.core.retrieval import Index, Variant
from bot.core.types import Incoming, Session
from bot.service import Service
from bot.staff.reload import Reloader
from bot.storage import Store
from tests.kbfactory import make_kb, write_entry

from ..conftest import SHARED


def dev_texts() -> list[str]:
    path = SHARED / "eval" / "dev-questions.tsv"
    rows = path.read_text(encoding="utf-8").splitlines()[1:] if path.exists() else []
    return [r.split("\t")[2] for r in rows if r.count("\t") >= 2] + list(QUESTIONS)


def test_a_cache_never_holds_more_than_its_bound() -> None:
    index = Index([Variant("a", "en", "garbage day", "garbage day")])
    for n in range(memo.SIZE + 50):
        index.search(f"question number {n}")
    info = index._remembered.cache_info()  # type: ignore[attr-defined]
    assert info.currsize == memo.SIZE
    assert info.misses == memo.SIZE + 50


def test_a_remembered_result_is_not_shared_with_the_caller() -> None:
    """Callers may change the list they get; the next caller gets the original."""
    index = Index([Variant("a", "en", "garbage day", "garbage day")])
    first = index.search("garbage day")
    first.clear()
    assert [c.entry_id for c in index.search("garbage day")] == ["a"]
    words = tagging.words("ごみの日")
    words.clear()
    assert [w.surface for w in tagging.words("ごみの日")] == ["ごみ", "の", "日"]


def test_every_answer_is_the_same_remembered_or_worked_out(bot: Bot) -> None:
    texts = dev_texts()
    fresh = []
    for text in texts:
        memo.clear_all()
        fresh.append(asdict(bot.handle(Incoming(kind="text", text=text), Session())))
    for _ in range(2):  # the second pass answers from the caches only
        again = [asdict(bot.handle(Incoming(kind="text", text=t), Session())) for t in texts]
        assert again == fresh
    assert bot.index._remembered.cache_info().hits >= len(texts)  # type: ignore[attr-defined]


def test_a_reload_answers_from_the_new_knowledge_and_forgets_the_old(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    service = Service(Bot(load_knowledge(root)), Store(tmp_path / "db.sqlite3"))
    question = "粗大ごみの申し込み方法"
    before = service.bot.handle(Incoming(kind="text", text=question), Session())
    assert before.entry != "garbage.oversized"
    find_emergency("火事です！")  # module caches hold something now
    assert any(memo.sizes())
    old = service.bot
    write_entry(
        root,
        "garbage.oversized",
        "garbage.oversized",
        "そだいごみは でんわで もうしこみます。",
        questions=["粗大ごみの申し込み方法"],
    )
    assert Reloader(service).reload().ok
    assert service.bot is not old
    assert not any(memo.sizes()), "a reload empties every cache"
    after = service.bot.handle(Incoming(kind="text", text=question), Session())
    assert after.entry == "garbage.oversized"
    # The old bot's own caches are its own: what it remembered never reaches the new one.
    assert old.handle(Incoming(kind="text", text=question), Session()).entry == before.entry


def test_a_session_dict_is_what_asdict_gives_and_not_shared() -> None:
    session = Session(lang="vi", area="西町", pending=["a", "b"], subs={"garbage": "evening"})
    assert session.to_dict() == asdict(session)
    data = session.to_dict()
    data["pending"].append("c")
    data["subs"]["disaster"] = "on"
    assert session.pending == ["a", "b"] and session.subs == {"garbage": "evening"}
    assert Session().to_dict() == asdict(Session())
