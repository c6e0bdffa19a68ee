"""The channel's own thread (bot.channels.worker): calls, errors, context, batched marks."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from pathlib import Path

import pytest

from bot.channels.worker import BATCH_MAX, Worker
from bot.claims import Claims
from bot.storage import Store

who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


class Marks:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, str]]] = []

    def __call__(self, marks: list[tuple[str, str]]) -> None:
        self.batches.append(list(marks))


def test_calls_run_on_one_thread_with_the_callers_context_and_errors() -> None:
    async def scenario() -> None:
        worker = Worker("t", Marks())
        worker.start()
        try:
            who.set("resident")
            names = {await worker.call(lambda: threading.current_thread().name) for _ in range(5)}
            assert names == {"resbot-t"}
            assert await worker.call(who.get) == "resident"
            assert await worker.call(sum, [1, 2, 3]) == 6
            with pytest.raises(ZeroDivisionError):
                await worker.call(lambda: 1 / 0)
            assert await worker.call(len, "still serving") == 13
        finally:
            await worker.stop()

    asyncio.run(scenario())


def test_marks_arriving_together_share_one_commit() -> None:
    marks = Marks()

    async def scenario() -> None:
        worker = Worker("t", marks, batch_seconds=0.5)
        worker.start()
        try:
            await asyncio.gather(*(worker.settle(f"e{n}", "done") for n in range(5)))
            await worker.settle(None, "done")  # no event id: nothing to mark
        finally:
            await worker.stop()

    asyncio.run(scenario())
    assert marks.batches == [[(f"e{n}", "done") for n in range(5)]]


def test_stopping_writes_the_marks_still_waiting() -> None:
    marks = Marks()

    async def scenario() -> None:
        worker = Worker("t", marks, batch_seconds=3600)
        worker.start()
        waiting = asyncio.ensure_future(worker.settle("late", "done"))
        await asyncio.sleep(0.05)
        assert not waiting.done() and marks.batches == []
        await worker.stop()
        await waiting

    asyncio.run(scenario())
    assert marks.batches == [[("late", "done")]]


def test_batched_marks_settle_rows_in_sqlite(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    claims = Claims(store, secret=b"k")
    for n in range(3):
        with claims.claimed(f"e{n}", "line", "u", "text", owed=True) as mine:
            assert mine
            store.complete(f"e{n}", {"reply": claims.seal({"to": {"to": "U"}})})

    async def scenario() -> None:
        worker = Worker("t", claims.settle_many)
        worker.start()
        try:
            await asyncio.gather(worker.settle("e0", "done"), worker.settle("e1", "retry"))
        finally:
            await worker.stop()

    asyncio.run(scenario())
    rows = {
        r["event_id"]: (r["delivery"], r["reply"])
        for r in store.db.query("select event_id, delivery, reply from interactions")
    }
    assert rows["e0"] == ("done", None) and rows["e1"] == ("retry", None)
    assert rows["e2"][0] == "owed" and rows["e2"][1] is not None  # not marked: still owed


def test_a_full_batch_is_written_at_once() -> None:
    marks = Marks()

    async def scenario() -> None:
        worker = Worker("t", marks, batch_seconds=3600)
        worker.start()
        full = [worker.settle(f"e{n}", "done") for n in range(BATCH_MAX)]
        await asyncio.wait_for(asyncio.gather(*full), 30)  # not an hour: the batch is full
        late = asyncio.ensure_future(worker.settle("late", "done"))
        await asyncio.sleep(0.05)
        assert not late.done()
        await worker.stop()
        await late

    asyncio.run(scenario())
    assert [len(b) for b in marks.batches] == [BATCH_MAX, 1]
